#include "workflow/storage_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/upload_store.h"
#include "storage/object_store.h"
#include "workflow/uploads.h"

typedef struct key_set {
    char (*keys)[OBJECT_KEY_BYTES];
    size_t n, cap;
} key_set;

static int add_key(key_set *s, const char *key)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        void *grown = realloc(s->keys, cap * sizeof *s->keys);
        if (!grown)
            return -1;
        s->keys = grown;
        s->cap = cap;
    }
    snprintf(s->keys[s->n++], OBJECT_KEY_BYTES, "%s", key);
    return 0;
}

static int by_key(const void *x, const void *y)
{
    return strcmp(x, y);
}

static bool has_key(const key_set *s, const char *key)
{
    return s->n && bsearch(key, s->keys, s->n, sizeof *s->keys, by_key) != NULL;
}

/* (qsort and bsearch want a real array, even of no elements) */
static void sort_keys(key_set *s)
{
    if (s->n)
        qsort(s->keys, s->n, sizeof *s->keys, by_key);
}

static int add_needed(const char *sha, const char *type, bool needed, void *ctx)
{
    char key[OBJECT_KEY_BYTES];
    store_key(sha, type, key);
    return needed ? add_key(ctx, key) : 0;
}

static int add_known(const char *sha, const char *type, bool needed, void *ctx)
{
    (void)needed;
    char key[OBJECT_KEY_BYTES];
    store_key(sha, type, key);
    return add_key(ctx, key);
}

static int add_stored(const char *key, void *ctx)
{
    return add_key(ctx, key);
}

static void free_keys(key_set *needed, key_set *stored, key_set *known, arena *a)
{
    free(needed->keys);
    free(stored->keys);
    free(known->keys);
    arena_destroy(a);
}

/* Objects no row knows (the sweep would never delete them), objects an upload needs that
 * are not there, and attached uploads of no application. An upload in flight writes its
 * store_objects row, then the object, then its upload row: so what uploads need is read
 * before the store is listed, and what rows know after it, and such an upload is neither. */
static int check(void)
{
    key_set needed = {0}, stored = {0}, known = {0};
    arena a;
    arena_init(&a, 65536);
    int64_t orphaned = 0;
    int rc = store_objects_each(db_primary(), &a, add_needed, &needed);
    bool listed = rc == DB_OK && store_list(add_stored, &stored) == 0;
    if (listed)
        rc = store_objects_each(db_primary(), &a, add_known, &known);
    if (rc == DB_OK && listed)
        rc = uploads_orphaned(db_primary(), &a, &orphaned);
    if (rc != DB_OK || !listed) {
        fprintf(stderr, "storage --check: could not read the %s\n",
                rc != DB_OK ? "database" : "object store");
        free_keys(&needed, &stored, &known, &a);
        return 1;
    }
    sort_keys(&known);
    sort_keys(&stored);
    size_t problems = 0;
    for (size_t i = 0; i < stored.n; i++)
        if (!has_key(&known, stored.keys[i]) && ++problems)
            printf("unreferenced object: %s\n", stored.keys[i]);
    for (size_t i = 0; i < needed.n; i++)
        if (!has_key(&stored, needed.keys[i]) && ++problems)
            printf("missing object: %s\n", needed.keys[i]);
    if (orphaned) {
        printf("uploads attached to no existing application: %lld\n", (long long)orphaned);
        problems++;
    }
    printf("store: %s, objects: %zu, referenced: %zu, problems: %zu\n", store_kind(), stored.n,
           needed.n, problems);
    free_keys(&needed, &stored, &known, &a);
    return problems ? 1 : 0;
}

static int sweep(void)
{
    arena a;
    arena_init(&a, 16384);
    int64_t uploads, objects;
    int rc = uploads_sweep(db_primary(), &a, &uploads, &objects);
    arena_destroy(&a);
    if (rc != DB_OK) {
        fprintf(stderr, "storage --sweep: %s\n", db_status_name(rc));
        return 1;
    }
    printf("uploads deleted: %lld\nobjects deleted: %lld\n", (long long)uploads,
           (long long)objects);
    return 0;
}

int storage_admin(const ow_config *cfg, int argc, char **argv)
{
    char why[200];
    if (store_init(cfg, why, sizeof why) != 0) {
        fprintf(stderr, "onewindow-admin: %s\n", why);
        return 1;
    }
    if (argc == 3 && strcmp(argv[2], "--check") == 0)
        return check();
    if (argc == 3 && strcmp(argv[2], "--sweep") == 0)
        return sweep();
    fprintf(stderr, "usage: onewindow-admin storage --check | --sweep\n");
    return 2;
}
