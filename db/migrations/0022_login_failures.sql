-- Wrong passwords slow a login name down; they never lock it, and they say nothing about
-- whether an account has that name (API.md §3, auth/lockout.c). A name (a citizen's phone, a
-- staff username) is kept as a keyed hash, counted whether an account has it or not; a failure
-- is forgotten a day after the last one, or at a right password.
CREATE TABLE login_failures (
    subject BINARY(32) NOT NULL PRIMARY KEY,
    failures INT UNSIGNED NOT NULL,
    last_failure_at TIMESTAMP(3) NOT NULL,
    KEY login_failures_last (last_failure_at)
) ENGINE=InnoDB;

-- The addresses (keyed hashes) that logged in to a name: their tries are never made to
-- wait, so that failures elsewhere cannot keep the owner out. Forgotten after 90 days.
CREATE TABLE login_known_clients (
    subject BINARY(32) NOT NULL,
    client BINARY(32) NOT NULL,
    last_login_at TIMESTAMP(3) NOT NULL,
    PRIMARY KEY (subject, client),
    KEY login_known_clients_last (last_login_at)
) ENGINE=InnoDB;
