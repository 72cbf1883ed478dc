-- The webhook delivery log (API.md §7, GET /api/v1/org/webhook-deliveries): one row per try
-- of an event, written by onewindow-pushd with the batch's results (the outbox row keeps only
-- the last try). result: delivered, failed (tried again at next_attempt_at) or dead. Rows
-- older than outbox_keep_days are deleted by pushd, oldest first.
CREATE TABLE webhook_attempts (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    org_id BIGINT UNSIGNED NOT NULL,
    delivery_id CHAR(36) NOT NULL,
    event_type VARCHAR(64) NOT NULL,
    attempt INT UNSIGNED NOT NULL,
    result ENUM('delivered', 'failed', 'dead') NOT NULL,
    http_status SMALLINT UNSIGNED NULL,
    error VARCHAR(255) NULL,
    duration_ms INT UNSIGNED NULL,
    next_attempt_at TIMESTAMP(3) NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY webhook_attempts_org (org_id, id),
    KEY webhook_attempts_event (delivery_id, id),
    KEY webhook_attempts_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- An event's data names the service as citizens see it (Chinese): the outbox is ASCII but
-- for this column.
ALTER TABLE outbox MODIFY payload MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL;
