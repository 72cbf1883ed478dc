/* The in-memory search index of the service catalog: one immutable snapshot per process,
 * built from the database by the refresher (search/catalog_cache.c) and swapped in whole,
 * so that queries never lock and never see a half-built index.
 *
 * What it holds:
 *  - the active items with what lists and filters need (code, name, department, topics,
 *    audience, kind, online level, promised days, popularity);
 *  - CJK postings: for every character bigram of a name, keyword or description, and every
 *    single character of a name or keyword, the sorted list of (item << 2 | field);
 *  - pinyin terms: the distinct full-pinyin and initials strings of names and keywords, each
 *    with its postings, and a sorted table of the terms' suffixes that start at a syllable
 *    (any position for initials), so that an ASCII query is a binary search for a prefix;
 *  - the synonym dictionary (shipped + operators');
 *  - the active life events (bundles) and their items, so that a search names them;
 *  - browse orders (all items by popularity) and department/topic counts. */
#ifndef OW_SEARCH_INDEX_H
#define OW_SEARCH_INDEX_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/u64map.h"

enum { FIELD_NAME = 0, FIELD_KEYWORD = 1, FIELD_DESCRIPTION = 2 };
enum { AUDIENCE_PERSONAL = 0, AUDIENCE_ENTERPRISE = 1, AUDIENCE_BOTH = 2 };
#define SEARCH_MAX_TOPICS 64 /* topics are a bitmask per item */

typedef struct search_item {
    uint32_t service_id;
    uint32_t code, name, name_compact; /* offsets of NUL-terminated strings in the pool */
    uint32_t name_en, description_en;  /* the same; 0 (the empty string): no translation */
    uint32_t name_id;                  /* items with the same name share it (type-ahead) */
    uint16_t name_chars;               /* code points of the compact normalized name */
    uint16_t name_py_len;              /* letters of its full pinyin */
    uint16_t dept;
    uint64_t topics; /* bit i: topics[i] */
    uint8_t audience, kind, online_level;
    uint16_t promised_days;
    uint32_t popularity;
    uint8_t boost; /* ranking bonus of the popularity: 6 log2(1 + popularity), at most 60 */
} search_item;

typedef struct search_code {
    char code[32 * 4 + 1];  /* VARCHAR(32): up to 4 bytes a character */
    char name[100 * 4 + 1]; /* VARCHAR(100) */
    char name_en[201];      /* VARCHAR(200), "" when not translated */
    uint32_t count;         /* active items */
} search_code;

typedef struct search_entry {
    uint32_t term; /* term id */
    uint32_t pos;  /* byte offset in the term's string */
} search_entry;

typedef struct synonym_entry {
    uint32_t term, expansion; /* pool offsets: normalized UTF-8 */
    bool ascii;
} synonym_entry;

/* A situation word of a concept: every part must occur in the query (hanzi parts as
 * substrings of the query's hanzi, English parts as " stem stem " in its stemmed words). */
typedef struct concept_pattern {
    uint32_t part[3]; /* offsets in ranked_index.pool */
    uint8_t n_parts;
    uint8_t ascii;       /* bit i: part i is English */
    uint8_t specificity; /* characters (an English word counts 2) of all its parts */
    uint32_t concept;
    uint64_t chars; /* hanzi_bit of every character of its Chinese parts */
} concept_pattern;

/* One of 64 bits for a character: a pattern whose bits the query lacks cannot match it, so
 * most patterns are passed over without a string search. */
static inline uint64_t hanzi_bit(uint32_t c)
{
    return 1ull << ((c * 0x9E3779B1u) >> 26);
}

/* A life event's name as tokens (search/bundles.c): the character bigrams of its Chinese name
 * (without "一件事") and the stems of its English name's words. */
#define BUNDLE_KEY_TOKENS 24
typedef struct bundle_key {
    uint64_t hanzi[BUNDLE_KEY_TOKENS], words[BUNDLE_KEY_TOKENS];
    uint8_t n_hanzi, n_words;
} bundle_key;

/* The ranked retrieval (search/ranked.c, built by search/ranked_build.c): BM25F over every
 * field of an item, as one impact per (term, item); and the concept layer. */
