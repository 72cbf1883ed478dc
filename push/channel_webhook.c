/* webhook (API.md §6, §7): an event POSTed to the organization's URL as
 * {"id","type","created_at","data"}; the event id is the delivery id (header
 * OneWindow-Event-Id: receivers drop repeats by it), and OneWindow-Signature is
 * t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)> with the organization's
 * secret — and a second v1= with the previous secret for 24 h after a rotation, so that a
 * receiver holding either accepts it. Any 2xx is delivered; anything else is tried again on
 * the schedule of §7 (webhook_retry_delay_ms). The connection may go only to a public address
 * (unless webhook_allow_private): the address is checked when the socket is opened, after
 * libcurl resolved the name, so a DNS answer that changed since the URL was set cannot aim
 * it elsewhere; no proxy, no redirect, only http(s). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/socket.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "auth/pii.h"
#include "core/netaddr.h"
#include "push/channel.h"

#define SECRET_MAX 128

static bool webhook_configured(const ow_config *cfg)
{
    (void)cfg;
    return true; /* each organization brings its URL and secret */
}

static char *event_body(const outbox_row *row)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", row->delivery_id);
    cJSON_AddStringToObject(o, "type", row->target_ref);
    cJSON_AddStringToObject(o, "created_at", row->created_at);
    cJSON *data = row->payload ? cJSON_Parse(row->payload) : NULL;
    cJSON_AddItemToObject(o, "data", data ? data : cJSON_CreateObject());
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

/* ",v1=<hex HMAC-SHA256(secret, t.body)>" appended to out (len bytes used) with the sealed
 * secret; false when it does not open. */
static bool add_v1(const void *sealed, size_t sealed_len, const char *t, const char *body,
                   char *out, size_t cap)
{
    char secret[SECRET_MAX];
    if (pii_decrypt("webhook_secret", sealed, sealed_len, secret, sizeof secret) != 0)
        return false;
    crypto_auth_hmacsha256_state st;
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    char hex[2 * sizeof mac + 1];
    crypto_auth_hmacsha256_init(&st, (const uint8_t *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)t, strlen(t));
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)body, strlen(body));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(secret, sizeof secret);
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    size_t len = strlen(out);
    snprintf(out + len, cap - len, ",v1=%s", hex);
    return true;
}

/* "OneWindow-Signature: t=<now>,v1=<current>[,v1=<previous>]"; false when the current
 * secret does not open. */
static bool signature(const outbox_row *row, const char *body, char *out, size_t cap)
{
    char t[24];
    snprintf(t, sizeof t, "%lld", (long long)time(NULL));
    snprintf(out, cap, "OneWindow-Signature: t=%s", t);
    if (!row->webhook_secret_enc || pii_ready() != 0 ||
        !add_v1(row->webhook_secret_enc, row->webhook_secret_len, t, body, out, cap))
        return false;
    if (row->webhook_prev_secret_enc) /* a rotation's overlap: a bad old one is left out */
        add_v1(row->webhook_prev_secret_enc, row->webhook_prev_secret_len, t, body, out, cap);
    return true;
}

/* Opens the socket only to an address the configuration allows (curl_opensocket_callback). */
static curl_socket_t open_allowed(void *ctx, curlsocktype purpose, struct curl_sockaddr *addr)
{
    push_job *job = ctx;
    const ow_config *cfg = config_current();
    (void)purpose;
    if (!(cfg && cfg->webhook_allow_private) && !netaddr_public(&addr->addr)) {
        job->target_refused = true;
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

static void restrict_target(push_job *job)
{
    const ow_config *cfg = config_current();
    CURL *curl = job->easy;
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_allowed);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, job);
    curl_easy_setopt(curl, CURLOPT_PROXY, ""); /* never through a proxy of the environment */
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR,
                     cfg && cfg->webhook_allow_http ? "http,https" : "https");
}

static void webhook_prepare(push_job *job)
{
    const outbox_row *row = job->row;
    if (!row->webhook_url || !row->target_ref) {
        job->outcome = push_outcome_of(OUTCOME_DEAD, "no such organization");
        return;
    }
    if (row->org_disabled) {
        job->outcome = push_outcome_of(OUTCOME_DEAD, "organization disabled");
        return;
    }
    char *body = event_body(row);
    char sig[256], id[80];
    if (body && !signature(row, body, sig, sizeof sig)) {
        free(body);
        job->outcome = push_outcome_of(OUTCOME_RETRY, "no webhook secret");
        return;
    }
    snprintf(id, sizeof id, "OneWindow-Event-Id: %s", row->delivery_id);
    const char *const headers[] = {id, sig, NULL};
    if (push_http_post_json(job, row->webhook_url, body, headers))
        restrict_target(job);
}

static push_outcome webhook_finish(push_job *job)
{
    push_outcome o;
    if (job->target_refused)
        return push_outcome_of(OUTCOME_RETRY, "webhook address not allowed");
    if (push_transient(job, &o))
        return o;
    if (job->http_status >= 200 && job->http_status < 300)
        return push_outcome_of(OUTCOME_DONE, NULL);
    return push_outcome_of(OUTCOME_RETRY, "the organization refused");
}

/* API.md §7: retries after about 1 min, 5 min, 30 min, 2 h, 12 h, then dead; ±10 % so
 * that an organization coming back is not hit by its whole backlog at once. */
static int64_t webhook_retry_delay_ms(int64_t attempts, const ow_config *cfg)
{
    static const int64_t units[] = {1, 5, 30, 120, 720};
    if (attempts < 1 || attempts > (int64_t)(sizeof units / sizeof units[0]))
        return -1;
    int64_t d = units[attempts - 1] * cfg->webhook_retry_unit_ms;
    return d - d / 10 + (int64_t)randombytes_uniform((uint32_t)(d / 5 > 0 ? d / 5 : 1));
}

const push_channel channel_webhook = {.name = "webhook",
                                      .device = false,
                                      .configured = webhook_configured,
                                      .prepare = webhook_prepare,
                                      .finish = webhook_finish,
                                      .retry_delay_ms = webhook_retry_delay_ms};
