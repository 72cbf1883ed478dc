/* Where a worker keeps the current snapshot of one search index (the catalog's, the public
 * questions'): the refresher thread swaps a new build in whole, requests pin the snapshot
 * they read for their length, and the old one is freed once no request holds it. */
#ifndef OW_SEARCH_INDEX_SLOT_H
#define OW_SEARCH_INDEX_SLOT_H

#include <pthread.h>

#include "search/index.h"

typedef struct index_slot {
    pthread_mutex_t lock;
    pthread_cond_t first_build;
    search_index *current;
} index_slot;

#define INDEX_SLOT_INIT                                                                            \
    {                                                                                              \
        PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL                                  \
    }

/* The current index, pinned until index_slot_release; NULL before the first build. */
const search_index *index_slot_acquire(index_slot *s);
void index_slot_release(const search_index *ix);
/* The refresher's: swaps ix in and frees the previous index once no request holds it. */
void index_slot_publish(index_slot *s, search_index *ix);
/* Waits at most wait_ms for the first index; false when there is none yet. */
bool index_slot_wait(index_slot *s, int wait_ms);
/* After the refresher stopped: frees the index (left to the exiting process while a request
 * that outlived the shutdown grace still holds it). */
void index_slot_free(index_slot *s);

#endif
