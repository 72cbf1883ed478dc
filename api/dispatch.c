#include "api/dispatch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/authorize.h"
#include "api/idempotency.h"
#include "core/config.h"
#include "core/json_guard.h"
#include "storage/spool.h"

static bool is_json_media_type(const char *ct)
{
    /* "application/json", optionally with parameters ("; charset=utf-8"). */
    if (!ct || strncasecmp(ct, "application/json", 16) != 0)
        return false;
    char next = ct[16];
    return next == '\0' || next == ';' || next == ' ';
}

/* -1: not a number (nginx never sends that); an empty CONTENT_LENGTH means 0. */
static long long content_length(const req *r)
{
    const char *s = req_param(r, "CONTENT_LENGTH");
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    return errno || *end || n < 0 ? -1 : n;
}

static int read_all(char *buf, size_t len, body_reader read, void *ctx)
{
    size_t got = 0;
    while (got < len) {
        int n = read(ctx, buf + got, (int)(len - got));
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

static void invalid_json(req *r, resp *w, const char *zh, const char *en)
{
    resp_problem2(r, w, PROBLEM_INVALID_JSON, zh, en);
}

/* Reads, checks and parses a JSON body; false after answering the problem. */
static bool is_form_media_type(const char *ct)
{
    if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
        return false;
    char next = ct[33];
    return next == '\0' || next == ';' || next == ' ';
}

/* A form body: read as text (UTF-8, no NUL); the handler reads its parameters. */
static bool take_form(req *r, resp *w, size_t len, body_reader read, void *ctx)
{
    if (!is_form_media_type(req_param(r, "CONTENT_TYPE"))) {
        resp_problem(r, w, PROBLEM_UNSUPPORTED_MEDIA_TYPE, NULL);
        return false;
    }
    char *buf = arena_alloc(&r->arena, len + 1);
    if (!buf || read_all(buf, len, read, ctx) != 0 || memchr(buf, '\0', len)) {
        invalid_json(r, w, "请求内容不完整或无效。", "The request body was incomplete or invalid.");
        return false;
    }
    buf[len] = '\0';
    r->body = buf;
    r->body_len = len;
    return true;
}

static bool take_body(req *r, resp *w, size_t limit, bool form, body_reader read, void *ctx)
{
    long long len = content_length(r);
    if (len < 0 || (unsigned long long)len > limit) {
        resp_problem(r, w, PROBLEM_PAYLOAD_TOO_LARGE, NULL);
        return false;
    }
    if (len == 0)
        return true; /* handlers that need a body say so (req_body_object) */
    if (form)
        return take_form(r, w, (size_t)len, read, ctx);
    if (!is_json_media_type(req_param(r, "CONTENT_TYPE"))) {
        resp_problem(r, w, PROBLEM_UNSUPPORTED_MEDIA_TYPE, NULL);
        return false;
    }
    char *buf = arena_alloc(&r->arena, (size_t)len + 1);
    if (!buf || read_all(buf, (size_t)len, read, ctx) != 0) {
        invalid_json(r, w, "请求内容不完整。", "The request body was incomplete.");
        return false;
    }
    buf[len] = '\0';
    switch (json_guard_check(buf, (size_t)len, MAX_JSON_DEPTH)) {
    case JSON_GUARD_TOO_DEEP:
        invalid_json(r, w, "JSON 嵌套层数超过 32 层。", "The JSON nests deeper than 32 levels.");
        return false;
    case JSON_GUARD_BAD_UTF8:
        invalid_json(r, w, "请求内容不是有效的 UTF-8。", "The body is not valid UTF-8.");
        return false;
    case JSON_GUARD_NUL:
        invalid_json(r, w, "文本中不能包含 NUL 字符。", "Text must not contain NUL characters.");
        return false;
    case JSON_GUARD_OK: break;
    }
    const char *end = NULL;
    r->json = cJSON_ParseWithLengthOpts(buf, (size_t)len + 1, &end, 1);
    if (!r->json) {
        invalid_json(r, w, NULL, NULL);
        return false;
    }
    arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, r->json);
    r->body = buf;
    r->body_len = (size_t)len;
    return true;
}

static void close_spool(void *s)
{
    spool_close(s);
}

static void file_incomplete(req *r, resp *w)
{
    req_add_error(r, "", "文件没有完整送达，请重新上传。",
                  "The file did not arrive complete; upload it again.");
    resp_invalid(r, w);
}

/* A raw file body (BODY_FILE routes: POST /uploads), false after answering. nginx has
 * buffered the whole body before it called us (fastcgi_request_buffering on), so a slow
 * client never holds this thread; the body is streamed from the FastCGI connection in
 * pieces of SPOOL_CHUNK_BYTES into a spool file of the worker's own, hashed on the way
 * (storage/spool.h says why the worker never opens nginx's temporary file). Over
 * upload_max_bytes → 413; no body at all is left for the handler to refuse. */
static bool take_file(req *r, resp *w, body_reader read, void *ctx)
{
    const ow_config *cfg = config_current();
    long long limit = cfg ? cfg->upload_max_bytes : 0, declared = content_length(r);
    if (declared < 0 || declared > limit) {
        resp_problem(r, w, PROBLEM_PAYLOAD_TOO_LARGE, NULL);
        return false;
    }
    spool *s = arena_alloc(&r->arena, sizeof *s);
    char buf[SPOOL_CHUNK_BYTES];
    int n;
    if (!s) {
        resp_internal(r, w, "upload", "out of memory");
        return false;
    }
    s->fd = -1;
    while ((n = read(ctx, buf, (int)sizeof buf)) > 0) {
        if (s->fd < 0 && (spool_open(s) != 0 || arena_defer(&r->arena, close_spool, s) != 0)) {
            resp_unavailable(r, w, "upload", "no spool file");
            return false;
        }
        if (s->bytes + n > limit) {
            resp_problem(r, w, PROBLEM_PAYLOAD_TOO_LARGE, NULL);
            return false;
        }
        if (spool_write(s, buf, (size_t)n) != 0) {
            resp_unavailable(r, w, "upload", "the spool file could not be written");
            return false;
        }
    }
    int64_t got = s->fd < 0 ? 0 : s->bytes;
    if (declared > 0 && got != declared) {
        file_incomplete(r, w);
        return false;
    }
    r->has_body_file = got > 0;
    if (r->has_body_file) {
        spool_digest(s, r->body_sha256);
        r->body_fd = s->fd;
        r->body_file_bytes = got;
    }
    return true;
}

void dispatch(req *r, resp *w, const route *table, size_t n_routes, size_t max_body_default,
              body_reader read, void *ctx)
{
    if (req_parse_head(r) != 0) {
        resp_invalid(r, w);
        return;
    }
    char allow[128];
    switch (router_match(r, table, n_routes, allow, sizeof allow)) {
    case ROUTE_NOT_FOUND: resp_problem(r, w, PROBLEM_NOT_FOUND, NULL); return;
    case ROUTE_WRONG_METHOD:
        resp_header(w, "Allow", arena_strdup(&r->arena, allow));
        resp_problem(r, w, PROBLEM_METHOD_NOT_ALLOWED, NULL);
        return;
    case ROUTE_FOUND: break;
    }
    if (!authorize(r, w))
        return;
    bool form = r->route->max_body == BODY_FORM;
    size_t limit =
        r->route->max_body == BODY_DEFAULT || form ? max_body_default : r->route->max_body;
    if (r->route->max_body == BODY_FILE ? !take_file(r, w, read, ctx)
                                        : !take_body(r, w, limit, form, read, ctx))
        return; /* limit 0: any body is too large */
    if (!idempotency_begin(r, w))
        return;
    r->route->handler(r, w);
    if (w->status == 0) /* a handler that answered nothing is a bug, not a 200 */
        resp_internal(r, w, r->route->pattern, "the handler gave no answer");
    idempotency_end(r, w);
}
