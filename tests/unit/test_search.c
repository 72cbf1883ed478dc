/* Unit tests of search/ (normalizer, pinyin, index building, ranking, filters, browse,
 * highlights). The index is built here from a dozen hand-made items, so that each ranking
 * tier exists for one query. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "search/index.h"
#include "search/index_build.h"
#include "search/normalize.h"
#include "search/pinyin.h"
#include "search/segment.h"
#include "search/search.h"
#include "search/search_log.h"

/* ---- helpers ---- */

static int init_tables(void **state)
{
    (void)state;
    if (normalize_init() != 0) {
        fprintf(stderr, "normalize_init failed (is /usr/share/opencc/t2s.json installed?)\n");
        return -1;
    }
    return pinyin_init() == 0 && segment_init() == 0 ? 0 : -1;
}

/* normalize_text then back to UTF-8; returns the code point count. */
static size_t norm(const char *s, bool collapse, char *out, size_t cap)
{
    uint32_t c[NORM_MAX_CHARS];
    size_t n = normalize_text(s, strlen(s), c, NORM_MAX_CHARS, collapse);
    normalize_to_utf8(c, n, out, cap);
    return n;
}

static void assert_norm(const char *in, bool collapse, const char *want)
{
    char out[1024];
    norm(in, collapse, out, sizeof out);
    if (strcmp(out, want) != 0)
        fail_msg("normalize_text(\"%s\", collapse=%d) = \"%s\", want \"%s\"", in, collapse, out,
                 want);
}

static void pinyin_str(const char *s, pinyin_text *py)
{
    uint32_t c[NORM_MAX_CHARS];
    size_t n = normalize_text(s, strlen(s), c, NORM_MAX_CHARS, true);
    pinyin_of(c, n, py);
}

static void assert_pinyin(const char *s, const char *full, const char *initials)
{
    static pinyin_text py;
    pinyin_str(s, &py);
    if (strcmp(py.full, full) != 0 || strcmp(py.initials, initials) != 0)
        fail_msg("pinyin of %s = %s / %s, want %s / %s", s, py.full, py.initials, full, initials);
    assert_int_equal(py.full_len, strlen(full));
    assert_int_equal(py.initials_len, strlen(initials));
}

/* ---- 1. normalizer ---- */

/* Found by tests/fuzz/fuzz_search.c: OpenCC 1.1.6 reads past the end of invalid UTF-8 (a
 * heap-buffer-overflow in its segmentation, seen under ASan). Text with a character t2s
 * changes (護) and a truncated sequence at the end must not reach it. */
static void test_norm_invalid_utf8_stays_away_from_opencc(void **state)
{
    (void)state;
    static const char in[] = "\x18ICP\xe5\xa4\x87l\xe8\xad\xb7\xe7\x85\xa7 "
                             "\xe8\xbe\x5a\xe7\xa3\x00\xe7\x74\xa0";
    uint32_t c[NORM_MAX_CHARS];
    for (size_t len = 1; len <= sizeof in - 1; len++) {
        char *copy = malloc(len); /* exactly len bytes: a read past them is ASan's to see */
        memcpy(copy, in, len);
        size_t n = normalize_text(copy, len, c, NORM_MAX_CHARS, true);
        assert_true(n <= len);
        free(copy);
    }
    assert_norm("\xe8\xad\xb7\xe7\x85\xa7", true, "护照"); /* valid text still converts */
}

static void test_norm_full_width(void **state)
{
    (void)state;
    assert_norm("ＳＢＫ１２", true, "sbk12");
    assert_norm("ＳＢＫ１２", false, "sbk12");
    assert_norm("ａｂｃ　ＸＹＺ", true, "abc xyz"); /* ideographic space too */
}

static void test_norm_lower_case(void **state)
{
    (void)state;
    assert_norm("ICP备案 ABCxyz 0123", true, "icp备案 abcxyz 0123");
}

static void test_norm_traditional(void **state)
{
    (void)state;
    assert_norm("護照", true, "护照");
    assert_norm("駕駛證", true, "驾驶证");
    assert_norm("結婚登記", true, "结婚登记");
    assert_norm("補辦護照ＡＢ", true, "补办护照ab");
    /* simplified text comes out unchanged */
    assert_norm("机动车驾驶证换证", true, "机动车驾驶证换证");
}

static void test_norm_punctuation_collapse(void **state)
{
    (void)state;
    assert_norm("a,b!!c", true, "a b c");
    assert_norm("  hello -- world?  ", true, "hello world");
    assert_norm("护照，补办。加急！", true, "护照 补办 加急");
    assert_norm("《护照》“补办”、（加急）", true, "护照 补办 加急");
    assert_norm("（护照）", true, "护照");
    assert_norm("a+b=c#d@e", true, "a b c d e");
}

static void test_norm_punctuation_positions(void **state)
{
    (void)state;
    /* without collapse every punctuation mark becomes one space where it stood */
    const char *in = "《护照》，补办！";
    char out[256];
    size_t n = norm(in, false, out, sizeof out);
    assert_int_equal(n, 8);
    assert_string_equal(out, " 护照  补办 ");
    uint32_t c[64];
    n = normalize_text(in, strlen(in), c, 64, false);
    assert_int_equal(n, 8);
    assert_int_equal(c[0], ' ');
    assert_int_equal(c[1], 0x62A4); /* 护 */
    assert_int_equal(c[3], ' ');
    assert_int_equal(c[4], ' ');
    assert_int_equal(c[7], ' ');
    const char *all = "“结婚”、（登记）。a,,b";
    n = normalize_text(all, strlen(all), c, 64, false);
    assert_int_equal(n, 14); /* one output per input code point */
    assert_norm(all, false, " 结婚   登记  a  b");
}

static void test_norm_empty(void **state)
{
    (void)state;
    uint32_t c[8];
    assert_int_equal(normalize_text("", 0, c, 8, true), 0);
    assert_int_equal(normalize_text("", 0, c, 8, false), 0);
    char out[8] = "junk";
    assert_int_equal(normalize_to_utf8(c, 0, out, sizeof out), 0);
    assert_string_equal(out, "");
}

static void test_norm_only_punctuation(void **state)
{
    (void)state;
    uint32_t c[16];
    const char *p = "，。！《》“”、（）";
    assert_int_equal(normalize_text(p, strlen(p), c, 16, true), 0);
    assert_int_equal(normalize_text("   ", 3, c, 16, true), 0);
    assert_int_equal(normalize_text("!?.", 3, c, 16, true), 0);
    size_t n = normalize_text(p, strlen(p), c, 16, false);
    assert_int_equal(n, 10);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(c[i], ' ');
}

static void test_norm_long_text_cut(void **state)
{
    (void)state;
    size_t total = NORM_MAX_CHARS + 1000;
    uint32_t *c = malloc((total + 10) * sizeof *c);
    char *ascii = malloc(total + 1);
    char *hanzi = malloc(total * 3 + 1);
    char *trad = malloc(total * 3 + 1);
    assert_non_null(c);
    assert_non_null(ascii);
    assert_non_null(hanzi);
    assert_non_null(trad);
    memset(ascii, 'a', total);
    ascii[total] = '\0';
    for (size_t i = 0; i < total; i++) {
        memcpy(hanzi + 3 * i, "证", 3);
        memcpy(trad + 3 * i, "護", 3);
    }
    hanzi[total * 3] = trad[total * 3] = '\0';

    assert_int_equal(normalize_text(ascii, total, c, NORM_MAX_CHARS, true), NORM_MAX_CHARS);
    assert_int_equal(normalize_text(hanzi, total * 3, c, NORM_MAX_CHARS, true), NORM_MAX_CHARS);
    assert_int_equal(normalize_text(hanzi, total * 3, c, NORM_MAX_CHARS, false), NORM_MAX_CHARS);
    /* text longer than NORM_MAX_CHARS is cut and what is kept is still simplified (the
     * byte cut falls inside a 護: nothing may read past it, which valgrind checks) */
    size_t n = normalize_text(trad, total * 3, c, NORM_MAX_CHARS, true);
    assert_int_equal(n, NORM_MAX_CHARS);
    size_t simplified = 0;
    for (size_t i = 0; i < n; i++)
        simplified += c[i] == 0x62A4; /* 护 */
    if (simplified != n)
        fail_msg("%zu of the first %zu characters of %zu × 護 simplified to 护", simplified, n,
                 total);
    free(c);
    free(ascii);
    free(hanzi);
    free(trad);
}

