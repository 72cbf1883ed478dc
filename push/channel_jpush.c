/* jpush (API.md §6): JPush, the aggregator that reaches Xiaomi, OPPO, vivo and Honor phones:
 * v3/push to one registration id with HTTP Basic (app key, master secret). Error 1011 says
 * the registration id is unknown: the device is no more. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "push/channel.h"

#define ERROR_NO_AUDIENCE 1011

static bool jpush_configured(const ow_config *cfg)
{
    return cfg->jpush_app_key[0] && cfg->jpush_master_secret[0];
}

static char *payload(const outbox_row *row)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "platform", "all");
    cJSON_AddItemToObject(cJSON_AddObjectToObject(o, "audience"), "registration_id",
                          cJSON_CreateStringArray(&row->device_token, 1));
    cJSON *n = cJSON_AddObjectToObject(o, "notification");
    cJSON_AddStringToObject(n, "alert", row->body);
    cJSON *android = cJSON_AddObjectToObject(n, "android");
    cJSON_AddStringToObject(android, "title", row->title);
    cJSON_AddStringToObject(android, "alert", row->body);
    cJSON *alert = cJSON_AddObjectToObject(cJSON_AddObjectToObject(n, "ios"), "alert");
    cJSON_AddStringToObject(alert, "title", row->title);
    cJSON_AddStringToObject(alert, "body", row->body);
    cJSON_AddBoolToObject(cJSON_AddObjectToObject(o, "options"), "apns_production", 1);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

static void jpush_prepare(push_job *job)
{
    const ow_config *cfg = config_current();
    const outbox_row *row = job->row;
    if (!row->device_token || !row->device_active || !row->title) {
        job->outcome = push_outcome_of(OUTCOME_DONE, "device or notification gone");
        return;
    }
    char url[512];
    snprintf(url, sizeof url, "%s/v3/push", cfg->jpush_base);
    if (!push_http_post(job, url, payload(row), "application/json"))
        return;
    curl_easy_setopt(job->easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(job->easy, CURLOPT_USERNAME, cfg->jpush_app_key);
    curl_easy_setopt(job->easy, CURLOPT_PASSWORD, cfg->jpush_master_secret);
}

static push_outcome jpush_finish(push_job *job)
{
    push_outcome o;
    if (push_transient(job, &o))
        return o;
    if (job->http_status == 200)
        return push_outcome_of(OUTCOME_DONE, NULL);
    if (job->http_status == 401 || job->http_status == 403)
        return push_outcome_of(OUTCOME_DEAD, "JPush refused the credentials");
    cJSON *answer = push_response_json(job);
    const cJSON *code =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(answer, "error"), "code");
    bool gone = cJSON_IsNumber(code) && code->valueint == ERROR_NO_AUDIENCE;
    cJSON_Delete(answer);
    return gone ? push_outcome_of(OUTCOME_GONE, "registration id gone")
                : push_outcome_of(OUTCOME_RETRY, "refused by JPush");
}

const push_channel channel_jpush = {.name = "jpush",
                                    .device = true,
                                    .configured = jpush_configured,
                                    .prepare = jpush_prepare,
                                    .finish = jpush_finish};
