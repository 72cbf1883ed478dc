/* The worker's index of the public questions (API.md §8 "Public questions"): the same
 * search engine as the catalog's (search/index_build.h, search/search.h) over a second set
 * of documents, one per public question: the question is the document's name, the answer
 * its description, the question's department its department, its service code (or "") its
 * code, its id its service_id. The same dictionary as the catalog (synonyms, concepts).
 * Built by the refresher thread when the questions version or the catalog version (its
 * dictionary) moved, checked every catalog_refresh_ms, swapped in whole. */
#ifndef OW_QUESTION_CACHE_H
#define OW_QUESTION_CACHE_H

#include "core/config.h"
#include "search/index.h"

/* Registers the rebuild with core/refresher.c (before it starts; after catalog_cache_init,
 * which loads the tables). */
int question_cache_init(const ow_config *cfg);
void question_cache_wait(int wait_ms);
void question_cache_free(void);

/* The current index, pinned until question_cache_release; NULL before the first build. */
const search_index *question_cache_acquire(void);
void question_cache_release(const search_index *ix);

#endif
