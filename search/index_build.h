/* Builds a search index snapshot: departments and topics first, then items and synonyms in
 * any number, then finish. Used by the refresher thread only (not thread-safe). */
#ifndef OW_SEARCH_INDEX_BUILD_H
#define OW_SEARCH_INDEX_BUILD_H

#include <stdint.h>

#include "search/index.h"

typedef struct search_builder search_builder;

/* One catalog item as the index takes it (strings copied in; search/catalog_cache.c fills it
 * from the catalog store's rows, tests write their own). */
typedef struct search_doc {
    int64_t service_id;
    const char *code, *name, *department_code, *audience, *kind, *description;
    const char *topic_codes; /* JSON array of topic codes */
    const char *keywords;    /* JSON array of strings */
    int64_t online_level, promised_days, popularity;
    const char *name_en, *description_en; /* NULL: not translated */
    const char *materials;                /* JSON array (strings or {name, …}); NULL: none */
    const char *bundles; /* JSON array of the names of the life events it belongs to; NULL */
} search_doc;

search_builder *search_builder_new(void);
/* name_en may be NULL (not translated). */
int search_builder_add_dept(search_builder *b, const char *code, const char *name,
                            const char *name_en);
int search_builder_add_topic(search_builder *b, const char *code, const char *name,
                             const char *name_en);
/* 0, or -1 when out of memory (an item with bad JSON fields is indexed without them). */
int search_builder_add_item(search_builder *b, const search_doc *row);
int search_builder_add_synonym(search_builder *b, const char *term, const char *expansion);
/* Adds the shipped dictionary (data/synonyms.tsv, compiled in). */
int search_builder_add_shipped_synonyms(search_builder *b);
/* A concept: situations "w|w+w…" ('|' between situation words, '+' between the parts that
 * must all occur), services "w|w…" (words of the catalog they mean). */
int search_builder_add_concept(search_builder *b, const char *name, const char *situations,
                               const char *services);
/* Adds the shipped concepts (data/concepts.tsv, compiled in). */
int search_builder_add_shipped_concepts(search_builder *b);
/* The finished index (refs = 0), or NULL when out of memory; frees the builder either way. */
search_index *search_builder_finish(search_builder *b, uint64_t version);
void search_builder_abort(search_builder *b);

#endif
