/* Database access: one connection per thread (opened lazily) to the primary, and one to
 * the read replica when configured; prepared statements cached per connection; on a lost
 * connection, reconnect and re-prepare, retrying only what is safe to run twice.
 *
 * A query is a few lines:
 *     db_rows rows;
 *     int rc = db_query(c, &rows, a, "SELECT name FROM t WHERE id = ?", "i", id);
 *     return db_row_one(&rows, rc, "s", &name);          one row: DB_OK or DB_NOT_FOUND
 * or, for a list:
 *     while ((rc = db_row_next(&rows, "s", &name)) > 0) …
 *
 * Every function here and every store (db/..._store.c) answers with a db_status: DB_OK,
 * DB_NOT_FOUND (positive: no row, or no row the statement's condition held for), or a
 * negative failure. Rows and counts come back through out-parameters.
 *
 * Parameter types: 'i' int64_t, 's' const char * (NULL = SQL NULL), 'b' const void *, size_t.
 * Result types:    'i' int64_t *, 's' const char ** (arena copy, NULL for SQL NULL),
 *                  'b' const void **, size_t *.
 * SQL must be a string literal or otherwise live as long as the process: the statement
 * cache is keyed by its address. */
#ifndef OW_DB_H
#define OW_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

typedef enum {
    DB_OK = 0,
    DB_NOT_FOUND = 1,    /* no such row (a lookup), or a change that matched none */
    DB_UNAVAILABLE = -1, /* the server is away (connect refused, connection lost) */
    DB_ERROR = -2,       /* the server refused the statement (a bug, or bad data) */
    DB_DUPLICATE = -3,   /* a unique key was violated */
} db_status;

/* A short name of a status for log lines ("database unavailable", "no row" …). */
const char *db_status_name(int status);

typedef struct db_settings {
    const char *primary_dsn;
    const char *read_dsn; /* NULL or "" when there is no replica */
    int connect_timeout_s, read_timeout_s, write_timeout_s;
    bool multi_statements; /* only for the admin CLI's migrations */
} db_settings;

typedef struct db_conn db_conn;

typedef struct db_rows {
    void *stmt; /* MYSQL_STMT */
    arena *arena;
    unsigned n_cols;
    void *binds; /* MYSQL_BIND[n_cols] */
    unsigned long *lengths;
    char *is_null;
    char **buffers;
} db_rows;

/* Once per process, before threads. Returns 0 or -1 with a message in err. */
int db_init(const db_settings *s, char *err, size_t errlen);
/* Per thread, before it exits: closes its connections. */
void db_thread_end(void);

db_conn *db_primary(void);
/* For reads that tolerate lag (the catalog, searches, statistics, public lookups): the
 * replica while it is configured, answers and is within db_replica_max_lag_ms
 * (db/replica.h), else the primary. A read the replica fails is run on the primary. Never for
 * a principal's own data: they read the primary (read-your-writes). */
db_conn *db_reader(void);
/* The calling thread's connection to the replica itself, NULL when none is configured (the
 * replica monitor's). */
db_conn *db_replica(void);
/* The monitor's verdict: whether db_reader() hands out the replica. */
void db_replica_set_usable(bool usable);

/* SQL pieces for rows that record which connection holds them (claims and locks that must
 * hold across hosts and on Galera, where GET_LOCK is not replicated): the server a connection
 * is on, and whether the connection recorded in conn/server/since (column names) has
 * certainly ended — it was on this server and either the server started after since (1 s
 * margin: Uptime counts whole seconds) or it is no longer in the process list (which shows the
 * connections of the same account). On another server nothing is certain: the row's lease
 * decides. */
