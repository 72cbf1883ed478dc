-- Rating appeals (申诉复核, API.md §8): a department asks for one of its ratings to be
-- reviewed; the platform's operator decides. One appeal per rating (a decided one stays and
-- blocks another). status: pending until the decision; excluded (the rating then leaves the
-- statistics: ratings.excluded_at, counters subtracted in the same transaction) or kept.
-- requested_by / decided_by: the staff account ids. Never deleted (db/grants.c).
CREATE TABLE rating_appeals (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    rating_id BIGINT UNSIGNED NOT NULL,
    department_code VARCHAR(32) NOT NULL,
    requested_by BIGINT UNSIGNED NOT NULL,
    reason VARCHAR(1000) NOT NULL,
    evidence VARCHAR(2000) NULL,
    status ENUM('pending', 'excluded', 'kept') NOT NULL DEFAULT 'pending',
    decided_by BIGINT UNSIGNED NULL,
    decision_reason VARCHAR(1000) NULL,
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    decided_at TIMESTAMP(3) NULL,
    UNIQUE KEY rating_appeals_rating (rating_id),
    KEY rating_appeals_status (status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
