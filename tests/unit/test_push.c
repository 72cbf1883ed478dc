/* Unit tests of onewindow-pushd's pure parts: the retry backoff (push/pushd.c) and the
 * code-point cut of WeChat template fields (push/push_http.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "push/channel.h"
#include "push/pushd.h"

static void test_backoff_doubles_with_jitter_and_a_cap(void **state)
{
    (void)state;
    for (int round = 0; round < 200; round++) {
        for (int64_t attempts = 1; attempts <= 6; attempts++) {
            int64_t nominal = 5000LL << (attempts - 1);
            int64_t d = pushd_retry_delay_ms(attempts, 5000);
            assert_true(d >= nominal / 2 && d < nominal + nominal / 2);
        }
        int64_t capped = pushd_retry_delay_ms(40, 5000); /* 5 s × 2^39: an hour at most */
        assert_true(capped >= 1800 * 1000 && capped < 5400 * 1000);
    }
    /* jitter: twenty draws are not all the same */
    int64_t first = pushd_retry_delay_ms(3, 5000);
    bool differs = false;
    for (int i = 0; i < 20 && !differs; i++)
        differs = pushd_retry_delay_ms(3, 5000) != first;
    assert_true(differs);
}

static void test_cut_chars_keeps_whole_code_points(void **state)
{
    (void)state;
    char *s = push_cut_chars("您申请的「居民身份证首次申领」已受理，承诺办结日期", 20);
    assert_string_equal(s, "您申请的「居民身份证首次申领」已受理，承");
    free(s);
    s = push_cut_chars("short", 20);
    assert_string_equal(s, "short");
    free(s);
    s = push_cut_chars(NULL, 20);
    assert_string_equal(s, "");
    free(s);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_doubles_with_jitter_and_a_cap),
        cmocka_unit_test(test_cut_chars_keeps_whole_code_points),
    };
    return cmocka_run_group_tests_name("push", tests, NULL, NULL);
}
