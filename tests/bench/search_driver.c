/* The search engine alone, without HTTP or the database, for load-independent measurements
 * (scripts/callgrind-search.sh, `make callgrind-search`): builds the index of a catalog file
 * as a worker does (departments, topics, the shipped synonyms, the items in code order, the
 * shipped concepts) and runs query files through what the two endpoints do: the search
 * (page of 10, highlights, suggestions when it answers badly) and the type-ahead suggest
 * (8 distinct names, highlights).
 *
 *   search-driver CODES.json CATALOG.json [--builds N] [--print] QUERIES.txt...
 *
 * Prints the build's CPU and wall time (best and median of N builds) and, per query file,
 * the CPU time per query and what the first few answered. The build runs in bench_build and
 * each file's queries in bench_search_cold, bench_suggest_cold (no reading cache), then
 * bench_search_warm and bench_suggest_warm (the cache filled by an unmeasured pass), so that
 * callgrind counts exactly those (--collect-atstart=no --toggle-collect='bench_*'; each part
 * is dumped apart, labelled: scripts/callgrind-search.sh).
 * It compiles against this tree and against main's (which has no ranked retrieval, English
 * fields or suggestions: those parts are left out there). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "catalog/catalog_item.h"
#include "core/arena.h"
#include "search/blob_cache.h"
#include "search/index_build.h"
#include "search/normalize.h"
#include "search/pinyin.h"
#include "search/search.h"

#if __has_include("search/ranked_build.h")
#define HAVE_RANKED 1
#include "search/segment.h"
#else
#define HAVE_RANKED 0
#endif

/* Under callgrind, each measured part is dumped apart with its label (a no-op otherwise). */
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define DUMP(label) CALLGRIND_DUMP_STATS_AT(label)
#else
#define DUMP(label) ((void)(label))
#endif

#define MAX_QUERIES 4096
#define CACHE_MB 16 /* the default search_cache_mb */

typedef struct code_entry {
    const char *code, *name, *name_en;
} code_entry;

typedef struct catalog {
    cJSON *codes_doc, *items_doc;
    code_entry *depts, *topics;
    size_t n_depts, n_topics;
    catalog_item *items;
    size_t n_items;
} catalog;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size >= 0 && (buf = malloc((size_t)size + 1)) != NULL) {
            rewind(f);
            size_t n = fread(buf, 1, (size_t)size, f);
            buf[n] = '\0';
        }
    }
    fclose(f);
    return buf;
}

static const char *str_of(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static code_entry *codes_of(const cJSON *list, size_t *n)
{
    code_entry *out = calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof *out);
    const cJSON *c;
    *n = 0;
    cJSON_ArrayForEach(c, list) out[(*n)++] =
        (code_entry){str_of(c, "code"), str_of(c, "name"), str_of(c, "name_en")};
    return out;
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(((const catalog_item *)a)->code, ((const catalog_item *)b)->code);
}

/* The items as the import validates and stores them, in code order (a fresh import's). */
static int load_catalog(const char *codes_path, const char *items_path, arena *a, catalog *cat)
{
    char *codes_text = slurp(codes_path), *items_text = slurp(items_path);
    cat->codes_doc = codes_text ? cJSON_Parse(codes_text) : NULL;
    cat->items_doc = items_text ? cJSON_Parse(items_text) : NULL;
    free(codes_text);
    free(items_text);
    if (!cat->codes_doc || !cat->items_doc) {
        fprintf(stderr, "search-driver: cannot read %s or %s\n", codes_path, items_path);
        return -1;
    }
    cat->depts = codes_of(cJSON_GetObjectItem(cat->codes_doc, "departments"), &cat->n_depts);
    cat->topics = codes_of(cJSON_GetObjectItem(cat->codes_doc, "topics"), &cat->n_topics);
    catalog_codes codes = {arena_calloc(a, cat->n_depts + 1, sizeof(catalog_code)),
                           arena_calloc(a, cat->n_topics + 1, sizeof(catalog_code)), cat->n_depts,
                           cat->n_topics};
    for (size_t i = 0; i < cat->n_depts; i++)
        codes.depts[i] = (catalog_code){cat->depts[i].code, cat->depts[i].name};
    for (size_t i = 0; i < cat->n_topics; i++)
        codes.topics[i] = (catalog_code){cat->topics[i].code, cat->topics[i].name};
    const cJSON *list = cJSON_IsArray(cat->items_doc)
                            ? cat->items_doc
                            : cJSON_GetObjectItem(cat->items_doc, "items");
    cat->items = calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof *cat->items);
    const cJSON *obj;
    cJSON_ArrayForEach(obj, list)
    {
        char why[200];
        if (catalog_item_parse(obj, &codes, a, &cat->items[cat->n_items], why, sizeof why) == 0)
            cat->n_items++;
        else
            fprintf(stderr, "search-driver: item skipped: %s\n", why);
    }
    qsort(cat->items, cat->n_items, sizeof *cat->items, cmp_code);
    return 0;
}

