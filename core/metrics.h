/* Host-wide metrics in shared memory.
 *
 * The supervisor creates one memfd before it starts workers and hands it to each of them,
 * so that every process of the host adds to the same counters: a scrape through nginx,
 * answered by any worker, sums all of them and never goes backwards, even when a worker
 * is replaced. Series are found by name (not by route index), so a reload with a new
 * binary whose route table changed keeps counting correctly. */
#ifndef OW_METRICS_H
#define OW_METRICS_H

#include <stdint.h>

#include "core/strbuf.h"

/* Creates the shared region; returns its fd (inheritable across exec), or -1. */
int metrics_create_shared(void);
/* Maps an existing region (fd from metrics_create_shared). Returns 0 or -1. */
int metrics_attach(int fd);
/* A private region, for a process running alone (tests, the admin CLI). */
int metrics_attach_private(void);

void metrics_observe_request(const char *route, const char *method, int status,
                             int64_t duration_us);
void metrics_db_error(void);

/* Operations figures of the host, each one series of its own (README "Operations"). Counters
 * only grow; gauges hold the last value set by any process of the host. */
typedef enum {
    METRIC_DB_RECONNECTS,         /* connections opened again after one was lost */
    METRIC_REPLICA_READS,         /* reads sent to the read replica */
    METRIC_REPLICA_FALLBACKS,     /* replica reads served by the primary (lagging or away) */
    METRIC_WORKER_RESTARTS,       /* workers replaced after they died */
    METRIC_TOKEN_CACHE_HITS,      /* access tokens found in a worker's verified cache */
    METRIC_TOKEN_CACHE_MISSES,    /* access tokens verified in full */
    METRIC_LOG_LINES_LOST,        /* log lines that could not be written (disk full …) */
    METRIC_IDEMPOTENCY_TAKEOVERS, /* in-flight keys taken over from a gone owner */
    METRIC_COUNTERS
} metric_counter;

typedef enum {
    GAUGE_REPLICA_CONFIGURED, /* 1 when db_read_dsn names a replica */
    GAUGE_REPLICA_USABLE,     /* 1 while reads go to it */
    GAUGE_REPLICA_LAG_MS,     /* last measured lag; -1 when it could not be measured */
    GAUGE_WORKERS_LIVE,       /* worker processes serving */
    METRIC_GAUGES
} metric_gauge;

void metrics_count(metric_counter which);
void metrics_gauge_set(metric_gauge which, int64_t value);
int64_t metrics_gauge_get(metric_gauge which);

/* Appends the Prometheus text format 0.0.4 exposition of everything recorded. */
void metrics_render(strbuf *out);

#endif
