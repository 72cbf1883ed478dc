/* Unit tests of api/request: head parsing (path, query, request id, language) and the typed
 * query and JSON accessors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <limits.h>
#include <string.h>

#include <sodium.h>

#include "api/request.h"
#include "fake_request.h"

typedef fake_request fixture;

static int setup(void **state)
{
    static fixture f;
    fake_request_init(&f);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fake_request_free(*state);
    return 0;
}

/* GET uri, parsed; returns req_parse_head's result. */
static int parse_uri(fixture *f, const char *uri)
{
    fake_env_set(f, "REQUEST_METHOD", "GET");
    fake_env_set(f, "REQUEST_URI", uri);
    return req_parse_head(&f->r);
}

static const char *query(const fixture *f, size_t i, const char *name)
{
    assert_true(i < f->r.n_query);
    assert_string_equal(f->r.query[i].name, name);
    return f->r.query[i].value;
}

/* The request has n errors, the last one on field (and with message, unless NULL). */
static void assert_last_error(const req *r, size_t n, const char *field, const char *message)
{
    assert_int_equal(r->n_errors, n);
    assert_string_equal(r->errors[n - 1].field, field);
    if (message)
        assert_string_equal(r->errors[n - 1].message, message);
}

static void assert_query_rejected(fixture *f, const char *uri, const char *field)
{
    if (parse_uri(f, uri) != -1)
        fail_msg("accepted: %s", uri);
    assert_last_error(&f->r, 1, field, "查询参数编码无效。");
}

/* ---- head: method, path, query ---- */

static void test_head_basics(void **state)
{
    fixture *f = *state;
    fake_env_set(f, "REMOTE_ADDR", "192.0.2.7");
    assert_int_equal(parse_uri(f, "/api/v1/x?a=1&b=2"), 0);
    assert_string_equal(f->r.method, "GET");
    assert_string_equal(f->r.path, "/api/v1/x");
    assert_string_equal(f->r.client_key, "192.0.2.7");
    assert_int_equal(f->r.n_query, 2);
    assert_string_equal(query(f, 0, "a"), "1");
    assert_string_equal(query(f, 1, "b"), "2");
    assert_false(f->r.lang_en);
    assert_int_equal(f->r.n_errors, 0);
}

/* An IPv6 client counts by its /64 (README "Client IP"; the cases: test_core). */
static void test_head_client_key(void **state)
{
    fixture *f = *state;
    fake_env_set(f, "REMOTE_ADDR", "2001:db8:1:2:3:4:5:6");
    assert_int_equal(parse_uri(f, "/"), 0);
    assert_string_equal(f->r.client_key, "2001:db8:1:2::/64");
}

static void test_head_defaults(void **state)
{
    fixture *f = *state;
    fake_env_set(f, "REQUEST_METHOD", "get"); /* not an upper-case token */
    assert_int_equal(req_parse_head(&f->r), 0);
    assert_string_equal(f->r.method, "OTHER");
    assert_string_equal(f->r.path, "/"); /* no REQUEST_URI */
    assert_string_equal(f->r.client_key, "");
    assert_int_equal(f->r.n_query, 0);
}

static void test_path_without_query(void **state)
{
    fixture *f = *state;
    assert_int_equal(parse_uri(f, "/healthz?"), 0);
    assert_string_equal(f->r.path, "/healthz");
    assert_int_equal(f->r.n_query, 0);
}

static void test_query_decoding(void **state)
{
    fixture *f = *state;
    assert_int_equal(parse_uri(f, "/s?q=%E4%B8%AD+x%2By&empty=&flag&&k%20ey=v%3D1"), 0);
    assert_int_equal(f->r.n_query, 4);
    assert_string_equal(query(f, 0, "q"), "中 x+y");
    assert_string_equal(query(f, 1, "empty"), "");
    assert_string_equal(query(f, 2, "flag"), "");
    assert_string_equal(query(f, 3, "k ey"), "v=1");
}

static void test_query_bad_escapes(void **state)
{
    fixture *f = *state;
    assert_query_rejected(f, "/s?a=%zz", "a");
}

