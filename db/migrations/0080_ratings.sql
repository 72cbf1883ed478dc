-- Ratings (好差评, API.md §8): one per application (一事一评), by its citizen, after a final
-- step. A row keeps what a provincial or national 好差评 system asks for, copied at rating
-- time (a later rename or delegation does not rewrite what was rated): the application,
-- service, department, channel, who handled it (the organization, or the staff member who
-- took the final step), the status then, level, the four dimensions, tags, text and time.
-- A rating is never deleted (the API account has no DELETE on it, db/grants.c); a reviewer's
-- decision on an appeal (申诉复核) only sets excluded_at, which takes it out of statistics.
-- rated_day and finished_day are days in the service's time zone (the statistics' months).
CREATE TABLE ratings (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    application_id BIGINT UNSIGNED NOT NULL,
    application_no CHAR(20) NOT NULL,
    citizen_id BIGINT UNSIGNED NOT NULL,
    service_id INT UNSIGNED NOT NULL,
    service_code VARCHAR(64) NOT NULL,
    service_name VARCHAR(100) NOT NULL,
    department_code VARCHAR(32) NOT NULL,
    department_name VARCHAR(100) NOT NULL,
    channel VARCHAR(16) NOT NULL,
    handler_type ENUM('department', 'organization') NOT NULL,
    handler_name VARCHAR(100) NOT NULL,
    org_id BIGINT UNSIGNED NULL,
    staff_id BIGINT UNSIGNED NULL,
    app_status ENUM('not_accepted', 'completed') NOT NULL,
    app_result ENUM('approved', 'denied') NULL,
    finished_day DATE NOT NULL,
    score TINYINT UNSIGNED NOT NULL CHECK (score BETWEEN 1 AND 5),
    efficiency TINYINT UNSIGNED NULL CHECK (efficiency BETWEEN 1 AND 5),
    guide_accuracy TINYINT UNSIGNED NULL CHECK (guide_accuracy BETWEEN 1 AND 5),
    convenience TINYINT UNSIGNED NULL CHECK (convenience BETWEEN 1 AND 5),
    usability TINYINT UNSIGNED NULL CHECK (usability BETWEEN 1 AND 5),
    tags VARCHAR(400) NOT NULL DEFAULT '[]' CHECK (JSON_VALID(tags)),
    comment VARCHAR(500) NULL,
    rated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    rated_day DATE NOT NULL,
    excluded_at TIMESTAMP(3) NULL,
    excluded_reason VARCHAR(500) NULL,
    UNIQUE KEY ratings_application (application_id),
    KEY ratings_department_day (department_code, rated_day),
    KEY ratings_service_day (service_id, rated_day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Each service's running rating summary (the catalog detail's `rating`): moved in the
-- transaction of every rating and of every exclusion, so the detail reads one row.
CREATE TABLE service_rating_totals (
    service_id INT UNSIGNED NOT NULL PRIMARY KEY,
    rating_count BIGINT UNSIGNED NOT NULL DEFAULT 0,
    score_sum BIGINT UNSIGNED NOT NULL DEFAULT 0
) ENGINE=InnoDB;

-- Rectification of a bad rating (差评整改, score ≤ 2): the case belongs to whoever handled
-- the application (department_code always; org_id too for delegated work, which the
-- delegating department sees as well). deadline: the N-th working day after the opening day.
-- measure: 立行立改 (immediate), 限期整改 (scheduled), 解释说明 (explanation). visit: the
-- citizen's verdict on the response (回访).
CREATE TABLE rectifications (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    rating_id BIGINT UNSIGNED NOT NULL,
    application_id BIGINT UNSIGNED NOT NULL,
    application_no CHAR(20) NOT NULL,
    department_code VARCHAR(32) NOT NULL,
    org_id BIGINT UNSIGNED NULL,
    status ENUM('open', 'closed') NOT NULL DEFAULT 'open',
    opened_day DATE NOT NULL,
    deadline DATE NOT NULL,
    verification VARCHAR(1000) NULL,
    measure ENUM('immediate', 'scheduled', 'explanation') NULL,
    response VARCHAR(1000) NULL,
    responder VARCHAR(80) NULL,
    closed_at TIMESTAMP(3) NULL,
    closed_day DATE NULL,
    visit ENUM('satisfied', 'unsatisfied') NULL,
    visited_at TIMESTAMP(3) NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    UNIQUE KEY rectifications_rating (rating_id),
    UNIQUE KEY rectifications_application (application_id),
    KEY rectifications_department (department_code, status, id),
    KEY rectifications_org (org_id, status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
