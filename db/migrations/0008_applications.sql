-- Applications (办件, API.md §5) and what every step of one writes in the same transaction:
-- its timeline event, an audit-log row, the citizen's inbox notification and the outbox row
-- that onewindow-pushd delivers from. Also the working-day calendar, idempotency keys (§1)
-- and fixed-window rate counters.

-- Official holidays and adjusted workdays (调休上班); every other day is a working day from
-- Monday to Friday. Shipped in data/holidays.tsv, replaced per year by `set-holidays`.
CREATE TABLE calendar_days (
    day DATE NOT NULL PRIMARY KEY,
    kind ENUM('holiday', 'workday') NOT NULL,
    name VARCHAR(32) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Bumped with every calendar change; workers poll it and reload (workflow/calendar_cache.c).
CREATE TABLE calendar_state (
    id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
    version BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB;
INSERT INTO calendar_state (id, version) VALUES (1, 0);

-- One row per application. It records the service as it was applied for (code, name and
-- department's name: a later rename does not rewrite what was applied for), which also
-- makes reading one a single-table lookup. The form is sealed under the personal-data key
-- (it may hold anything the citizen typed); the material names are not personal. timeline
-- is the citizen's view of application_events (a JSON array, appended in the transaction of
-- each step): the detail, the hottest read, is then one row and no join. is_open (1 until a final
-- status) lets the department's default queue be one index range. due_date moves on when the
-- citizen resubmits after need_materials (paused_on is the day the clock stopped).
CREATE TABLE applications (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    application_no CHAR(20) NOT NULL,
    query_code CHAR(8) NOT NULL,
    citizen_id BIGINT UNSIGNED NOT NULL,
    service_id INT UNSIGNED NOT NULL,
    service_code VARCHAR(64) NOT NULL,
    service_name VARCHAR(100) NOT NULL,
    department_code VARCHAR(32) NOT NULL,
    department_name VARCHAR(100) NOT NULL,
    org_id BIGINT UNSIGNED NULL,
    handler_type ENUM('department', 'organization') NOT NULL,
    handler_name VARCHAR(100) NOT NULL,
    status ENUM('submitted', 'accepted', 'need_materials', 'not_accepted', 'withdrawn',
                'completed') NOT NULL,
    result ENUM('approved', 'denied') NULL,
    is_open TINYINT UNSIGNED NOT NULL DEFAULT 1,
    form_enc MEDIUMBLOB NOT NULL,
    materials MEDIUMTEXT NOT NULL CHECK (JSON_VALID(materials)),
    timeline MEDIUMTEXT NOT NULL DEFAULT '[]',
    submitted_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    due_date DATE NOT NULL,
    paused_on DATE NULL,
    finished_at TIMESTAMP(3) NULL,
    updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY applications_no (application_no),
    KEY applications_citizen (citizen_id, id),
    KEY applications_citizen_status (citizen_id, status, id),
    KEY applications_dept_open (department_code, is_open, id),
    KEY applications_dept_status (department_code, status, id),
    KEY applications_dept_open_due (department_code, is_open, due_date, id),
    KEY applications_dept_status_due (department_code, status, due_date, id),
    CONSTRAINT applications_service_fk FOREIGN KEY (service_id) REFERENCES services (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The timeline: one row per step, the record of what happened (applications.timeline is
-- its projection for reading). actor_name is what the citizen and the public see (the
-- department's or organization's name, "申请人" for the citizen), never a person's name.
CREATE TABLE application_events (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    application_id BIGINT UNSIGNED NOT NULL,
    status ENUM('submitted', 'accepted', 'need_materials', 'not_accepted', 'withdrawn',
                'completed') NOT NULL,
    result ENUM('approved', 'denied') NULL,
    note VARCHAR(500) NULL,
    materials TEXT NULL CHECK (materials IS NULL OR JSON_VALID(materials)),
    actor ENUM('citizen', 'department', 'organization', 'system') NOT NULL,
    actor_id BIGINT UNSIGNED NULL,
    actor_name VARCHAR(100) NOT NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY application_events_application (application_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Who did what to which record, append-only: the application has no UPDATE or DELETE for
-- it, and these triggers refuse both to anyone else.
CREATE TABLE audit_log (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    actor_type ENUM('citizen', 'staff', 'organization', 'system', 'operator') NOT NULL,
    actor_id VARCHAR(64) NOT NULL,
    action VARCHAR(64) NOT NULL,
    target VARCHAR(64) NOT NULL,
    detail VARCHAR(255) NULL,
    request_id VARCHAR(64) NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    KEY audit_log_target (target, id),
    KEY audit_log_actor (actor_type, actor_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_log is append-only';
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_log is append-only';

-- The citizen's inbox (API.md §6).
CREATE TABLE notifications (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    citizen_id BIGINT UNSIGNED NOT NULL,
    kind VARCHAR(32) NOT NULL,
    title VARCHAR(100) NOT NULL,
    body VARCHAR(500) NOT NULL,
    application_id BIGINT UNSIGNED NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    read_at TIMESTAMP(3) NULL,
    KEY notifications_citizen (citizen_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The transactional outbox (API.md §6): one row per delivery (a device, a WeChat grant, an
-- SMS, an organization's webhook), written in the same transaction as its cause and claimed
-- by onewindow-pushd with FOR UPDATE SKIP LOCKED in (status, next_attempt_at, id) order
-- (LIBRARY-FACTS: that index gives disjoint batches). delivery_id travels with every try
-- (APNs apns-id, webhook event id) so that a receiver can drop a repeat.
CREATE TABLE outbox (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    delivery_id CHAR(36) NOT NULL,
    channel ENUM('apns', 'hms', 'jpush', 'wechat', 'sms', 'webhook') NOT NULL,
    notification_id BIGINT UNSIGNED NULL,
    citizen_id BIGINT UNSIGNED NULL,
    target_id BIGINT UNSIGNED NULL,
    target_ref VARCHAR(64) NULL,
    status ENUM('pending', 'done', 'dead') NOT NULL DEFAULT 'pending',
    attempts INT UNSIGNED NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    last_error VARCHAR(255) NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    done_at TIMESTAMP(3) NULL,
    UNIQUE KEY outbox_delivery (delivery_id),
    KEY outbox_due (status, next_attempt_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- Idempotency keys of mutating POSTs (API.md §1), per caller. A row with status NULL is in
-- flight and holds a lease (owner, lease_until); a finished one keeps the answer for 24 h.
CREATE TABLE idempotency_keys (
    caller VARCHAR(80) NOT NULL,
    idem_key VARCHAR(64) NOT NULL,
    request_hash BINARY(32) NOT NULL,
    owner BINARY(16) NOT NULL,
    lease_until TIMESTAMP(3) NULL,
    status SMALLINT UNSIGNED NULL,
    content_type VARCHAR(64) NULL,
    body MEDIUMBLOB NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (caller, idem_key),
    KEY idempotency_keys_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- Fixed-window counters for per-IP limits (the public progress query): one row per
-- (bucket, key, window), counted with one INSERT … ON DUPLICATE KEY UPDATE.
CREATE TABLE rate_counters (
    bucket VARCHAR(32) NOT NULL,
    key_hash BINARY(32) NOT NULL,
    window_start BIGINT UNSIGNED NOT NULL,
    hits INT UNSIGNED NOT NULL,
    PRIMARY KEY (bucket, key_hash, window_start),
    KEY rate_counters_window (window_start)
) ENGINE=InnoDB;
