/* SQL of the search log (migration 0052): counts per day and normalized query of searches,
 * empty answers and opened results; the misses report. */
#ifndef OW_SEARCH_LOG_STORE_H
#define OW_SEARCH_LOG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

#define SEARCH_LOG_HASH_BYTES 16

typedef struct search_log_row {
    const char *day; /* YYYY-MM-DD */
    const uint8_t *hash;
    const char *query; /* NULL: an open whose search row is written by another worker */
    int64_t searches, empty, opens;
} search_log_row;

/* Adds the counts of n rows in one statement. */
int search_log_store_add(db_conn *c, const search_log_row *rows, size_t n);

typedef struct search_miss {
    const char *query;
    int64_t searches, empty, opens, days;
    const char *last_day;
} search_miss;

typedef int (*search_miss_fn)(const search_miss *m, void *ctx);

/* The queries of the last `days` days (since day `since`, YYYY-MM-DD) that found nothing or
 * whose results nobody opened, most searched first, at most limit. */
int search_log_store_misses(db_conn *c, arena *a, const char *since, int64_t limit,
                            search_miss_fn fn, void *ctx);
/* Deletes the rows before `before` (YYYY-MM-DD). */
int search_log_store_prune(db_conn *c, const char *before);

#endif
