#include "db/db.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/dsn.h"

#define STMT_CACHE_SIZE 256
#define MAX_PARAMS 32
#define COLUMN_BUFFER 256
#define RECONNECT_BACKOFF_MS 250

typedef struct stmt_entry {
    const char *sql; /* key: the address of the SQL text */
    MYSQL_STMT *stmt;
} stmt_entry;

struct db_conn {
    MYSQL *mysql; /* NULL while not connected */
    const db_target *target;
    stmt_entry cache[STMT_CACHE_SIZE];
    int64_t next_connect_ms; /* no new attempt before this, after a failed one */
    bool in_tx;
    bool was_connected; /* a connect after this is a reconnect (counted in /metrics) */
    bool direct;        /* the replica itself (its monitor): a failure is not rerun elsewhere */
};

typedef struct params {
    MYSQL_BIND bind[MAX_PARAMS];
    long long ints[MAX_PARAMS];
    unsigned long lengths[MAX_PARAMS];
    unsigned n;
} params;

static db_settings settings;
static db_target primary_target, read_target;
static bool has_replica;
static atomic_bool replica_usable; /* set by the replica monitor (db/replica.c) */
static _Thread_local db_conn tl_primary, tl_reader;

int db_init(const db_settings *s, char *err, size_t errlen)
{
    settings = *s;
    if (dsn_parse(s->primary_dsn, &primary_target) != 0) {
        snprintf(err, errlen, "db_dsn: not a valid mysql://user:pass@host:port/db");
        return -1;
    }
    char why[300];
    if (dsn_read_password(&primary_target, why, sizeof why) != 0) {
        snprintf(err, errlen, "db_dsn: %s", why);
        return -1;
    }
    has_replica = s->read_dsn && *s->read_dsn;
    if (has_replica && dsn_parse(s->read_dsn, &read_target) != 0) {
        snprintf(err, errlen, "db_read_dsn: not a valid mysql://user:pass@host:port/db");
        return -1;
    }
    if (has_replica && dsn_read_password(&read_target, why, sizeof why) != 0) {
        snprintf(err, errlen, "db_read_dsn: %s", why);
        return -1;
    }
    metrics_gauge_set(GAUGE_REPLICA_CONFIGURED, has_replica);
    if (mysql_library_init(0, NULL, NULL) != 0) {
        snprintf(err, errlen, "mysql_library_init failed");
        return -1;
    }
    return 0;
}

const char *db_status_name(int status)
{
    switch (status) {
    case DB_OK: return "ok";
    case DB_NOT_FOUND: return "no row";
    case DB_UNAVAILABLE: return "database unavailable";
    case DB_DUPLICATE: return "duplicate key";
    default: return "database error";
    }
}

static bool is_connection_error(unsigned e)
{
    return e == CR_CONNECTION_ERROR || e == CR_CONN_HOST_ERROR || e == CR_SERVER_GONE_ERROR ||
           e == CR_SERVER_LOST || e == CR_SERVER_LOST_EXTENDED || e == ER_CONNECTION_KILLED ||
           e == ER_SERVER_SHUTDOWN || e == CR_COMMANDS_OUT_OF_SYNC;
}

static void disconnect(db_conn *c)
{
    for (size_t i = 0; i < STMT_CACHE_SIZE; i++)
        if (c->cache[i].stmt) {
            mysql_stmt_close(c->cache[i].stmt);
            c->cache[i] = (stmt_entry){0};
        }
    if (c->mysql)
        mysql_close(c->mysql);
    c->mysql = NULL;
    c->in_tx = false;
}

static int connect_now(db_conn *c)
{
    if (c->mysql)
        return DB_OK;
    if (clock_mono_ms() < c->next_connect_ms)
        return DB_UNAVAILABLE; /* the last attempt just failed: answer 503 at once */
    MYSQL *m = mysql_init(NULL);
    if (!m)
        return DB_UNAVAILABLE;
    unsigned ct = (unsigned)settings.connect_timeout_s, rt = (unsigned)settings.read_timeout_s,
             wt = (unsigned)settings.write_timeout_s;
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rt);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &wt);
    const db_target *t = c->target;
    unsigned long flags = settings.multi_statements ? CLIENT_MULTI_STATEMENTS : 0;
    if (!mysql_real_connect(m, t->host, t->user, t->password, t->database, t->port,
                            t->socket[0] ? t->socket : NULL, flags)) {
        log_cause(LOG_WARN, "database connect to %s failed: %u", t->host, mysql_errno(m));
        metrics_db_error();
        mysql_close(m);
        c->next_connect_ms = clock_mono_ms() + RECONNECT_BACKOFF_MS;
        return DB_UNAVAILABLE;
    }
    /* UTC in the session so that TIMESTAMP columns read back as UTC (API.md §1). */
    if (mysql_real_query(m, "SET time_zone = '+00:00'", 24) != 0) {
        metrics_db_error();
        mysql_close(m);
        return DB_UNAVAILABLE;
    }
    c->mysql = m;
    if (c->was_connected)
        metrics_count(METRIC_DB_RECONNECTS);
    c->was_connected = true;
    return DB_OK;
}