static void test_norm_cap(void **state)
{
    (void)state;
    uint32_t c[16];
    for (size_t i = 0; i < 16; i++)
        c[i] = 0xDEAD;
    assert_int_equal(normalize_text("abcdef", 6, c, 3, true), 3);
    assert_int_equal(c[0], 'a');
    assert_int_equal(c[2], 'c');
    assert_int_equal(c[3], 0xDEAD); /* nothing written past cap */
    for (size_t i = 0; i < 16; i++)
        c[i] = 0xDEAD;
    assert_int_equal(normalize_text("护照补办", strlen("护照补办"), c, 2, false), 2);
    assert_int_equal(c[1], 0x7167); /* 照 */
    assert_int_equal(c[2], 0xDEAD);
    assert_int_equal(normalize_text("a, b", 4, c, 0, true), 0);
}

static void test_norm_utf8_round_trip(void **state)
{
    (void)state;
    const char *s = "机动车驾驶证换证icp123";
    uint32_t c[64];
    size_t n = normalize_text(s, strlen(s), c, 64, true);
    assert_int_equal(n, 14);
    char out[128];
    size_t len = normalize_to_utf8(c, n, out, sizeof out);
    assert_int_equal(len, strlen(s));
    assert_string_equal(out, s);
    /* a small buffer: a NUL-terminated prefix of whole characters */
    char small[8];
    len = normalize_to_utf8(c, n, small, sizeof small);
    assert_true(len < sizeof small);
    assert_int_equal(len % 3, 0);
    assert_int_equal(strlen(small), len);
    assert_memory_equal(small, s, len);
    /* four-byte and two-byte characters */
    uint32_t mixed[] = {0x1F600, 0xE9, 'x', 0x4E2D};
    len = normalize_to_utf8(mixed, 4, out, sizeof out);
    assert_string_equal(out, "\xF0\x9F\x98\x80\xC3\xA9x中");
    assert_int_equal(len, 10);
}

static void test_is_hanzi(void **state)
{
    (void)state;
    assert_true(is_hanzi(0x4E00));
    assert_true(is_hanzi(0x9FFF));
    assert_true(is_hanzi(0x3400));
    assert_true(is_hanzi(0x62A4));
    assert_false(is_hanzi('a'));
    assert_false(is_hanzi(0x3002)); /* 。 */
    assert_false(is_hanzi(0xFF01));
}

/* ---- 2. pinyin ---- */

static void test_pinyin_basic(void **state)
{
    (void)state;
    assert_pinyin("社保卡", "shebaoka", "sbk");
    assert_pinyin("机动车驾驶证", "jidongchejiashizheng", "jdcjsz");
}

static void test_pinyin_polyphones(void **state)
{
    (void)state;
    assert_pinyin("银行", "yinhang", "yh");
    assert_pinyin("行长", "hangzhang", "hz");
    assert_pinyin("长大", "zhangda", "zd");
    assert_pinyin("重庆", "chongqing", "cq");
    assert_pinyin("重新", "chongxin", "cx");
    assert_pinyin("步行", "buxing", "bx");
}

static void test_pinyin_syllable_positions(void **state)
{
    (void)state;
    static pinyin_text py;
    pinyin_str("机动车驾驶证", &py);
    assert_int_equal(py.n_syl, 6);
    assert_int_equal(py.syl_start[0], 0);
    for (size_t k = 0; k < py.n_syl; k++) {
        size_t end = k + 1 < py.n_syl ? py.syl_start[k + 1] : py.full_len;
        assert_true(end > py.syl_start[k]);
        assert_true(pinyin_is_syllable(py.full + py.syl_start[k], end - py.syl_start[k]));
        assert_int_equal(py.syl_char[k], k);
        assert_int_equal(py.initials[k], py.full[py.syl_start[k]]);
    }
    const uint16_t starts[] = {0, 2, 6, 9, 12, 15};
    for (size_t k = 0; k < 6; k++)
        assert_int_equal(py.syl_start[k], starts[k]);

    /* spaces and punctuation are skipped: syl_char indexes the source code point */
    pinyin_str("社保，icp备案", &py); /* 社 保 ' ' i c p 备 案 */
    assert_string_equal(py.full, "shebaoicpbeian");
    assert_string_equal(py.initials, "sbicpba");
    assert_int_equal(py.n_syl, 5);
    const uint16_t chars[] = {0, 1, 3, 6, 7};
    const uint16_t starts2[] = {0, 3, 6, 9, 12};
    for (size_t k = 0; k < 5; k++) {
        assert_int_equal(py.syl_char[k], chars[k]);
        assert_int_equal(py.syl_start[k], starts2[k]);
    }
}

static void test_pinyin_ascii_runs(void **state)
{
    (void)state;
    static pinyin_text py;
    pinyin_str("icp备案", &py);
    assert_string_equal(py.full, "icpbeian");
    assert_int_equal(strncmp(py.initials, "icp", 3), 0);
    assert_string_equal(py.initials, "icpba");
    assert_int_equal(py.n_syl, 3);
    assert_int_equal(py.syl_start[1], 3);
    assert_int_equal(py.syl_char[1], 3);
    pinyin_str("ＩＣＰ2024", &py); /* full-width, normalized: one run of letters and digits */
    assert_string_equal(py.full, "icp2024");
    assert_string_equal(py.initials, "icp2024");
    assert_int_equal(py.n_syl, 1);
    pinyin_str("", &py);
    assert_int_equal(py.n_syl, 0);
    assert_string_equal(py.full, "");
    assert_string_equal(py.initials, "");
}

static void test_pinyin_syllables(void **state)
{
    (void)state;
    assert_true(pinyin_is_syllable("zhuang", 6));
    assert_true(pinyin_is_syllable("a", 1));
    assert_true(pinyin_is_syllable("she", 3));
    assert_false(pinyin_is_syllable("zzz", 3));
    assert_false(pinyin_is_syllable("sheb", 4));
    assert_false(pinyin_is_syllable("", 0));
    assert_true(pinyin_is_syllable("zhuangzi", 6)); /* only the first len letters count */
    assert_int_equal(pinyin_longest_syllable("shebao", 6), 3);
    assert_int_equal(pinyin_longest_syllable("zhuangzi", 8), 6);
    assert_int_equal(pinyin_longest_syllable("xian", 4), 4);
    assert_int_equal(pinyin_longest_syllable("xian", 2), 2); /* "xi" */
    assert_int_equal(pinyin_longest_syllable("qqq", 3), 0);
    assert_int_equal(pinyin_longest_syllable("", 0), 0);
}

/* ---- 3. index and ranking ---- */

typedef struct item_def {
    const char *code, *name, *dept, *topics, *audience, *keywords, *description;
    int level, popularity;
} item_def;

/* The tiers of the query 结婚登记: exact (MZ-1), prefix (MZ-2, MZ-3: the same shape, MZ-2
 * more popular), every word in another order (MZ-4), keyword only (MZ-5), description only
 * (GA-1). The better tiers are the less popular, so that popularity cannot explain them. */
