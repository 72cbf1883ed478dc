/* Unit tests of the application workflow's pure parts: the working-day calendar
 * (core/calendar.c) with the shipped holiday table (workflow/calendar_cache.c), the state
 * machine (workflow/application_state.c) and application numbers (workflow/application_no.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/calendar.h"
#include "workflow/application_no.h"
#include "workflow/application_state.h"
#include "workflow/calendar_cache.h"

static cal_day day(const char *text)
{
    cal_day d;
    assert_int_equal(cal_day_parse(text, &d), 0);
    return d;
}

static void assert_due(const calendar *c, const char *from, int n, const char *expected)
{
    char out[CAL_DATE_BYTES];
    cal_day_format(calendar_add_workdays(c, day(from), n), out);
    assert_string_equal(out, expected);
}

static calendar shipped_calendar(void)
{
    cal_exception *days;
    size_t n;
    assert_int_equal(calendar_shipped(&days, &n), 0);
    assert_true(n > 100);
    return (calendar){days, n};
}

static void test_dates(void **state)
{
    (void)state;
    cal_day d;
    char out[CAL_DATE_BYTES];
    assert_int_equal(cal_day_parse("1970-01-01", &d), 0);
    assert_int_equal(d, 0);
    cal_day_format(day("2028-02-29"), out);
    assert_string_equal(out, "2028-02-29");
    assert_int_equal(cal_day_parse("2026-02-29", &d), -1); /* not a leap year */
    assert_int_equal(cal_day_parse("2026-13-01", &d), -1);
    assert_int_equal(cal_day_parse("2026-1-01", &d), -1);
    assert_int_equal(cal_day_parse("2026-01-01x", &d), -1);
    assert_int_equal(cal_day_parse("", &d), -1);
    assert_int_equal(cal_day_year(day("2026-12-31")), 2026);
}

static void test_weekends_only(void **state)
{
    (void)state;
    calendar none = {NULL, 0};
    assert_due(&none, "2026-11-27", 1, "2026-11-30"); /* Friday + 1 → Monday */
    assert_due(&none, "2026-11-28", 1, "2026-11-30"); /* Saturday + 1 → Monday */
    assert_due(&none, "2026-11-23", 5, "2026-11-30"); /* Monday + 5 → next Monday */
    assert_due(&none, "2026-11-25", 0, "2026-11-25"); /* 即办件 on a working day */
    assert_due(&none, "2026-11-29", 0, "2026-11-30"); /* 即办件 on a Sunday */
    assert_int_equal(calendar_workdays_between(&none, day("2026-11-27"), day("2026-11-30")), 1);
    assert_int_equal(calendar_workdays_between(&none, day("2026-11-30"), day("2026-11-30")), 0);
}

static void test_shipped_holidays(void **state)
{
    (void)state;
    calendar c = shipped_calendar();
    assert_false(calendar_is_workday(&c, day("2026-10-01"))); /* National Day, a Thursday */
    assert_true(calendar_is_workday(&c, day("2026-10-10")));  /* adjusted workday, Saturday */
    assert_true(calendar_is_workday(&c, day("2026-09-20")));  /* adjusted workday, Sunday */
    assert_false(calendar_is_workday(&c, day("2026-02-23"))); /* Spring Festival, Monday */
    assert_due(&c, "2026-09-30", 1, "2026-10-08");            /* over the National Day week */
    assert_due(&c, "2026-10-09", 1, "2026-10-10");            /* the Saturday works */
    assert_due(&c, "2026-10-03", 0, "2026-10-08");            /* 即办件 on a holiday */
    assert_due(&c, "2026-02-13", 1, "2026-02-14");            /* Saturday before 春节 works */
    assert_due(&c, "2026-02-14", 1, "2026-02-24");
    assert_due(&c, "2025-12-31", 1, "2026-01-04"); /* 元旦 2026: 1–3 off, Sunday 4 works */
    /* every adjusted workday of the table falls on a weekend */
    for (size_t i = 0; i < c.n; i++)
        if (c.days[i].kind == CAL_WORKDAY) {
            int wday = (int)(((c.days[i].day % 7) + 7 + 4) % 7);
            assert_true(wday == 0 || wday == 6);
        }
}

static void test_pause_moves_due(void **state)
{
    (void)state;
    /* the cache starts from the shipped table (the database is read later, by the refresher) */
    ow_config cfg = {.calendar_refresh_ms = 1000};
    assert_int_equal(calendar_cache_init(&cfg), 0);
    char out[CAL_DATE_BYTES];
    /* paused Tuesday 09-29, resumed Friday 10-09: 09-30, 10-08 and 10-09 worked; the due date
     * moves three working days on from 09-30: 10-08, 10-09, Saturday 10-10 (adjusted) */
    cal_day_format(calendar_resume_due(day("2026-09-30"), day("2026-09-29"), day("2026-10-09")),
                   out);
    assert_string_equal(out, "2026-10-10");
    /* due Friday 2026-12-04; paused Monday 11-30, resumed Thursday 12-03: 3 days skipped */
    cal_day_format(calendar_resume_due(day("2026-12-04"), day("2026-11-30"), day("2026-12-03")),
                   out);
    assert_string_equal(out, "2026-12-09");
    /* paused and resumed the same day: no move */
    cal_day_format(calendar_resume_due(day("2026-12-04"), day("2026-12-01"), day("2026-12-01")),
                   out);
    assert_string_equal(out, "2026-12-04");
    /* a pause over a weekend only: no move */
    cal_day_format(calendar_resume_due(day("2026-12-04"), day("2026-11-27"), day("2026-11-29")),
                   out);
    assert_string_equal(out, "2026-12-04");
    calendar_cache_free();
}

