#include "auth/revocations.h"

#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/refresher.h"
#include "core/u64map.h"
#include "db/identity_store.h"

#define REVOCATIONS_REFRESH_MS 250

typedef struct revoked {
    char sid[33];
    int64_t until_ms;
} revoked;

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static u64map index_by_sid; /* hash(sid) → entry */
static revoked *entries;
static size_t n_entries, cap_entries;
static int64_t keep_ms, seen_ms;

static bool find(const char *sid)
{
    size_t pos = 0;
    uint32_t i;
    while (u64map_next(&index_by_sid, hash_bytes(sid, strlen(sid)), &pos, &i))
        if (strcmp(entries[i].sid, sid) == 0)
            return true;
    return false;
}

bool revocations_contains(const char *sid)
{
    if (!sid || !*sid)
        return false;
    pthread_rwlock_rdlock(&lock);
    bool hit = n_entries > 0 && find(sid);
    pthread_rwlock_unlock(&lock);
    return hit;
}

/* Drops the revocations whose tokens have all expired (under the write lock). */
static void prune(int64_t now)
{
    size_t k = 0;
    for (size_t i = 0; i < n_entries; i++)
        if (entries[i].until_ms > now)
            entries[k++] = entries[i];
    n_entries = k;
    u64map_clear(&index_by_sid);
    for (size_t i = 0; i < n_entries; i++)
        u64map_put(&index_by_sid, hash_bytes(entries[i].sid, strlen(entries[i].sid)), (uint32_t)i);
}

static void add(const char *sid, int64_t revoked_ms)
{
    if (revoked_ms > seen_ms)
        seen_ms = revoked_ms;
    if (strlen(sid) >= sizeof entries[0].sid || find(sid))
        return;
    if (n_entries == cap_entries) {
        size_t cap = cap_entries ? cap_entries * 2 : 1024;
        revoked *n = realloc(entries, cap * sizeof *n);
        if (!n) {
            log_msg(LOG_ERROR, "revocations: out of memory");
            return;
        }
        entries = n;
        cap_entries = cap;
    }
    strcpy(entries[n_entries].sid, sid);
    entries[n_entries].until_ms = revoked_ms + keep_ms;
    u64map_put(&index_by_sid, hash_bytes(sid, strlen(sid)), (uint32_t)n_entries);
    n_entries++;
}

typedef struct batch {
    revoked *r;
    size_t n, cap;
} batch;

static void collect(const char *sid, int64_t revoked_ms, void *ctx)
{
    batch *b = ctx;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        revoked *n = realloc(b->r, cap * sizeof *n);
        if (!n)
            return;
        b->r = n;
        b->cap = cap;
    }
    snprintf(b->r[b->n].sid, sizeof b->r[b->n].sid, "%s", sid);
    b->r[b->n++].until_ms = revoked_ms;
}

static void revocations_tick(bool stopping)
{
    if (stopping)
        return;
    arena a;
    arena_init(&a, 4096);
    int64_t now = clock_real_ms();
    if (seen_ms == 0)
        seen_ms = now - keep_ms;
    batch b = {NULL, 0, 0};
    /* a second of overlap: a revocation committed with an earlier timestamp is not missed;
     * the query runs without the lock, so a slow database never holds up requests */
    int rc = sessions_revoked_since(db_primary(), &a, seen_ms - 1000, collect, &b);
    arena_destroy(&a);
    pthread_rwlock_wrlock(&lock);
    for (size_t i = 0; i < b.n; i++)
        add(b.r[i].sid, b.r[i].until_ms);
    if (n_entries > 0 && entries[0].until_ms <= now)
        prune(now);
    pthread_rwlock_unlock(&lock);
    free(b.r);
    if (rc != DB_OK)
        log_msg(LOG_WARN, "revocations: database away; keeping the list we have");
}

int revocations_init(const ow_config *cfg)
{
    keep_ms = ((int64_t)cfg->access_ttl_s + 120) * 1000;
    if (u64map_init(&index_by_sid, 1024) != 0)
        return -1;
    return refresher_add(revocations_tick, REVOCATIONS_REFRESH_MS);
}

void revocations_free(void)
{
    pthread_rwlock_wrlock(&lock);
    free(entries);
    entries = NULL;
    n_entries = cap_entries = 0;
    u64map_free(&index_by_sid);
    pthread_rwlock_unlock(&lock);
}
