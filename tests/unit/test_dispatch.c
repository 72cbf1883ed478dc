/* Unit tests of dispatch(): routing problems, body limits and checks, problem+json bodies,
 * with a local route table and a body reader over a memory buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include <sodium.h>

#include "api/dispatch.h"
#include "fake_request.h"

/* POST /echo: {"text": "…"} → {"text": "…"}. */
static void handle_echo(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *text = NULL;
    if (body)
        req_json_string(r, body, "/text", 1, 20, true, &text);
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    cJSON *out = resp_new_object(r);
    cJSON_AddStringToObject(out, "text", text);
    resp_json(r, w, 200, out);
}

/* GET /items/{id}: {"id": "…"}. */
static void handle_item(req *r, resp *w)
{
    cJSON *out = resp_new_object(r);
    cJSON_AddStringToObject(out, "id", req_path_param(r, "id"));
    resp_json(r, w, 200, out);
}

/* A handler that forgets to answer. */
static void handle_nothing(req *r, resp *w)
{
    (void)r, (void)w;
}

static const route table[] = {
    {"POST", "/echo", handle_echo, AUTH_PUBLIC, NULL, 100, 0},
    {"GET", "/items/{id}", handle_item, AUTH_PUBLIC, NULL, 0, 0},
    {"GET", "/private", handle_item, AUTH_STAFF, NULL, 0, 0},
    {"GET", "/nothing", handle_nothing, AUTH_PUBLIC, NULL, 0, 0},
    {"POST", "/default", handle_echo, AUTH_PUBLIC, NULL, BODY_DEFAULT, 0},
};
#define N_ROUTES (sizeof table / sizeof table[0])

typedef struct body_source {
    const char *data;
    size_t len, pos;
    int calls;
} body_source;

typedef struct fixture {
    fake_request fake;
    resp w;
    body_source body;
    cJSON *json; /* the parsed response body */
} fixture;

/* Hands out the body at most 7 bytes at a time, to exercise the read loop. */
static int read_body(void *ctx, char *buf, int len)
{
    body_source *b = ctx;
    size_t n = b->len - b->pos;
    if (n > (size_t)len)
        n = (size_t)len;
    if (n > 7)
        n = 7;
    memcpy(buf, b->data + b->pos, n);
    b->pos += n;
    b->calls++;
    return (int)n;
}

static int setup(void **state)
{
    static fixture f;
    memset(&f, 0, sizeof f);
    fake_request_init(&f.fake);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cJSON_Delete(f->json);
    fake_request_free(&f->fake);
    return 0;
}

static void env_set(fixture *f, const char *name, const char *value)
{
    fake_env_set(&f->fake, name, value);
}

/* Runs method uri with no body. */
static void run(fixture *f, const char *method, const char *uri)
{
    env_set(f, "REQUEST_METHOD", method);
    env_set(f, "REQUEST_URI", uri);
    dispatch(&f->fake.r, &f->w, table, N_ROUTES, 1000, read_body, &f->body);
    assert_non_null(f->w.body);
    assert_int_equal(strlen(f->w.body), f->w.body_len);
}

/* Runs POST uri with a JSON body whose Content-Length is its length. */
static void post(fixture *f, const char *uri, const char *body)
{
    f->body = (body_source){body, strlen(body), 0, 0};
    env_set(f, "CONTENT_TYPE", "application/json");
    env_set(f, "CONTENT_LENGTH", arena_printf(&f->fake.r.arena, "%zu", strlen(body)));
    run(f, "POST", uri);
}

/* The response body parsed; freed at teardown. */
static cJSON *body_json(fixture *f)
{
    if (!f->json)
        f->json = cJSON_ParseWithLength(f->w.body, f->w.body_len);
    assert_non_null(f->json);
    return f->json;
}

static const char *body_string(fixture *f, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(body_json(f), name);
    assert_true(cJSON_IsString(item));
    return item->valuestring;
}

static const char *header(const resp *w, const char *name)
{
    for (size_t i = 0; i < w->n_headers; i++)
        if (strcmp(w->headers[i].name, name) == 0)
            return w->headers[i].value;
    return NULL;
}

/* The response is a problem with this status and code. */
static void assert_problem(fixture *f, int status, const char *code)
{
    assert_int_equal(f->w.status, status);
    assert_string_equal(f->w.content_type, "application/problem+json");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(body_json(f), "status");
    assert_true(cJSON_IsNumber(st));
    assert_int_equal(st->valueint, status);
    assert_string_equal(body_string(f, "code"), code);
    assert_string_equal(body_string(f, "type"), "about:blank");
    assert_string_equal(body_string(f, "request_id"), f->fake.r.request_id);
}

