-- Access-token signing keys (API.md §3): ES256 key pairs, the private key sealed with the
-- master key (auth/seal.c) so that every worker on every host shares them while the
-- database alone reveals nothing. The current key has retire_after NULL; a rotated key keeps
-- verifying tokens until retire_after (the last token it signed has expired by then).
CREATE TABLE signing_keys (
    kid VARCHAR(64) NOT NULL PRIMARY KEY,
    alg VARCHAR(8) NOT NULL,
    public_pem TEXT NOT NULL,
    private_sealed VARBINARY(2048) NOT NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    retire_after TIMESTAMP(3) NULL,
    KEY signing_keys_retire_after (retire_after)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- Bumped with every rotation; workers poll it and reload their key ring.
CREATE TABLE keys_state (
    id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
    version BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB;
INSERT INTO keys_state (id, version) VALUES (1, 1);
