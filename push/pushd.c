#include "push/pushd.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/clock.h"
#include "core/log.h"
#include "db/outbox_store.h"
#include "push/channel.h"
#include "push/channels.h"

#define RETRY_CAP_MS (3600 * 1000LL)
#define PRUNE_EVERY_US (60 * 1000000LL)

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

/* The channels named by push_channels that have their credentials. */
static void served_channels(const ow_config *cfg, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    bool all = strcmp(cfg->push_channels, "all") == 0;
    for (size_t i = 0; i < push_channels_count; i++) {
        const push_channel *ch = push_channels[i];
        char padded[80], name[24];
        snprintf(padded, sizeof padded, ",%s,", cfg->push_channels);
        snprintf(name, sizeof name, ",%s,", ch->name);
        if (!all && !strstr(padded, name))
            continue;
        if (!ch->configured(cfg)) {
            log_msg(LOG_WARN, "pushd: channel %s has no credentials; its deliveries wait",
                    ch->name);
            continue;
        }
        len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? "," : "", ch->name);
    }
}

/* The host's name: the counters of /metrics are per host. */
static const char *host_name(void)
{
    static char name[64];
    if (!name[0] && gethostname(name, sizeof name - 1) != 0)
        snprintf(name, sizeof name, "localhost");
    return name;
}

static CURLM *multi; /* kept between batches: its connections (HTTP/2, TLS) are reused */

/* Runs every prepared request of the batch at once; fills curl_result and http_status. */
static void run_requests(push_job *jobs, size_t n)
{
    size_t added = 0;
    for (size_t i = 0; i < n; i++)
        if (jobs[i].easy && curl_multi_add_handle(multi, jobs[i].easy) == CURLM_OK)
            added++;
        else if (jobs[i].easy) {
            jobs[i].curl_result = CURLE_OUT_OF_MEMORY;
            curl_easy_cleanup(jobs[i].easy);
            jobs[i].easy = NULL;
            jobs[i].outcome = (push_outcome){OUTCOME_RETRY, "out of memory"};
        }
    int running = (int)added;
    while (running > 0) {
        if (curl_multi_perform(multi, &running) != CURLM_OK)
            break;
        if (running > 0)
            curl_multi_poll(multi, NULL, 0, 1000, NULL);
    }
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
        push_job *job = NULL;
        if (msg->msg != CURLMSG_DONE ||
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&job) != CURLE_OK ||
            !job)
            continue;
        job->curl_result = msg->data.result;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &job->http_status);
        curl_off_t us = 0;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_TOTAL_TIME_T, &us);
        job->duration_ms = (int64_t)(us / 1000);
    }
}

static void release(push_job *job)
{
    if (job->easy) {
        curl_multi_remove_handle(multi, job->easy);
        curl_easy_cleanup(job->easy);
    }
    curl_slist_free_all(job->headers);
    free(job->body);
    free(job->response);
}

/* A retry waits the channel's own schedule when it has one, else the backoff of
 * pushd_retry_delay_ms up to push_max_attempts; past either it is dead. */
static outbox_result result_of(const ow_config *cfg, const push_channel *ch, const push_job *job)
{
    const outbox_row *row = job->row;
    push_outcome o = job->outcome;
    outbox_result r = {row->id,         row->attempts,    o.outcome,       0,
                       o.error,         row->channel,     row->target_id,  row->citizen_id,
                       row->target_ref, job->http_status, job->duration_ms};
    if (r.outcome != OUTCOME_RETRY)
        return r;
    bool own = ch && ch->retry_delay_ms;
    r.delay_ms = own ? ch->retry_delay_ms(row->attempts, cfg)
                     : pushd_retry_delay_ms(row->attempts, cfg->push_retry_base_ms);
    if (own ? r.delay_ms < 0 : row->attempts >= cfg->push_max_attempts) {
        r.outcome = OUTCOME_DEAD;
        r.delay_ms = 0;
    }
    return r;
}

