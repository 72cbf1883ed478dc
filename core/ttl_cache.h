/* A small per-process cache of rendered answers that may be a few seconds old (the public
 * statistics: API.md §8, "cheap to serve"). Direct-mapped: a key has one slot, chosen by its
 * hash, and a newer key of the same slot replaces the older one, so the memory is bounded by
 * slots × max_value_bytes and there is no eviction list to keep. Thread-safe (one mutex; the
 * work under it is a compare and a copy). */
#ifndef OW_TTL_CACHE_H
#define OW_TTL_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

typedef struct ttl_cache ttl_cache;

/* slots: rounded up to a power of two; values longer than max_value_bytes are not kept.
 * NULL when out of memory. */
ttl_cache *ttl_cache_new(size_t slots, size_t max_value_bytes);
void ttl_cache_free(ttl_cache *c);

/* The value of key if it was put less than its ttl ago, copied into a (NUL-terminated). */
bool ttl_cache_get(ttl_cache *c, const char *key, arena *a, const char **val, size_t *len);
/* Keeps val under key for ttl_ms (≤ 0: nothing is kept). */
void ttl_cache_put(ttl_cache *c, const char *key, const char *val, size_t len, int ttl_ms);

#endif
