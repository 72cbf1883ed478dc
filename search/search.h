/* Queries on a search index snapshot: parse what the citizen typed into alternatives
 * (the literal text, synonym rewrites, and as a fallback pinyin and one-typo readings),
 * match each against the index without scanning the catalog, rank, page and highlight.
 *
 * Ranking, best first: exact name > name prefix > every query term in the name > via a
 * synonym in the name > keywords > description > pinyin-homophone fallback > one-typo
 * fallback; within a tier, the share of the name the query covers (0..100) plus a
 * popularity bonus (0..60, logarithmic), so a much more popular item can pass a closer one. */
#ifndef OW_SEARCH_H
#define OW_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "search/index.h"

#define SEARCH_MAX_QUERY_CHARS 64
#define SEARCH_MAX_RESULTS 5000 /* page * page_size beyond this is refused by the API */

typedef struct search_filters {
    int dept;             /* index in ix->depts, or -1 */
    int topic;            /* index in ix->topics, or -1 */
    int audience;         /* AUDIENCE_…, or -1 */
    int online_level_min; /* 0: any */
} search_filters;

typedef struct search_hit {
    uint32_t item;
    uint32_t score;
    uint16_t alt; /* which reading of the query matched (for highlights) */
} search_hit;

typedef struct search_query search_query;
struct ranked_list;

typedef struct search_results {
    search_hit *hits; /* the requested page */
    size_t n;
    size_t total; /* every match, exactly */
    const search_query *query;
    const struct ranked_list *ranked; /* its ranked retrieval, for suggestions (or NULL) */
} search_results;

/* Runs q (UTF-8, already bounded) with filters; fills the page [offset, offset + limit).
 * distinct_names: skip hits whose name repeats a better one (type-ahead). 0 or -1 (memory). */
int search_run(const search_index *ix, const char *q, const search_filters *f, size_t offset,
               size_t limit, bool distinct_names, arena *a, search_results *out);

/* What an answer offers when nothing matches well (API.md §4 suggestions): the topics and
 * departments the query's words point to and the most used services among them (the bundles
 * come from search/bundles.h). Indexes into ix->topics / ix->depts and item indexes. */
#define SUGGEST_CODES 3
#define SUGGEST_ITEMS 5
typedef struct search_suggestions {
    uint16_t topics[SUGGEST_CODES], depts[SUGGEST_CODES];
    size_t n_topics, n_depts;
    uint32_t items[SUGGEST_ITEMS];
    size_t n_items;
    bool from_words; /* false: the words pointed nowhere; these are the most used overall */
} search_suggestions;

/* True when the page answers q badly: nothing, or only misspelling-like matches. */
bool search_needs_suggestions(const search_results *res);
/* Fills the suggestions for q (0, or -1 when out of memory); res: the search of q, whose
 * ranked retrieval is reused when it ran unfiltered on the parsed readings (NULL: none). */
int search_suggest(const search_index *ix, const char *q, const search_results *res, arena *a,
                   search_suggestions *out);

/* True when q holds nothing to search for (only spaces or punctuation): browse instead. */
bool search_text_is_blank(const char *q);

/* Without a query: the filtered catalog by popularity. */
int search_browse(const search_index *ix, const search_filters *f, size_t offset, size_t limit,
                  arena *a, search_results *out);

/* The [start, end) code-point ranges of the hit's name that matched (english: of its English
 * name, when it has one); returns their count. */
size_t search_highlight(const search_index *ix, const search_results *res, const search_hit *hit,
                        bool english, uint32_t ranges[][2], size_t max);

/* The name to show: the English one when asked for and translated, else the Chinese one. */
static inline const char *search_item_name(const search_index *ix, const search_item *it,
                                           bool english)
{
    return ix->pool + (english && it->name_en ? it->name_en : it->name);
}

static inline const char *search_code_name(const search_code *c, bool english)
{
    return english && c->name_en[0] ? c->name_en : c->name;
}

#endif