/* Sends a claimed batch; its results in results[]. */
static void send_batch(const ow_config *cfg, const outbox_row *rows, size_t n,
                       outbox_result *results, push_job *jobs)
{
    memset(jobs, 0, n * sizeof *jobs);
    for (size_t i = 0; i < n; i++) {
        jobs[i].row = &rows[i];
        jobs[i].outcome = (push_outcome){OUTCOME_RETRY, "channel not served by this pushd"};
        /* a request the multi loop did not see finish counts as a timeout: retried */
        jobs[i].curl_result = CURLE_OPERATION_TIMEDOUT;
        const push_channel *ch = push_channel_named(rows[i].channel);
        if (ch)
            ch->prepare(&jobs[i]);
    }
    run_requests(jobs, n);
    for (size_t i = 0; i < n; i++) {
        const push_channel *ch = push_channel_named(rows[i].channel);
        if (jobs[i].easy && ch)
            jobs[i].outcome = ch->finish(&jobs[i]);
        results[i] = result_of(cfg, ch, &jobs[i]);
        release(&jobs[i]);
    }
}

/* One batch: 1 when rows were worked, 0 when none was due, < 0 a db_status. */
static int one_batch(const ow_config *cfg, const char *channels, arena *a)
{
    outbox_row *rows;
    size_t n;
    int64_t t0 = clock_mono_us();
    int rc = outbox_claim(db_primary(), a, channels, cfg->push_batch, cfg->push_lease_s, &rows, &n);
    int64_t t1 = clock_mono_us();
    if (rc != DB_OK || n == 0)
        return rc;
    outbox_result *results = arena_alloc(a, n * sizeof *results);
    push_job *jobs = arena_alloc(a, n * sizeof *jobs);
    if (!results || !jobs)
        return DB_ERROR; /* the lease runs out; the rows come back */
    send_batch(cfg, rows, n, results, jobs);
    int64_t t2 = clock_mono_us();
    size_t count[4] = {0};
    for (size_t i = 0; i < n; i++)
        count[results[i].outcome]++;
    rc = outbox_record(db_primary(), a, results, n);
    if (rc != DB_OK)
        return rc;
    if (outbox_count_results(db_primary(), host_name(), results, n) != DB_OK)
        log_msg(LOG_WARN, "pushd: could not add the batch to the delivery counters");
    /* the phases' times let operators (and make bench) see where a batch goes */
    log_msg(LOG_INFO,
            "pushd batch: %zu claimed, %zu done, %zu gone, %zu to retry, %zu dead; claim %lld us, "
            "send %lld us, record %lld us",
            n, count[OUTCOME_DONE], count[OUTCOME_GONE], count[OUTCOME_RETRY], count[OUTCOME_DEAD],
            (long long)(t1 - t0), (long long)(t2 - t1), (long long)(clock_mono_us() - t2));
    return 1;
}

int pushd_run(const ow_config *cfg)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    char channels[80];
    served_channels(cfg, channels, sizeof channels);
    multi = curl_multi_init();
    if (!multi)
        return 1;
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    log_msg(LOG_INFO, "pushd serving channels %s (batch %d, lease %d s)", channels, cfg->push_batch,
            cfg->push_lease_s);
    arena a;
    arena_init(&a, 1 << 20);
    int64_t pruned_at = 0;
    while (!stopping) {
        arena_reset(&a);
        if (clock_mono_us() - pruned_at > PRUNE_EVERY_US) {
            pruned_at = clock_mono_us();
            if (outbox_prune(db_primary(), cfg->outbox_keep_days) != DB_OK)
                log_msg(LOG_WARN, "pushd: could not prune delivered outbox rows");
        }
        int rc = channels[0] ? one_batch(cfg, channels, &a) : 0;
        if (rc < 0) {
            log_msg(LOG_WARN, "pushd: database error %d; retrying", rc);
            clock_sleep_ms(1000);
        } else if (rc == 0) {
            clock_sleep_ms(cfg->push_poll_ms);
        }
    }
    arena_destroy(&a);
    curl_multi_cleanup(multi);
    db_thread_end();
    log_msg(LOG_INFO, "pushd stopped");
    return 0;
}
