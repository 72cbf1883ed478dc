#include "search/catalog_cache.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/grow.h"
#include "core/log.h"
#include "core/refresher.h"
#include "core/u64map.h"
#include "db/catalog_store.h"
#include "db/db.h"
#include "db/life_event_store.h"
#include "search/bundles.h"
#include "search/blob_cache.h"
#include "search/dictionary.h"
#include "search/index_build.h"
#include "search/index_slot.h"
#include "search/normalize.h"
#include "search/pinyin.h"
#include "search/segment.h"

#define VIEW_SLOTS 1024
/* Distinct (service, client) views buffered between flushes; more are dropped (popularity is
 * a hint, not a ledger). The set has twice the slots, for short probes. */
#define VIEWERS_MAX 4096
#define VIEWER_SLOTS (2 * VIEWERS_MAX)

typedef struct view_slot {
    uint32_t service_id;
    uint32_t count;        /* detail views */
    uint32_t applications; /* submissions */
} view_slot;

typedef struct viewer {
    uint32_t service_id;
    uint8_t client[CATALOG_CLIENT_BYTES];
} viewer;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* the view counts */
static index_slot slot = INDEX_SLOT_INIT;
static view_slot views[VIEW_SLOTS];
static uint64_t viewer_keys[VIEWER_SLOTS]; /* 0: free */
static viewer viewers[VIEWERS_MAX];
static size_t n_viewers;
static int rebuild_s, search_cache_mb;

const search_index *catalog_cache_acquire(void)
{
    return index_slot_acquire(&slot);
}

void catalog_cache_release(const search_index *ix)
{
    index_slot_release(ix);
}

static void count(uint32_t service_id, bool application)
{
    if (service_id == 0)
        return;
    pthread_mutex_lock(&lock);
    for (size_t i = 0, at = service_id % VIEW_SLOTS; i < VIEW_SLOTS; i++) {
        view_slot *s = &views[(at + i) % VIEW_SLOTS];
        if (s->service_id == 0 || s->service_id == service_id) {
            s->service_id = service_id;
            if (application)
                s->applications++;
            else
                s->count++;
            break;
        }
    } /* a full table drops the view: popularity is a hint, not a ledger */
    pthread_mutex_unlock(&lock);
}

void catalog_cache_count_view(uint32_t service_id, const uint8_t client[CATALOG_CLIENT_BYTES])
{
    uint8_t key_bytes[4 + CATALOG_CLIENT_BYTES];
    memcpy(key_bytes, &service_id, 4);
    memcpy(key_bytes + 4, client, CATALOG_CLIENT_BYTES);
    uint64_t key = hash_bytes(key_bytes, sizeof key_bytes);
    pthread_mutex_lock(&lock);
    for (size_t i = 0, at = key % VIEWER_SLOTS; service_id && i < VIEWER_SLOTS; i++) {
        uint64_t *k = &viewer_keys[(at + i) % VIEWER_SLOTS];
        if (*k == key) /* this client's view of it is buffered already */
            break;
        if (*k == 0) {
            if (n_viewers < VIEWERS_MAX) {
                *k = key;
                viewers[n_viewers].service_id = service_id;
                memcpy(viewers[n_viewers++].client, client, CATALOG_CLIENT_BYTES);
            }
            break;
        }
    }
    pthread_mutex_unlock(&lock);
}

/* Today in the service time zone (the worker's TZ), YYYY-MM-DD. */
static void today(char out[11])
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The buffered viewers: each is a view only when the database has not seen that client view
 * that service today (every worker of every host counts into the same table). */
static void flush_viewers(void)
{
    static viewer batch[VIEWERS_MAX];
    static char day_pruned[11];
    pthread_mutex_lock(&lock);
    size_t n = n_viewers;
    memcpy(batch, viewers, n * sizeof batch[0]);
    if (n)
        memset(viewer_keys, 0, sizeof viewer_keys);
    n_viewers = 0;
    pthread_mutex_unlock(&lock);
    char day[11];
    today(day);
    if (strcmp(day, day_pruned) != 0 &&
        catalog_store_forget_view_clients(db_primary(), day) == DB_OK)
        memcpy(day_pruned, day, sizeof day);
    for (size_t i = 0; i < n; i++) {
        int rc = catalog_store_view_client(db_primary(), day, batch[i].service_id, batch[i].client);
        if (rc == DB_OK)
            count(batch[i].service_id, false);
        else if (rc != DB_NOT_FOUND)
            log_msg(LOG_WARN, "could not record a view of service %u", batch[i].service_id);
    }
}

