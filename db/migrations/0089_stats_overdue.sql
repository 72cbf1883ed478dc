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
-- The cases already closed late when this runs: their counts, as the closings would have
-- moved them (on the rating's department and service, its rating day and month), so that an
-- exclusion on appeal, which subtracts a case's lateness, never takes a counter below zero.
UPDATE stats_counters s JOIN (
    SELECT 'department' AS scope, r.department_code AS code, g.grain,
        IF(g.grain = 'day', r.rated_day, DATE_FORMAT(r.rated_day, '%Y-%m-01')) AS period,
        COUNT(*) AS n
    FROM ratings r JOIN rectifications k ON k.rating_id = r.id
    JOIN (SELECT 'day' AS grain UNION ALL SELECT 'month') g
    WHERE r.excluded_at IS NULL AND k.status = 'closed' AND k.closed_day > k.deadline
    GROUP BY r.department_code, g.grain, period
    UNION ALL
    SELECT 'service', r.service_code, g.grain,
        IF(g.grain = 'day', r.rated_day, DATE_FORMAT(r.rated_day, '%Y-%m-01')), COUNT(*)
    FROM ratings r JOIN rectifications k ON k.rating_id = r.id
    JOIN (SELECT 'day' AS grain UNION ALL SELECT 'month') g
    WHERE r.excluded_at IS NULL AND k.status = 'closed' AND k.closed_day > k.deadline
    GROUP BY r.service_code, g.grain, 4
) late ON s.scope = late.scope AND s.code = late.code AND s.grain = late.grain
    AND s.period = late.period
SET s.closed_late = late.n;