static void assert_echo(fixture *f, const char *text)
{
    assert_int_equal(f->w.status, 200);
    assert_string_equal(f->w.content_type, "application/json");
    assert_string_equal(body_string(f, "text"), text);
}

/* ---- routing problems ---- */

static void test_not_found_chinese(void **state)
{
    fixture *f = *state;
    env_set(f, "REQUEST_ID", "req-404");
    run(f, "GET", "/nowhere");
    assert_problem(f, 404, "not_found");
    assert_string_equal(f->fake.r.request_id, "req-404");
    assert_string_equal(body_string(f, "title"), "Not Found");
    assert_string_equal(body_string(f, "detail"), "未找到您要的内容。");
    assert_null(cJSON_GetObjectItem(body_json(f), "errors"));
    assert_null(f->fake.r.route);
}

static void test_not_found_english(void **state)
{
    fixture *f = *state;
    env_set(f, "HTTP_ACCEPT_LANGUAGE", "en-US,en;q=0.9");
    run(f, "GET", "/nowhere");
    assert_problem(f, 404, "not_found");
    assert_string_equal(body_string(f, "detail"), "The requested resource was not found.");
    assert_int_equal(strlen(f->fake.r.request_id), 32); /* generated */
}

static void test_method_not_allowed(void **state)
{
    fixture *f = *state;
    run(f, "DELETE", "/items/1");
    assert_problem(f, 405, "method_not_allowed");
    assert_string_equal(body_string(f, "title"), "Method Not Allowed");
    assert_non_null(header(&f->w, "Allow"));
    assert_string_equal(header(&f->w, "Allow"), "GET, HEAD");
}

static void test_bad_query_is_invalid_argument(void **state)
{
    fixture *f = *state;
    run(f, "GET", "/items/1?a=%zz");
    assert_problem(f, 400, "invalid_argument");
    const cJSON *errors = cJSON_GetObjectItem(body_json(f), "errors");
    assert_int_equal(cJSON_GetArraySize(errors), 1);
    const cJSON *field = cJSON_GetObjectItem(cJSON_GetArrayItem(errors, 0), "field");
    assert_string_equal(cJSON_GetStringValue(field), "a");
}

static void test_protected_route_unauthorized(void **state)
{
    fixture *f = *state;
    run(f, "GET", "/private");
    assert_problem(f, 401, "unauthorized");
    assert_string_equal(header(&f->w, "WWW-Authenticate"), "Bearer realm=\"onewindow\"");
}

static void test_handler_without_answer(void **state)
{
    fixture *f = *state;
    run(f, "GET", "/nothing");
    assert_problem(f, 500, "internal");
}

/* ---- GET routes ---- */

static void test_get_with_path_param(void **state)
{
    fixture *f = *state;
    run(f, "GET", "/items/%E4%B8%AD");
    assert_int_equal(f->w.status, 200);
    assert_string_equal(body_string(f, "id"), "中");
    assert_int_equal(f->body.calls, 0);
}

/* A path longer than MAX_PATH_BYTES matches nothing: it must not be cut to a shorter one
 * that matches (here /items/{id} with a truncated id). */
static void test_path_over_limit_not_truncated(void **state)
{
    fixture *f = *state;
    char *uri = arena_alloc(&f->fake.r.arena, MAX_PATH_BYTES + 2);
    memcpy(uri, "/items/", 7);
    memset(uri + 7, 'a', MAX_PATH_BYTES + 1 - 7);
    uri[MAX_PATH_BYTES + 1] = '\0';
    run(f, "GET", uri);
    assert_problem(f, 404, "not_found");
}

static void test_path_at_limit(void **state)
{
    fixture *f = *state;
    char *uri = arena_alloc(&f->fake.r.arena, MAX_PATH_BYTES + 1);
    memcpy(uri, "/items/", 7);
    memset(uri + 7, 'a', MAX_PATH_BYTES - 7);
    uri[MAX_PATH_BYTES] = '\0';
    run(f, "GET", uri);
    assert_int_equal(f->w.status, 200);
    assert_int_equal(strlen(body_string(f, "id")), MAX_PATH_BYTES - 7);
}

static void test_get_empty_content_length(void **state)
{
    fixture *f = *state;
    env_set(f, "CONTENT_LENGTH", "");
    run(f, "GET", "/items/7");
    assert_int_equal(f->w.status, 200);
    assert_string_equal(body_string(f, "id"), "7");
}