static void test_query_truncated_escape(void **state)
{
    fixture *f = *state;
    assert_query_rejected(f, "/s?a=%4", "a");
}

static void test_query_nul(void **state)
{
    fixture *f = *state;
    assert_query_rejected(f, "/s?a=x%00y", "a");
}

static void test_query_bad_utf8(void **state)
{
    fixture *f = *state;
    assert_query_rejected(f, "/s?a=%ff", "a");
}

static void test_query_bad_key(void **state)
{
    fixture *f = *state;
    assert_query_rejected(f, "/s?ok=1&%ff=1", "query");
}

/* "/s?" then a=xxx… making the query exactly qlen bytes. */
static const char *uri_with_query_len(fixture *f, size_t qlen)
{
    char *q = arena_alloc(&f->r.arena, qlen + 1);
    memset(q, 'x', qlen);
    memcpy(q, "a=", 2);
    q[qlen] = '\0';
    return arena_printf(&f->r.arena, "/s?%s", q);
}

static void test_query_length_at_limit(void **state)
{
    fixture *f = *state;
    assert_int_equal(parse_uri(f, uri_with_query_len(f, MAX_QUERY_BYTES)), 0);
    assert_int_equal(strlen(query(f, 0, "a")), MAX_QUERY_BYTES - 2);
}

static void test_query_length_over_limit(void **state)
{
    fixture *f = *state;
    assert_int_equal(parse_uri(f, uri_with_query_len(f, MAX_QUERY_BYTES + 1)), -1);
    assert_last_error(&f->r, 1, "query", "查询参数过长。");
}

/* "/s?p0=0&p1=1…" with n parameters. */
static const char *uri_with_params(fixture *f, int n)
{
    const char *uri = "/s?";
    for (int i = 0; i < n; i++)
        uri = arena_printf(&f->r.arena, "%s%sp%d=%d", uri, i ? "&" : "", i, i);
    return uri;
}

static void test_query_params_at_limit(void **state)
{
    fixture *f = *state;
    assert_int_equal(parse_uri(f, uri_with_params(f, MAX_QUERY_PARAMS)), 0);
    assert_int_equal(f->r.n_query, MAX_QUERY_PARAMS);
    assert_string_equal(query(f, 31, "p31"), "31");
}

static void test_query_params_over_limit(void **state)
{
    fixture *f = *state;
    assert_int_equal(parse_uri(f, uri_with_params(f, MAX_QUERY_PARAMS + 1)), -1);
    assert_last_error(&f->r, 1, "query", "查询参数过多。");
}

/* ---- request id and language ---- */

static void assert_generated_id(const char *id)
{
    assert_int_equal(strlen(id), 32);
    for (const char *p = id; *p; p++)
        if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
            fail_msg("not lower-case hex: %s", id);
}

static void test_request_id_sane(void **state)
{
    fixture *f = *state;
    fake_env_set(f, "REQUEST_ID", "abc-123_X.y");
    fake_env_set(f, "HTTP_X_REQUEST_ID", "from-header");
    assert_int_equal(parse_uri(f, "/"), 0);
    assert_string_equal(f->r.request_id, "abc-123_X.y");
}

static void test_request_id_64_chars(void **state)
{
    fixture *f = *state;
    char id[65];
    memset(id, 'a', 64);
    id[64] = '\0';
    fake_env_set(f, "REQUEST_ID", id);
    assert_int_equal(parse_uri(f, "/"), 0);
    assert_string_equal(f->r.request_id, id);
}

static void test_request_id_insane_uses_header(void **state)
{
    fixture *f = *state;
    fake_env_set(f, "REQUEST_ID", "has space");
    fake_env_set(f, "HTTP_X_REQUEST_ID", "client.id-1");
    assert_int_equal(parse_uri(f, "/"), 0);
    assert_string_equal(f->r.request_id, "client.id-1");
}

static void test_request_id_too_long_generated(void **state)
{
    fixture *f = *state;
    char id[66];
    memset(id, 'a', 65);
    id[65] = '\0';
    fake_env_set(f, "REQUEST_ID", id);
    fake_env_set(f, "HTTP_X_REQUEST_ID", "bad/id");
    assert_int_equal(parse_uri(f, "/"), 0);
    assert_generated_id(f->r.request_id);
}

