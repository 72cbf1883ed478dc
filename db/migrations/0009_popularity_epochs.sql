-- Popularity ranks by epochs (search/catalog_cache.c): the live counters of service_stats
-- move with every view and submission, so workers that rebuilt their index a moment apart
-- ranked (and paged) the catalog differently. The index now reads `ranked`, a copy of the
-- counters taken in the same transaction that bumps the catalog version, so every worker
-- building a version ranks it the same. A worker starts a new epoch every catalog_rebuild_s.
ALTER TABLE service_stats ADD COLUMN ranked BIGINT UNSIGNED NOT NULL DEFAULT 0;
ALTER TABLE catalog_state ADD COLUMN popularity_at TIMESTAMP(3) NOT NULL
    DEFAULT CURRENT_TIMESTAMP(3);