static void test_get_zero_content_length(void **state)
{
    fixture *f = *state;
    env_set(f, "CONTENT_LENGTH", "0");
    run(f, "GET", "/items/7");
    assert_int_equal(f->w.status, 200);
}

static void test_get_with_body_too_large(void **state)
{
    fixture *f = *state;
    f->body = (body_source){"{}", 2, 0, 0};
    env_set(f, "CONTENT_TYPE", "application/json");
    env_set(f, "CONTENT_LENGTH", "2");
    run(f, "GET", "/items/7");
    assert_problem(f, 413, "payload_too_large");
}

/* ---- bodies ---- */

static void test_post_echo(void **state)
{
    fixture *f = *state;
    post(f, "/echo", "{\"text\":\"你好\"}");
    assert_echo(f, "你好");
    assert_string_equal(f->fake.r.body, "{\"text\":\"你好\"}");
    assert_true(f->body.calls > 1);
}

static void test_post_charset_accepted(void **state)
{
    fixture *f = *state;
    f->body = (body_source){"{\"text\":\"a\"}", 12, 0, 0};
    env_set(f, "CONTENT_TYPE", "application/json; charset=utf-8");
    env_set(f, "CONTENT_LENGTH", "12");
    run(f, "POST", "/echo");
    assert_echo(f, "a");
}

static void test_post_at_limit(void **state)
{
    fixture *f = *state;
    /* {"text":"x"} is 12 bytes: 88 spaces of trailing whitespace make exactly 100. */
    char body[101];
    snprintf(body, sizeof body, "{\"text\":\"x\"}%88s", "");
    assert_int_equal(strlen(body), 100);
    post(f, "/echo", body);
    assert_echo(f, "x");
}

static void test_post_too_large(void **state)
{
    fixture *f = *state;
    env_set(f, "CONTENT_TYPE", "application/json");
    env_set(f, "CONTENT_LENGTH", "101");
    run(f, "POST", "/echo");
    assert_problem(f, 413, "payload_too_large");
    assert_int_equal(f->body.calls, 0);
}

static void test_post_default_limit(void **state)
{
    fixture *f = *state;
    env_set(f, "CONTENT_TYPE", "application/json");
    env_set(f, "CONTENT_LENGTH", "1001"); /* run() passes 1000 as the default */
    run(f, "POST", "/default");
    assert_problem(f, 413, "payload_too_large");
}

static void test_post_bad_content_length(void **state)
{
    fixture *f = *state;
    env_set(f, "CONTENT_TYPE", "application/json");
    env_set(f, "CONTENT_LENGTH", "12abc");
    run(f, "POST", "/echo");
    assert_problem(f, 413, "payload_too_large");
}

static void test_post_text_plain(void **state)
{
    fixture *f = *state;
    f->body = (body_source){"{}", 2, 0, 0};
    env_set(f, "CONTENT_TYPE", "text/plain");
    env_set(f, "CONTENT_LENGTH", "2");
    run(f, "POST", "/echo");
    assert_problem(f, 415, "unsupported_media_type");
    assert_int_equal(f->body.calls, 0);
}

static void test_post_other_json_type(void **state)
{
    fixture *f = *state;
    f->body = (body_source){"{}", 2, 0, 0};
    env_set(f, "CONTENT_TYPE", "application/json-patch+json");
    env_set(f, "CONTENT_LENGTH", "2");
    run(f, "POST", "/echo");
    assert_problem(f, 415, "unsupported_media_type");
}

static void test_post_no_content_type(void **state)
{
    fixture *f = *state;
    f->body = (body_source){"{}", 2, 0, 0};
    env_set(f, "CONTENT_LENGTH", "2");
    run(f, "POST", "/echo");
    assert_problem(f, 415, "unsupported_media_type");
}

static void assert_invalid_json(fixture *f, const char *body, const char *detail)
{
    post(f, "/echo", body);
    assert_problem(f, 400, "invalid_json");
    assert_string_equal(body_string(f, "title"), "Bad Request");
    if (detail)
        assert_string_equal(body_string(f, "detail"), detail);
    assert_null(f->fake.r.json);
}

static void test_post_garbage(void **state)
{
    assert_invalid_json(*state, "not json", "请求内容不是有效的 JSON。");
}

static void test_post_trailing_garbage(void **state)
{
    assert_invalid_json(*state, "{} x", "请求内容不是有效的 JSON。");
}

static void test_post_too_deep(void **state)
{
    char body[80];
    memset(body, '[', 33);
    memset(body + 33, ']', 33);
    body[66] = '\0';
    assert_invalid_json(*state, body, "JSON 嵌套层数超过 32 层。");
}