static void test_request_id_generated_differs(void **state)
{
    fixture *f = *state;
    assert_int_equal(parse_uri(f, "/"), 0);
    char first[MAX_REQUEST_ID_BYTES + 1];
    strcpy(first, f->r.request_id);
    assert_generated_id(first);
    assert_int_equal(req_parse_head(&f->r), 0);
    assert_generated_id(f->r.request_id);
    assert_string_not_equal(f->r.request_id, first);
}

static void test_request_id_sanity_rules(void **state)
{
    (void)state;
    assert_true(req_id_is_sane("a"));
    assert_false(req_id_is_sane(""));
    assert_false(req_id_is_sane("a b"));
    assert_false(req_id_is_sane("a\nb"));
    assert_false(req_id_is_sane("中"));
}

static bool lang_en_for(fixture *f, const char *accept_language)
{
    fake_env_set(f, "HTTP_ACCEPT_LANGUAGE", accept_language);
    assert_int_equal(parse_uri(f, "/"), 0);
    return f->r.lang_en;
}

static void test_lang_en(void **state)
{
    assert_true(lang_en_for(*state, "en-US,en;q=0.9"));
}

static void test_lang_en_upper(void **state)
{
    assert_true(lang_en_for(*state, "EN"));
}

static void test_lang_zh(void **state)
{
    assert_false(lang_en_for(*state, "zh-CN"));
}

static void test_lang_zh_first(void **state)
{
    assert_false(lang_en_for(*state, "zh-CN,en;q=0.5"));
}

/* ---- typed query accessors ---- */

static void test_query_int(void **state)
{
    fixture *f = *state;
    assert_int_equal(parse_uri(f, "/s?lo=1&hi=10&neg=-3&zero=0&big=11&abc=abc&sp=+5&sfx=5x"
                                  "&huge=99999999999999999999&e="),
                     0);
    long v = 0;
    assert_true(req_query_int(&f->r, "absent", 7, 1, 10, &v));
    assert_int_equal(v, 7);
    assert_true(req_query_int(&f->r, "lo", 7, 1, 10, &v));
    assert_int_equal(v, 1);
    assert_true(req_query_int(&f->r, "hi", 7, 1, 10, &v));
    assert_int_equal(v, 10);
    assert_true(req_query_int(&f->r, "neg", 0, -3, 3, &v));
    assert_int_equal(v, -3);
    assert_int_equal(f->r.n_errors, 0);
    v = 42;
    const char *bad[] = {"zero", "big", "abc", "sp", "sfx", "huge", "e"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (req_query_int(&f->r, bad[i], 7, 1, 10, &v))
            fail_msg("accepted %s", bad[i]);
        assert_last_error(&f->r, i + 1, bad[i], "须为 1 到 10 之间的整数。");
    }
    assert_int_equal(v, 42);
}

static void test_query_int_english(void **state)
{
    fixture *f = *state;
    fake_env_set(f, "HTTP_ACCEPT_LANGUAGE", "en");
    assert_int_equal(parse_uri(f, "/s?n=0"), 0);
    long v;
    assert_false(req_query_int(&f->r, "n", 1, 1, 1000, &v));
    assert_last_error(&f->r, 1, "n", "must be an integer from 1 to 1000.");
}

/* n copies of 中, percent-encoded. */
static const char *chinese(fixture *f, int n)
{
    const char *s = "";
    for (int i = 0; i < n; i++)
        s = arena_printf(&f->r.arena, "%s%%E4%%B8%%AD", s);
    return s;
}

