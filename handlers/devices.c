/* Where a citizen's notifications go (API.md §6): push devices, WeChat one-time subscribe
 * grants and the channel settings. Another citizen's device is answered 404, like an unknown
 * one. Device tokens are never logged: each names one person's phone to a push provider. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/idempotency.h"
#include "auth/token.h"
#include "db/device_store.h"
#include "handlers/handlers.h"

#define DEVICES_ACTIVE_MAX 20
#define DEVICE_TOKEN_MAX_CHARS 512
#define PLATFORM_MAX_CHARS 16
#define TEMPLATE_ID_MAX_CHARS 64
#define GRANTS_PER_REQUEST_MAX 10 /* wx.requestSubscribeMessage asks for few at once */
#define GRANTS_KEPT_MAX 50
#define ID_MAX_DIGITS 19 /* INT64_MAX has 19 */

static const char *id_text(req *r, int64_t id)
{
    return arena_printf(&r->arena, "%lld", (long long)id);
}

static bool is_platform(const char *p)
{
    return strcmp(p, "apns") == 0 || strcmp(p, "hms") == 0 || strcmp(p, "jpush") == 0;
}

/* Providers' tokens are hex (APNs) or base64-like (HMS, JPush): printable ASCII, no spaces. */
static bool is_token(const char *t)
{
    for (; *t; t++)
        if (*t < 0x21 || *t > 0x7e)
            return false;
    return true;
}

static bool read_device(req *r, const cJSON *body, const char **platform, const char **token)
{
    if (req_json_string(r, body, "/platform", 1, PLATFORM_MAX_CHARS, true, platform) &&
        !is_platform(*platform))
        req_add_error(r, "/platform", "须为 apns、hms 或 jpush 之一。",
                      "must be one of apns, hms, jpush.");
    if (req_json_string(r, body, "/token", 1, DEVICE_TOKEN_MAX_CHARS, true, token) &&
        !is_token(*token))
        req_add_error(r, "/token", "只能包含可打印的 ASCII 字符，不能有空格。",
                      "must be printable ASCII without spaces.");
    return r->n_errors == 0;
}

/* In c's transaction: 201 with the id, or 409 at the limit (rolled back). False on a
 * database failure (answered, rolled back). */
static bool register_device(req *r, resp *w, db_conn *c, const device_new *d)
{
    int64_t id = 0;
    int rc = device_register(c, &r->arena, d, DEVICES_ACTIVE_MAX, &id);
    if (rc < 0) {
        db_rollback(c);
        respond_db_error(r, w, rc);
        return false;
    }
    if (rc == 0) {
        db_rollback(c);
        resp_problem2(r, w, PROBLEM_CONFLICT,
                      "最多可登记 20 台接收推送的设备，请先移除一台不再使用的设备。",
                      "At most 20 devices can receive push messages: remove one you no longer "
                      "use first.");
        return false;
    }
    cJSON *o = resp_new_object(r);
    cJSON_AddStringToObject(o, "id", id_text(r, id));
    resp_header(w, "Cache-Control", "no-store");
    resp_json(r, w, 201, o);
    return true;
}

void handle_device_register(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *platform = NULL, *token = NULL;
    if (!body || !read_device(r, body, &platform, &token)) {
        resp_invalid(r, w);
        return;
    }
    uint8_t hash[DEVICE_TOKEN_HASH_BYTES];
    crypto_hash_sha256(hash, (const unsigned char *)token, strlen(token));
    device_new d = {principal_id(r), platform, token, hash};
    db_conn *c = db_primary();
    int rc = db_begin(c);
    if (rc != DB_OK) {
        respond_db_error(r, w, rc);
        return;
    }
    if (register_device(r, w, c, &d))
        idempotency_commit(r, w, c);
}

/* A path id as the API writes them (decimal, no sign or leading zero, fits int64); false for
 * anything else, which then cannot name a row. */
bool read_path_id(const req *r, const char *name, int64_t *out)
{
    const char *s = req_path_param(r, name);
    size_t len = s ? strlen(s) : 0;
    if (len == 0 || len > ID_MAX_DIGITS || s[0] < '1' || s[0] > '9' ||
        strspn(s, "0123456789") != len)
        return false;
    unsigned long long v = strtoull(s, NULL, 10);
    if (v > INT64_MAX)
        return false;
    *out = (int64_t)v;
    return true;
}

/* DELETE must be idempotent (nginx may send it twice): an inactive device of the caller's is
 * deleted again with 204. */
void handle_device_delete(req *r, resp *w)
{
    int64_t id;
    if (!read_path_id(r, "id", &id)) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    respond_changed(r, w, device_deactivate(db_primary(), &r->arena, principal_id(r), id));
}

static bool is_template_id(const char *t)
{
    return strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
           strlen(t);
}

static bool read_subscription(req *r, const cJSON *body, const char **template_id, long *count)
{
    if (req_json_string(r, body, "/template_id", 1, TEMPLATE_ID_MAX_CHARS, true, template_id) &&
        !is_template_id(*template_id))
        req_add_error(r, "/template_id", "只能包含字母、数字、“_”和“-”。",
                      "may hold letters, digits, '_' and '-' only.");
    req_json_int(r, body, "/count", 1, GRANTS_PER_REQUEST_MAX, true, count);
    return r->n_errors == 0;
}

/* Grants add up: the answer is kept with them under the Idempotency-Key, so a retried
 * request does not count twice. */
void handle_subscription_add(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *template_id = NULL;
    long count = 0;
    if (!body || !read_subscription(r, body, &template_id, &count)) {
        resp_invalid(r, w);
        return;
    }
    db_conn *c = db_primary();
    int64_t remaining = 0;
    int rc = db_begin(c);
    if (rc == DB_OK)
        rc = device_grant_add(c, &r->arena, principal_id(r), template_id, count, GRANTS_KEPT_MAX,
                              &remaining);
    if (rc != DB_OK) {
        db_rollback(c);
        respond_db_error(r, w, rc);
        return;
    }
    cJSON *o = resp_new_object(r);
    cJSON_AddStringToObject(o, "template_id", template_id);
    cJSON_AddNumberToObject(o, "remaining", (double)remaining);
    resp_header(w, "Cache-Control", "no-store");
    resp_json(r, w, 201, o);
    idempotency_commit(r, w, c);
}

static void respond_settings(req *r, resp *w, bool push, bool sms)
{
    cJSON *o = resp_new_object(r);
    cJSON_AddBoolToObject(o, "push", push);
    cJSON_AddBoolToObject(o, "sms", sms);
    resp_header(w, "Cache-Control", "no-store");
    resp_json(r, w, 200, o);
}

void handle_notification_settings_get(req *r, resp *w)
{
    bool push, sms;
    int rc = device_settings_read(db_primary(), &r->arena, principal_id(r), &push, &sms);
    if (rc != DB_OK)
        respond_db_error(r, w, rc);
    else
        respond_settings(r, w, push, sms);
}

void handle_notification_settings_put(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    bool push = true, sms = false;
    if (body) {
        req_json_bool(r, body, "/push", true, &push);
        req_json_bool(r, body, "/sms", true, &sms);
    }
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    int rc = device_settings_write(db_primary(), principal_id(r), push, sms);
    if (rc != DB_OK)
        respond_db_error(r, w, rc);
    else
        respond_settings(r, w, push, sms);
}