static const item_def items[] = {
    {"MZ-1", "结婚登记", "mz", "[\"hy\"]", "personal", "[]", "内地居民双方到场。", 2, 1},
    {"MZ-2", "结婚登记预约", "mz", "[\"hy\"]", "enterprise", "[]", "", 4, 500},
    {"MZ-3", "结婚登记咨询", "mz", "[\"hy\"]", "both", "[]", "", 3, 20},
    {"MZ-4", "补领登记结婚证", "mz", "[\"hy\",\"cx\"]", "personal", "[]", "", 2, 900},
    {"MZ-5", "涉外婚姻证明", "mz", "[]", "personal", "[\"结婚登记\",\"涉外\"]", "", 1, 1000},
    {"GA-1", "户口迁移", "ga", "[]", "personal", "[]", "结婚登记后办理户口迁入。", 3, 2000},
    {"GA-2", "机动车驾驶证换证", "ga", "[\"cx\"]", "personal", "[\"驾照\"]", "", 3, 300},
    {"GA-3", "社保卡申领", "ga", "[]", "personal", "[\"社会保障卡\"]", "", 2, 50},
    {"GA-4", "护照办理", "ga", "[\"cx\"]", "both", "[]", "", 4, 80},
    {"GA-5", "护照办理", "ga", "[\"cx\"]", "personal", "[]", "", 2, 10},
    {"GA-6", "ICP备案", "ga", "[]", "enterprise", "[]", "", 1, 5},
};
#define N_ITEMS (sizeof items / sizeof *items)

static void add_items(search_builder *b)
{
    assert_int_equal(search_builder_add_dept(b, "mz", "民政局", NULL), 0);
    assert_int_equal(search_builder_add_dept(b, "ga", "公安局", NULL), 0);
    assert_int_equal(search_builder_add_topic(b, "hy", "婚育收养", NULL), 0);
    assert_int_equal(search_builder_add_topic(b, "cx", "交通出行", NULL), 0);
    for (size_t i = 0; i < N_ITEMS; i++) {
        const item_def *d = &items[i];
        search_doc row = {
            .service_id = (int64_t)i + 1,
            .code = d->code,
            .name = d->name,
            .department_code = d->dept,
            .audience = d->audience,
            .kind = "承诺件",
            .description = d->description,
            .topic_codes = d->topics,
            .keywords = d->keywords,
            .online_level = d->level,
            .promised_days = 5,
            .popularity = d->popularity,
        };
        assert_int_equal(search_builder_add_item(b, &row), 0);
    }
}

/* custom: the operators' synonyms of the tests; shipped: data/synonyms.tsv. */
static search_index *build_index(bool custom, bool shipped)
{
    search_builder *b = search_builder_new();
    assert_non_null(b);
    add_items(b);
    if (custom) {
        assert_int_equal(search_builder_add_synonym(b, "喜结良缘", "结婚登记"), 0);
        assert_int_equal(search_builder_add_synonym(b, "marriage", "结婚登记"), 0);
    }
    if (shipped)
        assert_int_equal(search_builder_add_shipped_synonyms(b), 0);
    search_index *ix = search_builder_finish(b, 7);
    assert_non_null(ix);
    return ix;
}

typedef struct fixture {
    search_index *ix;
    arena a;
} fixture;

static int index_setup(void **state)
{
    if (init_tables(state) != 0)
        return -1;
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    fx->ix = build_index(true, false);
    arena_init(&fx->a, 0);
    *state = fx;
    return 0;
}

static int index_teardown(void **state)
{
    fixture *fx = *state;
    arena_destroy(&fx->a);
    search_index_free(fx->ix);
    free(fx);
    return 0;
}

static const search_filters no_filters = {-1, -1, -1, 0};

static const char *code_of(const search_index *ix, const search_hit *h)
{
    return ix->pool + ix->items[h->item].code;
}

static const char *name_of(const search_index *ix, const search_hit *h)
{
    return ix->pool + ix->items[h->item].name;
}

static void describe(const search_index *ix, const search_results *r, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->n && len + 1 < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s(%u)", i ? " " : "",
                                code_of(ix, &r->hits[i]), r->hits[i].score);
}

/* Asserts the page's codes, in order, and the total. */
static void assert_page(const search_index *ix, const search_results *r, const char *what,
                        size_t total, const char *const *codes, size_t n)
{
    char got[1024];
    describe(ix, r, got, sizeof got);
    bool ok = r->total == total && r->n == n;
    for (size_t i = 0; ok && i < n; i++)
        ok = strcmp(code_of(ix, &r->hits[i]), codes[i]) == 0;
    if (!ok) {
        char want[512];
        size_t len = 0;
        want[0] = '\0';
        for (size_t i = 0; i < n; i++)
            len += (size_t)snprintf(want + len, sizeof want - len, "%s%s", i ? " " : "", codes[i]);
        fail_msg("%s: got total %zu [%s], want total %zu [%s]", what, r->total, got, total, want);
    }
}

#define CODES(...) ((const char *const[]){__VA_ARGS__})
#define NCODES(...) (sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))
#define ASSERT_PAGE(ix, r, what, total, ...)                                                       \
    assert_page(ix, r, what, total, CODES(__VA_ARGS__), NCODES(__VA_ARGS__))

static void run(fixture *fx, const char *q, const search_filters *f, size_t offset, size_t limit,
                bool distinct, search_results *r)
{
    assert_int_equal(search_run(fx->ix, q, f ? f : &no_filters, offset, limit, distinct, &fx->a, r),
                     0);
}

/* The item with that code. */
static uint32_t index_of(const search_index *ix, const char *code)
{
    for (uint32_t i = 0; i < ix->n_items; i++)
        if (strcmp(ix->pool + ix->items[i].code, code) == 0)
            return i;
    fail_msg("no item %s", code);
    return 0;
}

/* The hit of the page with that code, or NULL. */
static const search_hit *find_hit(const search_index *ix, const search_results *r, const char *code)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(code_of(ix, &r->hits[i]), code) == 0)
            return &r->hits[i];
    return NULL;
}

static void test_build_counts(void **state)
{
    fixture *fx = *state;
    const search_index *ix = fx->ix;
    assert_int_equal(ix->n_items, N_ITEMS);
    assert_int_equal(ix->version, 7);
    assert_int_equal(index_dept(ix, "mz"), 0);
    assert_int_equal(index_dept(ix, "ga"), 1);
    assert_int_equal(index_dept(ix, "nope"), -1);
    assert_int_equal(index_topic(ix, "hy"), 0);
    assert_int_equal(index_topic(ix, "cx"), 1);
    assert_int_equal(index_topic(ix, "mz"), -1);
    assert_int_equal(ix->depts[0].count, 5);
    assert_int_equal(ix->depts[1].count, 6);
    assert_int_equal(ix->topics[0].count, 4);
    assert_int_equal(ix->topics[1].count, 4);
    assert_string_equal(ix->depts[1].name, "公安局");
}

static void test_rank_tiers(void **state)
{
    fixture *fx = *state;
    search_results r;
    run(fx, "结婚登记", NULL, 0, 20, false, &r);
    /* exact > prefix (by popularity) > all words > keyword > description */
    ASSERT_PAGE(fx->ix, &r, "结婚登记", 6, "MZ-1", "MZ-2", "MZ-3", "MZ-4", "MZ-5", "GA-1");
    for (size_t i = 1; i < r.n; i++)
        assert_true(r.hits[i - 1].score > r.hits[i].score);
    /* the same with spaces and punctuation in the query */
    run(fx, " 结婚，登记！", NULL, 0, 20, false, &r);
    ASSERT_PAGE(fx->ix, &r, "结婚，登记", 6, "MZ-1", "MZ-2", "MZ-3", "MZ-4", "MZ-5", "GA-1");
}

