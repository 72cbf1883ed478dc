/* libFuzzer: the search query normalizer (search/normalize.c) and a query's whole path
 * (readings, matching, ranking) on a small index built once. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "search/index_build.h"
#include "search/normalize.h"
#include "search/search.h"

static search_index *ix;

static const struct {
    const char *code, *name, *dept, *keywords, *description;
} items[] = {
    {"MZ-1", "结婚登记", "mz", "[\"婚姻\"]", "内地居民双方到场。"},
    {"GA-1", "居民身份证换领", "ga", "[\"身份证\"]", "有效期满换领。"},
    {"GA-2", "社保卡申领", "ga", "[\"社会保障卡\"]", "首次申领社会保障卡。"},
    {"GA-3", "ICP备案 passport", "ga", "[]", "English words too."},
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (normalize_init() != 0)
        return -1;
    search_builder *b = search_builder_new();
    search_builder_add_dept(b, "mz", "民政局", "Civil Affairs Bureau");
    search_builder_add_dept(b, "ga", "公安局", NULL);
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        search_doc row = {.service_id = (int64_t)i + 1,
                          .code = items[i].code,
                          .name = items[i].name,
                          .department_code = items[i].dept,
                          .audience = "personal",
                          .kind = "承诺件",
                          .description = items[i].description,
                          .topic_codes = "[]",
                          .keywords = items[i].keywords,
                          .online_level = 3,
                          .promised_days = 5,
                          .popularity = (int)i,
                          .name_en = i == 0 ? "Marriage registration" : NULL,
                          .description_en = i == 0 ? "Register a marriage." : NULL};
        search_builder_add_item(b, &row);
    }
    search_builder_add_shipped_synonyms(b);
    search_builder_add_shipped_concepts(b); /* after the items, as the catalog's build does */
    ix = search_builder_finish(b, 1);
    return ix ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256) /* the API bounds q to 64 code points */
        return 0;
    char *q = malloc(size + 1);
    memcpy(q, data, size);
    q[size] = '\0';
    uint32_t cps[NORM_MAX_CHARS];
    char back[NORM_MAX_CHARS * 4 + 1];
    size_t n = normalize_text(q, size, cps, NORM_MAX_CHARS, true);
    normalize_to_utf8(cps, n, back, sizeof back);
    normalize_text(q, size, cps, NORM_MAX_CHARS, false);
    if (!search_text_is_blank(q)) {
        arena a;
        arena_init(&a, 4096);
        search_filters f = {0};
        search_results res;
        if (search_run(ix, q, &f, 0, 10, false, &a, &res) == 0) {
            uint32_t ranges[16][2];
            if (res.n > 0)
                search_highlight(ix, &res, &res.hits[0], size & 1, ranges, 16);
            search_suggestions sg;
            if (search_needs_suggestions(&res))
                search_suggest(ix, q, &res, &a, &sg);
        }
        arena_destroy(&a);
    }
    free(q);
    return 0;
}
