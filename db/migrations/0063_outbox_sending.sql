-- 1 from a claim until its result is recorded. A claim that finds it still 1 sends again a
-- try whose outcome nobody knows (its pushd died, or lost the database, before recording);
-- those repeats are counted per host (push_counters, result 'resent') for /metrics.
ALTER TABLE outbox ADD COLUMN sending TINYINT UNSIGNED NOT NULL DEFAULT 0;