static void test_rank_popularity_breaks_ties(void **state)
{
    fixture *fx = *state;
    search_results r;
    /* MZ-2 and MZ-3: names of the same shape; the more popular first */
    run(fx, "结婚登记", NULL, 0, 20, false, &r);
    assert_true(r.n >= 3);
    assert_string_equal(code_of(fx->ix, &r.hits[1]), "MZ-2");
    assert_string_equal(code_of(fx->ix, &r.hits[2]), "MZ-3");
    assert_true(r.hits[1].score / 1000 == r.hits[2].score / 1000); /* one tier */
    /* GA-4 and GA-5: the same name */
    run(fx, "护照办理", NULL, 0, 20, false, &r);
    ASSERT_PAGE(fx->ix, &r, "护照办理", 2, "GA-4", "GA-5");
}

static void test_rank_paging(void **state)
{
    fixture *fx = *state;
    search_results all, page;
    run(fx, "结婚登记", NULL, 0, 100, false, &all);
    assert_int_equal(all.total, 6);
    search_hit full[6];
    memcpy(full, all.hits, sizeof full);
    size_t seen = 0;
    for (size_t offset = 0; offset < 8; offset += 4) {
        run(fx, "结婚登记", NULL, offset, 4, false, &page);
        assert_int_equal(page.total, 6);
        assert_int_equal(page.n, offset == 0 ? 4 : 2);
        for (size_t i = 0; i < page.n; i++)
            assert_int_equal(page.hits[i].item, full[offset + i].item);
        seen += page.n;
    }
    assert_int_equal(seen, 6);
    for (size_t offset = 0; offset < 6; offset += 2) {
        run(fx, "结婚登记", NULL, offset, 2, false, &page);
        assert_int_equal(page.n, 2);
        assert_int_equal(page.hits[0].item, full[offset].item);
        assert_int_equal(page.hits[1].item, full[offset + 1].item);
    }
    /* past the end: nothing, and the total still */
    run(fx, "结婚登记", NULL, 6, 4, false, &page);
    assert_int_equal(page.n, 0);
    assert_int_equal(page.total, 6);
    run(fx, "结婚登记", NULL, 100, 4, false, &page);
    assert_int_equal(page.n, 0);
    assert_int_equal(page.total, 6);
    run(fx, "结婚登记", NULL, 0, 0, false, &page);
    assert_int_equal(page.n, 0);
    assert_int_equal(page.total, 6);
}

static void test_filters(void **state)
{
    fixture *fx = *state;
    const search_index *ix = fx->ix;
    search_results r;
    search_filters f = no_filters;

    f.dept = index_dept(ix, "mz");
    run(fx, "结婚登记", &f, 0, 20, false, &r);
    ASSERT_PAGE(ix, &r, "dept mz", 5, "MZ-1", "MZ-2", "MZ-3", "MZ-4", "MZ-5");
    f.dept = index_dept(ix, "ga");
    run(fx, "结婚登记", &f, 0, 20, false, &r);
    ASSERT_PAGE(ix, &r, "dept ga", 1, "GA-1");

    f = no_filters;
    f.topic = index_topic(ix, "hy");
    run(fx, "结婚登记", &f, 0, 20, false, &r);
    ASSERT_PAGE(ix, &r, "topic hy", 4, "MZ-1", "MZ-2", "MZ-3", "MZ-4");
    f.topic = index_topic(ix, "cx");
    run(fx, "结婚登记", &f, 0, 20, false, &r);
    ASSERT_PAGE(ix, &r, "topic cx", 1, "MZ-4");

    /* personal includes the items for both, not those for enterprises only */
    f = no_filters;
    f.audience = AUDIENCE_PERSONAL;
    run(fx, "结婚登记", &f, 0, 20, false, &r);
    ASSERT_PAGE(ix, &r, "audience personal", 5, "MZ-1", "MZ-3", "MZ-4", "MZ-5", "GA-1");
    f.audience = AUDIENCE_ENTERPRISE;
    run(fx, "结婚登记", &f, 0, 20, false, &r);
    ASSERT_PAGE(ix, &r, "audience enterprise", 2, "MZ-2", "MZ-3");

    f = no_filters;
    f.online_level_min = 3;
    run(fx, "结婚登记", &f, 0, 20, false, &r);
    ASSERT_PAGE(ix, &r, "online_level_min 3", 3, "MZ-2", "MZ-3", "GA-1");
    f.online_level_min = 4;
    run(fx, "结婚登记", &f, 0, 20, false, &r);
    ASSERT_PAGE(ix, &r, "online_level_min 4", 1, "MZ-2");

    /* combined, and paged: the total is still exact */
    f = no_filters;
    f.dept = index_dept(ix, "mz");
    f.audience = AUDIENCE_PERSONAL;
    run(fx, "结婚登记", &f, 1, 2, false, &r);
    ASSERT_PAGE(ix, &r, "mz + personal, page 2", 4, "MZ-3", "MZ-4");
    f.online_level_min = 4;
    run(fx, "结婚登记", &f, 0, 20, false, &r);
    assert_int_equal(r.total, 0);
    assert_int_equal(r.n, 0);
}

static void test_synonym_added(void **state)
{
    fixture *fx = *state;
    search_results r;
    /* without the synonyms the terms find nothing */
    fixture plain = {build_index(false, false), {0}};
    arena_init(&plain.a, 0);
    run(&plain, "喜结良缘", NULL, 0, 20, false, &r);
    assert_int_equal(r.total, 0);
    run(&plain, "marriage", NULL, 0, 20, false, &r);
    assert_int_equal(r.total, 0);
    arena_destroy(&plain.a);
    search_index_free(plain.ix);

    /* with them, each term finds what its expansion finds (ranked in the synonym tiers,
     * below any literal match) */
    const char *terms[] = {"喜结良缘", "marriage", "MARRIAGE!", "喜结良缘！"};
    for (size_t t = 0; t < sizeof terms / sizeof *terms; t++) {
        run(fx, terms[t], NULL, 0, 20, false, &r);
        if (r.total != 6 || !find_hit(fx->ix, &r, "MZ-1") || !find_hit(fx->ix, &r, "GA-1"))
            fail_msg("synonym %s: total %zu", terms[t], r.total);
    }
}

/* Filler words of a spoken query need not match, whether the rest is read literally or
 * through a synonym: 我要喜结良缘 finds what 喜结良缘 finds, in the same order. */
static void test_synonym_with_filler(void **state)
{
    fixture *fx = *state;
    search_results r;
    char want[1024], got[1024];
    run(fx, "我要结婚登记", NULL, 0, 20, false, &r); /* literal: 我要 is ignored */
    assert_int_equal(r.total, 6);
    assert_non_null(find_hit(fx->ix, &r, "GA-1"));
    run(fx, "喜结良缘", NULL, 0, 20, false, &r);
    describe(fx->ix, &r, want, sizeof want);
    size_t want_total = r.total;
    run(fx, "我要喜结良缘", NULL, 0, 20, false, &r);
    describe(fx->ix, &r, got, sizeof got);
    if (r.total != want_total || strcmp(got, want) != 0)
        fail_msg("我要喜结良缘: total %zu [%s]; 喜结良缘: total %zu [%s]", r.total, got, want_total,
                 want);
}

