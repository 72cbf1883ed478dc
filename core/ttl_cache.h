/* A small per-process cache of rendered answers that may be a few seconds old (the public
 * statistics: API.md §8, "cheap to serve"). Set-associative: a key's hash picks a set of four
 * slots; a new key takes an empty slot of its set or the one that expires first, so there is
 * no eviction list to keep, and keys that share a set don't evict each other until a fifth
 * comes. Values count against a byte budget. Thread-safe (one mutex; the work under it is a
 * few compares and a copy). */
#ifndef OW_TTL_CACHE_H
#define OW_TTL_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

typedef struct ttl_cache ttl_cache;

/* slots: rounded up (sets of four, a power of two of them); values longer than
 * max_value_bytes are not kept, nor any value beyond max_bytes in all. NULL: out of memory. */
ttl_cache *ttl_cache_new(size_t slots, size_t max_value_bytes, size_t max_bytes);
void ttl_cache_free(ttl_cache *c);

/* The value of key if it was put less than its ttl ago, copied into a (NUL-terminated). */
bool ttl_cache_get(ttl_cache *c, const char *key, arena *a, const char **val, size_t *len);
/* Keeps val under key for ttl_ms (≤ 0: nothing is kept). */
void ttl_cache_put(ttl_cache *c, const char *key, const char *val, size_t len, int ttl_ms);

#endif
