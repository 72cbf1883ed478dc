-- Department staff (API.md §3: onewindow-admin create-staff, POST /auth/staff/login) and the
-- login sessions of citizens and staff. A refresh token is derived from the session id and
-- its generation with a key the database does not hold (auth/sessions.c); only its SHA-256
-- is stored. Each use advances the generation; an older generation presented after the
-- grace window revokes the session.
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
    generation INT UNSIGNED NOT NULL DEFAULT 1,
    refresh_hash BINARY(32) NOT NULL,
    rotated_at TIMESTAMP(3) NULL,
    expires_at TIMESTAMP(3) NOT NULL,
    revoked_at TIMESTAMP(3) NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY sessions_revoked (revoked_at),
    KEY sessions_principal (role, principal_id)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
