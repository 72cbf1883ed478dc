-- onewindow-pushd's delivery counts per host (API.md §6: deliveries by channel and result in
-- the host's /metrics). pushd adds each batch's counts; the host's /metrics reads its rows.
-- Counters only grow, so a scrape is monotonic whichever worker answers it.
CREATE TABLE push_counters (
    host VARCHAR(64) NOT NULL,
    channel VARCHAR(16) NOT NULL,
    result VARCHAR(8) NOT NULL,
    n BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (host, channel, result)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;