static void test_query_string(void **state)
{
    fixture *f = *state;
    const char *uri =
        arena_printf(&f->r.arena, "/s?q64=%s&q65=%s&a=abc", chinese(f, 64), chinese(f, 65));
    assert_int_equal(parse_uri(f, uri), 0);
    const char *out = "untouched";
    assert_true(req_query_string(&f->r, "q64", 64, &out));
    assert_int_equal(strlen(out), 64 * 3);
    assert_memory_equal(out, "中中", 6);
    assert_true(req_query_string(&f->r, "absent", 64, &out));
    assert_null(out);
    assert_true(req_query_string(&f->r, "a", 3, &out));
    assert_string_equal(out, "abc");
    assert_int_equal(f->r.n_errors, 0);
    assert_false(req_query_string(&f->r, "q65", 64, &out));
    assert_last_error(&f->r, 1, "q65", "长度须为 0 到 64 个字符。");
    assert_false(req_query_string(&f->r, "a", 2, &out));
    assert_last_error(&f->r, 2, "a", "长度须为 0 到 2 个字符。");
}

static void test_query_enum(void **state)
{
    fixture *f = *state;
    static const char *const sorts[] = {"oldest", "due", NULL};
    assert_int_equal(parse_uri(f, "/s?sort=due&bad=DUE&empty="), 0);
    const char *out = "untouched";
    assert_true(req_query_enum(&f->r, "sort", sorts, &out));
    assert_ptr_equal(out, sorts[1]);
    assert_true(req_query_enum(&f->r, "absent", sorts, &out));
    assert_null(out);
    assert_false(req_query_enum(&f->r, "bad", sorts, &out));
    assert_null(out);
    assert_last_error(&f->r, 1, "bad", "取值不在允许范围内。");
    assert_false(req_query_enum(&f->r, "empty", sorts, &out));
    assert_last_error(&f->r, 2, "empty", NULL);
}

static void test_query_bool(void **state)
{
    fixture *f = *state;
    assert_int_equal(parse_uri(f, "/s?t=true&f=false&one=1&up=TRUE"), 0);
    bool v = false;
    assert_true(req_query_bool(&f->r, "t", false, &v));
    assert_true(v);
    assert_true(req_query_bool(&f->r, "f", true, &v));
    assert_false(v);
    assert_true(req_query_bool(&f->r, "absent", true, &v));
    assert_true(v);
    assert_true(req_query_bool(&f->r, "absent", false, &v));
    assert_false(v);
    assert_false(req_query_bool(&f->r, "one", false, &v));
    assert_last_error(&f->r, 1, "one", "须为 true 或 false。");
    assert_false(req_query_bool(&f->r, "up", false, &v));
    assert_last_error(&f->r, 2, "up", NULL);
}

/* ---- JSON accessors ---- */

/* Parses text into a cJSON tree freed with the request's arena. */
static cJSON *json(fixture *f, const char *text)
{
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    assert_int_equal(arena_defer(&f->r.arena, (void (*)(void *))cJSON_Delete, j), 0);
    return j;
}

static void test_json_string(void **state)
{
    fixture *f = *state;
    cJSON *o = json(f, "{\"text\":\"hello\",\"zh\":\"一二三四五\",\"n\":5,\"nul\":null,"
                       "\"empty\":\"\",\"form\":{\"name\":\"Li\"}}");
    const char *out = NULL;
    assert_true(req_json_string(&f->r, o, "/text", 1, 5, true, &out));
    assert_string_equal(out, "hello");
    assert_true(req_json_string(&f->r, o, "/zh", 1, 5, true, &out));
    assert_string_equal(out, "一二三四五");
    const cJSON *form = cJSON_GetObjectItem(o, "form");
    assert_true(req_json_string(&f->r, form, "/form/name", 1, 5, true, &out));
    assert_string_equal(out, "Li");
    out = "untouched";
    assert_true(req_json_string(&f->r, o, "/absent", 1, 5, false, &out));
    assert_true(req_json_string(&f->r, o, "/nul", 1, 5, false, &out));
    assert_string_equal(out, "untouched");
    assert_int_equal(f->r.n_errors, 0);
}

