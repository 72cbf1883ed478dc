/* wechat (API.md §6): a mini-program subscribe message. The citizen granted a number of
 * one-time sends per template (POST /subscriptions); each sent message uses one, taken on
 * the first try (a retry does not take another). The access token comes from
 * cgi-bin/stable_token, cached until a minute before it expires and dropped when refused
 * (40001, 42001). 43101: the citizen withdrew the grant — cleared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "push/channel.h"

#define THING_MAX_CHARS 20 /* a template's "thing" field */
#define ERR_REFUSED 43101
#define ERR_TOKEN_INVALID 40001
#define ERR_TOKEN_EXPIRED 42001

static push_token wx;

static bool wechat_configured(const ow_config *cfg)
{
    return cfg->wechat_appid[0] && cfg->wechat_secret[0];
}

static const char *access_token(const ow_config *cfg)
{
    if (push_token_cached(&wx))
        return wx.value;
    cJSON *rq = cJSON_CreateObject();
    cJSON_AddStringToObject(rq, "grant_type", "client_credential");
    cJSON_AddStringToObject(rq, "appid", cfg->wechat_appid);
    cJSON_AddStringToObject(rq, "secret", cfg->wechat_secret);
    char *body = cJSON_PrintUnformatted(rq);
    cJSON_Delete(rq);
    char url[320];
    snprintf(url, sizeof url, "%s/cgi-bin/stable_token", cfg->wechat_api_base);
    const char *token = body ? push_token_get(&wx, url, body, "application/json", 7200) : NULL;
    cJSON_free(body);
    return token;
}

static void add_thing(cJSON *data, const char *name, const char *text)
{
    char *cut = push_cut_chars(text, THING_MAX_CHARS);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(data, name), "value", cut ? cut : "");
    free(cut);
}

static char *payload(const outbox_row *row)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "touser", row->openid);
    cJSON_AddStringToObject(o, "template_id", row->target_ref);
    cJSON_AddStringToObject(o, "page", "pages/notifications/index");
    cJSON *data = cJSON_AddObjectToObject(o, "data");
    add_thing(data, "thing1", row->title);
    add_thing(data, "thing2", row->body);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

static void wechat_prepare(push_job *job)
{
    const ow_config *cfg = config_current();
    const outbox_row *row = job->row;
    if (!row->title || !row->target_ref) {
        job->outcome = push_outcome_of(OUTCOME_DONE, "notification gone");
        return;
    }
    if (!row->openid) {
        job->outcome = push_outcome_of(OUTCOME_DEAD, "no openid");
        return;
    }
    if (row->attempts == 1) { /* the first try takes the grant */
        int used = outbox_use_grant(db_primary(), row->citizen_id, row->target_ref);
        if (used != DB_OK) {
            job->outcome = used == DB_NOT_FOUND ? push_outcome_of(OUTCOME_DONE, "no grant left")
                                                : push_outcome_of(OUTCOME_RETRY, "database error");
            return;
        }
    }
    const char *token = access_token(cfg);
    char *escaped = token ? curl_easy_escape(NULL, token, 0) : NULL;
    char url[1024];
    snprintf(url, sizeof url, "%s/cgi-bin/message/subscribe/send?access_token=%s",
             cfg->wechat_api_base, escaped ? escaped : "");
    curl_free(escaped);
    if (!token) {
        job->outcome = push_outcome_of(OUTCOME_RETRY, "no WeChat access token");
        return;
    }
    push_http_post(job, url, payload(row), "application/json");
}

static push_outcome wechat_finish(push_job *job)
{
    push_outcome o;
    if (push_transient(job, &o))
        return o;
    cJSON *answer = push_response_json(job);
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(answer, "errcode");
    int errcode = cJSON_IsNumber(code) ? code->valueint : (job->http_status == 200 ? 0 : -1);
    cJSON_Delete(answer);
    if (job->http_status == 200 && errcode == 0)
        return push_outcome_of(OUTCOME_DONE, NULL);
    if (errcode == ERR_REFUSED)
        return push_outcome_of(OUTCOME_GONE, "subscribe grant refused");
    if (errcode == ERR_TOKEN_INVALID || errcode == ERR_TOKEN_EXPIRED) {
        push_token_drop(&wx);
        return push_outcome_of(OUTCOME_RETRY, "access token refused");
    }
    return push_outcome_of(OUTCOME_RETRY, "refused by WeChat");
}

const push_channel channel_wechat = {.name = "wechat",
                                     .device = false,
                                     .configured = wechat_configured,
                                     .prepare = wechat_prepare,
                                     .finish = wechat_finish};
