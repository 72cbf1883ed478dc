#include "push/pushd.h"

#include <signal.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/log.h"
#include "db/outbox_store.h"
#include "push/channel.h"

#define RETRY_CAP_MS (3600 * 1000LL)

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
    (void)sig;
    stopping = 1;
}

int64_t pushd_retry_delay_ms(int64_t attempts, int64_t base_ms)
{
    int64_t delay = base_ms;
    for (int64_t i = 1; i < attempts && delay < RETRY_CAP_MS; i++)
        delay *= 2;
    if (delay > RETRY_CAP_MS)
        delay = RETRY_CAP_MS;
    return delay / 2 +
           (int64_t)randombytes_uniform((uint32_t)(delay > UINT32_MAX ? UINT32_MAX : delay));
}

static push_outcome send_one(const outbox_row *row, arena *a)
{
    if (strcmp(row->channel, "sms") == 0)
        return channel_sms_send(row, a);
    return (push_outcome){OUTCOME_RETRY, "channel not served by this pushd", false};
}

static outbox_result result_of(const ow_config *cfg, const outbox_row *row, push_outcome o)
{
    outbox_result r = {row->id,        row->attempts,   o.outcome,      0, o.error, row->channel,
                       row->target_id, row->citizen_id, row->target_ref};
    if (r.outcome == OUTCOME_RETRY && row->attempts >= cfg->push_max_attempts)
        r.outcome = OUTCOME_DEAD;
    if (r.outcome == OUTCOME_RETRY)
        r.delay_ms = pushd_retry_delay_ms(row->attempts, cfg->push_retry_base_ms);
    return r;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* One batch: 1 when rows were worked, 0 when none was due, < 0 a db_status. */
static int one_batch(const ow_config *cfg, arena *a)
{
    outbox_row *rows;
    size_t n;
    int rc = outbox_claim(db_primary(), a, cfg->push_channels, cfg->push_batch, cfg->push_lease_s,
                          &rows, &n);
    if (rc != DB_OK || n == 0)
        return rc;
    outbox_result *results = arena_alloc(a, n * sizeof *results);
    if (!results)
        return DB_ERROR; /* the lease runs out; the rows come back */
    size_t done = 0, retry = 0, dead = 0;
    for (size_t i = 0; i < n; i++) {
        results[i] = result_of(cfg, &rows[i], send_one(&rows[i], a));
        done += results[i].outcome == OUTCOME_DONE || results[i].outcome == OUTCOME_GONE;
        retry += results[i].outcome == OUTCOME_RETRY;
        dead += results[i].outcome == OUTCOME_DEAD;
    }
    rc = outbox_record(db_primary(), a, results, n);
    if (rc != DB_OK)
        return rc;
    log_msg(LOG_INFO, "pushd batch: %zu claimed, %zu done, %zu to retry, %zu dead", n, done, retry,
            dead);
    return 1;
}

int pushd_run(const ow_config *cfg)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    log_msg(LOG_INFO, "pushd serving channels %s (batch %d, lease %d s)", cfg->push_channels,
            cfg->push_batch, cfg->push_lease_s);
    arena a;
    arena_init(&a, 1 << 20);
    while (!stopping) {
        arena_reset(&a);
        int rc = one_batch(cfg, &a);
        if (rc < 0) {
            log_msg(LOG_WARN, "pushd: database error %d; retrying", rc);
            sleep_ms(1000);
        } else if (rc == 0) {
            sleep_ms(cfg->push_poll_ms);
        }
    }
    arena_destroy(&a);
    db_thread_end();
    log_msg(LOG_INFO, "pushd stopped");
    return 0;
}
