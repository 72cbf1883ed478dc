/* Unit tests of auth/gb_ids.c: resident ID (GB 11643), unified social credit code
 * (GB 32100), mainland mobile numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "auth/gb_ids.h"

#define TODAY 20261128L

static void test_resident_id(void **state)
{
    (void)state;
    /* GB 11643's own example: 11010519491231002X */
    assert_true(gb11643_valid("11010519491231002X", TODAY));
    assert_true(gb11643_valid("11010519491231002x", TODAY));  /* lower-case x accepted */
    assert_false(gb11643_valid("110105194912310021", TODAY)); /* wrong check digit */
    assert_false(gb11643_valid("11010519491231002", TODAY));  /* 17 characters */
    assert_false(gb11643_valid("11010519491231002XX", TODAY));
    assert_false(gb11643_valid("1101051949123100AX", TODAY)); /* letter inside */
    assert_false(gb11643_valid("", TODAY));
}

/* Builds a valid ID from 17 digits (computes the check character). */
static void with_check(const char *first17, char out[19])
{
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (first17[i] - '0') * weights[i];
    memcpy(out, first17, 17);
    out[17] = "10X98765432"[sum % 11];
    out[18] = '\0';
}

static void test_resident_id_dates_and_regions(void **state)
{
    (void)state;
    char id[19];
    with_check("11010520000229123", id); /* 29 Feb 2000: a leap year */
    assert_true(gb11643_valid(id, TODAY));
    with_check("11010519000229123", id); /* 1900 was not */
    assert_false(gb11643_valid(id, TODAY));
    with_check("11010520011131123", id); /* 31 Nov */
    assert_false(gb11643_valid(id, TODAY));
    with_check("11010520261129123", id); /* tomorrow */
    assert_false(gb11643_valid(id, TODAY));
    with_check("11010518991231123", id); /* before 1900 */
    assert_false(gb11643_valid(id, TODAY));
    with_check("99010519491231002", id); /* no province 99 */
    assert_false(gb11643_valid(id, TODAY));
    with_check("81000019800101123", id); /* Hong Kong residents' IDs: province 81 */
    assert_true(gb11643_valid(id, TODAY));
}

static void test_credit_code(void **state)
{
    (void)state;
    assert_true(gb32100_valid("91350100M000100Y43"));  /* a published example */
    assert_false(gb32100_valid("91350100M000100Y44")); /* wrong check character */
    assert_false(gb32100_valid("91350100M000100Y4"));  /* 17 */
    assert_false(gb32100_valid("91350100I000100Y43")); /* I is not in the character set */
    assert_false(gb32100_valid("91350100m000100Y43")); /* lower case */
    assert_false(gb32100_valid(""));
}

static void test_mobile(void **state)
{
    (void)state;
    assert_true(mobile_valid("13800138000"));
    assert_true(mobile_valid("19912345678"));
    assert_false(mobile_valid("12800138000")); /* 12x is not a mobile range */
    assert_false(mobile_valid("1380013800"));
    assert_false(mobile_valid("138001380000"));
    assert_false(mobile_valid("1380013800a"));
    assert_false(mobile_valid("+8613800138000"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resident_id),
        cmocka_unit_test(test_resident_id_dates_and_regions),
        cmocka_unit_test(test_credit_code),
        cmocka_unit_test(test_mobile),
    };
    return cmocka_run_group_tests_name("gb_ids", tests, NULL, NULL);
}
