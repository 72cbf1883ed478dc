/* Fixed-window counters for per-client limits kept in the database, so that every worker on
 * every host counts together (migration 0008, rate_counters). */
#ifndef OW_RATE_STORE_H
#define OW_RATE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

/* Counts one hit of key in bucket for the current window of window_s seconds; *hits is the
 * count including this one. Now and then (prune) clears windows older than a day. */
int rate_hit(db_conn *c, const char *bucket, const uint8_t key[32], int window_s, bool prune,
             int64_t *hits);

/* The count of key in bucket for the current window, without counting a hit. */
int rate_peek(db_conn *c, arena *a, const char *bucket, const uint8_t key[32], int window_s,
              int64_t *hits);

#endif