#define DB_SERVER_ID_SQL "CONCAT(@@server_id, '/', @@hostname, ':', @@port)"
#define DB_CONN_GONE_SQL(conn, server, since)                                                      \
    "(" server " = " DB_SERVER_ID_SQL " AND (" since " < CURRENT_TIMESTAMP(3) - INTERVAL "         \
    "(SELECT VARIABLE_VALUE + 1 FROM information_schema.GLOBAL_STATUS "                            \
    "WHERE VARIABLE_NAME = 'UPTIME') SECOND OR " conn                                              \
    " NOT IN (SELECT ID FROM information_schema.PROCESSLIST)))"

/* Runs a read and buffers its rows (safe to retry after a lost connection). */
int db_query(db_conn *c, db_rows *rows, arena *a, const char *sql, const char *types, ...);
/* A read of one number (a version, a count, the id of a row that may not exist): DB_OK with
 * *out, DB_NOT_FOUND when there is no row (*out untouched), or a failure. */
int db_query_int(db_conn *c, arena *a, int64_t *out, const char *sql, const char *types, ...);

/* Fetches the next row into the result pointers: 1 a row, 0 no more, <0 a db_status (the
 * iterator of lists; single rows take db_row_one). */
int db_row_next(db_rows *rows, const char *types, ...);
/* The one row of a query whose status is query_rc (passed through when not DB_OK): DB_OK
 * with the row, DB_NOT_FOUND, or a failure. Closes rows. */
int db_row_one(db_rows *rows, int query_rc, const char *types, ...);
void db_rows_close(db_rows *rows);
/* Closes rows after a loop of db_row_next that ended with rc: DB_OK when the rows ran out or
 * the loop stopped early (rc ≥ 0), else the failure. */
int db_rows_done(db_rows *rows, int rc);

/* Runs a write: DB_OK or a failure. Retried after a lost connection only when the statement
 * never reached the server. */
int db_exec(db_conn *c, const char *sql, const char *types, ...);
/* The same, with the number of rows it changed in *changed (MariaDB counts a row set to
 * the values it held as unchanged). */
int db_exec_count(db_conn *c, int64_t *changed, const char *sql, const char *types, ...);
/* A write meant to change rows that may not be there (an UPDATE … WHERE, INSERT IGNORE):
 * DB_OK when it changed at least one, DB_NOT_FOUND when it changed none, or a failure. */
int db_exec_changed(db_conn *c, const char *sql, const char *types, ...);
/* A change that may find its row in the new state already (MariaDB counts changed rows only):
 * DB_OK when change changed a row, or else when exists (a SELECT of one column, with the
 * same parameters) finds it; DB_NOT_FOUND when neither; or a failure. */
int db_exec_or_exists(db_conn *c, arena *a, const char *change, const char *exists,
                      const char *types, ...);
int64_t db_last_insert_id(db_conn *c);

/* Transactions: no retry inside one; a lost connection fails the whole transaction. */
int db_begin(db_conn *c);
int db_commit(db_conn *c);
void db_rollback(db_conn *c);

/* Runs a script of several statements (migrations). Needs multi_statements. */
int db_exec_script(db_conn *c, const char *sql, char *err, size_t errlen);

/* The account (user@host, as CURRENT_USER() names it) that dsn logs in as, over a
 * connection of its own that is closed at once. Returns 0, or -1 with err set. */
int db_account_of(const char *dsn, char *account, size_t len, char *err, size_t errlen);
/* `onewindow-admin explain-queries`: a query prefixed with DB_EXPLAIN and run by db_query
 * (rc, rows) hands its EXPLAIN FORMAT=JSON plan to fn under name. Returns DB_OK or rc. */
#define DB_EXPLAIN "EXPLAIN FORMAT=JSON "
typedef void (*db_plan_fn)(const char *name, const char *plan_json, void *ctx);
int db_explained(const char *name, int rc, db_rows *rows, db_plan_fn fn, void *ctx);

/* One round trip, for /readyz (result buffers from a): DB_OK, or DB_UNAVAILABLE whatever
 * went wrong. */
int db_ping(db_conn *c, arena *a);

#endif