static void test_json_string_errors(void **state)
{
    fixture *f = *state;
    cJSON *o = json(f, "{\"text\":\"hello!\",\"zh\":\"一二三四五六\",\"n\":5,\"nul\":null,"
                       "\"empty\":\"\",\"form\":{\"name\":7}}");
    const char *out = "untouched";
    assert_false(req_json_string(&f->r, o, "/absent", 1, 5, true, &out));
    assert_last_error(&f->r, 1, "/absent", "为必填项。");
    assert_false(req_json_string(&f->r, o, "/nul", 1, 5, true, &out));
    assert_last_error(&f->r, 2, "/nul", "为必填项。");
    assert_false(req_json_string(&f->r, o, "/n", 1, 5, true, &out));
    assert_last_error(&f->r, 3, "/n", "须为字符串。");
    assert_false(req_json_string(&f->r, o, "/text", 1, 5, true, &out));
    assert_last_error(&f->r, 4, "/text", "长度须为 1 到 5 个字符。");
    assert_false(req_json_string(&f->r, o, "/zh", 1, 5, false, &out));
    assert_last_error(&f->r, 5, "/zh", NULL);
    assert_false(req_json_string(&f->r, o, "/empty", 1, 5, false, &out));
    assert_last_error(&f->r, 6, "/empty", NULL);
    const cJSON *form = cJSON_GetObjectItem(o, "form");
    assert_false(req_json_string(&f->r, form, "/form/name", 1, 5, true, &out));
    assert_last_error(&f->r, 7, "/form/name", "须为字符串。");
    assert_string_equal(out, "untouched");
}

static void test_json_string_english(void **state)
{
    fixture *f = *state;
    f->r.lang_en = true;
    cJSON *o = json(f, "{}");
    const char *out;
    assert_false(req_json_string(&f->r, o, "/text", 1, 5, true, &out));
    assert_last_error(&f->r, 1, "/text", "is required.");
}

static void test_json_int(void **state)
{
    fixture *f = *state;
    cJSON *o = json(f, "{\"min\":0,\"max\":1000,\"mid\":2.0,\"nul\":null}");
    long v = -1;
    assert_true(req_json_int(&f->r, o, "/min", 0, 1000, true, &v));
    assert_int_equal(v, 0);
    assert_true(req_json_int(&f->r, o, "/max", 0, 1000, true, &v));
    assert_int_equal(v, 1000);
    assert_true(req_json_int(&f->r, o, "/mid", 0, 1000, true, &v));
    assert_int_equal(v, 2);
    v = 77;
    assert_true(req_json_int(&f->r, o, "/absent", 0, 1000, false, &v));
    assert_true(req_json_int(&f->r, o, "/nul", 0, 1000, false, &v));
    assert_int_equal(v, 77);
    assert_int_equal(f->r.n_errors, 0);
}

static void test_json_int_errors(void **state)
{
    fixture *f = *state;
    cJSON *o = json(f, "{\"below\":-1,\"above\":1001,\"frac\":1.5,\"huge\":1e300,"
                       "\"tiny\":-1e300,\"str\":\"5\",\"bool\":true,\"arr\":[1]}");
    static const char *const bad[] = {"/below", "/above", "/frac", "/huge",
                                      "/tiny",  "/str",   "/bool", "/arr"};
    long v = 77;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (req_json_int(&f->r, o, bad[i], 0, 1000, false, &v))
            fail_msg("accepted %s", bad[i]);
        assert_last_error(&f->r, i + 1, bad[i], "须为 0 到 1000 之间的整数。");
    }
    assert_false(req_json_int(&f->r, o, "/absent", 0, 1000, true, &v));
    assert_last_error(&f->r, 9, "/absent", "为必填项。");
    assert_int_equal(v, 77);
}

