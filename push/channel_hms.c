/* hms (API.md §6): Huawei Push Kit. An OAuth 2.0 client-credentials token (cached until a
 * minute before it expires, dropped when refused), then v1/{appId}/messages:send. The
 * answer's own code says what happened: 80000000 success, 80300007 the device token is no
 * more. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "push/channel.h"

#define CODE_OK "80000000"
#define CODE_TOKEN_INVALID "80300007"
#define CODE_AUTH_EXPIRED "80200003"

static push_token hms;

static bool hms_configured(const ow_config *cfg)
{
    return cfg->hms_app_id[0] && cfg->hms_app_secret[0];
}

static const char *access_token(const ow_config *cfg)
{
    if (push_token_cached(&hms))
        return hms.value;
    char *id = curl_easy_escape(NULL, cfg->hms_app_id, 0);
    char *secret = curl_easy_escape(NULL, cfg->hms_app_secret, 0);
    char form[512];
    snprintf(form, sizeof form, "grant_type=client_credentials&client_id=%s&client_secret=%s",
             id ? id : "", secret ? secret : "");
    curl_free(id);
    curl_free(secret);
    return push_token_get(&hms, cfg->hms_oauth_url, form, "application/x-www-form-urlencoded",
                          3600);
}

static char *payload(const outbox_row *row)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "validate_only", 0);
    cJSON *m = cJSON_AddObjectToObject(o, "message");
    cJSON *n = cJSON_AddObjectToObject(cJSON_AddObjectToObject(m, "android"), "notification");
    cJSON_AddStringToObject(n, "title", row->title);
    cJSON_AddStringToObject(n, "body", row->body);
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(n, "click_action"), "type", 3);
    cJSON_AddItemToObject(m, "token", cJSON_CreateStringArray(&row->device_token, 1));
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

static void hms_prepare(push_job *job)
{
    const ow_config *cfg = config_current();
    const outbox_row *row = job->row;
    if (!row->device_token || !row->device_active || !row->title) {
        job->outcome = push_outcome_of(OUTCOME_DONE, "device or notification gone");
        return;
    }
    const char *token = access_token(cfg);
    char auth[1200], url[512];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token ? token : "");
    snprintf(url, sizeof url, "%s/v1/%s/messages:send", cfg->hms_base, cfg->hms_app_id);
    struct curl_slist *h = token ? curl_slist_append(job->headers, auth) : NULL;
    char *body = h ? payload(row) : NULL;
    if (!body) {
        job->outcome =
            push_outcome_of(OUTCOME_RETRY, token ? "out of memory" : "no HMS access token");
        curl_slist_free_all(h);
        return;
    }
    job->headers = h;
    push_http_post(job, url, body, "application/json");
}

static push_outcome hms_finish(push_job *job)
{
    push_outcome o;
    if (push_transient(job, &o))
        return o;
    cJSON *answer = push_response_json(job);
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(answer, "code");
    const char *c = cJSON_IsString(code) ? code->valuestring : "";
    if (job->http_status == 401 || strcmp(c, CODE_AUTH_EXPIRED) == 0) {
        push_token_drop(&hms); /* a new token for the next batch */
        o = push_outcome_of(OUTCOME_RETRY, "access token refused");
    } else if (job->http_status == 200 && strcmp(c, CODE_OK) == 0) {
        o = push_outcome_of(OUTCOME_DONE, NULL);
    } else if (strcmp(c, CODE_TOKEN_INVALID) == 0) {
        o = push_outcome_of(OUTCOME_GONE, "device token gone");
    } else {
        o = push_outcome_of(OUTCOME_RETRY, "refused by HMS");
    }
    cJSON_Delete(answer);
    return o;
}

const push_channel channel_hms = {.name = "hms",
                                  .device = true,
                                  .configured = hms_configured,
                                  .prepare = hms_prepare,
                                  .finish = hms_finish};
