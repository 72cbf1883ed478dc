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

static int add_db_object(const char *sha, const char *type, void *ctx)
{
    char key[OBJECT_KEY_BYTES];
    store_key(sha, type, key);
    return add_key(ctx, key);
}

static int add_stored(const char *key, void *ctx)
{
    return add_key(ctx, key);
}

static int check(void)
{
    key_set known = {0}, stored = {0};
    arena a;
    arena_init(&a, 65536);
    int64_t orphaned = 0;
    /* The store first: an object's row is written before the object, so an upload in flight
     * is never reported as an unreferenced object (at most, for a moment, as missing). */
    bool listed = store_list(add_stored, &stored) == 0;
    int rc = listed ? store_objects_each(db_primary(), &a, add_db_object, &known) : DB_OK;
    if (rc == DB_OK && listed)
        rc = uploads_orphaned(db_primary(), &a, &orphaned);
    if (rc != DB_OK || !listed) {
        fprintf(stderr, "storage --check: could not read the %s\n",
                listed ? "database" : "object store");
        free(known.keys);
        free(stored.keys);
        arena_destroy(&a);
        return 1;
    }
    sort_keys(&known);
    sort_keys(&stored);
    size_t problems = 0;
    for (size_t i = 0; i < stored.n; i++)
        if (!has_key(&known, stored.keys[i]) && ++problems)
            printf("unreferenced object: %s\n", stored.keys[i]);
    for (size_t i = 0; i < known.n; i++)
        if (!has_key(&stored, known.keys[i]) && ++problems)
            printf("missing object: %s\n", known.keys[i]);
    if (orphaned) {
        printf("uploads attached to no existing application: %lld\n", (long long)orphaned);
        problems++;
    }
    printf("store: %s, objects: %zu, referenced: %zu, problems: %zu\n", store_kind(), stored.n,
           known.n, problems);
    free(known.keys);
    free(stored.keys);
    arena_destroy(&a);
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