void catalog_cache_count_application(uint32_t service_id)
{
    count(service_id, true);
}

static void flush_views(void)
{
    static view_slot batch[VIEW_SLOTS];
    flush_viewers();
    pthread_mutex_lock(&lock);
    memcpy(batch, views, sizeof views);
    memset(views, 0, sizeof views);
    pthread_mutex_unlock(&lock);
    for (size_t i = 0; i < VIEW_SLOTS; i++)
        if (batch[i].service_id != 0 &&
            catalog_store_add_counts(db_primary(), batch[i].service_id, batch[i].count,
                                     batch[i].applications) != DB_OK)
            log_msg(LOG_WARN, "could not add %u views and %u applications of service %u",
                    batch[i].count, batch[i].applications, batch[i].service_id);
}

/* The active bundles' services, read once per build: the snapshot's bundles and each
 * item's bundle names (indexed words of the item). */
typedef struct members {
    bundle_member *list;   /* in the store's order: bundles in file order */
    bundle_member *by_svc; /* the same sorted by service code (NULLs first) */
    size_t n, cap;
} members;

static int add_member(const life_event_member *m, void *ctx)
{
    members *ms = ctx;
    if (grow_array((void **)&ms->list, &ms->cap, ms->n + 1, sizeof ms->list[0]) != 0)
        return -1;
    ms->list[ms->n++] = (bundle_member){m->code, m->name, m->name_en, m->service_code};
    return 0;
}

static int cmp_member_service(const void *a, const void *b)
{
    const char *x = ((const bundle_member *)a)->service_code;
    const char *y = ((const bundle_member *)b)->service_code;
    return !x || !y ? (x != NULL) - (y != NULL) : strcmp(x, y);
}

static int load_members(db_conn *c, arena *a, members *ms)
{
    int rc = life_event_each_member(c, a, add_member, ms);
    if (rc != DB_OK || ms->n == 0)
        return rc;
    ms->by_svc = malloc(ms->n * sizeof ms->by_svc[0]);
    if (!ms->by_svc)
        return DB_ERROR;
    memcpy(ms->by_svc, ms->list, ms->n * sizeof ms->list[0]);
    qsort(ms->by_svc, ms->n, sizeof ms->by_svc[0], cmp_member_service);
    return DB_OK;
}

/* The names (and English names) of the bundles holding the service, as a JSON array; NULL
 * when none (or out of memory: the item is indexed without them). */
static char *bundle_names(const members *ms, const char *code)
{
    bundle_member key = {.service_code = code};
    const bundle_member *m =
        ms->n ? bsearch(&key, ms->by_svc, ms->n, sizeof key, cmp_member_service) : NULL;
    if (!m)
        return NULL;
    while (m > ms->by_svc && cmp_member_service(m - 1, &key) == 0)
        m--;
    cJSON *arr = cJSON_CreateArray();
    for (; arr && m < ms->by_svc + ms->n && cmp_member_service(m, &key) == 0; m++) {
        cJSON_AddItemToArray(arr, cJSON_CreateString(m->name));
        if (m->name_en)
            cJSON_AddItemToArray(arr, cJSON_CreateString(m->name_en));
    }
    char *out = arr ? cJSON_PrintUnformatted(arr) : NULL;
    cJSON_Delete(arr);
    return out;
}

typedef struct item_ctx {
    search_builder *b;
    const members *ms;
} item_ctx;

static int add_item(const catalog_row *row, void *ctx)
{
    const item_ctx *ic = ctx;
    char *bundles = bundle_names(ic->ms, row->code);
    search_doc d = {row->service_id, row->code,           row->name,          row->department_code,
                    row->audience,   row->kind,           row->description,   row->topic_codes,
                    row->keywords,   row->online_level,   row->promised_days, row->popularity,
                    row->name_en,    row->description_en, row->materials,     bundles};
    int rc = search_builder_add_item(ic->b, &d);
    cJSON_free(bundles);
    return rc;
}

