-- Public performance statistics (API.md §8, GET /api/v1/stats/…): counters per department
-- and per service, per local day and per month (period: the day, or the month's first day),
-- moved in the transaction of each event they count (workflow/applications.c: a completion;
-- workflow/ratings.c: a rating; workflow/rectifications.c: a case closed, a return visit).
-- A range is read as its whole months plus the days at its two ends: at most 13 + 60 rows
-- per department or service. Signed, so a later exclusion (申诉复核) can subtract.
--   completed, on_time, processing_days: applications completed on that day (finished_at's
--     local day), those finished on or before their due_date, and their working days from
--     the submission day (exclusive) to the completion day (inclusive), summed;
--   rated, score_sum, level_1..level_5: ratings given on that day (rated_day);
--   rectified, visited, visit_satisfied: of the bad ratings given on that day, those whose
--     case is closed, those with a return visit, and those visited as satisfied.
CREATE TABLE stats_counters (
    scope ENUM('department', 'service') NOT NULL,
    code VARCHAR(64) NOT NULL,
    grain ENUM('day', 'month') NOT NULL,
    period DATE NOT NULL,
    completed BIGINT NOT NULL DEFAULT 0,
    on_time BIGINT NOT NULL DEFAULT 0,
    processing_days BIGINT NOT NULL DEFAULT 0,
    rated BIGINT NOT NULL DEFAULT 0,
    score_sum BIGINT NOT NULL DEFAULT 0,
    level_1 BIGINT NOT NULL DEFAULT 0,
    level_2 BIGINT NOT NULL DEFAULT 0,
    level_3 BIGINT NOT NULL DEFAULT 0,
    level_4 BIGINT NOT NULL DEFAULT 0,
    level_5 BIGINT NOT NULL DEFAULT 0,
    rectified BIGINT NOT NULL DEFAULT 0,
    visited BIGINT NOT NULL DEFAULT 0,
    visit_satisfied BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, code, grain, period),
    KEY stats_counters_period (scope, grain, period)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