/* Bounds at the ends of long: a non-number is still no number, 2^63 is not a long. */
static void test_json_int_extreme_bounds(void **state)
{
    fixture *f = *state;
    cJSON *o = json(f, "{\"str\":\"x\",\"two63\":9223372036854775808,\"big\":1e18,"
                       "\"neg\":-9223372036854775808}");
    long v = 77;
    assert_false(req_json_int(&f->r, o, "/str", LONG_MIN, LONG_MAX, true, &v));
    assert_false(req_json_int(&f->r, o, "/two63", LONG_MIN, LONG_MAX, true, &v));
    assert_int_equal(v, 77);
    assert_int_equal(f->r.n_errors, 2);
    assert_true(req_json_int(&f->r, o, "/big", LONG_MIN, LONG_MAX, true, &v));
    assert_int_equal(v, 1000000000000000000L);
    assert_true(req_json_int(&f->r, o, "/neg", LONG_MIN, LONG_MAX, true, &v));
    assert_true(v == LONG_MIN);
    /* 2^62 - 1 is 2^62 as a double: 2^62 must still be out of range. */
    o = json(f, "{\"two62\":4611686018427387904}");
    v = 77;
    assert_false(req_json_int(&f->r, o, "/two62", 0, (1L << 62) - 1, true, &v));
    assert_int_equal(v, 77);
    assert_true(req_json_int(&f->r, o, "/two62", 0, 1L << 62, true, &v));
    assert_true(v == 1L << 62);
}

static void test_json_bool(void **state)
{
    fixture *f = *state;
    cJSON *o = json(f, "{\"t\":true,\"f\":false,\"one\":1,\"str\":\"true\"}");
    bool v = false;
    assert_true(req_json_bool(&f->r, o, "/t", true, &v));
    assert_true(v);
    assert_true(req_json_bool(&f->r, o, "/f", true, &v));
    assert_false(v);
    v = true;
    assert_true(req_json_bool(&f->r, o, "/absent", false, &v));
    assert_true(v);
    assert_int_equal(f->r.n_errors, 0);
    assert_false(req_json_bool(&f->r, o, "/one", false, &v));
    assert_last_error(&f->r, 1, "/one", "须为 true 或 false。");
    assert_false(req_json_bool(&f->r, o, "/str", false, &v));
    assert_last_error(&f->r, 2, "/str", NULL);
    assert_false(req_json_bool(&f->r, o, "/absent", true, &v));
    assert_last_error(&f->r, 3, "/absent", "为必填项。");
}

static void test_body_object(void **state)
{
    fixture *f = *state;
    f->r.json = json(f, "{\"a\":1}");
    assert_ptr_equal(req_body_object(&f->r), f->r.json);
    assert_int_equal(f->r.n_errors, 0);
}

static void test_body_not_object(void **state)
{
    fixture *f = *state;
    f->r.json = json(f, "[{\"a\":1}]");
    assert_null(req_body_object(&f->r));
    assert_last_error(&f->r, 1, "", "请求内容须为 JSON 对象。");
    f->r.json = NULL; /* no body at all */
    assert_null(req_body_object(&f->r));
    assert_last_error(&f->r, 2, "", NULL);
}

static void test_errors_are_bounded(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < MAX_VALIDATION_ERRORS + 5; i++)
        req_add_error(&f->r, "x", "错", "wrong");
    assert_int_equal(f->r.n_errors, MAX_VALIDATION_ERRORS);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_head_basics),
        T(test_head_client_key),
        T(test_head_defaults),
        T(test_path_without_query),
        T(test_query_decoding),
        T(test_query_bad_escapes),
        T(test_query_truncated_escape),
        T(test_query_nul),
        T(test_query_bad_utf8),
        T(test_query_bad_key),
        T(test_query_length_at_limit),
        T(test_query_length_over_limit),
        T(test_query_params_at_limit),
        T(test_query_params_over_limit),
        T(test_request_id_sane),
        T(test_request_id_64_chars),
        T(test_request_id_insane_uses_header),
        T(test_request_id_too_long_generated),
        T(test_request_id_generated_differs),
        T(test_request_id_sanity_rules),
        T(test_lang_en),
        T(test_lang_en_upper),
        T(test_lang_zh),
        T(test_lang_zh_first),
        T(test_query_int),
        T(test_query_int_english),
        T(test_query_string),
        T(test_query_enum),
        T(test_query_bool),
        T(test_json_string),
        T(test_json_string_errors),
        T(test_json_string_english),
        T(test_json_int),
        T(test_json_int_errors),
        T(test_json_int_extreme_bounds),
        T(test_json_bool),
        T(test_body_object),
        T(test_body_not_object),
        T(test_errors_are_bounded),
    };
    return cmocka_run_group_tests(tests, fake_request_group_setup, NULL);
}
