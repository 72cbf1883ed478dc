-- Citizens (API.md §3): phone, real name and ID number stored encrypted (auth/pii.c:
-- XChaCha20-Poly1305 under the personal-data key) and found through keyed hashes (blind
-- indexes), never in clear. The personal-data key itself is sealed with the master key.
CREATE TABLE data_keys (
    id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
    sealed VARBINARY(256) NOT NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB;

CREATE TABLE citizens (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    phone_enc VARBINARY(128) NOT NULL,
    phone_bidx BINARY(32) NOT NULL,
    name_enc VARBINARY(512) NULL,
    id_number_enc VARBINARY(128) NULL,
    id_number_bidx BINARY(32) NULL,
    password_hash VARCHAR(255) NULL,
    failed_logins INT UNSIGNED NOT NULL DEFAULT 0,
    locked_until TIMESTAMP(3) NULL,
    wechat_openid VARCHAR(128) NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY citizens_phone (phone_bidx),
    UNIQUE KEY citizens_id_number (id_number_bidx),
    UNIQUE KEY citizens_wechat (wechat_openid)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- Login codes sent by SMS: only a keyed hash of the code; the phone by its blind index.
CREATE TABLE sms_codes (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    phone_bidx BINARY(32) NOT NULL,
    ip_bidx BINARY(32) NOT NULL,
    code_hash BINARY(32) NOT NULL,
    attempts INT UNSIGNED NOT NULL DEFAULT 0,
    expires_at TIMESTAMP(3) NOT NULL,
    used_at TIMESTAMP(3) NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY sms_codes_phone (phone_bidx, created_at),
    KEY sms_codes_ip (ip_bidx, created_at)
) ENGINE=InnoDB;
