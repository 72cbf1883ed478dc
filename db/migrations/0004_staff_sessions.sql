-- Department staff (API.md §3: onewindow-admin create-staff, POST /auth/staff/login) and the
-- login sessions of citizens and staff: opaque refresh tokens stored only as SHA-256
-- hashes, rotated on every use (the previous hash kept for the grace window), revocable.
CREATE TABLE staff (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username VARCHAR(64) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    department_code VARCHAR(32) NOT NULL,
    failed_logins INT UNSIGNED NOT NULL DEFAULT 0,
    locked_until TIMESTAMP(3) NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY staff_username (username),
    CONSTRAINT staff_department_fk FOREIGN KEY (department_code) REFERENCES departments (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE sessions (
    sid CHAR(32) NOT NULL PRIMARY KEY,
    role ENUM('citizen', 'staff') NOT NULL,
    principal_id BIGINT UNSIGNED NOT NULL,
    client_id VARCHAR(64) NOT NULL,
    refresh_hash BINARY(32) NOT NULL,
    previous_hash BINARY(32) NULL,
    rotated_at TIMESTAMP(3) NULL,
    expires_at TIMESTAMP(3) NOT NULL,
    revoked_at TIMESTAMP(3) NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY sessions_refresh (refresh_hash),
    KEY sessions_previous (previous_hash),
    KEY sessions_revoked (revoked_at),
    KEY sessions_principal (role, principal_id)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
