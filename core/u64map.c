#include "core/u64map.h"

#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

/* splitmix64's finalizer: n-gram keys are packed code points, far from uniform. */
static size_t slot_of(uint64_t key, size_t cap)
{
    key ^= key >> 30;
    key *= 0xbf58476d1ce4e5b9ULL;
    key ^= key >> 27;
    key *= 0x94d049bb133111ebULL;
    key ^= key >> 31;
    return (size_t)key & (cap - 1);
}

static int alloc_table(u64map *m, size_t cap)
{
    m->keys = calloc(cap, sizeof *m->keys);
    m->vals = malloc(cap * sizeof *m->vals);
    if (!m->keys || !m->vals) {
        free(m->keys);
        free(m->vals);
        m->keys = NULL;
        m->vals = NULL;
        return -1;
    }
    m->cap = cap;
    m->len = 0;
    return 0;
}

int u64map_init(u64map *m, size_t expected)
{
    size_t cap = 16;
    while (cap < expected * 2)
        cap *= 2;
    return alloc_table(m, cap);
}

void u64map_free(u64map *m)
{
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->len = 0;
}

void u64map_clear(u64map *m)
{
    if (m->keys)
        memset(m->keys, 0, m->cap * sizeof *m->keys);
    m->len = 0;
}

static void insert(u64map *m, uint64_t key, uint32_t val)
{
    size_t i = slot_of(key, m->cap);
    while (m->keys[i] != 0)
        i = (i + 1) & (m->cap - 1);
    m->keys[i] = key;
    m->vals[i] = val;
    m->len++;
}

static int grow(u64map *m)
{
    u64map bigger;
    if (alloc_table(&bigger, m->cap * 2) != 0)
        return -1;
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i] != 0)
            insert(&bigger, m->keys[i], m->vals[i]);
    u64map_free(m);
    *m = bigger;
    return 0;
}

int u64map_put(u64map *m, uint64_t key, uint32_t val)
{
    if (key == 0 || ((m->len + 1) * 4 > m->cap * 3 && grow(m) != 0))
        return -1;
    insert(m, key, val);
    return 0;
}

bool u64map_next(const u64map *m, uint64_t key, size_t *pos, uint32_t *val)
{
    if (m->cap == 0)
        return false;
    /* *pos counts probes already made, so that iteration resumes after the last hit. */
    size_t i = (slot_of(key, m->cap) + *pos) & (m->cap - 1);
    while (m->keys[i] != 0) {
        (*pos)++;
        if (m->keys[i] == key) {
            *val = m->vals[i];
            return true;
        }
        i = (i + 1) & (m->cap - 1);
    }
    return false;
}

uint64_t hash_bytes(const void *p, size_t n)
{
    uint64_t h = XXH3_64bits(p, n);
    return h ? h : 1;
}
