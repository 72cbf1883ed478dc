#include "search/question_cache.h"

#include <stdbool.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/refresher.h"
#include "db/catalog_store.h"
#include "db/db.h"
#include "db/question_store.h"
#include "search/dictionary.h"
#include "search/index_build.h"
#include "search/index_slot.h"

static index_slot slot = INDEX_SLOT_INIT;
static uint64_t built_catalog_version; /* the dictionary's: the refresher's alone */

const search_index *question_cache_acquire(void)
{
    return index_slot_acquire(&slot);
}

void question_cache_release(const search_index *ix)
{
    index_slot_release(ix);
}

static int add_question(const question_row *q, void *b)
{
    search_doc d = {.service_id = q->id,
                    .code = q->service_code ? q->service_code : "",
                    .name = q->question,
                    .department_code = q->department_code,
                    .audience = "both",
                    .kind = "即办件",
                    .description = q->answer,
                    .online_level = 1};
    return search_builder_add_item(b, &d);
}

static search_index *build(db_conn *c, uint64_t version)
{
    search_builder *b = search_builder_new();
    if (!b)
        return NULL;
    arena a;
    arena_init(&a, 64 * 1024);
    int rc = search_dictionary_begin(c, &a, b);
    if (rc == DB_OK)
        rc = question_each_live(c, add_question, b);
    if (rc == DB_OK)
        rc = search_dictionary_end(c, &a, b);
    arena_destroy(&a);
    if (rc == DB_OK)
        return search_builder_finish(b, version);
    search_builder_abort(b);
    return NULL;
}

/* Read from the replica when there is one (lag tolerant, like the catalog); a version older
 * than the one built (a replica behind the primary) is not a change. */
static void refresh(void)
{
    arena a;
    arena_init(&a, 4096);
    uint64_t version = 0, catalog_version = 0;
    db_conn *src = db_reader();
    int rc = question_version(src, &a, &version);
    if (rc == DB_OK)
        rc = catalog_store_version(src, &a, &catalog_version);
    arena_destroy(&a);
    const search_index *current = slot.current; /* the refresher is its only writer */
    if (rc != DB_OK ||
        (current && current->version >= version && built_catalog_version >= catalog_version))
        return; /* unchanged, or the database is away: keep serving the index we have */
    int64_t t0 = clock_mono_ms();
    search_index *ix = build(src, version);
    if (!ix) {
        log_msg(LOG_WARN, "questions index rebuild failed; keeping the current one");
        return;
    }
    log_msg(LOG_INFO, "questions index version %llu: %zu questions in %lld ms",
            (unsigned long long)version, ix->n_items, (long long)(clock_mono_ms() - t0));
    built_catalog_version = catalog_version;
    index_slot_publish(&slot, ix);
}

static void questions_tick(bool stopping)
{
    if (!stopping)
        refresh();
}

int question_cache_init(const ow_config *cfg)
{
    return refresher_add(questions_tick, cfg->catalog_refresh_ms);
}

void question_cache_wait(int wait_ms)
{
    if (!index_slot_wait(&slot, wait_ms))
        log_msg(LOG_WARN, "questions index not built yet (database away?); questions answer 503");
}

void question_cache_free(void)
{
    index_slot_free(&slot);
}
