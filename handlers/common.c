#include "handlers/common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth/es256.h"
#include "auth/pii.h"
#include "auth/token.h"
#include "core/decimal_id.h"
#include "core/log.h"
#include "db/db.h"

#define CURSOR_MAX_BYTES 64

int64_t common_principal_id(const req *r)
{
    return strtoll(r->claims->sub, NULL, 10);
}

bool common_path_id(const req *r, const char *name, int64_t *out)
{
    const char *s = req_path_param(r, name);
    return s && decimal_id_parse(s, strlen(s), out);
}

bool common_read_limit(req *r, int *limit)
{
    long n;
    if (!req_query_int(r, "limit", LIST_LIMIT_DEFAULT, 1, LIST_LIMIT_MAX, &n))
        return false;
    *limit = (int)n;
    return true;
}

bool common_read_cursor(req *r, char *out, size_t cap, bool *present)
{
    const char *c = NULL;
    *present = false;
    req_query_string(r, "cursor", CURSOR_MAX_BYTES * 2, &c);
    if (!c)
        return true;
    long len = *c ? b64url_decode(c, strlen(c), (uint8_t *)out, cap - 1) : -1;
    if (len < 0 || memchr(out, '\0', (size_t)len)) {
        req_add_error(r, "cursor", "分页游标无效。", "The cursor is not valid.");
        return false;
    }
    out[len] = '\0';
    *present = true;
    return true;
}

bool common_read_id_cursor(req *r, int64_t *before)
{
    char cursor[CURSOR_MAX_BYTES];
    bool present;
    *before = INT64_MAX;
    if (!common_read_cursor(r, cursor, sizeof cursor, &present))
        return false;
    if (!present)
        return true;
    char *end;
    errno = 0;
    long long v = strtoll(cursor, &end, 10);
    if (*end || v <= 0 || errno == ERANGE) {
        req_add_error(r, "cursor", "分页游标无效。", "The cursor is not valid.");
        return false;
    }
    *before = v;
    return true;
}

const char *common_make_cursor(req *r, const char *text)
{
    size_t len = text ? strlen(text) : 0;
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = text ? arena_alloc(&r->arena, cap) : NULL;
    if (out)
        b64url_encode((const uint8_t *)text, len, out, cap);
    return out;
}

const char *common_id_cursor(req *r, int64_t id)
{
    return common_make_cursor(r, arena_printf(&r->arena, "%lld", (long long)id));
}

void common_answer_id_page(req *r, resp *w, cJSON *o, bool more, int64_t last_id)
{
    if (more)
        cJSON_AddStringToObject(o, "next_cursor", common_id_cursor(r, last_id));
    else
        cJSON_AddNullToObject(o, "next_cursor");
    common_answer_private(r, w, 200, o);
}

void common_answer_failure(req *r, resp *w, int rc, const char *what)
{
    if (rc == DB_UNAVAILABLE)
        resp_unavailable(r, w, what, db_status_name(rc));
    else
        resp_internal(r, w, what, db_status_name(rc));
}

void common_answer_changed(req *r, resp *w, int rc, const char *what)
{
    if (rc == DB_OK)
        resp_body(w, 204, NULL, NULL, 0);
    else if (rc == DB_NOT_FOUND)
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
    else
        common_answer_failure(r, w, rc, what);
}

void common_answer_rate_limited(req *r, resp *w, int64_t seconds, const char *zh, const char *en)
{
    char retry[24];
    snprintf(retry, sizeof retry, "%lld", (long long)(seconds > 0 ? seconds : 1));
    resp_header(w, "Retry-After", arena_strdup(&r->arena, retry));
    resp_problem2(r, w, PROBLEM_RATE_LIMITED, zh, en);
}

void common_answer_locked(req *r, resp *w, int64_t seconds)
{
    common_answer_rate_limited(r, w, seconds, "密码错误次数过多，请稍后再试。",
                               "Too many wrong passwords: wait a while before the next try.");
}

void common_answer_busy(req *r, resp *w, const char *what)
{
    log_failure(LOG_WARN, what, "every password-hashing slot is taken");
    resp_header(w, "Retry-After", "1");
    resp_problem2(r, w, PROBLEM_UNAVAILABLE, "服务繁忙，请稍后重试。",
                  "The service is busy: try again in a moment.");
}

void common_answer_private(req *r, resp *w, int status, const cJSON *json)
{
    resp_header(w, "Cache-Control", "no-store");
    resp_json(r, w, status, json);
}

bool common_personal_data_ready(req *r, resp *w)
{
    int rc = pii_ready();
    if (rc == DB_OK)
        return true;
    /* a key that does not open answers 503 like a database away: it needs an operator */
    common_answer_failure(r, w, rc == DB_UNAVAILABLE ? rc : DB_ERROR, "personal-data key");
    return false;
}
