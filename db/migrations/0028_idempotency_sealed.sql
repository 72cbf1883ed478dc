-- Kept answers may hold what must not sit in clear (a submission's query code): they are
-- stored sealed under the personal-data key (sealed = 1); rows of before stay readable.
ALTER TABLE idempotency_keys ADD COLUMN sealed TINYINT UNSIGNED NOT NULL DEFAULT 0 AFTER location;
