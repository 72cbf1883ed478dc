-- Third-party social organizations (API.md §3, §7) and their OAuth clients: the client
-- secret (256 random bits) is stored only as its SHA-256 and shown once when created.
CREATE TABLE organizations (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    credit_code CHAR(18) NOT NULL,
    webhook_url VARCHAR(512) NOT NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY organizations_credit_code (credit_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE oauth_clients (
    client_id CHAR(32) NOT NULL PRIMARY KEY,
    org_id BIGINT UNSIGNED NOT NULL,
    secret_hash BINARY(32) NOT NULL,
    scopes VARCHAR(512) NOT NULL,
    disabled_at TIMESTAMP(3) NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY oauth_clients_org (org_id),
    CONSTRAINT oauth_clients_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
