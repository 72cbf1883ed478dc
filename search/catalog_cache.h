/* The worker's current search index: built by the refresher thread from the database, checked
 * every catalog_refresh_ms against the catalog version (so a change is searchable on every
 * worker within about a second), rebuilt anyway every catalog_rebuild_s (popularity), and
 * swapped in whole. Readers pin a snapshot for the length of a request. Also buffers the
 * detail-view counts and adds them to the database on the refresher's beat. */
#ifndef OW_CATALOG_CACHE_H
#define OW_CATALOG_CACHE_H

#include <stdint.h>

#include "core/config.h"
#include "search/index.h"

/* Loads the tables and registers the rebuild with core/refresher.c (before it starts). */
int catalog_cache_init(const ow_config *cfg);
/* Waits (at most wait_ms) for the first index, once the refresher runs. */
void catalog_cache_wait(int wait_ms);
/* After refresher_stop: frees the index. */
void catalog_cache_free(void);

/* The current index, pinned until catalog_cache_release; NULL before the first build. */
const search_index *catalog_cache_acquire(void);
void catalog_cache_release(const search_index *ix);

#define CATALOG_CLIENT_BYTES 16

/* A detail view of a service by a client (a keyed hash of its address): added to the
 * service's popularity within a second or so, at most once per client, service and day. */
void catalog_cache_count_view(uint32_t service_id, const uint8_t client[CATALOG_CLIENT_BYTES]);
/* One more application for a service (counted apart from the submission's transaction, so
 * that submissions to one service never queue on its counter row). */
void catalog_cache_count_application(uint32_t service_id);

#endif
