#include "db/rate_store.h"

#include <time.h>

int rate_hit(db_conn *c, const char *bucket, const uint8_t key[32], int window_s, bool prune,
             int64_t *hits)
{
    int64_t window = (int64_t)time(NULL) / window_s * window_s;
    /* LAST_INSERT_ID(expr) hands the new count back without a second query (1 row changed:
     * inserted, the first hit; 2: updated) */
    int64_t inserted = 0;
    int rc =
        db_exec_count(c, &inserted,
                      "INSERT INTO rate_counters (bucket, key_hash, window_start, hits) "
                      "VALUES (?, ?, ?, 1) ON DUPLICATE KEY UPDATE hits = LAST_INSERT_ID(hits + 1)",
                      "sbi", bucket, key, (size_t)32, window);
    if (rc != DB_OK)
        return rc;
    *hits = inserted == 1 ? 1 : db_last_insert_id(c);
    if (prune)
        rc = db_exec(c, "DELETE FROM rate_counters WHERE window_start < ? LIMIT 1000", "i",
                     window - 86400);
    return rc;
}

int rate_peek(db_conn *c, arena *a, const char *bucket, const uint8_t key[32], int window_s,
              int64_t *hits)
{
    int64_t window = (int64_t)time(NULL) / window_s * window_s;
    *hits = 0; /* no row: no hit in this window yet */
    int rc = db_query_int(c, a, hits,
                          "SELECT hits FROM rate_counters WHERE bucket = ? AND key_hash = ? "
                          "AND window_start = ?",
                          "sbi", bucket, key, (size_t)32, window);
    return rc == DB_NOT_FOUND ? DB_OK : rc;
}
