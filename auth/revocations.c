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
#include "db/org_store.h"

#define REVOCATIONS_REFRESH_MS 250

/* key: 's' and a session id, or 'c' and an organization's client id */
typedef struct revoked {
    char key[34];
    int64_t until_ms;
} revoked;

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static u64map index_by_key; /* hash(key) → entry */
static revoked *entries;
static size_t n_entries, cap_entries;
static int64_t keep_ms, seen_ms;

static bool find(const char *key)
{
    size_t pos = 0;
    uint32_t i;
    while (u64map_next(&index_by_key, hash_bytes(key, strlen(key)), &pos, &i))
        if (strcmp(entries[i].key, key) == 0)
            return true;
    return false;
}

static bool contains(char kind, const char *id)
{
    char key[sizeof entries[0].key];
    if (!id || !*id || strlen(id) >= sizeof key - 1)
        return false;
    key[0] = kind;
    strcpy(key + 1, id);
    pthread_rwlock_rdlock(&lock);
    bool hit = n_entries > 0 && find(key);
    pthread_rwlock_unlock(&lock);
    return hit;
}

bool revocations_contains(const char *sid)
{
    return contains('s', sid);
}

bool revocations_client_revoked(const char *client_id)
{
    return contains('c', client_id);
}

/* Drops the revocations whose tokens have all expired (under the write lock). */
static void prune(int64_t now)
{
    size_t k = 0;
    for (size_t i = 0; i < n_entries; i++)
        if (entries[i].until_ms > now)
            entries[k++] = entries[i];
    n_entries = k;
    u64map_clear(&index_by_key);
    for (size_t i = 0; i < n_entries; i++)
        u64map_put(&index_by_key, hash_bytes(entries[i].key, strlen(entries[i].key)), (uint32_t)i);
}

static void add(const char *key, int64_t revoked_ms)
{
    if (revoked_ms > seen_ms)
        seen_ms = revoked_ms;
    if (strlen(key) >= sizeof entries[0].key || find(key))
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
    strcpy(entries[n_entries].key, key);
    entries[n_entries].until_ms = revoked_ms + keep_ms;
    u64map_put(&index_by_key, hash_bytes(key, strlen(key)), (uint32_t)n_entries);
    n_entries++;
}

typedef struct batch {
    revoked *r;
    size_t n, cap;
} batch;

static void collect(batch *b, char kind, const char *id, int64_t revoked_ms)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        revoked *n = realloc(b->r, cap * sizeof *n);
        if (!n)
            return;
        b->r = n;
        b->cap = cap;
    }
    snprintf(b->r[b->n].key, sizeof b->r[b->n].key, "%c%s", kind, id);
    b->r[b->n++].until_ms = revoked_ms;
}

static void collect_session(const char *sid, int64_t revoked_ms, void *ctx)
{
    collect(ctx, 's', sid, revoked_ms);
}

static void collect_client(const char *client_id, int64_t disabled_ms, void *ctx)
{
    collect(ctx, 'c', client_id, disabled_ms);
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
    int64_t since = seen_ms - 1000;
    int rc = sessions_revoked_since(db_primary(), &a, since, collect_session, &b);
    /* an organization's client revoked (revoke-client, disable-org): its tokens too */
    if (rc == DB_OK)
        rc = oauth_clients_disabled_since(db_primary(), &a, since, collect_client, &b);
    arena_destroy(&a);
    pthread_rwlock_wrlock(&lock);
    for (size_t i = 0; i < b.n; i++)
        add(b.r[i].key, b.r[i].until_ms);
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
    if (u64map_init(&index_by_key, 1024) != 0)
        return -1;
    return refresher_add(revocations_tick, REVOCATIONS_REFRESH_MS);
}

void revocations_free(void)
{
    pthread_rwlock_wrlock(&lock);
    free(entries);
    entries = NULL;
    n_entries = cap_entries = 0;
    u64map_free(&index_by_key);
    pthread_rwlock_unlock(&lock);
}