__attribute__((noinline)) search_index *bench_build(const catalog *cat)
{
    search_builder *b = search_builder_new();
    for (size_t i = 0; b && i < cat->n_depts; i++)
#if HAVE_RANKED
        search_builder_add_dept(b, cat->depts[i].code, cat->depts[i].name, cat->depts[i].name_en);
#else
        search_builder_add_dept(b, cat->depts[i].code, cat->depts[i].name);
#endif
    for (size_t i = 0; b && i < cat->n_topics; i++)
#if HAVE_RANKED
        search_builder_add_topic(b, cat->topics[i].code, cat->topics[i].name,
                                 cat->topics[i].name_en);
#else
        search_builder_add_topic(b, cat->topics[i].code, cat->topics[i].name);
#endif
    if (!b || search_builder_add_shipped_synonyms(b) != 0)
        return NULL;
    for (size_t i = 0; i < cat->n_items; i++) {
        const catalog_item *it = &cat->items[i];
        search_doc d = {.service_id = (int64_t)i + 1,
                        .code = it->code,
                        .name = it->name,
                        .department_code = it->department_code,
                        .audience = it->audience,
                        .kind = it->kind,
                        .description = it->description,
                        .topic_codes = it->topic_codes,
                        .keywords = it->keywords,
                        .online_level = it->online_level,
                        .promised_days = it->promised_days,
                        .popularity = 0};
#if HAVE_RANKED
        d.name_en = it->name_en;
        d.description_en = it->description_en;
        d.materials = it->materials;
#endif
        if (search_builder_add_item(b, &d) != 0) {
            search_builder_abort(b);
            return NULL;
        }
    }
#if HAVE_RANKED
    if (search_builder_add_shipped_concepts(b) != 0) {
        search_builder_abort(b);
        return NULL;
    }
#endif
    return search_builder_finish(b, 1);
}

static double seconds(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Builds n times (keeping the last); prints the best and median CPU and wall times. */
static search_index *timed_builds(const catalog *cat, int n)
{
    double cpu[64], wall[64];
    search_index *ix = NULL;
    n = n < 1 ? 1 : n > 64 ? 64 : n;
    for (int i = 0; i < n; i++) {
        if (ix)
            search_index_free(ix);
        double c0 = seconds(CLOCK_PROCESS_CPUTIME_ID), w0 = seconds(CLOCK_MONOTONIC);
        ix = bench_build(cat);
        DUMP("build");
        cpu[i] = seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
        wall[i] = seconds(CLOCK_MONOTONIC) - w0;
        if (!ix)
            return NULL;
    }
    qsort(cpu, (size_t)n, sizeof *cpu, cmp_double);
    qsort(wall, (size_t)n, sizeof *wall, cmp_double);
    printf("build: %zu items, %d builds; CPU best %.3f s, median %.3f s; wall best %.3f s, "
           "median %.3f s\n",
           ix->n_items, n, cpu[0], cpu[n / 2], wall[0], wall[n / 2]);
    return ix;
}

/* One search request: the page, its highlights, and suggestions when it answers badly. */
static size_t one_search(const search_index *ix, const char *q, arena *a, search_results *res)
{
    search_filters f = {-1, -1, -1, 0};
    if (search_run(ix, q, &f, 0, 10, false, a, res) != 0)
        return 0;
    uint32_t ranges[16][2];
    size_t marks = 0;
    for (size_t i = 0; i < res->n; i++)
#if HAVE_RANKED
        marks += search_highlight(ix, res, &res->hits[i], false, ranges, 16);
    search_suggestions sg;
    if (search_needs_suggestions(res) && search_suggest(ix, q, res, a, &sg) == 0)
        marks += sg.n_items;
#else
        marks += search_highlight(ix, res, &res->hits[i], ranges, 16);
#endif
    return marks;
}

/* One type-ahead request: 8 distinct names with their highlights. */
static size_t one_suggest(const search_index *ix, const char *q, arena *a)
{
    search_filters f = {-1, -1, -1, 0};
    search_results res;
    if (search_run(ix, q, &f, 0, 8, true, a, &res) != 0)
        return 0;
    uint32_t ranges[16][2];
    size_t marks = 0;
    for (size_t i = 0; i < res.n; i++)
#if HAVE_RANKED
        marks += search_highlight(ix, &res, &res.hits[i], false, ranges, 16);
#else
        marks += search_highlight(ix, &res, &res.hits[i], ranges, 16);
#endif
    return marks;
}

static size_t search_pass(const search_index *ix, char **qs, size_t n, arena *a)
{
    size_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        search_results res;
        sum += one_search(ix, qs[i], a, &res);
        arena_reset(a);
    }
    return sum;
}

