-- Overdue rectification cases in the public statistics (API.md §8 `overdue_count`): of the
-- bad ratings given on a day, those whose case was closed after its deadline (moved when the
-- case closes, like rectified); the cases still open past their deadline are counted when
-- read, over the open cases by deadline (few: a department closes its cases in days).
ALTER TABLE stats_counters ADD COLUMN closed_late BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rectifications ADD KEY rectifications_open_deadline (status, deadline);
-- The staff and organization case lists without a status filter, newest first, read in id
-- order (explain-queries; with a status they read (department_code | org_id, status, id)).
ALTER TABLE rectifications ADD KEY rectifications_department_all (department_code, id),
    ADD KEY rectifications_org_all (org_id, id);