static void test_shipped_synonyms(void **state)
{
    (void)state;
    /* data/synonyms.tsv: "二代证	居民身份证" */
    search_builder *b = search_builder_new();
    assert_non_null(b);
    assert_int_equal(search_builder_add_dept(b, "ga", "公安局", NULL), 0);
    search_doc row = {1,    "GA-9",     "居民身份证换领",
                      "ga", "personal", "即办件",
                      "",   "[]",       "[]",
                      2,    0,          10,
                      NULL, NULL,       NULL,
                      NULL};
    assert_int_equal(search_builder_add_item(b, &row), 0);
    assert_int_equal(search_builder_add_shipped_synonyms(b), 0);
    search_index *ix = search_builder_finish(b, 1);
    assert_non_null(ix);
    assert_true(ix->n_synonyms > 100);
    fixture fx = {ix, {0}};
    arena_init(&fx.a, 0);
    search_results r;
    run(&fx, "二代证", NULL, 0, 10, false, &r);
    ASSERT_PAGE(ix, &r, "二代证", 1, "GA-9");
    arena_destroy(&fx.a);
    search_index_free(ix);
}

static void test_pinyin_queries(void **state)
{
    fixture *fx = *state;
    const search_index *ix = fx->ix;
    search_results r;
    /* through the name: full pinyin, a prefix of it, initials */
    run(fx, "shebaoka", NULL, 0, 20, false, &r);
    assert_true(r.total >= 1);
    assert_string_equal(code_of(ix, &r.hits[0]), "GA-3");
    run(fx, "shebaokashenling", NULL, 0, 20, false, &r);
    ASSERT_PAGE(ix, &r, "shebaokashenling", 1, "GA-3");
    run(fx, "sbk", NULL, 0, 20, false, &r);
    assert_true(r.total >= 1);
    assert_string_equal(code_of(ix, &r.hits[0]), "GA-3");
    run(fx, "SBK", NULL, 0, 20, false, &r);
    assert_true(r.total >= 1);
    assert_string_equal(code_of(ix, &r.hits[0]), "GA-3");
    run(fx, "jiehundengji", NULL, 0, 20, false, &r);
    assert_true(r.total >= 3);
    assert_string_equal(code_of(ix, &r.hits[0]), "MZ-1");
    /* through a keyword: 驾照 of GA-2 */
    run(fx, "jiazhao", NULL, 0, 20, false, &r);
    ASSERT_PAGE(ix, &r, "jiazhao", 1, "GA-2");
    /* a syllable in the middle of the name */
    run(fx, "jiashizheng", NULL, 0, 20, false, &r);
    ASSERT_PAGE(ix, &r, "jiashizheng", 1, "GA-2");
    /* mixed ASCII and hanzi */
    run(fx, "ICP备案", NULL, 0, 20, false, &r);
    ASSERT_PAGE(ix, &r, "ICP备案", 1, "GA-6");
    run(fx, "icpbeian", NULL, 0, 20, false, &r);
    ASSERT_PAGE(ix, &r, "icpbeian", 1, "GA-6");
}

static void test_traditional_query(void **state)
{
    fixture *fx = *state;
    search_results r;
    run(fx, "護照", NULL, 0, 20, false, &r);
    ASSERT_PAGE(fx->ix, &r, "護照", 2, "GA-4", "GA-5");
    run(fx, "結婚登記", NULL, 0, 20, false, &r);
    ASSERT_PAGE(fx->ix, &r, "結婚登記", 6, "MZ-1", "MZ-2", "MZ-3", "MZ-4", "MZ-5", "GA-1");
    run(fx, "駕駛證", NULL, 0, 20, false, &r);
    ASSERT_PAGE(fx->ix, &r, "駕駛證", 1, "GA-2");
}

static void test_one_wrong_character(void **state)
{
    fixture *fx = *state;
    search_results r;
    /* 社保证: 证 for 卡, not a homophone; nothing holds all three */
    run(fx, "社保证", NULL, 0, 20, false, &r);
    assert_true(r.total >= 1);
    assert_string_equal(code_of(fx->ix, &r.hits[0]), "GA-3");
    /* a character found nowhere in the catalog */
    run(fx, "机动车驾鱼证", NULL, 0, 20, false, &r);
    assert_true(r.total >= 1);
    assert_string_equal(code_of(fx->ix, &r.hits[0]), "GA-2");
    /* a homophone (社报卡 → shebaoka) */
    run(fx, "社报卡", NULL, 0, 20, false, &r);
    assert_true(r.total >= 1);
    assert_string_equal(code_of(fx->ix, &r.hits[0]), "GA-3");
}