static size_t suggest_pass(const search_index *ix, char **qs, size_t n, arena *a)
{
    size_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += one_suggest(ix, qs[i], a);
        arena_reset(a);
    }
    return sum;
}

/* The measured passes, by name for callgrind's --toggle-collect (not inlined). */
#define PASS(name, inner)                                                                          \
    __attribute__((noinline)) size_t name(const search_index *ix, char **qs, size_t n, arena *a)   \
    {                                                                                              \
        return inner(ix, qs, n, a);                                                                \
    }
PASS(bench_search_cold, search_pass)
PASS(bench_suggest_cold, suggest_pass)
PASS(bench_search_warm, search_pass)
PASS(bench_suggest_warm, suggest_pass)

/* The queries of a file: one a line, '#' comments; lines of tab-separated fields are the
 * evaluation sets' (class, query, expected codes): the second. */
static size_t read_queries(const char *path, char **qs, size_t max)
{
    char *text = slurp(path);
    size_t n = 0;
    for (char *line = text ? strtok(text, "\n") : NULL; line && n < max;
         line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        if (tab) {
            line = tab + 1;
            tab = strchr(line, '\t');
            if (tab)
                *tab = '\0';
        }
        if (line[0])
            qs[n++] = strdup(line);
    }
    free(text);
    return n;
}

typedef size_t (*pass_fn)(const search_index *, char **, size_t, arena *);

static double timed(pass_fn fn, const char *label, const search_index *ix, char **qs, size_t n,
                    arena *a, size_t *check)
{
    double c0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
    *check += fn(ix, qs, n, a);
    double us = n ? (seconds(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e6 / (double)n : 0;
    DUMP(label);
    return us;
}

/* Cold (no reading cache: every query computed from the index), then warm (a cache that a
 * first pass filled, as a worker's is for the queries it is asked again). */
static void run_file(search_index *ix, const char *path, arena *a)
{
    static char *qs[MAX_QUERIES];
    size_t n = read_queries(path, qs, MAX_QUERIES), check = 0;
    ix->reading_cache = NULL;
    double search_cold = timed(bench_search_cold, "search_cold", ix, qs, n, a, &check);
    double suggest_cold = timed(bench_suggest_cold, "suggest_cold", ix, qs, n, a, &check);
    ix->reading_cache = blob_cache_new((size_t)CACHE_MB << 20);
    search_pass(ix, qs, n, a);
    suggest_pass(ix, qs, n, a);
    double search_warm = timed(bench_search_warm, "search_warm", ix, qs, n, a, &check);
    double suggest_warm = timed(bench_suggest_warm, "suggest_warm", ix, qs, n, a, &check);
    printf("%s: %zu queries; CPU µs/query: search %.1f cold, %.1f warm; suggest %.1f cold, "
           "%.1f warm (check %zu)\n",
           path, n, search_cold, search_warm, suggest_cold, suggest_warm, check);
    for (size_t i = 0; i < n && i < 3; i++) {
        search_results res;
        one_search(ix, qs[i], a, &res);
        printf("  %s → %zu, first %s\n", qs[i], res.total,
               res.n ? ix->pool + ix->items[res.hits[0].item].code : "-");
        arena_reset(a);
    }
    blob_cache_free(ix->reading_cache);
    ix->reading_cache = NULL;
    for (size_t i = 0; i < n; i++)
        free(qs[i]);
}

/* FNV-1a of bytes (the driver's own: the engine's hash may change between two builds). */
static uint64_t fnv(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ULL;
    return h;
}

/* The postings of every gram, whatever the order of the slots. */
static uint64_t gram_postings_hash(const search_index *ix)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < ix->grams.cap; i++) {
        if (!ix->grams.keys[i])
            continue;
        uint32_t slot = ix->grams.vals[i];
        uint64_t key = ix->grams.keys[i];
        sum += fnv(&key, sizeof key) ^ fnv(ix->postings + ix->gram_off[slot],
                                           (ix->gram_off[slot + 1] - ix->gram_off[slot]) * 4);
    }
    return sum;
}

