/* Unit tests of json_guard_check: nesting depth, UTF-8 and NUL checks before parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/json_guard.h"

static json_guard_result check(const char *text)
{
    return json_guard_check(text, strlen(text), MAX_JSON_DEPTH);
}

/* depth levels of open then close, e.g. "[[1]]" or {"a":{"a":1}}, into buf. */
static const char *nested(char *buf, size_t len, int depth, const char *open, const char *close)
{
    size_t n = 0;
    for (int i = 0; i < depth; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s", open);
    n += (size_t)snprintf(buf + n, len - n, "1");
    for (int i = 0; i < depth; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s", close);
    assert_true(n < len);
    return buf;
}

static void test_depth_arrays(void **state)
{
    (void)state;
    char buf[512];
    assert_int_equal(check(nested(buf, sizeof buf, 32, "[", "]")), JSON_GUARD_OK);
    assert_int_equal(check(nested(buf, sizeof buf, 33, "[", "]")), JSON_GUARD_TOO_DEEP);
}

static void test_depth_objects(void **state)
{
    (void)state;
    char buf[512];
    assert_int_equal(check(nested(buf, sizeof buf, 32, "{\"a\":", "}")), JSON_GUARD_OK);
    assert_int_equal(check(nested(buf, sizeof buf, 33, "{\"a\":", "}")), JSON_GUARD_TOO_DEEP);
}

static void test_depth_mixed_and_siblings(void **state)
{
    (void)state;
    char buf[512];
    assert_int_equal(check(nested(buf, sizeof buf, 16, "{\"a\":[", "]}")), JSON_GUARD_OK);
    assert_int_equal(check(nested(buf, sizeof buf, 17, "{\"a\":[", "]}")), JSON_GUARD_TOO_DEEP);
    /* Closing brackets lower the depth again: many siblings are not deep. */
    char wide[1024] = "[";
    for (int i = 0; i < 100; i++)
        strcat(wide, "[],");
    strcat(wide, "[]]");
    assert_int_equal(check(wide), JSON_GUARD_OK);
}

static void test_depth_custom_limit(void **state)
{
    (void)state;
    assert_int_equal(json_guard_check("[[1]]", 5, 2), JSON_GUARD_OK);
    assert_int_equal(json_guard_check("[[[1]]]", 7, 2), JSON_GUARD_TOO_DEEP);
}

static void test_brackets_in_strings(void **state)
{
    (void)state;
    char buf[512];
    /* 40 brackets inside a string value are text, not nesting. */
    snprintf(buf, sizeof buf, "{\"a\":\"%s\"}", "[[[[[[[[[[{{{{{{{{{{[[[[[[[[[[{{{{{{{{{{");
    assert_int_equal(check(buf), JSON_GUARD_OK);
    /* An escaped quote does not end the string. */
    snprintf(buf, sizeof buf, "[\"a\\\"%s\"]", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
    assert_int_equal(check(buf), JSON_GUARD_OK);
    /* An escaped backslash does end it: the brackets after it count. */
    char deep[128];
    nested(deep, sizeof deep, 32, "[", "]");
    snprintf(buf, sizeof buf, "[\"a\\\\\",%s]", deep);
    assert_int_equal(check(buf), JSON_GUARD_TOO_DEEP);
}

static void test_escaped_nul(void **state)
{
    (void)state;
    assert_int_equal(check("{\"a\":\"\\u0000\"}"), JSON_GUARD_NUL);
    assert_int_equal(check("[\"x\\u0000y\"]"), JSON_GUARD_NUL);
    assert_int_equal(check("[\"\\u0001\"]"), JSON_GUARD_OK);
    /* "\\u0000" in JSON: an escaped backslash, then the text u0000. */
    assert_int_equal(check("[\"\\\\u0000\"]"), JSON_GUARD_OK);
    /* …but three backslashes are an escaped backslash and then \u0000 again. */
    assert_int_equal(check("[\"\\\\\\u0000\"]"), JSON_GUARD_NUL);
}

static void test_raw_nul(void **state)
{
    (void)state;
    static const char text[] = "[\"a\0b\"]";
    assert_int_equal(json_guard_check(text, sizeof text - 1, MAX_JSON_DEPTH), JSON_GUARD_NUL);
    static const char outside[] = "[1]\0";
    assert_int_equal(json_guard_check(outside, sizeof outside - 1, MAX_JSON_DEPTH), JSON_GUARD_NUL);
}

static void test_bad_utf8(void **state)
{
    (void)state;
    assert_int_equal(check("[\"\xC3\x28\"]"), JSON_GUARD_BAD_UTF8);     /* bad continuation */
    assert_int_equal(check("[\"\xC0\xAF\"]"), JSON_GUARD_BAD_UTF8);     /* overlong '/' */
    assert_int_equal(check("[\"\xED\xA0\x80\"]"), JSON_GUARD_BAD_UTF8); /* lone surrogate */
    assert_int_equal(check("[\"\xE4\xB8\"]"), JSON_GUARD_BAD_UTF8);     /* truncated */
    assert_int_equal(check("[\"\xFF\"]"), JSON_GUARD_BAD_UTF8);
}

static void test_valid_chinese(void **state)
{
    (void)state;
    assert_int_equal(check("{\"名称\":\"中文测试，一网通办\"}"), JSON_GUARD_OK);
    assert_int_equal(check("[\"\xF0\x9F\x98\x80\"]"), JSON_GUARD_OK); /* 4-byte emoji */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_depth_arrays),
        cmocka_unit_test(test_depth_objects),
        cmocka_unit_test(test_depth_mixed_and_siblings),
        cmocka_unit_test(test_depth_custom_limit),
        cmocka_unit_test(test_brackets_in_strings),
        cmocka_unit_test(test_escaped_nul),
        cmocka_unit_test(test_raw_nul),
        cmocka_unit_test(test_bad_utf8),
        cmocka_unit_test(test_valid_chinese),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
