/* Unit tests of the life events in the search index (search/bundles.c): services resolved to
 * items (unknown ones left out, a service in two bundles), a bundle named by its name or by
 * the items it holds, the ranking and the cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "search/bundles.h"
#include "search/index_build.h"
#include "search/normalize.h"
#include "search/pinyin.h"
#include "search/segment.h"

static int init(void **state)
{
    (void)state;
    return normalize_init() == 0 && pinyin_init() == 0 && segment_init() == 0 ? 0 : -1;
}

static const char *const codes[] = {"A", "B", "C", "D"};

static const bundle_member members[] = {
    {"retire", "退休一件事", "Retiring", "A"},
    {"retire", "退休一件事", "Retiring", "B"},
    {"retire", "退休一件事", "Retiring", "GONE"}, /* not in the index: left out */
    {"baby", "新生儿出生一件事", "Having a baby", "C"},
    {"company", "开办运输企业一件事", NULL, "B"}, /* B in two bundles */
    {"company", "开办运输企业一件事", NULL, "D"},
    {"empty", "空的一件事", NULL, NULL}, /* a bundle without services */
};

static search_index *build(void)
{
    search_builder *b = search_builder_new();
    assert_non_null(b);
    assert_int_equal(search_builder_add_dept(b, "d", "部门", NULL), 0);
    for (size_t i = 0; i < 4; i++) {
        search_doc row = {.service_id = (int64_t)i + 1,
                          .code = codes[i],
                          .name = "某项服务",
                          .department_code = "d",
                          .audience = "personal",
                          .kind = "承诺件",
                          .description = "",
                          .topic_codes = "[]",
                          .keywords = "[]",
                          .online_level = 2,
                          .promised_days = 5};
        assert_int_equal(search_builder_add_item(b, &row), 0);
    }
    search_index *ix = search_builder_finish(b, 1);
    assert_non_null(ix);
    assert_int_equal(search_bundles_attach(ix, members, sizeof members / sizeof *members), 0);
    return ix;
}

/* The item index of a code. */
static uint32_t item(const search_index *ix, const char *code)
{
    for (uint32_t i = 0; i < ix->n_items; i++)
        if (strcmp(ix->pool + ix->items[i].code, code) == 0)
            return i;
    fail_msg("no item %s", code);
    return 0;
}

/* The codes named for q and items, joined by ','. */
static const char *named(const search_index *ix, const char *q, const uint32_t *items, size_t n)
{
    static char out[128];
    uint16_t at[SEARCH_LIFE_EVENTS];
    size_t k = search_life_events(ix, q, items, n, at, SEARCH_LIFE_EVENTS);
    out[0] = '\0';
    for (size_t i = 0; i < k; i++) {
        if (i)
            strcat(out, ",");
        strcat(out, ix->bundles[at[i]].code);
    }
    return out;
}

static void test_bundles_and_their_items(void **state)
{
    (void)state;
    search_index *ix = build();
    assert_int_equal(ix->n_bundles, 4);
    assert_string_equal(ix->bundles[0].code, "retire");
    assert_string_equal(ix->bundles[0].name_en, "Retiring");
    assert_string_equal(ix->bundles[2].name_en, "");
    assert_int_equal(ix->bundle_off[1] - ix->bundle_off[0], 2); /* GONE left out */
    assert_int_equal(ix->bundle_off[3] - ix->bundle_off[2], 2);
    assert_int_equal(ix->bundle_off[4], ix->bundle_off[3]); /* empty */
    search_index_free(ix);
}

static void test_named_by_name(void **state)
{
    (void)state;
    search_index *ix = build();
    assert_string_equal(named(ix, "退休", NULL, 0), "retire");
    assert_string_equal(named(ix, "我要退休了", NULL, 0), "retire");
    assert_string_equal(named(ix, "退休一件事", NULL, 0), "retire");
    assert_string_equal(named(ix, "新生儿", NULL, 0), "baby"); /* two pairs, both in the name */
    assert_string_equal(named(ix, "出生", NULL, 0), "");       /* one pair of four: not well */
    assert_string_equal(named(ix, "一件事", NULL, 0), "");     /* the suffix says nothing */
    assert_string_equal(named(ix, "I am retiring", NULL, 0), "retire");
    assert_string_equal(named(ix, "RETIRE", NULL, 0), "retire");
    assert_string_equal(named(ix, "having a baby", NULL, 0), "baby");
    assert_string_equal(named(ix, "how to apply", NULL, 0), ""); /* stop words only */
    assert_string_equal(named(ix, "", NULL, 0), "");
    search_index_free(ix);
}

static void test_named_by_items_and_ranked(void **state)
{
    (void)state;
    search_index *ix = build();
    uint32_t b = item(ix, "B"), c = item(ix, "C"), d = item(ix, "D");
    /* B is in both: file order breaks the tie */
    assert_string_equal(named(ix, "某项", (uint32_t[]){b}, 1), "retire,company");
    /* the earlier result first */
    assert_string_equal(named(ix, "某项", (uint32_t[]){d, c}, 2), "company,baby");
    /* a bundle named by its name comes before those of the results */
    assert_string_equal(named(ix, "新生儿", (uint32_t[]){d, b}, 2), "baby,company,retire");
    uint16_t at[1];
    assert_int_equal(search_life_events(ix, "新生儿", (uint32_t[]){d, b}, 2, at, 1), 1);
    assert_string_equal(ix->bundles[at[0]].code, "baby");
    search_index_free(ix);
}

static void test_no_bundles(void **state)
{
    (void)state;
    search_builder *bld = search_builder_new();
    search_index *ix = search_builder_finish(bld, 1);
    assert_non_null(ix);
    assert_int_equal(search_bundles_attach(ix, NULL, 0), 0);
    assert_int_equal(ix->n_bundles, 0);
    assert_string_equal(named(ix, "退休", NULL, 0), "");
    search_index_free(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundles_and_their_items),
        cmocka_unit_test(test_named_by_name),
        cmocka_unit_test(test_named_by_items_and_ranked),
        cmocka_unit_test(test_no_bundles),
    };
    return cmocka_run_group_tests(tests, init, NULL);
}
