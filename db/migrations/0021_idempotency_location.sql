-- A replayed answer is the whole first answer: a 201 keeps its Location (API.md §1).
ALTER TABLE idempotency_keys ADD COLUMN location VARCHAR(255) NULL AFTER content_type;
