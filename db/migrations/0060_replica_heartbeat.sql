-- The primary's heartbeat, read on the read replica to measure how far it trails (db/replica.c).
-- Workers move beat_us (microseconds since the epoch, the primary's clock) a few times a second;
-- the replica's copy of the row is as old as the last change it has applied, so the
-- difference of the two copies is its lag, whatever the replication (binlog, Galera, managed).
CREATE TABLE replica_heartbeat (
    id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
    beat_us BIGINT NOT NULL
) ENGINE=InnoDB;
INSERT INTO replica_heartbeat (id, beat_us) VALUES (1, 0);
