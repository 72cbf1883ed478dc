#include "core/ttl_cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

#define WAYS                                                                                       \
    4 /* a key may sit in any of its set's slots: keys sharing a set don't evict each other */

typedef struct ttl_slot {
    char *key, *val; /* one allocation: the key, its NUL, then the value */
    size_t len;
    int64_t expires_ms; /* monotonic */
} ttl_slot;

struct ttl_cache {
    pthread_mutex_t mu;
    ttl_slot *slots; /* sets of WAYS slots */
    size_t set_mask, max_value_bytes, max_bytes, bytes;
};

ttl_cache *ttl_cache_new(size_t slots, size_t max_value_bytes, size_t max_bytes)
{
    size_t sets = 1;
    while (sets * WAYS < slots)
        sets <<= 1;
    ttl_cache *c = calloc(1, sizeof *c);
    if (!c || !(c->slots = calloc(sets * WAYS, sizeof *c->slots))) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    c->set_mask = sets - 1;
    c->max_value_bytes = max_value_bytes;
    c->max_bytes = max_bytes;
    return c;
}

void ttl_cache_free(ttl_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < (c->set_mask + 1) * WAYS; i++)
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

static ttl_slot *set_of(ttl_cache *c, const char *key)
{
    return &c->slots[(fnv1a(key) & c->set_mask) * WAYS];
}

bool ttl_cache_get(ttl_cache *c, const char *key, arena *a, const char **val, size_t *len)
{
    if (!c)
        return false;
    bool found = false;
    pthread_mutex_lock(&c->mu);
    const ttl_slot *set = set_of(c, key);
    int64_t now = clock_mono_ms();
    for (int i = 0; i < WAYS && !found; i++) {
        const ttl_slot *s = &set[i];
        if (!s->key || strcmp(s->key, key) != 0 || now >= s->expires_ms)
            continue;
        char *copy = arena_alloc(a, s->len + 1);
        if (copy) {
            memcpy(copy, s->val, s->len);
            copy[s->len] = '\0';
            *val = copy;
            *len = s->len;
            found = true;
        }
        break;
    }
    pthread_mutex_unlock(&c->mu);
    return found;
}

/* The slot for key in its set: its own, else an empty one, else the one that expires first. */
static ttl_slot *slot_for(ttl_slot *set, const char *key)
{
    ttl_slot *pick = &set[0];
    for (int i = 0; i < WAYS; i++) {
        if (set[i].key && strcmp(set[i].key, key) == 0)
            return &set[i];
        if (pick->key && (!set[i].key || set[i].expires_ms < pick->expires_ms))
            pick = &set[i];
    }
    return pick;
}

/* Frees every expired answer, under the lock (4 096 slots: a few microseconds, and only when
 * the budget is reached). */
static void drop_expired(ttl_cache *c)
{
    int64_t now = clock_mono_ms();
    for (size_t i = 0; i < (c->set_mask + 1) * WAYS; i++) {
        ttl_slot *s = &c->slots[i];
        if (s->key && now >= s->expires_ms) {
            c->bytes -= s->len;
            free(s->key);
            s->key = NULL;
        }
    }
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
    ttl_slot *s = slot_for(set_of(c, key), key);
    char *old = s->key;
    c->bytes -= old ? s->len : 0;
    s->key = NULL;
    if (c->bytes + len > c->max_bytes)
        drop_expired(c);                 /* expired answers of other sets are freed only here */
    if (c->bytes + len > c->max_bytes) { /* full of live answers: nothing new kept */
        s->key = NULL;
        free(block);
    } else {
        s->key = block;
        s->val = block + key_len + 1;
        s->len = len;
        s->expires_ms = clock_mono_ms() + ttl_ms;
        c->bytes += len;
    }
    pthread_mutex_unlock(&c->mu);
    free(old);
}
