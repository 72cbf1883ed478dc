#include "db/replica.h"

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "db/db.h"

static const char sql_beat[] =
    "UPDATE replica_heartbeat SET beat_us = CAST(UNIX_TIMESTAMP(CURRENT_TIMESTAMP(6)) * 1000000 "
    "AS SIGNED) WHERE id = 1 AND beat_us < CAST(UNIX_TIMESTAMP(CURRENT_TIMESTAMP(6)) * 1000000 "
    "AS SIGNED) - ?";
static const char sql_read_beat[] = "SELECT beat_us FROM replica_heartbeat WHERE id = 1";

static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static bool running, stopping;
static int interval_ms, max_lag_ms;

int db_replica_measure(int min_beat_ms, int64_t *lag_ms)
{
    db_conn *replica = db_replica();
    if (!replica)
        return DB_ERROR;
    arena a;
    arena_init(&a, 1024);
    int64_t primary_us = 0, replica_us = 0;
    /* many workers check: only one of them moves the beat in each min_beat_ms */
    int rc = db_exec(db_primary(), sql_beat, "i", (int64_t)min_beat_ms * 1000);
    if (rc == DB_OK)
        rc = db_query_int(db_primary(), &a, &primary_us, sql_read_beat, "");
    if (rc == DB_OK)
        rc = db_query_int(replica, &a, &replica_us, sql_read_beat, "");
    arena_destroy(&a);
    if (rc == DB_OK)
        *lag_ms = primary_us > replica_us ? (primary_us - replica_us) / 1000 : 0;
    return rc;
}

/* One check: the verdict for db_reader(), and the figures for /metrics. The primary away
 * leaves the verdict as it was (there is nowhere better to read from). */
static void check(bool *usable)
{
    int64_t lag = -1;
    int rc = db_replica_measure(interval_ms / 2, &lag);
    bool now_usable = rc == DB_OK && lag <= max_lag_ms;
    if (rc != DB_OK) {
        arena a;
        arena_init(&a, 256);
        bool primary_away = db_ping(db_primary(), &a) != DB_OK;
        arena_destroy(&a);
        if (primary_away)
            return;
    }
    metrics_gauge_set(GAUGE_REPLICA_LAG_MS, rc == DB_OK ? lag : -1);
    if (now_usable != *usable)
        log_msg(now_usable ? LOG_INFO : LOG_WARN, "read replica %s (lag %lld ms, bound %d ms)",
                now_usable ? "in use again" : "left: lag-tolerant reads go to the primary",
                (long long)lag, max_lag_ms);
    *usable = now_usable;
    db_replica_set_usable(now_usable);
}

static void *loop(void *unused)
{
    (void)unused;
    bool usable = false;
    pthread_mutex_lock(&lock);
    while (!stopping) {
        pthread_mutex_unlock(&lock);
        check(&usable);
        pthread_mutex_lock(&lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)(interval_ms % 1000) * 1000000L;
        until.tv_sec += interval_ms / 1000 + until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        while (!stopping && pthread_cond_timedwait(&wake, &lock, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&lock);
    db_thread_end();
    return NULL;
}

int db_replica_monitor_start(int check_ms, int max_lag)
{
    if (!db_replica())
        return 0;
    interval_ms = check_ms;
    max_lag_ms = max_lag;
    stopping = false;
    if (pthread_create(&thread, NULL, loop, NULL) != 0)
        return -1;
    running = true;
    return 0;
}

void db_replica_monitor_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&lock);
    stopping = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(thread, NULL);
    running = false;
}