static void test_distinct_names(void **state)
{
    fixture *fx = *state;
    const search_index *ix = fx->ix;
    search_results r;
    run(fx, "护照", NULL, 0, 20, false, &r);
    assert_int_equal(r.n, 2);
    assert_string_equal(name_of(ix, &r.hits[0]), name_of(ix, &r.hits[1]));
    run(fx, "护照", NULL, 0, 20, true, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(code_of(ix, &r.hits[0]), "GA-4"); /* the better of the two */
    /* the repeated name is skipped, the others keep their order */
    run(fx, "登记", NULL, 0, 20, false, &r);
    size_t all = r.n;
    run(fx, "登记", NULL, 0, 20, true, &r);
    assert_int_equal(r.n, all); /* no repeated names among them */
    run(fx, "办理", NULL, 0, 20, true, &r);
    for (size_t i = 0; i < r.n; i++)
        for (size_t j = i + 1; j < r.n; j++)
            assert_string_not_equal(name_of(ix, &r.hits[i]), name_of(ix, &r.hits[j]));
}

static void test_browse(void **state)
{
    fixture *fx = *state;
    const search_index *ix = fx->ix;
    search_results r;
    search_filters f = no_filters;
    assert_int_equal(search_browse(ix, &f, 0, 20, &fx->a, &r), 0);
    ASSERT_PAGE(ix, &r, "browse all", N_ITEMS, "GA-1", "MZ-5", "MZ-4", "MZ-2", "GA-2", "GA-4",
                "GA-3", "MZ-3", "GA-5", "GA-6", "MZ-1");
    assert_int_equal(search_browse(ix, &f, 3, 2, &fx->a, &r), 0);
    ASSERT_PAGE(ix, &r, "browse all, page", N_ITEMS, "MZ-2", "GA-2");
    assert_int_equal(search_browse(ix, &f, 50, 2, &fx->a, &r), 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.total, N_ITEMS);

    f.dept = index_dept(ix, "mz");
    assert_int_equal(search_browse(ix, &f, 0, 20, &fx->a, &r), 0);
    ASSERT_PAGE(ix, &r, "browse mz", 5, "MZ-5", "MZ-4", "MZ-2", "MZ-3", "MZ-1");
    f.topic = index_topic(ix, "cx");
    assert_int_equal(search_browse(ix, &f, 0, 20, &fx->a, &r), 0);
    ASSERT_PAGE(ix, &r, "browse mz + cx", 1, "MZ-4");

    f = no_filters;
    f.topic = index_topic(ix, "cx");
    assert_int_equal(search_browse(ix, &f, 0, 20, &fx->a, &r), 0);
    ASSERT_PAGE(ix, &r, "browse cx", 4, "MZ-4", "GA-2", "GA-4", "GA-5");
    f.dept = index_dept(ix, "ga");
    assert_int_equal(search_browse(ix, &f, 1, 1, &fx->a, &r), 0);
    ASSERT_PAGE(ix, &r, "browse ga + cx, page", 3, "GA-4");

    f = no_filters;
    f.audience = AUDIENCE_ENTERPRISE;
    assert_int_equal(search_browse(ix, &f, 0, 20, &fx->a, &r), 0);
    /* enterprise includes "both" (GA-4, MZ-3) */
    ASSERT_PAGE(ix, &r, "browse enterprise", 4, "MZ-2", "GA-4", "MZ-3", "GA-6");
    f.audience = AUDIENCE_PERSONAL;
    assert_int_equal(search_browse(ix, &f, 2, 3, &fx->a, &r), 0);
    ASSERT_PAGE(ix, &r, "browse personal, page", 9, "MZ-4", "GA-2", "GA-4");

    f = no_filters;
    f.online_level_min = 4;
    assert_int_equal(search_browse(ix, &f, 0, 20, &fx->a, &r), 0);
    ASSERT_PAGE(ix, &r, "browse level 4", 2, "MZ-2", "GA-4");
    f.online_level_min = 2;
    assert_int_equal(search_browse(ix, &f, 0, 3, &fx->a, &r), 0);
    ASSERT_PAGE(ix, &r, "browse level 2", 9, "GA-1", "MZ-4", "MZ-2");
}

/* Runs q, finds code among the hits, returns its highlight ranges. */
static size_t highlight(fixture *fx, const char *q, const char *code, uint32_t ranges[][2],
                        size_t max)
{
    search_results r;
    run(fx, q, NULL, 0, 50, false, &r);
    const search_hit *h = find_hit(fx->ix, &r, code);
    if (!h)
        fail_msg("%s: %s is not among the hits", q, code);
    return search_highlight(fx->ix, &r, h, false, ranges, max);
}

/* Compares the highlight of code for q with want; reports a difference (not fatal). */
static bool check_ranges(fixture *fx, const char *q, const char *code, const uint32_t want[][2],
                         size_t nwant)
{
    uint32_t got[8][2];
    size_t n = highlight(fx, q, code, got, 8);
    bool ok = n == nwant;
    for (size_t i = 0; ok && i < n; i++)
        ok = got[i][0] == want[i][0] && got[i][1] == want[i][1];
    if (!ok) {
        char g[256] = "", w[256] = "";
        size_t gl = 0, wl = 0;
        for (size_t i = 0; i < n; i++)
            gl += (size_t)snprintf(g + gl, sizeof g - gl, "[%u,%u)", got[i][0], got[i][1]);
        for (size_t i = 0; i < nwant; i++)
            wl += (size_t)snprintf(w + wl, sizeof w - wl, "[%u,%u)", want[i][0], want[i][1]);
        print_error("highlight of \"%s\" in %s (%s): got %s, want %s\n", q, code,
                    fx->ix->pool + fx->ix->items[index_of(fx->ix, code)].name, g, w);
    }
    return ok;
}

#define CHECK_RANGES(ok, fx, q, code, ...)                                                         \
    do {                                                                                           \
        const uint32_t want_[][2] = {__VA_ARGS__};                                                 \
        ok &= check_ranges(fx, q, code, want_, sizeof want_ / sizeof want_[0]);                    \
    } while (0)

static void test_highlight(void **state)
{
    fixture *fx = *state;
    bool ok = true;
    CHECK_RANGES(ok, fx, "驾驶证", "GA-2", {3, 6});
    CHECK_RANGES(ok, fx, "结婚登记", "MZ-1", {0, 4});
    CHECK_RANGES(ok, fx, "结婚登记", "MZ-2", {0, 4});
    CHECK_RANGES(ok, fx, "结婚登记", "MZ-4", {2, 6}); /* 登记 then 结婚 */
    CHECK_RANGES(ok, fx, "机动车 换证", "GA-2", {0, 3}, {6, 8});
    CHECK_RANGES(ok, fx, "駕駛證", "GA-2", {3, 6});
    /* through a synonym: what its expansion matched; through a typo: what did match */
    CHECK_RANGES(ok, fx, "喜结良缘", "MZ-1", {0, 4});
    CHECK_RANGES(ok, fx, "marriage", "MZ-4", {2, 6});
    CHECK_RANGES(ok, fx, "社保证", "GA-3", {0, 2});
    /* pinyin: the characters it spells */
    CHECK_RANGES(ok, fx, "jiashizheng", "GA-2", {3, 6});
    CHECK_RANGES(ok, fx, "shebaoka", "GA-3", {0, 3});
    CHECK_RANGES(ok, fx, "sbk", "GA-3", {0, 3});
    /* an ASCII run of the name is one syllable of several characters */
    CHECK_RANGES(ok, fx, "icp", "GA-6", {0, 3});
    CHECK_RANGES(ok, fx, "ICP备案", "GA-6", {0, 5});
    CHECK_RANGES(ok, fx, "icpbeian", "GA-6", {0, 5});
    /* initials after an ASCII run: 备案 is "ba" in "icpba" */
    CHECK_RANGES(ok, fx, "ba", "GA-6", {3, 5});
    CHECK_RANGES(ok, fx, "icpba", "GA-6", {0, 5});
    if (!ok)
        fail_msg("wrong highlights (see above)");
    /* matched through a keyword or the description: nothing of the name */
    uint32_t ranges[8][2];
    assert_int_equal(highlight(fx, "结婚登记", "MZ-5", ranges, 8), 0);
    assert_int_equal(highlight(fx, "结婚登记", "GA-1", ranges, 8), 0);
    /* max is respected */
    assert_int_equal(highlight(fx, "机动车 换证", "GA-2", ranges, 1), 1);
    assert_int_equal(ranges[0][0], 0);
    assert_int_equal(ranges[0][1], 3);
}

/* Initials matched after an ASCII run of the name: the characters of the matched initials,
 * whatever was highlighted before (2024 is one syllable of four characters). */
static void test_highlight_after_ascii_run(void **state)
{
    (void)state;
    search_builder *b = search_builder_new();
    assert_non_null(b);
    assert_int_equal(search_builder_add_dept(b, "sj", "市场监管局", NULL), 0);
    const char *names[] = {"2024年度报告公示", "ICP备案"};
    for (int i = 0; i < 2; i++) {
        search_doc row = {i + 1,
                          i ? "SJ-2" : "SJ-1",
                          names[i],
                          "sj",
                          "enterprise",
                          "即办件",
                          "",
                          "[]",
                          "[]",
                          2,
                          0,
                          10,
                          NULL,
                          NULL,
                          NULL,
                          NULL};
        assert_int_equal(search_builder_add_item(b, &row), 0);
    }
    fixture fx = {search_builder_finish(b, 1), {0}};
    assert_non_null(fx.ix);
    arena_init(&fx.a, 0);
    bool ok = true;
    CHECK_RANGES(ok, &fx, "niandu", "SJ-1", {4, 6});
    CHECK_RANGES(ok, &fx, "ba", "SJ-2", {3, 5});     /* 备案: "ba" of "icpba" */
    CHECK_RANGES(ok, &fx, "ndbg", "SJ-1", {4, 8});   /* 年度报告 */
    CHECK_RANGES(ok, &fx, "2024", "SJ-1", {0, 4});   /* the ASCII run, whole */
    CHECK_RANGES(ok, &fx, "2024nd", "SJ-1", {0, 6}); /* initials across the run */
    arena_destroy(&fx.a);
    search_index_free(fx.ix);
    if (!ok)
        fail_msg("wrong highlights (see above)");
}

static void test_empty_queries(void **state)
{
    fixture *fx = *state;
    const char *queries[] = {"", " ", "，。！", "《》“”、（）", "!@#$%^&*()", "　　", "a"};
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        search_results r;
        run(fx, queries[i], NULL, 0, 20, false, &r);
        if (r.total != 0 || r.n != 0)
            fail_msg("query \"%s\": total %zu, n %zu", queries[i], r.total, r.n);
    }
}