static void test_post_escaped_nul(void **state)
{
    assert_invalid_json(*state, "{\"text\":\"\\u0000\"}", "文本中不能包含 NUL 字符。");
}

static void test_post_bad_utf8(void **state)
{
    assert_invalid_json(*state, "{\"text\":\"\xC3\x28\"}", "请求内容不是有效的 UTF-8。");
}

static void test_post_truncated_body(void **state)
{
    fixture *f = *state;
    f->body = (body_source){"{\"text\":\"a\"}", 12, 0, 0};
    env_set(f, "CONTENT_TYPE", "application/json");
    env_set(f, "CONTENT_LENGTH", "20");
    run(f, "POST", "/echo");
    assert_problem(f, 400, "invalid_json");
    assert_string_equal(body_string(f, "detail"), "请求内容不完整。");
}

static void test_post_missing_field(void **state)
{
    fixture *f = *state;
    env_set(f, "HTTP_ACCEPT_LANGUAGE", "en");
    post(f, "/echo", "{\"other\":1}");
    assert_problem(f, 400, "invalid_argument");
    assert_string_equal(body_string(f, "detail"), "Some fields of the request are not valid.");
    const cJSON *errors = cJSON_GetObjectItem(body_json(f), "errors");
    assert_int_equal(cJSON_GetArraySize(errors), 1);
    const cJSON *e = cJSON_GetArrayItem(errors, 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(e, "field")), "/text");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(e, "message")), "is required.");
}

static void test_post_array_body(void **state)
{
    fixture *f = *state;
    post(f, "/echo", "[1,2]");
    assert_problem(f, 400, "invalid_argument");
    const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(body_json(f), "errors"), 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(e, "field")), "");
}

static void test_post_empty_body(void **state)
{
    fixture *f = *state;
    env_set(f, "CONTENT_LENGTH", "");
    run(f, "POST", "/echo");
    assert_problem(f, 400, "invalid_argument");
    assert_null(f->fake.r.json);
}

/* ---- rendering ---- */

static void test_render_head(void **state)
{
    fixture *f = *state;
    env_set(f, "REQUEST_ID", "abc123");
    run(f, "PUT", "/items/1");
    size_t len = 0;
    const char *head = resp_render_head(&f->fake.r, &f->w, &len);
    assert_non_null(head);
    assert_int_equal(strlen(head), len);
    assert_memory_equal(head, "Status: 405 Method Not Allowed\r\n", 32);
    assert_non_null(strstr(head, "\r\nContent-Type: application/problem+json\r\n"));
    assert_non_null(strstr(head, "\r\nX-Request-Id: abc123\r\n"));
    assert_non_null(strstr(head, "\r\nAllow: GET, HEAD\r\n"));
    assert_string_equal(head + len - 4, "\r\n\r\n");
}

static void test_render_head_not_found(void **state)
{
    fixture *f = *state;
    run(f, "GET", "/nowhere");
    size_t len = 0;
    const char *head = resp_render_head(&f->fake.r, &f->w, &len);
    assert_non_null(head);
    assert_non_null(strstr(head, "Status: 404 Not Found\r\n"));
    char line[128];
    snprintf(line, sizeof line, "X-Request-Id: %s\r\n", f->fake.r.request_id);
    assert_non_null(strstr(head, line));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_not_found_chinese),
        T(test_not_found_english),
        T(test_path_over_limit_not_truncated),
        T(test_path_at_limit),
        T(test_method_not_allowed),
        T(test_bad_query_is_invalid_argument),
        T(test_protected_route_unauthorized),
        T(test_handler_without_answer),
        T(test_get_with_path_param),
        T(test_get_empty_content_length),
        T(test_get_zero_content_length),
        T(test_get_with_body_too_large),
        T(test_post_echo),
        T(test_post_charset_accepted),
        T(test_post_at_limit),
        T(test_post_too_large),
        T(test_post_default_limit),
        T(test_post_bad_content_length),
        T(test_post_text_plain),
        T(test_post_other_json_type),
        T(test_post_no_content_type),
        T(test_post_garbage),
        T(test_post_trailing_garbage),
        T(test_post_too_deep),
        T(test_post_escaped_nul),
        T(test_post_bad_utf8),
        T(test_post_truncated_body),
        T(test_post_missing_field),
        T(test_post_array_body),
        T(test_post_empty_body),
        T(test_render_head),
        T(test_render_head_not_found),
    };
    return cmocka_run_group_tests(tests, fake_request_group_setup, NULL);
}
