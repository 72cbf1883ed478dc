/* Where a citizen's notifications go (API.md §6): push devices, WeChat one-time subscribe
 * grants and the channel settings. Another citizen's device is answered 404, like an unknown
 * one. Device tokens are never logged: each names one person's phone to a push provider. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/idempotency.h"
#include "auth/token.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "push/channels.h"
#include "workflow/devices.h"

#define DEVICE_TOKEN_MAX_CHARS 512
#define PLATFORM_MAX_CHARS 16
#define TEMPLATE_ID_MAX_CHARS 64
#define GRANTS_PER_REQUEST_MAX 10 /* wx.requestSubscribeMessage asks for few at once */

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
        !push_platform_known(*platform)) {
        char zh[128], en[128];
        push_platforms_join(zh, sizeof zh, "、", " 或 ");
        push_platforms_join(en, sizeof en, ", ", ", ");
        req_add_error(r, "/platform", arena_printf(&r->arena, "须为 %s 之一。", zh),
                      arena_printf(&r->arena, "must be one of %s.", en));
    }
    if (req_json_string(r, body, "/token", 1, DEVICE_TOKEN_MAX_CHARS, true, token) &&
        !is_token(*token))
        req_add_error(r, "/token", "只能包含可打印的 ASCII 字符，不能有空格。",
                      "must be printable ASCII without spaces.");
    return r->n_errors == 0;
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
    device_new d = {common_principal_id(r), platform, token, hash};
    db_conn *c = db_primary();
    int64_t id = 0;
    int rc = devices_register(c, &r->arena, &d, &id);
    if (rc == DEVICES_FULL) {
        resp_problem2(r, w, PROBLEM_CONFLICT,
                      "最多可登记 20 台接收推送的设备，请先移除一台不再使用的设备。",
                      "At most 20 devices can receive push messages: remove one you no longer "
                      "use first.");
        return;
    }
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "device registration");
        return;
    }
    cJSON *o = resp_new_object(r);
    cJSON_AddStringToObject(o, "id", arena_printf(&r->arena, "%lld", (long long)id));
    common_answer_private(r, w, 201, o);
    idempotency_commit(r, w, c);
}

/* DELETE must be idempotent (nginx may send it twice): an inactive device of the caller's is
 * deleted again with 204. */
void handle_device_delete(req *r, resp *w)
{
    int64_t id;
    if (!common_path_id(r, "id", &id)) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    common_answer_changed(r, w,
                          device_deactivate(db_primary(), &r->arena, common_principal_id(r), id),
                          "device removal");
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
    int rc =
        devices_add_grants(c, &r->arena, common_principal_id(r), template_id, count, &remaining);
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "subscription grants");
        return;
    }
    cJSON *o = resp_new_object(r);
    cJSON_AddStringToObject(o, "template_id", template_id);
    cJSON_AddNumberToObject(o, "remaining", (double)remaining);
    common_answer_private(r, w, 201, o);
    idempotency_commit(r, w, c);
}
