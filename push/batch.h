/* One claimed batch in flight (API.md §6): every request at once on pushd's libcurl multi
 * handle, each result recorded as soon as it is known (every FLUSH_MS, with the host's
 * counters, db/outbox_store.h), the lease of the rows still in flight renewed every third of
 * it. So a pushd killed mid-batch leaves to repeat only the sends whose outcome nobody knows,
 * and they come back within one lease (push_lease_s, 10 s). Results the database did not take
 * (it was away) are tried again until the lease would have run out. */
#ifndef OW_PUSH_BATCH_H
#define OW_PUSH_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "core/arena.h"
#include "core/config.h"
#include "db/outbox_store.h"

typedef struct push_batch_stats {
    size_t outcomes[4]; /* recorded, by outbox_outcome */
    size_t lost;        /* results no longer ours to record (the lease had run out) */
    size_t unrecorded;  /* results the database never took: their rows come back */
    int64_t send_us, record_us;
} push_batch_stats;

void push_batch_run(CURLM *multi, const ow_config *cfg, const char *host, const outbox_row *rows,
                    size_t n, arena *a, push_batch_stats *stats);

#endif
