-- Life events (高效办成一件事, API.md §4): bundles of services imported from
-- data/life-events.json by `onewindow-admin import-life-events`. definition is the bundle as
-- imported (canonical JSON: names, source, questions, services, produced materials); the
-- services' forms and materials stay in `services` and are merged when read, so a catalog
-- import never leaves a bundle's merged form stale. A bundle missing from a later file is
-- retired (retired_at), never deleted: submitted bundles keep pointing at it.
CREATE TABLE life_events (
    id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    code VARCHAR(32) NOT NULL,
    name VARCHAR(100) NOT NULL,
    lead_department_code VARCHAR(32) NOT NULL,
    position INT UNSIGNED NOT NULL,
    definition MEDIUMTEXT NOT NULL CHECK (JSON_VALID(definition)),
    content_hash BINARY(32) NOT NULL,
    retired_at TIMESTAMP(3) NULL,
    updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY life_events_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A bundle's services in their order: which bundles a service belongs to (its detail lists
-- them) is one index range.
CREATE TABLE life_event_services (
    life_event_id INT UNSIGNED NOT NULL,
    position TINYINT UNSIGNED NOT NULL,
    service_code VARCHAR(64) NOT NULL,
    required TINYINT UNSIGNED NOT NULL,
    condition_code VARCHAR(40) NULL,
    PRIMARY KEY (life_event_id, position),
    KEY life_event_services_service (service_code, life_event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One submitted bundle: its number and query code (stored like an application's, migration
-- 0025), the answers that chose its optional services, and what the statistics need: the
-- due date of its slowest child, the working days the bundle promised (the longest child's)
-- and those separate applications one after another would have taken (their sum).
CREATE TABLE bundles (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    bundle_no CHAR(20) NOT NULL,
    query_code_hash BINARY(32) NOT NULL,
    query_code_enc VARBINARY(64) NOT NULL,
    citizen_id BIGINT UNSIGNED NOT NULL,
    life_event_id INT UNSIGNED NOT NULL,
    life_event_code VARCHAR(32) NOT NULL,
    life_event_name VARCHAR(100) NOT NULL,
    answers TEXT NOT NULL CHECK (JSON_VALID(answers)),
    children TINYINT UNSIGNED NOT NULL,
    promised_days INT UNSIGNED NOT NULL,
    separate_days INT UNSIGNED NOT NULL,
    submitted_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    due_date DATE NOT NULL,
    finished_at TIMESTAMP(3) NULL,
    UNIQUE KEY bundles_no (bundle_no),
    KEY bundles_citizen (citizen_id, id),
    KEY bundles_finished (finished_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE applications ADD COLUMN bundle_id BIGINT UNSIGNED NULL,
    ADD KEY applications_bundle (bundle_id, id);
