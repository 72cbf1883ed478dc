/* Builds the ranked part of a search index (search/index.h ranked_index): the terms of every
 * field of every item (search/terms.h) with BM25F impacts, and the concepts. Used by
 * search/index_build.c only. */
#ifndef OW_SEARCH_RANKED_BUILD_H
#define OW_SEARCH_RANKED_BUILD_H

#include <stdint.h>

#include "search/index.h"
#include "search/index_build.h"

typedef struct ranked_builder ranked_builder;

ranked_builder *ranked_builder_new(void);
/* description: d->description normalized (search/normalize.h; the gram index needed it too).
 * 0, or -1 when out of memory. */
int ranked_builder_add_item(ranked_builder *rb, uint32_t item, const search_doc *d,
                            const uint32_t *description, size_t description_len);
int ranked_builder_add_concept(ranked_builder *rb, const char *name, const char *situations,
                               const char *services);
/* Fills out (its arrays owned by the index now) and frees rb; 0 or -1. */
int ranked_builder_finish(ranked_builder *rb, size_t n_items, ranked_index *out);
void ranked_builder_abort(ranked_builder *rb);
void ranked_index_free(ranked_index *r);

#endif