static void test_long_queries(void **state)
{
    fixture *fx = *state;
    char q[1024];
    search_results r;
    /* 64 hanzi */
    q[0] = '\0';
    for (int i = 0; i < 16; i++)
        strcat(q, "结婚登记");
    run(fx, q, NULL, 0, 20, false, &r);
    assert_true(r.total <= N_ITEMS);
    assert_true(r.n <= r.total);
    /* 64 different-ish characters, many tokens, mixed scripts */
    q[0] = '\0';
    for (int i = 0; i < 8; i++)
        strcat(q, "护照 icp社保卡");
    run(fx, q, NULL, 0, 20, false, &r);
    assert_true(r.total <= N_ITEMS);
    /* 64 ASCII letters, and longer still */
    memset(q, 'z', 64);
    q[64] = '\0';
    run(fx, q, NULL, 0, 20, false, &r);
    assert_int_equal(r.total, 0);
    memset(q, 'a', 300);
    q[300] = '\0';
    run(fx, q, NULL, 0, 20, false, &r);
    assert_true(r.total <= N_ITEMS);
    q[0] = '\0';
    for (int i = 0; i < 40; i++)
        strcat(q, "机动车驾驶证");
    run(fx, q, NULL, 0, 20, true, &r);
    assert_true(r.total <= N_ITEMS);
    if (r.n > 0) {
        uint32_t ranges[64][2];
        search_highlight(fx->ix, &r, &r.hits[0], false, ranges, 64);
    }
}

static void test_free_and_abort(void **state)
{
    (void)state;
    /* a finished index, queried, then freed */
    fixture fx = {build_index(true, true), {0}};
    arena_init(&fx.a, 0);
    search_results r;
    run(&fx, "结婚登记", NULL, 0, 5, false, &r);
    assert_int_equal(r.total, 6);
    arena_destroy(&fx.a);
    search_index_free(fx.ix);
    search_index_free(NULL);

    /* an unfinished builder with items, synonyms and postings */
    search_builder *b = search_builder_new();
    assert_non_null(b);
    add_items(b);
    assert_int_equal(search_builder_add_synonym(b, "喜结良缘", "结婚登记"), 0);
    assert_int_equal(search_builder_add_shipped_synonyms(b), 0);
    search_builder_abort(b);
    /* an empty one, aborted and finished */
    search_builder_abort(search_builder_new());
    search_builder_abort(NULL);
    search_index *empty = search_builder_finish(search_builder_new(), 1);
    assert_non_null(empty);
    assert_int_equal(empty->n_items, 0);
    fixture fe = {empty, {0}};
    arena_init(&fe.a, 0);
    run(&fe, "结婚登记", NULL, 0, 5, false, &r);
    assert_int_equal(r.total, 0);
    assert_int_equal(search_browse(empty, &no_filters, 0, 5, &fe.a, &r), 0);
    assert_int_equal(r.total, 0);
    arena_destroy(&fe.a);
    search_index_free(empty);
}

/* The build's posting lists, sorted by counting from the items' postings in item order: each
 * gram's, pinyin term's and ranked term's list ascends (no repeats), and a gram's list holds
 * each (item, field) where the gram occurs. */
static void test_posting_lists_sorted(void **state)
{
    (void)state;
    search_index *ix = build_index(false, false);
    for (size_t s = 0; s < ix->n_gram_slots; s++) {
        assert_true(ix->gram_off[s] <= ix->gram_off[s + 1]);
        for (uint32_t p = ix->gram_off[s] + 1; p < ix->gram_off[s + 1]; p++)
            assert_true(ix->postings[p - 1] < ix->postings[p]);
    }
    for (size_t t = 0; t < ix->n_terms; t++)
        for (uint32_t p = ix->term_off[t] + 1; p < ix->term_off[t + 1]; p++)
            assert_true(ix->term_postings[p - 1] < ix->term_postings[p]);
    const ranked_index *r = &ix->ranked;
    for (size_t t = 0; t < r->n_terms; t++)
        for (uint32_t p = r->off[t] + 1; p < r->off[t + 1]; p++)
            assert_true(r->items[p - 1] < r->items[p]);
    /* 结婚: the names of MZ-1..MZ-4, MZ-5's keyword, GA-1's description */
    size_t n;
    const uint32_t *post = index_gram_postings(ix, gram_bigram(0x7ED3, 0x5A5A), &n);
    const uint32_t want[] = {0 << 2 | FIELD_NAME,    1 << 2 | FIELD_NAME,
                             2 << 2 | FIELD_NAME,    3 << 2 | FIELD_NAME,
                             4 << 2 | FIELD_KEYWORD, 5 << 2 | FIELD_DESCRIPTION};
    assert_int_equal(n, sizeof want / sizeof *want);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(post[i], want[i]);
    search_index_free(ix);
}

/* Regression: strict matching once accepted every candidate. A query with a character found
 * nowhere has no strict match; what the forgiving fallback finds ranks below every strict
 * tier (scores < 20000, the homophone tier). */
static void test_strict_needs_every_character(void **state)
{
    fixture *fx = *state;
    search_results r;
    run(fx, "护照龘", NULL, 0, 10, false, &r);
    for (size_t i = 0; i < r.n; i++)
        assert_true(r.hits[i].score < 20000);
}

/* An official name typed exactly brings no forgiving fallback (nothing but real matches). */
static void test_exact_name_has_no_fallback(void **state)
{
    fixture *fx = *state;
    search_results r;
    run(fx, "户口迁移", NULL, 0, 10, false, &r);
    assert_int_equal(r.total, 1);
    assert_string_equal(code_of(fx->ix, &r.hits[0]), "GA-1");
}

/* A keyword spelled exactly in pinyin is a keyword match, never the exact-name tier: the
 * item named 护照办理 ranks above 涉外婚姻证明-like keyword holders even when less popular. */
static void test_keyword_pinyin_is_not_exact_name(void **state)
{
    fixture *fx = *state;
    search_results r;
    run(fx, "jiazhao", NULL, 0, 10, false, &r); /* 驾照: a keyword of GA-2 only */
    assert_true(r.n >= 1);
    assert_string_equal(code_of(fx->ix, &r.hits[0]), "GA-2");
    assert_true(r.hits[0].score < 50000); /* below every name tier */
}

/* Regression (stack overflow): many long synonym expansions rewritten into one query. */
static void test_long_rewrites_stay_bounded(void **state)
{
    (void)state;
    search_builder *b = search_builder_new();
    assert_non_null(b);
    add_items(b);
    const char *terms[] = {"甲乙", "丙丁", "戊己", "庚辛", "壬癸", "子丑", "寅卯", "辰巳"};
    char expansion[64 * 3 + 1] = "";
    for (int i = 0; i < 60; i++)
        strcat(expansion, "登");
    for (size_t i = 0; i < sizeof terms / sizeof *terms; i++)
        assert_int_equal(search_builder_add_synonym(b, terms[i], expansion), 0);
    fixture fx = {search_builder_finish(b, 1), {0}};
    assert_non_null(fx.ix);
    arena_init(&fx.a, 0);
    search_results r;
    run(&fx, "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳", NULL, 0, 10, false, &r);
    arena_destroy(&fx.a);
    search_index_free(fx.ix);
}

