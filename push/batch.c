#include "push/batch.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "push/channel.h"
#include "push/channels.h"
#include "push/pushd.h"

#define FLUSH_MS 200
#define RECORD_RETRY_MS 500

enum { IN_FLIGHT, KNOWN, RECORDED };

typedef struct batch {
    CURLM *multi;
    const ow_config *cfg;
    const char *host;
    arena *a;
    const outbox_row *rows;
    size_t n;
    push_job *jobs;
    outbox_result *results;
    char *state;
    size_t in_flight, known;
    push_batch_stats *stats;
} batch;

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

static void release(batch *b, push_job *job)
{
    if (job->easy) {
        curl_multi_remove_handle(b->multi, job->easy);
        curl_easy_cleanup(job->easy);
        job->easy = NULL;
    }
    curl_slist_free_all(job->headers);
    free(job->body);
    free(job->response);
    job->headers = NULL;
    job->body = job->response = NULL;
}

/* The job's answer is in (or it never needed a request): its result, and its handle back. */
static void settle(batch *b, size_t i)
{
    push_job *job = &b->jobs[i];
    const push_channel *ch = push_channel_named(b->rows[i].channel);
    if (job->easy && ch)
        job->outcome = ch->finish(job);
    b->results[i] = result_of(b->cfg, ch, job);
    release(b, job);
    if (b->state[i] == IN_FLIGHT)
        b->in_flight--;
    b->state[i] = KNOWN;
    b->known++;
}

static void start(batch *b)
{
    memset(b->jobs, 0, b->n * sizeof *b->jobs);
    b->in_flight = b->n;
    for (size_t i = 0; i < b->n; i++) {
        push_job *job = &b->jobs[i];
        job->row = &b->rows[i];
        job->outcome = (push_outcome){OUTCOME_RETRY, "channel not served by this pushd"};
        /* a request the multi loop did not see finish counts as a timeout: retried */
        job->curl_result = CURLE_OPERATION_TIMEDOUT;
        const push_channel *ch = push_channel_named(b->rows[i].channel);
        if (ch)
            ch->prepare(job);
        if (job->easy && curl_multi_add_handle(b->multi, job->easy) != CURLM_OK) {
            curl_easy_cleanup(job->easy);
            job->easy = NULL;
            job->outcome = (push_outcome){OUTCOME_RETRY, "out of memory"};
        }
        if (!job->easy)
            settle(b, i);
    }
}

/* Settles every transfer the multi handle reports finished. */
static void collect(batch *b)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(b->multi, &left)) != NULL) {
        push_job *job = NULL;
        if (msg->msg != CURLMSG_DONE ||
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&job) != CURLE_OK ||
            !job)
            continue;
        job->curl_result = msg->data.result;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &job->http_status);
        curl_off_t us = 0; /* the webhook delivery log shows each try's time */
        curl_easy_getinfo(msg->easy_handle, CURLINFO_TOTAL_TIME_T, &us);
        job->duration_ms = (int64_t)(us / 1000);
        settle(b, (size_t)(job - b->jobs));
    }
}

/* Records the known results not yet recorded: true when the database took them. */
static bool flush(batch *b)
{
    if (b->known == 0)
        return true;
    int64_t t0 = clock_mono_us();
    outbox_result *part = arena_alloc(b->a, b->known * sizeof *part);
    size_t *index = arena_alloc(b->a, b->known * sizeof *index);
    bool *ours = arena_alloc(b->a, b->known * sizeof *ours);
    if (!part || !index || !ours)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->state[i] == KNOWN) {
            index[k] = i;
            part[k++] = b->results[i];
        }
    int rc = outbox_record(db_primary(), b->a, b->host, part, k, ours);
    b->stats->record_us += clock_mono_us() - t0;
    if (rc != DB_OK)
        return false;
    for (size_t j = 0; j < k; j++) {
        b->state[index[j]] = RECORDED;
        if (ours[j])
            b->stats->outcomes[part[j].outcome]++;
        else
            b->stats->lost++;
    }
    b->known = 0;
    return true;
}

/* Keeps the rows still in flight ours for another lease. */
static void renew(batch *b)
{
    outbox_result *rows = arena_alloc(b->a, (b->in_flight ? b->in_flight : 1) * sizeof *rows);
    if (!rows)
        return;
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->state[i] == IN_FLIGHT)
            rows[k++] = (outbox_result){.id = b->rows[i].id, .attempts = b->rows[i].attempts};
    if (k && outbox_renew(db_primary(), b->a, rows, k, b->cfg->push_lease_s) != DB_OK)
        log_msg(LOG_WARN, "pushd: could not renew the lease of %zu deliveries in flight", k);
}

void push_batch_run(CURLM *multi, const ow_config *cfg, const char *host, const outbox_row *rows,
                    size_t n, arena *a, push_batch_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    batch b = {multi,
               cfg,
               host,
               a,
               rows,
               n,
               arena_alloc(a, n * sizeof(push_job)),
               arena_alloc(a, n * sizeof(outbox_result)),
               arena_alloc(a, n),
               0,
               0,
               stats};
    if (!b.jobs || !b.results || !b.state)
        return; /* the lease runs out; the rows come back */
    memset(b.state, IN_FLIGHT, n);
    int64_t t0 = clock_mono_us(), lease_ms = (int64_t)cfg->push_lease_s * 1000;
    int64_t flushed = clock_mono_ms(), renewed = flushed;
    start(&b);
    int running = 1;
    while (running > 0) {
        if (curl_multi_perform(multi, &running) != CURLM_OK)
            break;
        collect(&b);
        int64_t now = clock_mono_ms();
        if (now - flushed >= FLUSH_MS) {
            flush(&b);
            flushed = now;
        }
        if (now - renewed >= lease_ms / 3) {
            renew(&b);
            renewed = now;
        }
        if (running > 0)
            curl_multi_poll(multi, NULL, 0, FLUSH_MS, NULL);
    }
    collect(&b);
    for (size_t i = 0; i < n; i++) /* never seen to finish: a timeout, retried */
        if (b.state[i] == IN_FLIGHT)
            settle(&b, i);
    stats->send_us = clock_mono_us() - t0 - stats->record_us;
    /* the database away: keep the results while the rows are still ours */
    for (int64_t until = clock_mono_ms() + lease_ms; !flush(&b) && clock_mono_ms() < until;)
        clock_sleep_ms(RECORD_RETRY_MS);
    stats->unrecorded = b.known;
}
