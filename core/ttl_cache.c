#include "core/ttl_cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

typedef struct ttl_slot {
    char *key, *val; /* one allocation: the key, its NUL, then the value */
    size_t len;
    int64_t expires_ms; /* monotonic */
} ttl_slot;

struct ttl_cache {
    pthread_mutex_t mu;
    ttl_slot *slots;
    size_t mask, max_value_bytes;
};

ttl_cache *ttl_cache_new(size_t slots, size_t max_value_bytes)
{
    size_t n = 1;
    while (n < slots)
        n <<= 1;
    ttl_cache *c = calloc(1, sizeof *c);
    if (!c || !(c->slots = calloc(n, sizeof *c->slots))) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    c->mask = n - 1;
    c->max_value_bytes = max_value_bytes;
    return c;
}

void ttl_cache_free(ttl_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i <= c->mask; i++)
        free(c->slots[i].key);
    free(c->slots);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

bool ttl_cache_get(ttl_cache *c, const char *key, arena *a, const char **val, size_t *len)
{
    if (!c)
        return false;
    bool found = false;
    pthread_mutex_lock(&c->mu);
    const ttl_slot *s = &c->slots[fnv1a(key) & c->mask];
    if (s->key && strcmp(s->key, key) == 0 && clock_mono_ms() < s->expires_ms) {
        char *copy = arena_alloc(a, s->len + 1);
        if (copy) {
            memcpy(copy, s->val, s->len);
            copy[s->len] = '\0';
            *val = copy;
            *len = s->len;
            found = true;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return found;
}

void ttl_cache_put(ttl_cache *c, const char *key, const char *val, size_t len, int ttl_ms)
{
    if (!c || ttl_ms <= 0 || len > c->max_value_bytes)
        return;
    size_t key_len = strlen(key);
    char *block = malloc(key_len + 1 + len); /* built outside the lock */
    if (!block)
        return;
    memcpy(block, key, key_len + 1);
    memcpy(block + key_len + 1, val, len);
    pthread_mutex_lock(&c->mu);
    ttl_slot *s = &c->slots[fnv1a(key) & c->mask];
    char *old = s->key;
    s->key = block;
    s->val = block + key_len + 1;
    s->len = len;
    s->expires_ms = clock_mono_ms() + ttl_ms;
    pthread_mutex_unlock(&c->mu);
    free(old);
}