static void test_state_machine(void **state)
{
    (void)state;
    const app_actor staff = ACTOR_DEPARTMENT, org = ACTOR_ORGANIZATION, citizen = ACTOR_CITIZEN;
    assert_true(app_transition_allowed(APP_SUBMITTED, APP_ACCEPTED, staff));
    assert_true(app_transition_allowed(APP_SUBMITTED, APP_NEED_MATERIALS, org));
    assert_true(app_transition_allowed(APP_SUBMITTED, APP_NOT_ACCEPTED, staff));
    assert_true(app_transition_allowed(APP_SUBMITTED, APP_WITHDRAWN, citizen));
    assert_true(app_transition_allowed(APP_NEED_MATERIALS, APP_SUBMITTED, citizen));
    assert_true(app_transition_allowed(APP_NEED_MATERIALS, APP_WITHDRAWN, citizen));
    assert_true(app_transition_allowed(APP_ACCEPTED, APP_COMPLETED, org));
    /* the wrong actor on a legal edge */
    assert_false(app_transition_allowed(APP_SUBMITTED, APP_WITHDRAWN, staff));
    assert_false(app_transition_allowed(APP_SUBMITTED, APP_ACCEPTED, citizen));
    assert_false(app_transition_allowed(APP_NEED_MATERIALS, APP_SUBMITTED, staff));
    /* final states go nowhere; nothing else is allowed */
    int allowed = 0;
    for (int from = 0; from < APP_STATUS_COUNT; from++)
        for (int to = 0; to < APP_STATUS_COUNT; to++)
            for (int a = ACTOR_CITIZEN; a <= ACTOR_SYSTEM; a++)
                allowed += app_transition_allowed(from, to, a);
    assert_int_equal(allowed, 11); /* the citizen's 3 edges, the handler's 4 × 2 actors */
    assert_false(app_transition_allowed(APP_COMPLETED, APP_ACCEPTED, staff));
    assert_false(app_transition_allowed(APP_STATUS_NONE, APP_ACCEPTED, staff));
    assert_int_equal(app_status_parse("need_materials"), APP_NEED_MATERIALS);
    assert_int_equal(app_status_parse("NEED_MATERIALS"), APP_STATUS_NONE);
    assert_true(app_status_is_final(APP_WITHDRAWN));
    assert_false(app_status_is_final(APP_NEED_MATERIALS));
}

static void test_application_numbers(void **state)
{
    (void)state;
    char no[APP_NO_BYTES], again[APP_NO_BYTES], other[APP_NO_BYTES];
    application_no_new(day("2026-11-28"), no);
    assert_int_equal(strlen(no), 20);
    assert_memory_equal(no, "20261128-", 9);
    assert_int_equal(no[14], '-');
    assert_true(application_no_normalize(no, again));
    assert_string_equal(no, again);
    application_no_new(day("2026-11-28"), other);
    assert_string_not_equal(no, other); /* 50 random bits */
    /* lower case and Crockford's confusables are forgiven */
    assert_true(application_no_normalize("20261128-abcde-ilo01", again));
    assert_string_equal(again, "20261128-ABCDE-11001");
    assert_false(application_no_normalize("20261128-ABCDE-1100U", again)); /* U is not used */
    assert_false(application_no_normalize("20261128ABCDE-110011", again));
    assert_false(application_no_normalize("2026112X-ABCDE-11001", again));
    assert_false(application_no_normalize("20261128-ABCDE-1100", again));
    assert_false(application_no_normalize(NULL, again));
    char code[QUERY_CODE_BYTES];
    query_code_new(code);
    assert_int_equal(strlen(code), 8);
    for (int i = 0; i < 8; i++)
        assert_true(code[i] >= '0' && code[i] <= '9');
}

/* The offset follows TZ (the timezone setting): the statistics' dates use it. */
static void test_utc_offset(void **state)
{
    (void)state;
    const char *saved = getenv("TZ");
    char *keep = saved ? strdup(saved) : NULL;
    char off[CAL_OFFSET_BYTES];
    const int64_t winter = 1767225600, summer = 1782864000; /* 2026-01-01, 2026-07-01 UTC */
    const struct {
        const char *tz;
        int64_t at;
        const char *want;
    } cases[] = {{"Asia/Shanghai", winter, "+08:00"},    {"Asia/Shanghai", summer, "+08:00"},
                 {"America/New_York", winter, "-05:00"}, {"America/New_York", summer, "-04:00"},
                 {"Asia/Kolkata", winter, "+05:30"},     {"UTC", winter, "+00:00"},
                 {"America/St_Johns", winter, "-03:30"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        setenv("TZ", cases[i].tz, 1);
        tzset();
        cal_utc_offset(cases[i].at, off);
        assert_string_equal(off, cases[i].want);
    }
    if (keep)
        setenv("TZ", keep, 1);
    else
        unsetenv("TZ");
    tzset();
    free(keep);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_utc_offset),
        cmocka_unit_test(test_weekends_only),
        cmocka_unit_test(test_shipped_holidays),
        cmocka_unit_test(test_pause_moves_due),
        cmocka_unit_test(test_state_machine),
        cmocka_unit_test(test_application_numbers),
    };
    return cmocka_run_group_tests_name("workflow", tests, NULL, NULL);
}
