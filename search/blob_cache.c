#include "search/blob_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/u64map.h"

typedef struct entry {
    void *key, *val;
    size_t klen, vlen;
} entry;

struct blob_cache {
    pthread_mutex_t lock;
    u64map index; /* hash(key) → entry */
    entry *entries;
    size_t n, cap, bytes, max_bytes;
};

blob_cache *blob_cache_new(size_t max_bytes)
{
    if (max_bytes == 0)
        return NULL;
    blob_cache *c = calloc(1, sizeof *c);
    if (!c || u64map_init(&c->index, 256) != 0) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    c->max_bytes = max_bytes;
    return c;
}

static void clear(blob_cache *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->entries[i].key);
        free(c->entries[i].val);
    }
    c->n = c->bytes = 0;
    u64map_clear(&c->index); /* in place: no allocation that could fail here */
}

void blob_cache_free(blob_cache *c)
{
    if (!c)
        return;
    clear(c);
    u64map_free(&c->index);
    free(c->entries);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static entry *find(blob_cache *c, const void *key, size_t klen)
{
    size_t pos = 0;
    uint32_t id;
    while (u64map_next(&c->index, hash_bytes(key, klen), &pos, &id))
        if (c->entries[id].klen == klen && memcmp(c->entries[id].key, key, klen) == 0)
            return &c->entries[id];
    return NULL;
}

bool blob_cache_get(blob_cache *c, const void *key, size_t klen, arena *a, void **val, size_t *vlen)
{
    if (!c)
        return false;
    pthread_mutex_lock(&c->lock);
    entry *e = find(c, key, klen);
    void *copy = e ? arena_alloc(a, e->vlen + 1) : NULL;
    if (copy) {
        if (e->vlen)
            memcpy(copy, e->val, e->vlen);
        *val = copy;
        *vlen = e->vlen;
    }
    pthread_mutex_unlock(&c->lock);
    return copy != NULL;
}

void blob_cache_put(blob_cache *c, const void *key, size_t klen, const void *val, size_t vlen)
{
    if (!c || klen + vlen > c->max_bytes / 4)
        return; /* one huge list must not flush everything else */
    pthread_mutex_lock(&c->lock);
    if (find(c, key, klen)) {
        pthread_mutex_unlock(&c->lock);
        return;
    }
    if (c->bytes + klen + vlen > c->max_bytes)
        clear(c);
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        entry *n = realloc(c->entries, cap * sizeof *n);
        if (!n)
            goto out;
        c->entries = n;
        c->cap = cap;
    }
    entry e = {malloc(klen), malloc(vlen + 1), klen, vlen};
    if (!e.key || !e.val || u64map_put(&c->index, hash_bytes(key, klen), (uint32_t)c->n) != 0) {
        free(e.key);
        free(e.val);
        goto out;
    }
    memcpy(e.key, key, klen);
    if (vlen) /* an empty value may come as NULL */
        memcpy(e.val, val, vlen);
    c->entries[c->n++] = e;
    c->bytes += klen + vlen;
out:
    pthread_mutex_unlock(&c->lock);
}