static db_conn *conn_for(db_conn *c, const db_target *t)
{
    c->target = t;
    return c;
}

db_conn *db_primary(void)
{
    return conn_for(&tl_primary, &primary_target);
}

db_conn *db_reader(void)
{
    if (!has_replica)
        return db_primary();
    if (atomic_load_explicit(&replica_usable, memory_order_relaxed)) {
        metrics_count(METRIC_REPLICA_READS);
        tl_reader.direct = false;
        return conn_for(&tl_reader, &read_target);
    }
    metrics_count(METRIC_REPLICA_FALLBACKS);
    return db_primary();
}

db_conn *db_replica(void)
{
    if (!has_replica)
        return NULL;
    tl_reader.direct = true;
    return conn_for(&tl_reader, &read_target);
}

void db_replica_set_usable(bool usable)
{
    atomic_store(&replica_usable, usable);
    metrics_gauge_set(GAUGE_REPLICA_USABLE, usable);
}

void db_thread_end(void)
{
    disconnect(&tl_primary);
    disconnect(&tl_reader);
    mysql_thread_end();
}

/* Maps a server or client error to a db_status; drops the connection when it is lost. */
static int fail(db_conn *c, unsigned e, const char *what, const char *sql)
{
    metrics_db_error();
    if (is_connection_error(e)) {
        log_cause(LOG_WARN, "database connection lost during %s: %u", what, e);
        disconnect(c);
        return DB_UNAVAILABLE;
    }
    if (e == ER_DUP_ENTRY)
        return DB_DUPLICATE;
    /* the statement's start names it without any data (values are bound, never in it) */
    log_cause(LOG_ERROR, "database %s failed: %u in \"%.90s\"", what, e, sql ? sql : "");
    return DB_ERROR;
}

static MYSQL_STMT *cached_stmt(db_conn *c, const char *sql, int *rc)
{
    size_t h = ((uintptr_t)sql >> 4) % STMT_CACHE_SIZE, slot = STMT_CACHE_SIZE;
    for (size_t i = 0; i < STMT_CACHE_SIZE; i++) {
        stmt_entry *e = &c->cache[(h + i) % STMT_CACHE_SIZE];
        if (e->sql == sql)
            return e->stmt;
        if (!e->sql) {
            slot = (h + i) % STMT_CACHE_SIZE;
            break;
        }
    }
    MYSQL_STMT *st = mysql_stmt_init(c->mysql);
    if (!st || mysql_stmt_prepare(st, sql, strlen(sql)) != 0) {
        unsigned e = st ? mysql_stmt_errno(st) : mysql_errno(c->mysql);
        if (st)
            mysql_stmt_close(st);
        *rc = fail(c, e, "prepare", sql);
        return NULL;
    }
    if (slot == STMT_CACHE_SIZE) {
        /* More distinct statements than the cache holds is a design error: say so. */
        log_cause(LOG_ERROR, "statement cache full (%d)", STMT_CACHE_SIZE);
        mysql_stmt_close(st);
        *rc = DB_ERROR;
        return NULL;
    }
    c->cache[slot] = (stmt_entry){sql, st};
    return st;
}

static int collect_params(params *p, const char *types, va_list ap)
{
    memset(p, 0, sizeof *p);
    for (const char *t = types; *t; t++, p->n++) {
        if (p->n == MAX_PARAMS)
            return DB_ERROR;
        MYSQL_BIND *b = &p->bind[p->n];
        switch (*t) {
        case 'i':
            p->ints[p->n] = (long long)va_arg(ap, int64_t);
            b->buffer_type = MYSQL_TYPE_LONGLONG;
            b->buffer = &p->ints[p->n];
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            b->buffer_type = s ? MYSQL_TYPE_STRING : MYSQL_TYPE_NULL;
            b->buffer = (void *)s;
            p->lengths[p->n] = s ? strlen(s) : 0;
            b->length = &p->lengths[p->n];
            break;
        }
        case 'b':
            b->buffer_type = MYSQL_TYPE_BLOB;
            b->buffer = (void *)va_arg(ap, const void *);
            p->lengths[p->n] = va_arg(ap, size_t);
            b->length = &p->lengths[p->n];
            break;
        default: return DB_ERROR;
        }
    }
    return DB_OK;
}