typedef struct ranked_index {
    char *pool; /* term strings, concept parts and names */
    size_t pool_len;
    u64map term_index;  /* hash(term) → term id */
    uint32_t *term_str; /* term id → pool offset */
    uint32_t *off;      /* term id → first posting; n_terms + 1 */
    uint32_t *items;    /* postings: the item, ascending within a term */
    uint16_t *impact;   /* its BM25F score / scale */
    uint16_t *term_max; /* term id → its highest impact (bounds what a term can add) */
    size_t n_terms;
    float scale;
    concept_pattern *patterns;
    size_t n_patterns;
    uint32_t *concept_name; /* concept → pool offset */
    uint32_t *concept_off;  /* concept → its first service phrase; n_concepts + 1 */
    uint32_t *phrase_off;   /* phrase → its first term in phrase_terms; n_phrases + 1 */
    uint32_t *phrase_terms; /* each phrase's terms, the rarest first */
    size_t n_concepts, n_phrases;
} ranked_index;

typedef struct search_index {
    atomic_int refs;
    uint64_t version;

    search_item *items;
    size_t n_items;
    char *pool; /* strings */
    size_t pool_len;

    search_code *depts, *topics;
    size_t n_depts, n_topics;

    u64map grams;       /* gram key → slot */
    uint32_t *gram_off; /* slot → first posting; n_gram_slots + 1 entries */
    uint32_t *postings; /* item << 2 | field, sorted within a slot */
    size_t n_gram_slots;

    uint32_t *terms;        /* term id → pool offset of its string */
    uint8_t *term_initials; /* term id → 1 when it spells initials */
    uint32_t *term_off;     /* term id → first posting in term_postings; n_terms + 1 */
    uint32_t *term_postings;
    size_t n_terms;
    search_entry *entries; /* sorted by the suffix they point at */
    size_t n_entries;

    synonym_entry *synonyms;
    size_t n_synonyms;
    u64map synonym_index; /* hash(term) → synonym entry */
    uint16_t synonym_max_chars;

    uint32_t *by_popularity; /* item indexes, most popular first */
    uint32_t *dept_items;    /* the same order, grouped by department: dept_off[d] … */
    uint32_t *dept_off;      /* n_depts + 1 */
    uint32_t *topic_items;   /* and by topic (an item under each of its topics) */
    uint32_t *topic_off;     /* n_topics + 1 */
    uint32_t audience_level_count[3][5]; /* items by audience and online level (browse) */

    ranked_index ranked;

    /* The active life events (bundles, search/bundles.c) in file order, with their active
     * items: bundle_items[bundle_off[b] … bundle_off[b + 1]), ascending. */
    search_code *bundles;
    bundle_key *bundle_keys;
    uint32_t *bundle_off; /* n_bundles + 1 */
    uint32_t *bundle_items;
    size_t n_bundles;

    struct blob_cache *reading_cache; /* reading → match list (search.c); NULL: none */
} search_index;

/* Gram keys: the kind in the top byte, the code points below. */
static inline uint64_t gram_unigram(uint32_t c)
{
    return (1ULL << 56) | c;
}
static inline uint64_t gram_bigram(uint32_t a, uint32_t b)
{
    return (2ULL << 56) | ((uint64_t)a << 21) | b;
}

/* The postings of a gram (NULL, 0 when absent). */
const uint32_t *index_gram_postings(const search_index *ix, uint64_t key, size_t *n);
/* The first position at or after from in the ascending list[0..n) holding value or more,
 * by galloping: looking up k values in ascending order costs O(k log(n / k)). */
size_t index_gallop(const uint32_t *list, size_t n, size_t from, uint32_t value);
/* The field mask (1 << FIELD_…) of item in a sorted posting list. For items asked in
 * ascending order *pos moves forward by galloping (start it at 0), so checking c items
 * costs O(c log(n / c)) rather than O(c log n). */
unsigned index_fields_from(const uint32_t *list, size_t n, size_t *pos, uint32_t item);
/* Index of the department / topic with that code, or -1. */
int index_dept(const search_index *ix, const char *code);
int index_topic(const search_index *ix, const char *code);

void search_index_free(search_index *ix);

#endif
