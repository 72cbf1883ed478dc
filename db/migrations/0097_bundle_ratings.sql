-- A citizen's rating of a whole life-event bundle (高效办成一件事, API.md §8 "Bundle
-- ratings"): one per bundle, by its citizen, once every child is final; beside the ratings of
-- its children (each child is an application, rated on its own). It is the citizen's view of
-- the bundle as one service, which spans departments: it counts in no department's or
-- service's statistics and opens no rectification case (a child's bad rating does that).
-- Like a rating, it is never deleted (db/grants.c). finished_day: the day the last child
-- became final, rated_day: the rating's day, both in the service's time zone.
CREATE TABLE bundle_ratings (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    bundle_id BIGINT UNSIGNED NOT NULL,
    bundle_no CHAR(20) NOT NULL,
    citizen_id BIGINT UNSIGNED NOT NULL,
    life_event_code VARCHAR(32) NOT NULL,
    life_event_name VARCHAR(100) NOT NULL,
    channel VARCHAR(16) NOT NULL,
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
    UNIQUE KEY bundle_ratings_bundle (bundle_id),
    KEY bundle_ratings_life_event_day (life_event_code, rated_day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
