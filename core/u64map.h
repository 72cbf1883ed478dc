/* An open-addressing hash table from 64-bit keys to 32-bit values, for the search index
 * (millions of n-gram keys: a general-purpose table such as GLib's would cost ~4× the
 * memory per entry). Keys may repeat (string keys are stored as their hash, and the caller
 * compares the strings); key 0 is reserved. Not thread-safe for writers; any number of
 * readers once built. */
#ifndef OW_U64MAP_H
#define OW_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct u64map {
    uint64_t *keys;
    uint32_t *vals;
    size_t cap; /* a power of two */
    size_t len;
} u64map;

int u64map_init(u64map *m, size_t expected); /* 0 or -1 (out of memory) */
void u64map_free(u64map *m);
void u64map_clear(u64map *m);                          /* empties it, keeping its table */
int u64map_put(u64map *m, uint64_t key, uint32_t val); /* adds, even when key exists */
/* Iterates the values stored under key: start with *pos = 0; false when there are no more. */
bool u64map_next(const u64map *m, uint64_t key, size_t *pos, uint32_t *val);
/* The first value stored under key. */
static inline bool u64map_get(const u64map *m, uint64_t key, uint32_t *val)
{
    size_t pos = 0;
    return u64map_next(m, key, &pos, val);
}

/* A 64-bit hash of bytes (XXH3, libxxhash), never 0. */
uint64_t hash_bytes(const void *p, size_t n);

#endif