static search_index *build(db_conn *c, uint64_t version)
{
    search_builder *b = search_builder_new();
    if (!b)
        return NULL;
    arena a;
    arena_init(&a, 64 * 1024);
    members ms = {0};
    item_ctx ic = {b, &ms};
    int rc = search_dictionary_begin(c, &a, b);
    if (rc == DB_OK)
        rc = load_members(c, &a, &ms);
    if (rc == DB_OK)
        rc = catalog_store_each_item(c, add_item, &ic);
    if (rc == DB_OK)
        rc = search_dictionary_end(c, &a, b);
    search_index *ix = NULL;
    if (rc == DB_OK) {
        ix = search_builder_finish(b, version);
        if (ix && search_bundles_attach(ix, ms.list, ms.n) != 0) {
            search_index_free(ix);
            ix = NULL;
        }
    } else
        search_builder_abort(b);
    free(ms.list);
    free(ms.by_svc);
    arena_destroy(&a);
    return ix;
}

/* The catalog tolerates lag: it is read from the replica when there is one in use (the
 * version and the rows from the same side). A version is never older than the one built
 * (a replica behind the primary the last index came from is not a change). */
static void refresh(int64_t *built_at)
{
    arena a;
    arena_init(&a, 4096);
    uint64_t version = 0;
    db_conn *src = db_reader();
    int rc = catalog_store_version(src, &a, &version);
    arena_destroy(&a);
    if (rc != DB_OK)
        return; /* database away: keep serving the index we have */
    /* Popularity moves ranks only through epochs (catalog_store_popularity_epoch): rebuilding
     * on a worker's own timer would rank with counters read at another moment than the
     * other workers, and their pages would disagree. */
    const search_index *current = slot.current; /* the refresher is its only writer */
    if (current && current->version == version &&
        clock_mono_ms() - *built_at >= (int64_t)rebuild_s * 1000) {
        *built_at = clock_mono_ms();
        if (catalog_store_popularity_epoch(db_primary(), rebuild_s) != DB_OK)
            return;
        arena_init(&a, 4096);
        rc = catalog_store_version(src, &a, &version);
        arena_destroy(&a);
        if (rc != DB_OK)
            return;
    }
    if (current && current->version >= version)
        return;
    int64_t t0 = clock_mono_ms(), cpu0 = clock_thread_cpu_ms();
    search_index *ix = build(src, version);
    if (!ix) {
        log_msg(LOG_WARN, "search index rebuild failed; keeping the current one");
        return;
    }
    log_msg(LOG_INFO,
            "search index version %llu: %zu items, %zu grams, %zu terms in %lld ms "
            "(%lld ms CPU of this thread)",
            (unsigned long long)version, ix->n_items, ix->n_gram_slots, ix->n_terms,
            (long long)(clock_mono_ms() - t0), (long long)(clock_thread_cpu_ms() - cpu0));
    *built_at = clock_mono_ms();
    ix->reading_cache = blob_cache_new((size_t)search_cache_mb * 1024 * 1024);
    index_slot_publish(&slot, ix);
}

/* The refresher's task: rebuild when the catalog changed; add the buffered views. */
static void catalog_tick(bool stopping)
{
    static int64_t built_at;
    if (!stopping)
        refresh(&built_at);
    flush_views();
}

int catalog_cache_init(const ow_config *cfg)
{
    if (normalize_init() != 0 || pinyin_init() != 0 || segment_init() != 0) {
        log_msg(LOG_ERROR, "search: OpenCC t2s, the pinyin table or the word dictionary could "
                           "not be loaded");
        return -1;
    }
    /* A fixed threshold: big index arrays are mmap'd and go back to the system when freed
     * (glibc's adaptive threshold would keep them in the heap after the first rebuild). */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    rebuild_s = cfg->catalog_rebuild_s;
    search_cache_mb = cfg->search_cache_mb;
    return refresher_add(catalog_tick, cfg->catalog_refresh_ms);
}

void catalog_cache_wait(int wait_ms)
{
    if (!index_slot_wait(&slot, wait_ms))
        log_msg(LOG_WARN, "search index not built yet (database away?); searches answer 503");
}

void catalog_cache_free(void)
{
    index_slot_free(&slot);
}
