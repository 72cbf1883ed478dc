#include "api/dispatch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "api/authorize.h"
#include "core/config.h"
#include "api/idempotency.h"
#include "core/json_guard.h"

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

static void close_fd(void *fd)
{
    close(*(int *)fd);
}

/* The SHA-256 of the file, read in pieces (the worker never holds the whole body). */
static int hash_file(int fd, char hex[65])
{
    unsigned char buf[65536], digest[32];
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    off_t pos = 0;
    ssize_t n;
    while ((n = pread(fd, buf, sizeof buf, pos)) > 0) {
        crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
        pos += n;
    }
    crypto_hash_sha256_final(&st, digest);
    sodium_bin2hex(hex, 65, digest, sizeof digest);
    return n == 0 ? 0 : -1;
}

/* A body nginx spooled to a file: opened, size-checked (413) and hashed; false after
 * answering. No body at all is left for the handler to refuse. */
static bool take_file(req *r, resp *w)
{
    const char *path = req_param(r, "REQUEST_BODY_FILE");
    const ow_config *cfg = config_current();
    long long declared = content_length(r);
    if (declared < 0 || (cfg && declared > cfg->upload_max_bytes)) {
        resp_problem(r, w, PROBLEM_PAYLOAD_TOO_LARGE, NULL);
        return false;
    }
    if (!path || !*path) {
        if (declared == 0)
            return true;
        resp_internal(r, w, "upload", "the web server passed the body without spooling it");
        return false;
    }
    int *fd = arena_alloc(&r->arena, sizeof *fd);
    struct stat st;
    if (!fd || (*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
        resp_internal(r, w, "upload", "the spooled body could not be opened");
        return false;
    }
    arena_defer(&r->arena, close_fd, fd);
    if (fstat(*fd, &st) != 0 || hash_file(*fd, r->body_sha256) != 0) {
        resp_internal(r, w, "upload", "the spooled body could not be read");
        return false;
    }
    if (cfg && st.st_size > cfg->upload_max_bytes) {
        resp_problem(r, w, PROBLEM_PAYLOAD_TOO_LARGE, NULL);
        return false;
    }
    r->has_body_file = st.st_size > 0;
    r->body_fd = *fd;
    r->body_file_bytes = (int64_t)st.st_size;
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
    if (r->route->max_body == BODY_FILE ? !take_file(r, w)
                                        : !take_body(r, w, limit, form, read, ctx))
        return; /* limit 0: any body is too large */
    if (!idempotency_begin(r, w))
        return;
    r->route->handler(r, w);
    if (w->status == 0) /* a handler that answered nothing is a bug, not a 200 */
        resp_internal(r, w, r->route->pattern, "the handler gave no answer");
    idempotency_end(r, w);
}
