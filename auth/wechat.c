#include "auth/wechat.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "auth/gb_ids.h"
#include "core/config.h"
#include "core/http_client.h"
#include "core/log.h"

/* GET (body NULL) or POST JSON; the parsed JSON object, or NULL (network, non-JSON). */
static cJSON *call(const char *url, const char *body)
{
    static _Thread_local http_reply r;
    http_call c = {url, body, "application/json", NULL};
    if (http_client_call(&c, &r) != 0) {
        log_msg(LOG_WARN, "WeChat API: %s", r.error);
        return NULL;
    }
    cJSON *j = cJSON_ParseWithLength(r.body, r.len + 1);
    if (j && !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

bool wechat_code_ok(const char *code)
{
    size_t n = strlen(code);
    return n > 0 &&
           strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static wechat_status status_of(const cJSON *j)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "errcode");
    int code = cJSON_IsNumber(e) ? e->valueint : 0;
    switch (code) {
    case 0: return WECHAT_OK;
    case 40029: /* invalid code */
    case 40163: /* code already used */
    case 41008: /* missing code */ return WECHAT_BAD_CODE;
    case 40226: return WECHAT_RISKY;
    default:
        log_msg(LOG_WARN, "WeChat API errcode %d", code);
        return WECHAT_UNAVAILABLE; /* -1 busy, 45011 rate limit, and the unknown */
    }
}

static char *escape(CURL *c, const char *s)
{
    return curl_easy_escape(c, s, 0);
}

/* Without the mini-program's credentials nothing is asked: 503 at once, said once. */
static bool configured(const ow_config *cfg)
{
    static atomic_bool said;
    if (cfg->wechat_appid[0] && cfg->wechat_secret[0])
        return true;
    if (!atomic_exchange(&said, true))
        log_msg(LOG_WARN, "WeChat login: wechat_appid or wechat_secret is not set");
    return false;
}

wechat_status wechat_openid(const char *code, char *openid, size_t cap)
{
    const ow_config *cfg = config_current();
    if (!configured(cfg))
        return WECHAT_UNAVAILABLE;
    CURL *c = curl_easy_init();
    char *ec = c ? escape(c, code) : NULL, url[1024];
    snprintf(url, sizeof url,
             "%s/sns/jscode2session?appid=%s&secret=%s&js_code=%s&grant_type=authorization_code",
             cfg->wechat_api_base, cfg->wechat_appid, cfg->wechat_secret, ec ? ec : "");
    curl_free(ec);
    curl_easy_cleanup(c);
    cJSON *j = call(url, NULL);
    if (!j)
        return WECHAT_UNAVAILABLE;
    wechat_status st = status_of(j);
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(j, "openid");
    if (st == WECHAT_OK &&
        (!cJSON_IsString(o) || !*o->valuestring || strlen(o->valuestring) >= cap))
        st = WECHAT_UNAVAILABLE;
    if (st == WECHAT_OK)
        snprintf(openid, cap, "%s", o->valuestring);
    cJSON_Delete(j);
    return st;
}

/* The access token of the app, cached until 5 minutes before it expires. */
static pthread_mutex_t token_lock = PTHREAD_MUTEX_INITIALIZER;
static char access_token[600];
static time_t token_until;

static wechat_status get_access_token(char *out, size_t cap)
{
    const ow_config *cfg = config_current();
    pthread_mutex_lock(&token_lock);
    wechat_status st = WECHAT_OK;
    if (time(NULL) >= token_until) {
        char url[768];
        snprintf(url, sizeof url,
                 "%s/cgi-bin/token?grant_type=client_credential&appid=%s&secret=%s",
                 cfg->wechat_api_base, cfg->wechat_appid, cfg->wechat_secret);
        cJSON *j = call(url, NULL);
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "access_token");
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "expires_in");
        if (j && status_of(j) == WECHAT_OK && cJSON_IsString(t) &&
            strlen(t->valuestring) < sizeof access_token) {
            snprintf(access_token, sizeof access_token, "%s", t->valuestring);
            int ttl = cJSON_IsNumber(e) ? e->valueint : 7200;
            token_until = time(NULL) + (ttl > 600 ? ttl - 300 : ttl / 2);
        } else
            st = WECHAT_UNAVAILABLE;
        cJSON_Delete(j);
    }
    if (st == WECHAT_OK)
        snprintf(out, cap, "%s", access_token);
    pthread_mutex_unlock(&token_lock);
    return st;
}

/* The cached token was refused (40001 invalid, 42001 expired, 40014 bad): forget it. */
static bool token_refused(const cJSON *j)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "errcode");
    int code = cJSON_IsNumber(e) ? e->valueint : 0;
    if (code != 40001 && code != 42001 && code != 40014)
        return false;
    pthread_mutex_lock(&token_lock);
    token_until = 0;
    pthread_mutex_unlock(&token_lock);
    return true;
}

/* getuserphonenumber, with one retry on a fresh access token when the cached one is refused
 * (another process fetching a token invalidates ours after a few minutes). */
static cJSON *phone_number_call(const char *phone_code)
{
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "code", phone_code);
    char *body = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    cJSON *j = NULL;
    for (int attempt = 0; body && attempt < 2; attempt++) {
        char token[600], url[1024];
        if (get_access_token(token, sizeof token) != WECHAT_OK)
            break;
        snprintf(url, sizeof url, "%s/wxa/business/getuserphonenumber?access_token=%s",
                 config_current()->wechat_api_base, token);
        cJSON_Delete(j);
        j = call(url, body);
        if (!j || !token_refused(j))
            break;
    }
    cJSON_free(body);
    return j;
}

wechat_status wechat_phone(const char *phone_code, char *phone, size_t cap)
{
    if (!configured(config_current()))
        return WECHAT_UNAVAILABLE;
    cJSON *j = phone_number_call(phone_code);
    if (!j)
        return WECHAT_UNAVAILABLE;
    wechat_status st = status_of(j);
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(j, "phone_info");
    const cJSON *pure = cJSON_GetObjectItemCaseSensitive(info, "purePhoneNumber");
    const cJSON *cc = cJSON_GetObjectItemCaseSensitive(info, "countryCode");
    bool mainland = cJSON_IsString(cc) ? strcmp(cc->valuestring, "86") == 0 : true;
    if (st == WECHAT_OK && (!cJSON_IsString(pure) || strlen(pure->valuestring) >= cap ||
                            !mainland || !mobile_valid(pure->valuestring)))
        st = WECHAT_BAD_CODE; /* only a mainland mobile number makes an account */
    if (st == WECHAT_OK)
        snprintf(phone, cap, "%s", pure->valuestring);
    cJSON_Delete(j);
    return st;
}
