/* The read replica (db_read_dsn): each worker process measures its lag in a thread of its
 * own every db_replica_check_ms and lets db_reader() hand out the replica only while it
 * answers and trails the primary by at most db_replica_max_lag_ms; otherwise lag-tolerant
 * reads go to the primary. The lag is the difference between the primary's heartbeat row and
 * the replica's copy of it (migration 0060), so it needs no replication privilege and works
 * on any MySQL-compatible topology. /metrics shows the lag, whether the replica is in use,
 * and how many reads each side served (core/metrics.h). */
#ifndef OW_DB_REPLICA_H
#define OW_DB_REPLICA_H

#include <stdint.h>

/* Starts the monitor (nothing to do without a replica). 0, or -1. */
int db_replica_monitor_start(int check_ms, int max_lag_ms);
void db_replica_monitor_stop(void);

/* One measurement on the calling thread's connections: DB_OK with the lag in ms, or the
 * failure of either side. Moves the primary's heartbeat when it is older than min_beat_ms. */
int db_replica_measure(int min_beat_ms, int64_t *lag_ms);

#endif
