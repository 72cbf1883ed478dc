-- The organization's change feed (API.md §7, GET /api/v1/org/applications). An application
-- submitted during a delegation keeps its delegation_id (and org_id) until it is final.
-- Every change of such an application takes the next number of its organization's sequence
-- (org_feed.last_seq) near the end of its transaction and moves the application's line in
-- org_feed_entries to that number: the counter's row stays locked to the commit, so an
-- organization's changes commit in the order of their numbers, and a reader that resumes
-- after the last number it saw can neither skip nor repeat one. org_feed_entries holds a
-- delegated application's list fields by (org_id, change_seq): a page of the feed is one
-- range of the primary key, a few adjacent pages, wherever the applications lie.
ALTER TABLE applications ADD COLUMN delegation_id BIGINT UNSIGNED NULL;

CREATE TABLE org_feed (
    org_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    last_seq BIGINT UNSIGNED NOT NULL DEFAULT 0
) ENGINE=InnoDB;
INSERT INTO org_feed (org_id) SELECT id FROM organizations;

CREATE TABLE org_feed_entries (
    org_id BIGINT UNSIGNED NOT NULL,
    change_seq BIGINT UNSIGNED NOT NULL,
    application_id BIGINT UNSIGNED NOT NULL,
    application_no CHAR(20) NOT NULL,
    status ENUM('submitted', 'accepted', 'need_materials', 'not_accepted', 'withdrawn',
                'completed') NOT NULL,
    result ENUM('approved', 'denied') NULL,
    service_code VARCHAR(64) NOT NULL,
    service_name VARCHAR(100) NOT NULL,
    submitted_at TIMESTAMP(3) NOT NULL,
    updated_at TIMESTAMP(3) NOT NULL,
    due_date DATE NOT NULL,
    PRIMARY KEY (org_id, change_seq),
    UNIQUE KEY org_feed_entries_application (application_id),
    KEY org_feed_entries_status (org_id, status, change_seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