/* --print: every query's answers (total, the page's codes and score, the suggestions'
 * topics, departments and services, the type-ahead's codes), to compare two builds. */
static void print_file(search_index *ix, const char *path, arena *a)
{
    static char *qs[MAX_QUERIES];
    size_t n = read_queries(path, qs, MAX_QUERIES);
    search_filters f = {-1, -1, -1, 0};
    for (size_t i = 0; i < n; i++) {
        search_results res;
        printf("%s\t", qs[i]);
        if (search_run(ix, qs[i], &f, 0, 10, false, a, &res) == 0) {
            printf("%zu", res.total);
            for (size_t k = 0; k < res.n; k++)
                printf(" %s:%u", ix->pool + ix->items[res.hits[k].item].code, res.hits[k].score);
        }
#if HAVE_RANKED
        search_suggestions sg;
        if (search_needs_suggestions(&res) && search_suggest(ix, qs[i], &res, a, &sg) == 0) {
            printf("\tsuggest");
            for (size_t k = 0; k < sg.n_topics; k++)
                printf(" t:%s", ix->topics[sg.topics[k]].code);
            for (size_t k = 0; k < sg.n_depts; k++)
                printf(" d:%s", ix->depts[sg.depts[k]].code);
            for (size_t k = 0; k < sg.n_items; k++)
                printf(" %s", ix->pool + ix->items[sg.items[k]].code);
        }
#endif
        arena_reset(a);
        printf("\ttype-ahead");
        if (search_run(ix, qs[i], &f, 0, 8, true, a, &res) == 0)
            for (size_t k = 0; k < res.n; k++)
                printf(" %s", ix->pool + ix->items[res.hits[k].item].code);
        printf("\n");
        arena_reset(a);
        free(qs[i]);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: search-driver CODES.json CATALOG.json [--builds N] [--print] "
                        "QUERIES...\n");
        return 2;
    }
#if HAVE_RANKED
    if (normalize_init() != 0 || pinyin_init() != 0 || segment_init() != 0)
        return 1;
#else
    if (normalize_init() != 0 || pinyin_init() != 0)
        return 1;
#endif
    arena a;
    arena_init(&a, 1 << 20);
    catalog cat = {0};
    if (load_catalog(argv[1], argv[2], &a, &cat) != 0)
        return 1;
    int builds = 1, first_file = 3;
    if (argc > 4 && strcmp(argv[3], "--builds") == 0) {
        builds = atoi(argv[4]);
        first_file = 5;
    }
    search_index *ix = timed_builds(&cat, builds);
    if (!ix) {
        fprintf(stderr, "search-driver: the build failed\n");
        return 1;
    }
    arena q;
    arena_init(&q, 1 << 20);
    bool print = first_file < argc && strcmp(argv[first_file], "--print") == 0;
    if (print) /* the arrays a build makes, to compare two builds of one engine */
        printf("index: items by popularity %016llx, by department %016llx, by topic %016llx, "
               "gram postings %016llx, pinyin entries %016llx, pinyin postings %016llx\n",
               (unsigned long long)fnv(ix->by_popularity, ix->n_items * 4),
               (unsigned long long)fnv(ix->dept_items, ix->n_items * 4),
               (unsigned long long)fnv(ix->topic_items, ix->topic_off[ix->n_topics] * 4),
               (unsigned long long)gram_postings_hash(ix),
               (unsigned long long)fnv(ix->entries, ix->n_entries * sizeof *ix->entries),
               (unsigned long long)fnv(ix->term_postings, ix->term_off[ix->n_terms] * 4));
#if HAVE_RANKED
    if (print)
        printf("ranked: %zu terms, items %016llx, impacts %016llx\n", ix->ranked.n_terms,
               (unsigned long long)fnv(ix->ranked.items, ix->ranked.off[ix->ranked.n_terms] * 4),
               (unsigned long long)fnv(ix->ranked.impact, ix->ranked.off[ix->ranked.n_terms] * 2));
#endif
    for (int i = first_file + print; i < argc; i++) {
        if (print)
            print_file(ix, argv[i], &q);
        else
            run_file(ix, argv[i], &q);
    }
    arena_destroy(&q);
    search_index_free(ix);
    arena_destroy(&a);
    free(cat.items);
    free(cat.depts);
    free(cat.topics);
    cJSON_Delete(cat.codes_doc);
    cJSON_Delete(cat.items_doc);
    return 0;
}
