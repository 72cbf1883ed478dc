/* webhook (API.md §6, §7): an event POSTed to the organization's URL as
 * {"id","type","created_at","data"}; the event id is the delivery id (header
 * OneWindow-Event-Id: receivers drop repeats by it), and OneWindow-Signature is
 * t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)> with the organization's
 * secret. Any 2xx is delivered; anything else is tried again on the schedule of §7
 * (webhook_retry_delay_ms). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "auth/pii.h"
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

/* "t=<now>,v1=<hex HMAC-SHA256(secret, t.body)>" */
static void signature(const char *secret, const char *body, char *out, size_t cap)
{
    char t[24];
    snprintf(t, sizeof t, "%lld", (long long)time(NULL));
    crypto_auth_hmacsha256_state st;
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    char hex[2 * sizeof mac + 1];
    crypto_auth_hmacsha256_init(&st, (const uint8_t *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)t, strlen(t));
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)body, strlen(body));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    snprintf(out, cap, "OneWindow-Signature: t=%s,v1=%s", t, hex);
}

static void webhook_prepare(push_job *job)
{
    const outbox_row *row = job->row;
    char secret[SECRET_MAX];
    if (!row->webhook_url || !row->target_ref) {
        job->outcome = push_outcome_of(OUTCOME_DEAD, "no such organization");
        return;
    }
    if (!row->webhook_secret_enc || pii_ready() != 0 ||
        pii_decrypt("webhook_secret", row->webhook_secret_enc, row->webhook_secret_len, secret,
                    sizeof secret) != 0) {
        job->outcome = push_outcome_of(OUTCOME_RETRY, "no webhook secret");
        return;
    }
    char *body = event_body(row);
    char sig[160], id[80];
    if (body)
        signature(secret, body, sig, sizeof sig);
    sodium_memzero(secret, sizeof secret);
    snprintf(id, sizeof id, "OneWindow-Event-Id: %s", row->delivery_id);
    struct curl_slist *h = body ? curl_slist_append(job->headers, id) : NULL;
    struct curl_slist *h2 = h ? curl_slist_append(h, sig) : NULL;
    if (!h2) {
        curl_slist_free_all(h);
        free(body);
        job->outcome = push_outcome_of(OUTCOME_RETRY, "out of memory");
        return;
    }
    job->headers = h2;
    push_http_post(job, row->webhook_url, body, "application/json");
}

static push_outcome webhook_finish(push_job *job)
{
    push_outcome o;
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
