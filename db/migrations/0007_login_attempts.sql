-- Login attempts by client IP (a keyed hash), for the per-IP login limit of API.md §1/§3;
-- rows older than an hour are deleted as new ones arrive.
CREATE TABLE login_attempts (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ip_bidx BINARY(32) NOT NULL,
    at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY login_attempts_ip (ip_bidx, at),
    KEY login_attempts_at (at)
) ENGINE=InnoDB;
