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
#include "push/batch.h"
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
        if ((!all && !strstr(padded, name)) || (ch->enabled && !ch->enabled(cfg)))
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

/* One batch: 1 when rows were worked, 0 when none was due, < 0 a db_status. */
static int one_batch(const ow_config *cfg, const char *channels, arena *a)
{
    outbox_row *rows;
    size_t n;
    int64_t t0 = clock_mono_us();
    int rc = outbox_claim(db_primary(), a, host_name(), channels, cfg->push_batch,
                          cfg->push_lease_s, &rows, &n);
    int64_t claim_us = clock_mono_us() - t0;
    if (rc != DB_OK || n == 0)
        return rc;
    push_batch_stats st;
    push_batch_run(multi, cfg, host_name(), rows, n, a, &st);
    /* the phases' times let operators (and make bench) see where a batch goes */
    log_msg(LOG_INFO,
            "pushd batch: %zu claimed, %zu done, %zu gone, %zu to retry, %zu dead, %zu lost, "
            "%zu unrecorded; claim %lld us, send %lld us, record %lld us",
            n, st.outcomes[OUTCOME_DONE], st.outcomes[OUTCOME_GONE], st.outcomes[OUTCOME_RETRY],
            st.outcomes[OUTCOME_DEAD], st.lost, st.unrecorded, (long long)claim_us,
            (long long)st.send_us, (long long)st.record_us);
    return st.unrecorded ? DB_UNAVAILABLE : 1;
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
    /* HTTP/1.1 providers (SMS gateways, most webhooks) get a batch at once too: up to this
     * many connections to one host, kept open between batches */
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)cfg->push_connections_per_host);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)cfg->push_connections_per_host * 4);
    log_msg(LOG_INFO, "pushd serving channels %s (batch %d, lease %d s, %d connections per host)",
            channels, cfg->push_batch, cfg->push_lease_s, cfg->push_connections_per_host);
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