/* Prepares (cached) and executes. A read is retried once on a fresh connection after a
 * lost one; a write only when it failed before reaching the server (prepare). */
static int execute(db_conn *c, const char *sql, params *p, bool is_read, MYSQL_STMT **out)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        bool may_retry = attempt == 0 && !c->in_tx;
        int rc = connect_now(c);
        if (rc != DB_OK)
            return rc;
        MYSQL_STMT *st = cached_stmt(c, sql, &rc);
        if (!st) {
            if (rc == DB_UNAVAILABLE && may_retry)
                continue;
            return rc;
        }
        if (mysql_stmt_param_count(st) != p->n) {
            log_cause(LOG_ERROR, "statement expects %lu parameters, got %u",
                      mysql_stmt_param_count(st), p->n);
            return DB_ERROR;
        }
        if (mysql_stmt_bind_param(st, p->bind) != 0)
            return fail(c, mysql_stmt_errno(st), "bind", sql);
        if (mysql_stmt_execute(st) == 0 && (!is_read || mysql_stmt_store_result(st) == 0)) {
            *out = st;
            return DB_OK;
        }
        unsigned e = mysql_stmt_errno(st);
        rc = fail(c, e, is_read ? "query" : "exec", sql);
        /* CR_SERVER_GONE_ERROR: the command could not be sent, so a write never ran. */
        if (rc == DB_UNAVAILABLE && may_retry && (is_read || e == CR_SERVER_GONE_ERROR))
            continue;
        return rc;
    }
    return DB_UNAVAILABLE;
}

static int bind_results(db_rows *rows, MYSQL_STMT *st)
{
    rows->n_cols = mysql_stmt_field_count(st);
    unsigned n = rows->n_cols ? rows->n_cols : 1;
    MYSQL_BIND *b = arena_calloc(rows->arena, n, sizeof *b);
    rows->lengths = arena_calloc(rows->arena, n, sizeof *rows->lengths);
    rows->is_null = arena_calloc(rows->arena, n, sizeof *rows->is_null);
    rows->buffers = arena_calloc(rows->arena, n, sizeof *rows->buffers);
    if (!b || !rows->lengths || !rows->is_null || !rows->buffers)
        return DB_ERROR;
    for (unsigned i = 0; i < rows->n_cols; i++) {
        rows->buffers[i] = arena_alloc(rows->arena, COLUMN_BUFFER);
        if (!rows->buffers[i])
            return DB_ERROR;
        b[i].buffer_type = MYSQL_TYPE_STRING;
        b[i].buffer = rows->buffers[i];
        b[i].buffer_length = COLUMN_BUFFER - 1;
        b[i].length = &rows->lengths[i];
        b[i].is_null = (my_bool *)&rows->is_null[i];
    }
    rows->binds = b;
    return rows->n_cols && mysql_stmt_bind_result(st, b) != 0 ? DB_ERROR : DB_OK;
}

static int vquery(db_conn *c, db_rows *rows, arena *a, const char *sql, const char *types,
                  va_list ap)
{
    params p;
    int rc = collect_params(&p, types, ap);
    memset(rows, 0, sizeof *rows);
    rows->arena = a;
    MYSQL_STMT *st = NULL;
    if (rc == DB_OK)
        rc = execute(c, sql, &p, true, &st);
    if (rc == DB_UNAVAILABLE && c == &tl_reader && !c->direct && !c->in_tx) {
        /* the replica went away between two checks: this read and the next go to the
         * primary until the monitor sees it answer again */
        db_replica_set_usable(false);
        metrics_count(METRIC_REPLICA_FALLBACKS);
        rc = execute(db_primary(), sql, &p, true, &st);
    }
    if (rc != DB_OK)
        return rc;
    rows->stmt = st;
    rc = bind_results(rows, st);
    if (rc != DB_OK)
        db_rows_close(rows);
    return rc;
}

int db_query(db_conn *c, db_rows *rows, arena *a, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = vquery(c, rows, a, sql, types, ap);
    va_end(ap);
    return rc;
}

