-- The search log of misses (issue 14): per day and normalized query, how often it was
-- searched, how often it found nothing, and how often one of its results was opened (the
-- detail view with the search_id of the answer). Queries holding a long digit run (phone,
-- ID or account numbers) are stored with the run replaced by '#'. query_hash: SHA-256 of
-- the normalized text (the search_id of the answers), the key.
CREATE TABLE search_log (
    day DATE NOT NULL,
    query_hash BINARY(16) NOT NULL,
    query VARCHAR(64) NOT NULL,
    searches INT UNSIGNED NOT NULL DEFAULT 0,
    empty INT UNSIGNED NOT NULL DEFAULT 0,
    opens INT UNSIGNED NOT NULL DEFAULT 0,
    PRIMARY KEY (day, query_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Concepts added by operators (POST /api/v1/staff/catalog/concepts), next to the shipped ones
-- (data/concepts.tsv): the situation words citizens use and the service words they mean.
CREATE TABLE search_concepts (
    id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(64) NOT NULL,
    situations TEXT NOT NULL CHECK (JSON_VALID(situations)),
    services TEXT NOT NULL CHECK (JSON_VALID(services)),
    created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    retired_at TIMESTAMP(3) NULL,
    UNIQUE KEY search_concepts_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
