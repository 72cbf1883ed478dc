/* Unit tests of the situation search (issue 14): word segmentation over jieba's dictionary,
 * English stems, BM25F ranking over every field, and concepts (with gaps in short words and
 * with the query's everyday words read in the concepts' words). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/embedded_data.h"
#include "search/everyday.h"
#include "search/index_build.h"
#include "search/normalize.h"
#include "search/pinyin.h"
#include "search/search.h"
#include "search/segment.h"
#include "search/terms.h"

static int init(void **state)
{
    (void)state;
    return normalize_init() == 0 && pinyin_init() == 0 && segment_init() == 0 ? 0 : -1;
}

/* The words of text, space-separated (sub_words: jieba's search mode). */
static void words(const char *text, bool sub_words, char *out, size_t cap)
{
    uint32_t c[128];
    size_t n = normalize_text(text, strlen(text), c, 128, true), k = 0;
    seg_word w[64];
    size_t nw = segment_run(c, n, sub_words, w, 64);
    out[0] = '\0';
    for (size_t i = 0; i < nw; i++) {
        char u[64];
        normalize_to_utf8(c + w[i].start, w[i].len, u, sizeof u);
        k += (size_t)snprintf(out + k, cap - k, "%s%s", i ? " " : "", u);
    }
}

static void test_segmentation(void **state)
{
    (void)state;
    char out[512];
    words("我想翻修老房子", false, out, sizeof out);
    assert_string_equal(out, "我 想 翻修 老房子");
    words("父母没有收入", false, out, sizeof out);
    assert_string_equal(out, "父母 没有 收入");
    words("最低生活保障", true, out, sizeof out); /* the sub-words of a long word too */
    assert_non_null(strstr(out, "最低"));
    assert_non_null(strstr(out, "生活"));
    assert_non_null(strstr(out, "保障"));
    assert_true(segment_is_word((const uint32_t[]){0x5B85, 0x57FA, 0x5730}, 3)); /* 宅基地 */
}

static void test_english_stems_and_stop_words(void **state)
{
    (void)state;
    char stem[40];
    assert_int_equal(terms_stem("died", 4, stem, sizeof stem), 3);
    assert_string_equal(stem, "die");
    assert_true(terms_stem("licences", 8, stem, sizeof stem) > 0);
    assert_string_equal(stem, "licenc");
    assert_int_equal(terms_stem("the", 3, stem, sizeof stem), 0);
    assert_int_equal(terms_stem("how", 3, stem, sizeof stem), 0);
}

typedef struct item_def {
    const char *code, *name, *keywords, *description, *name_en;
    const char *materials; /* as the catalog stores them: structured, or an old list of names */
} item_def;

static const item_def items[] = {
    {"MZ-1", "最低生活保障审核确认", "[\"低保\"]", "家庭人均收入低于当地标准的居民。",
     "Minimum living allowance", NULL},
    {"SJ-1", "广告发布登记", "[\"广告登记\"]", "广播电台、电视台、报刊出版单位从事广告发布业务。",
     "Advertising registration", NULL},
    {"NY-1", "农村村民宅基地申请审批", "[\"宅基地审批\",\"农村建房\"]",
     "农村村民新建、改建、扩建住宅需要使用宅基地的。", "Rural homestead approval", NULL},
    {"SL-1", "取水许可", "[\"取水证\"]", "直接从江河、湖泊或者地下取用水资源。", "Water permit",
     "[\"建设项目水资源论证报告\"]"},
    {"GA-1", "居民身份证换领", "[\"身份证到期\"]", "居民身份证有效期满的换领。",
     "Resident identity card renewal",
     "[{\"code\":\"photo\",\"name\":\"数码相片回执\",\"required\":true,"
     "\"accept\":[\"image/jpeg\"],\"max_bytes\":1048576}]"},
    /* holds one common word (生活) of 低保's service phrase 最低生活保障 */
    {"CG-1", "生活垃圾分类指导", "[\"垃圾分类\"]", "居民生活垃圾分类投放。", "Waste sorting", NULL},
};
#define N_ITEMS (sizeof items / sizeof *items)

static search_index *build(void)
{
    search_builder *b = search_builder_new();
    assert_non_null(b);
    assert_int_equal(search_builder_add_dept(b, "d", "部门", "Department"), 0);
    for (size_t i = 0; i < N_ITEMS; i++) {
        search_doc row = {.service_id = (int64_t)i + 1,
                          .code = items[i].code,
                          .name = items[i].name,
                          .department_code = "d",
                          .audience = "personal",
                          .kind = "承诺件",
                          .description = items[i].description,
                          .topic_codes = "[]",
                          .keywords = items[i].keywords,
                          .online_level = 2,
                          .promised_days = 5,
                          .name_en = items[i].name_en,
                          .materials = items[i].materials};
        assert_int_equal(search_builder_add_item(b, &row), 0);
    }
    assert_int_equal(search_builder_add_concept(b, "低保", "没有收入|no income", "最低生活保障"),
                     0);
    assert_int_equal(search_builder_add_concept(b, "广告", "打广告|advert", "广告发布登记"), 0);
    assert_int_equal(
        search_builder_add_concept(b, "建房", "翻修+房|rebuild+house", "农村村民宅基地申请审批"),
        0);
    assert_int_equal(search_builder_add_concept(b, "打井", "打井", "取水许可"), 0);
    search_index *ix = search_builder_finish(b, 1);
    assert_non_null(ix);
    return ix;
}