/* Column i of the current row as a NUL-terminated arena string (NULL for SQL NULL). */
static char *column_text(db_rows *rows, unsigned i)
{
    if (rows->is_null[i])
        return NULL;
    unsigned long len = rows->lengths[i];
    if (len < COLUMN_BUFFER) {
        rows->buffers[i][len] = '\0';
        return arena_strndup(rows->arena, rows->buffers[i], len);
    }
    /* Longer than the bound buffer: fetch the whole value. */
    char *full = arena_alloc(rows->arena, len + 1);
    if (!full)
        return NULL;
    MYSQL_BIND b = {0};
    b.buffer_type = MYSQL_TYPE_STRING;
    b.buffer = full;
    b.buffer_length = len + 1;
    if (mysql_stmt_fetch_column(rows->stmt, &b, i, 0) != 0)
        return NULL;
    full[len] = '\0';
    return full;
}

int db_query_int(db_conn *c, arena *a, int64_t *out, const char *sql, const char *types, ...)
{
    db_rows rows;
    va_list ap;
    va_start(ap, types);
    int rc = vquery(c, &rows, a, sql, types, ap);
    va_end(ap);
    return db_row_one(&rows, rc, "i", out);
}

static int vrow_next(db_rows *rows, const char *types, va_list ap)
{
    if (!rows->stmt)
        return 0;
    int f = mysql_stmt_fetch(rows->stmt);
    if (f == MYSQL_NO_DATA)
        return 0;
    if (f != 0 && f != MYSQL_DATA_TRUNCATED)
        return DB_ERROR;
    if (strlen(types) != rows->n_cols) { /* a caller's bug: say so rather than read garbage */
        log_cause(LOG_ERROR, "database row has %u columns, the caller reads %zu", rows->n_cols,
                  strlen(types));
        return DB_ERROR;
    }
    unsigned i = 0;
    for (const char *t = types; *t && i < rows->n_cols; t++, i++) {
        char *text = column_text(rows, i);
        if (*t == 'i') {
            *va_arg(ap, int64_t *) = text ? strtoll(text, NULL, 10) : 0;
        } else if (*t == 's') {
            *va_arg(ap, const char **) = text;
        } else if (*t == 'b') {
            *va_arg(ap, const void **) = text;
            *va_arg(ap, size_t *) = text ? rows->lengths[i] : 0;
        }
    }
    return 1;
}

int db_row_next(db_rows *rows, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = vrow_next(rows, types, ap);
    va_end(ap);
    return rc;
}

int db_row_one(db_rows *rows, int query_rc, const char *types, ...)
{
    if (query_rc != DB_OK)
        return query_rc;
    va_list ap;
    va_start(ap, types);
    int rc = vrow_next(rows, types, ap);
    va_end(ap);
    db_rows_close(rows);
    return rc < 0 ? rc : rc == 1 ? DB_OK : DB_NOT_FOUND;
}

void db_rows_close(db_rows *rows)
{
    if (rows->stmt)
        mysql_stmt_free_result(rows->stmt);
    rows->stmt = NULL;
}

int db_rows_done(db_rows *rows, int rc)
{
    db_rows_close(rows);
    return rc < 0 ? rc : DB_OK;
}

static int vexec(db_conn *c, int64_t *changed, const char *sql, const char *types, va_list ap)
{
    params p;
    int rc = collect_params(&p, types, ap);
    MYSQL_STMT *st = NULL;
    if (rc == DB_OK)
        rc = execute(c, sql, &p, false, &st);
    if (rc == DB_OK && changed)
        *changed = (int64_t)mysql_stmt_affected_rows(st);
    return rc;
}

int db_exec(db_conn *c, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = vexec(c, NULL, sql, types, ap);
    va_end(ap);
    return rc;
}

int db_exec_count(db_conn *c, int64_t *changed, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = vexec(c, changed, sql, types, ap);
    va_end(ap);
    return rc;
}

int db_exec_changed(db_conn *c, const char *sql, const char *types, ...)
{
    int64_t changed = 0;
    va_list ap;
    va_start(ap, types);
    int rc = vexec(c, &changed, sql, types, ap);
    va_end(ap);
    return rc == DB_OK && changed == 0 ? DB_NOT_FOUND : rc;
}

