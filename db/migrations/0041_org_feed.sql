-- The organization's change feed (API.md §7, GET /api/v1/org/applications): an application
-- submitted during a delegation keeps its delegation_id (and org_id) until it is final. Every
-- change of such an application takes the next number of its organization's sequence
-- (org_feed.last_seq) as the last statement of its transaction: that row's lock is held to
-- the commit, so the organization's changes commit in the order of their numbers and a
-- reader that resumes after the last number it saw can neither skip nor repeat one.
ALTER TABLE applications
    ADD COLUMN delegation_id BIGINT UNSIGNED NULL,
    ADD COLUMN change_seq BIGINT UNSIGNED NULL,
    ADD KEY applications_org_feed (org_id, change_seq),
    ADD KEY applications_org_status_feed (org_id, status, change_seq);

CREATE TABLE org_feed (
    org_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    last_seq BIGINT UNSIGNED NOT NULL DEFAULT 0
) ENGINE=InnoDB;
INSERT INTO org_feed (org_id) SELECT id FROM organizations;
