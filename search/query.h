/* Internal to the search engine (the search/ sources): the parsed query, match lists and the
 * helpers the parts share. search/search.h is the interface for everyone else.
 *   query.c     normalize and cut the text into readings (literal, synonyms, fallbacks)
 *   match.c     match one reading against the index (CJK grams, pinyin terms, caches)
 *   rank.c      tiers, scores, merging readings, top-k and pages
 *   highlight.c the matched ranges of a name
 *   search.c    the entry points: search_run, search_browse */
#ifndef OW_SEARCH_QUERY_H
#define OW_SEARCH_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "search/index.h"
#include "search/search.h"

#define MAX_TOKENS 12
#define MAX_ALTS 16
#define MAX_GRAMS 130

/* What one token (or a whole reading) matched in an item. */
enum {
    M_NAME = 1,   /* in the name alone */
    M_NAMEKW = 2, /* in name and keywords */
    M_ANY = 4,    /* somewhere, the description included */
    M_PREFIX = 8, /* ASCII: the name's pinyin starts with it */
    M_EXACT = 16, /* ASCII: the name's pinyin is exactly it */
    M_WHOLE = 32, /* ASCII: a whole keyword's pinyin or initials (a bonus, not a tier) */
};

enum { ALT_LITERAL, ALT_SYNONYM, ALT_PINYIN, ALT_TYPO };

/* Tiers (score / 1000). */
enum {
    T_EXACT = 70,
    T_PREFIX = 60,
    T_NAME = 50,
    T_SYN_NAME = 45,
    T_KEYWORD = 40,
    T_SYN_KEYWORD = 35,
    T_DESC = 30,
    T_SYN_DESC = 25,
    T_PINYIN = 20,
    T_TYPO = 10,
};

typedef struct token {
    uint32_t c[SEARCH_MAX_QUERY_CHARS * 2];
    size_t n;
    bool ascii;
    uint64_t required; /* CJK: the characters that must be covered (not filler words) */
} token;

typedef struct alternative {
    token tok[MAX_TOKENS];
    size_t n_tok;
    int kind;
} alternative;

struct search_query {
    alternative alt[MAX_ALTS];
    size_t n_alt;
    char compact[SEARCH_MAX_QUERY_CHARS * 4 + 1]; /* the literal query without spaces */
    size_t compact_len;
};

typedef struct match {
    uint32_t item;
    uint16_t bits;
    uint16_t weight; /* required characters matched (an ASCII token counts 2) */
} match;

typedef struct match_list {
    match *m;
    size_t n;
} match_list;

/* A per-thread set of items with bits, dense over the index (a bitmap to list them in
 * order): unions of posting lists cost one pass over the postings, no sorting. */
typedef struct item_set {
    uint16_t *bits;
    uint64_t *words;
    uint32_t *slot; /* item → 1 + its position among the candidates being checked, or 0 */
    size_t cap;
    size_t count; /* distinct items added */
} item_set;

/* Match lists of tokens already matched in this query: readings share tokens ("公积金" in
 * the literal and in each synonym rewrite of "提取"), so each is matched once. */
#define MEMO_SLOTS 16
typedef struct token_memo {
    const token *tok[MEMO_SLOTS];
    match_list list[MEMO_SLOTS];
    size_t n;
} token_memo;

/* What score_of needs of a reading, computed once per reading. */
typedef struct reading_size {
    double cjk_chars, ascii_letters;
    int weight;
} reading_size;

typedef struct hit_list {
    search_hit *h;
    size_t n, cap;
} hit_list;

/* One item of the ranked retrieval and its score (search/ranked.c). */
typedef struct ranked_hit {
    uint32_t item;
    float score;
} ranked_hit;

typedef struct ranked_list {
    ranked_hit *h; /* the best RANKED_TOP, by item */
    size_t n;
    float top;           /* the best score */
    size_t n_concepts;   /* concepts the query named */
    size_t n_terms;      /* query terms the catalog knows */
    size_t n_unknown_en; /* English words it does not know (misspelt?) */
    bool has_cjk;
} ranked_list;

#define RANKED_TOP 100

/* ranked.c: BM25F over every field, with the query's terms, its synonym readings and the
 * services of the concepts its words name. */
int ranked_run(const search_index *ix, const search_query *q, const char *text,
               const search_filters *f, arena *a, ranked_list *out);

/* query.c */
void query_parse(const search_index *ix, const char *text, search_query *q);
void query_add_pinyin_reading(search_query *q);
void query_add_soft_readings(search_query *q, size_t n_strict);
void query_add_near_synonyms(const search_index *ix, search_query *q);
void token_ascii(const token *t, char *s, size_t cap);
bool within_one_edit(const char *a, size_t la, const char *b, size_t lb);

/* match.c */
int match_reading(const search_index *ix, const alternative *alt, bool soft, token_memo *memo,
                  arena *a, match_list *out);
int token_weight(const token *t);
item_set *set_for(size_t n);

/* rank.c */
bool rank_passes(const search_item *it, const search_filters *f);
int rank_collect(const search_index *ix, const search_query *q, size_t alt_i, const match_list *m,
                 const search_filters *f, arena *a, hit_list *out);
int rank_page(const search_index *ix, hit_list *hits, size_t offset, size_t limit,
              bool distinct_names, arena *a, search_results *out);

#endif
