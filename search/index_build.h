/* Builds a search index snapshot: departments and topics first, then items and synonyms in
 * any number, then finish. Used by the refresher thread only (not thread-safe). */
#ifndef OW_SEARCH_INDEX_BUILD_H
#define OW_SEARCH_INDEX_BUILD_H

#include "db/catalog_store.h"
#include "search/index.h"

typedef struct search_builder search_builder;

search_builder *search_builder_new(void);
int search_builder_add_dept(search_builder *b, const char *code, const char *name);
int search_builder_add_topic(search_builder *b, const char *code, const char *name);
/* 0, or -1 when out of memory (an item with bad JSON fields is indexed without them). */
int search_builder_add_item(search_builder *b, const catalog_row *row);
int search_builder_add_synonym(search_builder *b, const char *term, const char *expansion);
/* Adds the shipped dictionary (data/synonyms.tsv, compiled in). */
int search_builder_add_shipped_synonyms(search_builder *b);
/* The finished index (refs = 0), or NULL when out of memory; frees the builder either way. */
search_index *search_builder_finish(search_builder *b, uint64_t version);
void search_builder_abort(search_builder *b);

#endif
