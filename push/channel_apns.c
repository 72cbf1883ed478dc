/* apns (API.md §6): Apple Push Notification service over HTTP/2 with token authentication:
 * an ES256 JWT {iss: team id, iat} with the key's id as kid, made with libjwt and reused for
 * 50 minutes (Apple refuses tokens older than an hour and too frequent renewals). apns-id is
 * the delivery id, so that a repeat after a crash is recognised; apns-collapse-id keeps one
 * visible notice per application. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <jwt.h>

#include "core/log.h"
#include "push/channel.h"

#define TOKEN_RENEW_S (50 * 60)
#define KEY_FILE_MAX 8192

static struct {
    char *key_pem;
    size_t key_len;
    char *jwt;
    time_t made_at;
} apns;

static bool apns_configured(const ow_config *cfg)
{
    return cfg->apns_team_id[0] && cfg->apns_key_id[0] && cfg->apns_key_file[0] &&
           cfg->apns_topic[0];
}

static bool load_key(const ow_config *cfg)
{
    if (apns.key_pem)
        return true;
    FILE *f = fopen(cfg->apns_key_file, "rb");
    char *pem = f ? malloc(KEY_FILE_MAX + 1) : NULL;
    size_t n = pem ? fread(pem, 1, KEY_FILE_MAX, f) : 0;
    if (f)
        fclose(f);
    if (!pem || n == 0) {
        free(pem);
        log_msg(LOG_ERROR, "apns: cannot read apns_key_file");
        return false;
    }
    pem[n] = '\0';
    apns.key_pem = pem;
    apns.key_len = n;
    return true;
}

/* The provider token, renewed when old or refused. */
static const char *provider_token(const ow_config *cfg)
{
    time_t now = time(NULL);
    if (apns.jwt && now - apns.made_at < TOKEN_RENEW_S)
        return apns.jwt;
    if (!load_key(cfg))
        return NULL;
    jwt_t *j = NULL;
    char *token = NULL;
    if (jwt_new(&j) == 0 &&
        jwt_set_alg(j, JWT_ALG_ES256, (const unsigned char *)apns.key_pem, (int)apns.key_len) ==
            0 &&
        jwt_add_header(j, "kid", cfg->apns_key_id) == 0 &&
        jwt_add_grant(j, "iss", cfg->apns_team_id) == 0 &&
        jwt_add_grant_int(j, "iat", (long)now) == 0)
        token = jwt_encode_str(j);
    jwt_free(j);
    if (!token) {
        log_msg(LOG_ERROR, "apns: cannot sign the provider token (apns_key_file a P-256 key?)");
        return NULL;
    }
    free(apns.jwt); /* libjwt 1.10: a malloc'd string */
    apns.jwt = token;
    apns.made_at = now;
    return token;
}

static char *payload(const outbox_row *row)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *aps = cJSON_AddObjectToObject(o, "aps");
    cJSON *alert = cJSON_AddObjectToObject(aps, "alert");
    cJSON_AddStringToObject(alert, "title", row->title);
    cJSON_AddStringToObject(alert, "body", row->body);
    cJSON_AddStringToObject(aps, "sound", "default");
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)row->notification_id);
    cJSON_AddStringToObject(o, "notification_id", id);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

static bool add_header(push_job *job, const char *fmt, const char *value)
{
    char line[2048];
    snprintf(line, sizeof line, fmt, value);
    struct curl_slist *h = curl_slist_append(job->headers, line);
    if (h)
        job->headers = h;
    return h != NULL;
}

static void apns_prepare(push_job *job)
{
    const ow_config *cfg = config_current();
    const outbox_row *row = job->row;
    if (!row->device_token || !row->device_active || !row->title) {
        job->outcome = push_outcome_of(OUTCOME_DONE, "device or notification gone");
        return;
    }
    const char *token = provider_token(cfg);
    char *escaped = curl_easy_escape(NULL, row->device_token, 0);
    char *body = payload(row);
    char url[1024], collapse[40];
    snprintf(url, sizeof url, "%s/3/device/%s", cfg->apns_base, escaped ? escaped : "");
    snprintf(collapse, sizeof collapse, "application-%lld", (long long)row->application_id);
    curl_free(escaped);
    bool ok = token && body && add_header(job, "authorization: bearer %s", token) &&
              add_header(job, "apns-topic: %s", cfg->apns_topic) &&
              add_header(job, "apns-push-type: %s", "alert") &&
              add_header(job, "apns-priority: %s", "10") &&
              add_header(job, "apns-id: %s", row->delivery_id) &&
              (!row->application_id || add_header(job, "apns-collapse-id: %s", collapse));
    if (!ok) {
        free(body);
        job->outcome =
            push_outcome_of(OUTCOME_RETRY, token ? "out of memory" : "no APNs provider token");
        return;
    }
    if (push_http_post(job, url, body, "application/json"))
        curl_easy_setopt(job->easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
}

static bool reason_is(const push_job *job, const char *a, const char *b)
{
    cJSON *o = push_response_json(job);
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "reason");
    bool match = cJSON_IsString(r) &&
                 (strcmp(r->valuestring, a) == 0 || (b && strcmp(r->valuestring, b) == 0));
    cJSON_Delete(o);
    return match;
}

static push_outcome apns_finish(push_job *job)
{
    push_outcome o;
    if (push_transient(job, &o))
        return o;
    long s = job->http_status;
    if (s == 200)
        return push_outcome_of(OUTCOME_DONE, NULL);
    if (s == 410 || (s == 400 && reason_is(job, "BadDeviceToken", "Unregistered")))
        return push_outcome_of(OUTCOME_GONE, "device token gone");
    if (s == 403 && reason_is(job, "ExpiredProviderToken", "InvalidProviderToken")) {
        apns.made_at = 0; /* the next batch signs a new one */
        return push_outcome_of(OUTCOME_RETRY, "provider token refused");
    }
    return push_outcome_of(OUTCOME_DEAD, "refused by APNs");
}

const push_channel channel_apns = {.name = "apns",
                                   .device = true,
                                   .configured = apns_configured,
                                   .prepare = apns_prepare,
                                   .finish = apns_finish};