/* The code of the first hit of q ("" when none); *total: how many hits. */
static const char *first_of(const search_index *ix, const char *q, size_t *total)
{
    static char code[64];
    arena a;
    arena_init(&a, 0);
    search_filters f = {-1, -1, -1, 0};
    search_results r;
    assert_int_equal(search_run(ix, q, &f, 0, 3, false, &a, &r), 0);
    snprintf(code, sizeof code, "%s", r.n ? ix->pool + ix->items[r.hits[0].item].code : "");
    *total = r.total;
    arena_destroy(&a);
    return code;
}

static const char *first(const search_index *ix, const char *q)
{
    size_t total;
    return first_of(ix, q, &total);
}

static void test_concepts_and_ranking(void **state)
{
    (void)state;
    search_index *ix = build();
    assert_string_equal(first(ix, "爸妈没有收入了"), "MZ-1");
    assert_string_equal(first(ix, "想给小店打广告"), "SJ-1");
    assert_string_equal(first(ix, "村里老房子想翻修"), "NY-1"); /* "翻修+房", any order */
    assert_string_equal(first(ix, "在院子里打口井"), "SL-1");   /* a gap inside 打井 */
    assert_string_equal(first(ix, "my parents have no income"), "MZ-1");
    assert_string_equal(first(ix, "identity card renewal"), "GA-1"); /* English fields */
    assert_string_equal(first(ix, "居民身份证换领"), "GA-1");        /* names still first */
    assert_string_equal(first(ix, "打水漂"), "");                    /* no concept, no word */
    search_index_free(ix);
}

/* Materials are a field: a structured material by its name, an old list of names alike. */
static void test_material_names_are_searched(void **state)
{
    (void)state;
    search_index *ix = build();
    assert_string_equal(first(ix, "相片回执"), "GA-1");
    assert_string_equal(first(ix, "论证报告"), "SL-1");
    assert_string_equal(first(ix, "photo"), ""); /* a code is not a name */
    search_index_free(ix);
}

/* A concept's phrase gives nothing to an item holding less than half of it (by impact, of
 * the best holder's): 生活 alone is not 最低生活保障. */
static void test_concept_phrase_share_floor(void **state)
{
    (void)state;
    search_index *ix = build();
    size_t total;
    assert_string_equal(first_of(ix, "爸妈没有收入了", &total), "MZ-1");
    assert_int_equal(total, 1);
    assert_string_equal(first_of(ix, "垃圾分类", &total), "CG-1"); /* still found by its words */
    search_index_free(ix);
}

/* The query rewritten by data/everyday.tsv: the longest everyday word at each position. */
static const char *rewritten(const char *text)
{
    static char out[256];
    uint32_t c[64], rw[128];
    size_t n = normalize_text(text, strlen(text), c, 64, true);
    size_t m = everyday_rewrite(c, n, rw, 128);
    normalize_to_utf8(rw, m, out, sizeof out);
    return out;
}

static void test_everyday_words(void **state)
{
    (void)state;
    assert_string_equal(rewritten("翻盖老屋"), "翻建老房");
    assert_string_equal(rewritten("没有收入"), "没有收入"); /* 没有, not 没 → 没有 twice */
    assert_string_equal(rewritten("没收入"), "没有收入");
    assert_string_equal(rewritten("护照"), ""); /* nothing to rewrite: nothing written */
    size_t lines =
        0; /* every pair of the shipped file is loaded: none too long, none past the cap */
    for (const char *p = everyday_tsv; *p; p = strchr(p, '\n') + 1)
        lines += *p != '#' && *p != '\n';
    assert_int_equal(everyday_size(), lines);
    search_index *ix = build();
    /* neither 翻修 nor 房 is typed: 翻新 → 翻修 and 屋 → 房 bring the concept 翻修+房 */
    assert_string_equal(first(ix, "村里想翻新老屋"), "NY-1");
    assert_string_equal(first(ix, "爸妈没收入了"), "MZ-1"); /* 没 → 没有 */
    search_index_free(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segmentation),
        cmocka_unit_test(test_english_stems_and_stop_words),
        cmocka_unit_test(test_concepts_and_ranking),
        cmocka_unit_test(test_concept_phrase_share_floor),
        cmocka_unit_test(test_material_names_are_searched),
        cmocka_unit_test(test_everyday_words),
    };
    return cmocka_run_group_tests(tests, init, NULL);
}