/* Regression: a topic listed twice in an item is counted once, as in the browse lists. */
static void test_duplicate_topic_counted_once(void **state)
{
    (void)state;
    search_builder *b = search_builder_new();
    assert_non_null(b);
    assert_int_equal(search_builder_add_dept(b, "mz", "民政局", NULL), 0);
    assert_int_equal(search_builder_add_topic(b, "hy", "婚育收养", NULL), 0);
    search_doc row = {.service_id = 1,
                      .code = "X-1",
                      .name = "结婚登记",
                      .department_code = "mz",
                      .audience = "personal",
                      .kind = "即办件",
                      .description = "",
                      .topic_codes = "[\"hy\",\"hy\"]",
                      .keywords = "[]",
                      .online_level = 1,
                      .promised_days = 0,
                      .popularity = 0};
    assert_int_equal(search_builder_add_item(b, &row), 0);
    search_index *ix = search_builder_finish(b, 1);
    assert_non_null(ix);
    assert_int_equal(ix->topics[0].count, 1);
    arena a;
    arena_init(&a, 0);
    search_results r;
    search_filters f = {-1, 0, -1, 0};
    assert_int_equal(search_browse(ix, &f, 0, 10, &a, &r), 0);
    assert_int_equal(r.total, 1);
    assert_int_equal(r.n, 1);
    arena_destroy(&a);
    search_index_free(ix);
}

/* ---- numbers that look personal (search/search_log.h: one rule, two thresholds) ---- */

static void test_numbers_in_published_text(void **state)
{
    (void)state;
    /* refused: phones, IDs, split by spaces or punctuation, full-width */
    assert_true(search_text_has_number("请拨打13800138000", PUBLIC_TEXT_NUMBER_DIGITS));
    assert_true(search_text_has_number("电话 138 0013 8000", PUBLIC_TEXT_NUMBER_DIGITS));
    assert_true(search_text_has_number("致电021-62288888", PUBLIC_TEXT_NUMBER_DIGITS));
    assert_true(search_text_has_number("证号11010119900307457X", PUBLIC_TEXT_NUMBER_DIGITS));
    assert_true(search_text_has_number("１３８００１３８０００", PUBLIC_TEXT_NUMBER_DIGITS));
    assert_true(search_text_has_number("1234567", PUBLIC_TEXT_NUMBER_DIGITS)); /* at the edge */
    /* allowed: hotlines, years, dates in words, a 6-digit run, two runs apart */
    assert_false(search_text_has_number("请拨打12345热线", PUBLIC_TEXT_NUMBER_DIGITS));
    assert_false(search_text_has_number("2024年1月1日起", PUBLIC_TEXT_NUMBER_DIGITS));
    assert_false(search_text_has_number("123456", PUBLIC_TEXT_NUMBER_DIGITS));
    assert_false(search_text_has_number("12345 或 12315", PUBLIC_TEXT_NUMBER_DIGITS));
    assert_false(search_text_has_number("拨12345，再拨12315", PUBLIC_TEXT_NUMBER_DIGITS));
    assert_false(search_text_has_number("", PUBLIC_TEXT_NUMBER_DIGITS));
    /* the miss log's threshold is lower: a hotline is masked there */
    assert_true(search_text_has_number("12345", SEARCH_LOG_NUMBER_DIGITS));
    /* a number anywhere in a long answer (4000 characters, ~12 000 bytes: longer than what
     * the search normalizer reads at once), also across a chunk's edge */
    static char longer[4000 * 3 + 64];
    for (size_t at = 2700; at <= 3990; at += 7) {
        size_t k = 0;
        for (size_t i = 0; i < 3990; i++) {
            if (i == at) {
                memcpy(longer + k, "13800138000", 11);
                k += 11;
            }
            memcpy(longer + k, "答", 3); /* 3 bytes in UTF-8 */
            k += 3;
        }
        longer[k] = '\0';
        assert_true(search_text_has_number(longer, PUBLIC_TEXT_NUMBER_DIGITS));
    }
    char out[64 * 4 + 1];
    search_log_text("查 12345 热线", out, sizeof out);
    assert_string_equal(out, "查 # 热线");
}

/* An index without items (a corpus with nothing published yet, an empty catalog) answers
 * every kind of reading with nothing, on a thread that never searched before (its item set
 * is made on first use). */
static void *search_empty_index(void *unused)
{
    (void)unused;
    search_builder *b = search_builder_new();
    assert_non_null(b);
    assert_int_equal(search_builder_add_dept(b, "GA", "市公安局", NULL), 0);
    assert_int_equal(search_builder_add_shipped_synonyms(b), 0);
    assert_int_equal(search_builder_add_shipped_concepts(b), 0);
    search_index *ix = search_builder_finish(b, 1);
    assert_non_null(ix);
    arena a;
    arena_init(&a, 1 << 16);
    search_filters f = {-1, -1, -1, 0};
    const char *queries[] = {"宝宝怎么上户口", "shebaoka", "社报卡", "passport renew", "落户"};
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        search_results res;
        assert_int_equal(search_run(ix, queries[i], &f, 0, 10, false, &a, &res), 0);
        assert_int_equal(res.total, 0);
        arena_reset(&a);
    }
    search_results res;
    assert_int_equal(search_browse(ix, &f, 0, 10, &a, &res), 0);
    assert_int_equal(res.total, 0);
    arena_destroy(&a);
    search_index_free(ix);
    return NULL;
}

static void test_empty_index(void **state)
{
    (void)state;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, search_empty_index, NULL), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest normalizer[] = {
        cmocka_unit_test(test_norm_full_width),
        cmocka_unit_test(test_norm_invalid_utf8_stays_away_from_opencc),
        cmocka_unit_test(test_norm_lower_case),
        cmocka_unit_test(test_norm_traditional),
        cmocka_unit_test(test_norm_punctuation_collapse),
        cmocka_unit_test(test_norm_punctuation_positions),
        cmocka_unit_test(test_norm_empty),
        cmocka_unit_test(test_norm_only_punctuation),
        cmocka_unit_test(test_norm_long_text_cut),
        cmocka_unit_test(test_norm_cap),
        cmocka_unit_test(test_norm_utf8_round_trip),
        cmocka_unit_test(test_is_hanzi),
    };
    const struct CMUnitTest pinyin[] = {
        cmocka_unit_test(test_pinyin_basic),
        cmocka_unit_test(test_pinyin_polyphones),
        cmocka_unit_test(test_pinyin_syllable_positions),
        cmocka_unit_test(test_pinyin_ascii_runs),
        cmocka_unit_test(test_pinyin_syllables),
    };
    const struct CMUnitTest search[] = {
        cmocka_unit_test(test_build_counts),
        cmocka_unit_test(test_rank_tiers),
        cmocka_unit_test(test_rank_popularity_breaks_ties),
        cmocka_unit_test(test_rank_paging),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_synonym_added),
        cmocka_unit_test(test_synonym_with_filler),
        cmocka_unit_test(test_shipped_synonyms),
        cmocka_unit_test(test_pinyin_queries),
        cmocka_unit_test(test_traditional_query),
        cmocka_unit_test(test_one_wrong_character),
        cmocka_unit_test(test_distinct_names),
        cmocka_unit_test(test_browse),
        cmocka_unit_test(test_highlight),
        cmocka_unit_test(test_highlight_after_ascii_run),
        cmocka_unit_test(test_empty_queries),
        cmocka_unit_test(test_long_queries),
        cmocka_unit_test(test_free_and_abort),
        cmocka_unit_test(test_posting_lists_sorted),
        cmocka_unit_test(test_strict_needs_every_character),
        cmocka_unit_test(test_exact_name_has_no_fallback),
        cmocka_unit_test(test_keyword_pinyin_is_not_exact_name),
        cmocka_unit_test(test_long_rewrites_stay_bounded),
        cmocka_unit_test(test_duplicate_topic_counted_once),
        cmocka_unit_test(test_numbers_in_published_text),
        cmocka_unit_test(test_empty_index),
    };
    int failed = cmocka_run_group_tests_name("normalizer", normalizer, init_tables, NULL);
    failed += cmocka_run_group_tests_name("pinyin", pinyin, init_tables, NULL);
    failed += cmocka_run_group_tests_name("search", search, index_setup, index_teardown);
    return failed;
}
