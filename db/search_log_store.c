#include "db/search_log_store.h"

#include <stdio.h>
#include <string.h>

#define ROW_SQL "(?, ?, ?, ?, ?, ?)"

/* One INSERT … ON DUPLICATE KEY UPDATE for up to ROWS rows (a prepared statement per count;
 * 6 parameters a row, within the statement helper's 32). */
#define ROWS 4
static int add_some(db_conn *c, const search_log_row *r, size_t n)
{
#define HEAD "INSERT INTO search_log (day, query_hash, query, searches, empty, opens) VALUES "
#define TAIL                                                                                       \
    " ON DUPLICATE KEY UPDATE searches = searches + VALUES(searches), "                            \
    "empty = empty + VALUES(empty), opens = opens + VALUES(opens), "                               \
    "query = IF(VALUES(query) = '', query, VALUES(query))"
    static const char *const sql[ROWS] = {
        HEAD ROW_SQL TAIL,
        HEAD ROW_SQL "," ROW_SQL TAIL,
        HEAD ROW_SQL "," ROW_SQL "," ROW_SQL TAIL,
        HEAD ROW_SQL "," ROW_SQL "," ROW_SQL "," ROW_SQL TAIL,
    };
#undef HEAD
#undef TAIL
    static const char types[] = "sbsiiisbsiiisbsiiisbsiii";
    char t[sizeof types];
    memcpy(t, types, n * 6);
    t[n * 6] = '\0';
#define R(i)                                                                                       \
    r[i].day, r[i].hash, (size_t)SEARCH_LOG_HASH_BYTES, r[i].query ? r[i].query : "",              \
        r[i].searches, r[i].empty, r[i].opens
#define PICK(i) (i < n ? i : 0)
    return db_exec(c, sql[n - 1], t, R(PICK(0)), R(PICK(1)), R(PICK(2)), R(PICK(3)));
#undef PICK
#undef R
}

int search_log_store_add(db_conn *c, const search_log_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i += ROWS) {
        int rc = add_some(c, rows + i, n - i < ROWS ? n - i : ROWS);
        if (rc != DB_OK)
            return rc;
    }
    return DB_OK;
}

int search_log_store_misses(db_conn *c, arena *a, const char *since, int64_t limit,
                            search_miss_fn fn, void *ctx)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT MAX(query), SUM(searches), SUM(empty), SUM(opens), COUNT(*), "
                      "DATE_FORMAT(MAX(day), '%Y-%m-%d') FROM search_log "
                      "WHERE day >= ? AND query <> '' GROUP BY query_hash "
                      "HAVING SUM(empty) > 0 OR SUM(opens) = 0 "
                      "ORDER BY SUM(searches) DESC, MAX(query) LIMIT ?",
                      "si", since, limit);
    if (rc != DB_OK)
        return rc;
    search_miss m;
    while ((rc = db_row_next(&rows, "siiiis", &m.query, &m.searches, &m.empty, &m.opens, &m.days,
                             &m.last_day)) > 0)
        if (fn(&m, ctx) != 0) {
            rc = DB_ERROR;
            break;
        }
    return db_rows_done(&rows, rc);
}

int search_log_store_prune(db_conn *c, const char *before)
{
    return db_exec(c, "DELETE FROM search_log WHERE day < ? LIMIT 10000", "s", before);
}