int db_exec_or_exists(db_conn *c, arena *a, const char *change, const char *exists,
                      const char *types, ...)
{
    int64_t changed = 0, found = 0;
    va_list ap, again;
    va_start(ap, types);
    va_copy(again, ap);
    int rc = vexec(c, &changed, change, types, ap);
    if (rc == DB_OK && changed == 0) {
        db_rows rows;
        rc = vquery(c, &rows, a, exists, types, again);
        rc = db_row_one(&rows, rc, "i", &found);
    }
    va_end(again);
    va_end(ap);
    return rc;
}

int64_t db_last_insert_id(db_conn *c)
{
    return c->mysql ? (int64_t)mysql_insert_id(c->mysql) : 0;
}

static int simple_command(db_conn *c, const char *sql, const char *what)
{
    int rc = connect_now(c);
    if (rc != DB_OK)
        return rc;
    if (mysql_real_query(c->mysql, sql, strlen(sql)) != 0)
        return fail(c, mysql_errno(c->mysql), what, sql);
    return DB_OK;
}

int db_begin(db_conn *c)
{
    int rc = simple_command(c, "START TRANSACTION", "begin");
    /* a connection the server closed while idle (wait_timeout) fails its first command:
     * nothing has been done yet, so one more try on a fresh connection is safe */
    if (rc == DB_UNAVAILABLE && !c->in_tx)
        rc = simple_command(c, "START TRANSACTION", "begin");
    c->in_tx = rc == DB_OK;
    return rc;
}

int db_commit(db_conn *c)
{
    int rc = c->mysql ? simple_command(c, "COMMIT", "commit") : DB_UNAVAILABLE;
    c->in_tx = false;
    return rc;
}

void db_rollback(db_conn *c)
{
    if (c->mysql)
        simple_command(c, "ROLLBACK", "rollback");
    c->in_tx = false;
}

int db_exec_script(db_conn *c, const char *sql, char *err, size_t errlen)
{
    int rc = connect_now(c);
    if (rc != DB_OK) {
        snprintf(err, errlen, "cannot connect to the database");
        return rc;
    }
    int status = mysql_real_query(c->mysql, sql, strlen(sql));
    while (status == 0) {
        MYSQL_RES *res = mysql_store_result(c->mysql);
        if (res)
            mysql_free_result(res);
        status = mysql_next_result(c->mysql); /* 0 more, -1 done, >0 error */
    }
    if (status > 0 || mysql_errno(c->mysql)) {
        snprintf(err, errlen, "%u: %s", mysql_errno(c->mysql), mysql_error(c->mysql));
        return fail(c, mysql_errno(c->mysql), "script", NULL);
    }
    return DB_OK;
}

int db_account_of(const char *dsn, char *account, size_t len, char *err, size_t errlen)
{
    db_target t;
    char why[300];
    if (dsn_parse(dsn, &t) != 0 || dsn_read_password(&t, why, sizeof why) != 0) {
        snprintf(err, errlen, "db_dsn: %s", t.host[0] ? why : "not a valid DSN");
        return -1;
    }
    MYSQL *m = mysql_init(NULL);
    unsigned ct = (unsigned)settings.connect_timeout_s;
    if (m)
        mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
    MYSQL_RES *res = NULL;
    MYSQL_ROW row = NULL;
    /* No database: before its first grants the account may not enter it. */
    if (m &&
        mysql_real_connect(m, t.host, t.user, t.password, NULL, t.port,
                           t.socket[0] ? t.socket : NULL, 0) &&
        mysql_query(m, "SELECT CURRENT_USER()") == 0 && (res = mysql_store_result(m)))
        row = mysql_fetch_row(res);
    int rc = row && row[0] ? 0 : -1;
    if (rc == 0)
        snprintf(account, len, "%s", row[0]);
    else
        snprintf(err, errlen, "cannot log in with db_dsn: %u %s", m ? mysql_errno(m) : 0,
                 m ? mysql_error(m) : "out of memory");
    if (res)
        mysql_free_result(res);
    if (m)
        mysql_close(m);
    explicit_bzero(t.password, sizeof t.password);
    return rc;
}

int db_ping(db_conn *c, arena *a)
{
    int64_t one = 0;
    int rc = db_query_int(c, a, &one, "SELECT 1", "");
    return rc == DB_OK && one == 1 ? DB_OK : DB_UNAVAILABLE;
}

int db_explained(const char *name, int rc, db_rows *rows, db_plan_fn fn, void *ctx)
{
    if (rc != DB_OK)
        return rc;
    const char *plan = NULL;
    rc = db_row_one(rows, rc, "s", &plan);
    if (rc == DB_OK)
        fn(name, plan, ctx);
    return rc == DB_NOT_FOUND ? DB_OK : rc;
}
