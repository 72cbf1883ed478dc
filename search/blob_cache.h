/* A bounded, thread-safe cache from byte strings to byte strings, for one index snapshot:
 * the match lists of query readings ("机动车驾驶证", "公积金 提取"), which popular queries share.
 * It is dropped with its snapshot, so it can never be stale; when full it is emptied and refills
 * with what is asked now (simpler than LRU bookkeeping, and cheap at this size). */
#ifndef OW_BLOB_CACHE_H
#define OW_BLOB_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

typedef struct blob_cache blob_cache;

blob_cache *blob_cache_new(size_t max_bytes); /* NULL when max_bytes is 0 or no memory */
void blob_cache_free(blob_cache *c);
/* Copies the value of key into the arena; false when absent (or c is NULL). */
bool blob_cache_get(blob_cache *c, const void *key, size_t klen, arena *a, void **val,
                    size_t *vlen);
void blob_cache_put(blob_cache *c, const void *key, size_t klen, const void *val, size_t vlen);

#endif
