#include "db/migrate.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/clock.h"
#include "db/db.h"

static const char sql_create_table[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INT NOT NULL PRIMARY KEY,"
    " name VARCHAR(200) NOT NULL,"
    " checksum CHAR(64) NOT NULL,"
    " applied_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
/* The lock is a row, not GET_LOCK (which a Galera cluster does not replicate): its holder's
 * connection, taken over when that connection has certainly ended or after an hour. */
static const char sql_create_lock[] = "CREATE TABLE IF NOT EXISTS schema_migrations_lock ("
                                      " id TINYINT UNSIGNED NOT NULL PRIMARY KEY,"
                                      " holder_conn BIGINT UNSIGNED NULL,"
                                      " holder_server VARCHAR(96) NULL,"
                                      " since TIMESTAMP(3) NULL"
                                      ") ENGINE=InnoDB";
static const char sql_lock_row[] = "INSERT IGNORE INTO schema_migrations_lock (id) VALUES (1)";
static const char sql_lock[] =
    "UPDATE schema_migrations_lock SET holder_conn = CONNECTION_ID(), "
    "holder_server = " DB_SERVER_ID_SQL ", since = CURRENT_TIMESTAMP(3) WHERE id = 1 AND "
    "(holder_conn IS NULL OR since < CURRENT_TIMESTAMP(3) - INTERVAL 1 HOUR OR " DB_CONN_GONE_SQL(
        "holder_conn", "holder_server", "since") ")";
static const char sql_unlock[] = "UPDATE schema_migrations_lock SET holder_conn = NULL "
                                 "WHERE id = 1 AND holder_conn = CONNECTION_ID()";
static const char sql_applied[] = "SELECT checksum FROM schema_migrations WHERE version = ?";
static const char sql_record[] =
    "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)";

static void checksum(const char *sql, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)sql, strlen(sql));
    sodium_bin2hex(hex, 65, h, sizeof h);
}

/* 1 when applied (and unchanged), 0 when not applied, -1 on error (err set). */
static int applied(db_conn *c, arena *a, const migration *m, char *err, size_t errlen)
{
    db_rows rows;
    if (db_query(c, &rows, a, sql_applied, "i", (int64_t)m->version) != DB_OK) {
        snprintf(err, errlen, "cannot read schema_migrations");
        return -1;
    }
    const char *stored = NULL;
    int found = db_row_next(&rows, "s", &stored);
    db_rows_close(&rows);
    if (found < 0)
        snprintf(err, errlen, "cannot read schema_migrations");
    if (found <= 0)
        return found < 0 ? -1 : 0;
    char sum[65];
    checksum(m->sql, sum);
    if (!stored || strcmp(stored, sum) != 0) {
        /* Forward only: an applied migration is never edited; write a new one. */
        snprintf(err, errlen, "migration %s was changed after it was applied", m->name);
        return -1;
    }
    return 1;
}

static int apply_one(db_conn *c, const migration *m, char *err, size_t errlen)
{
    char script_err[300];
    if (db_exec_script(c, m->sql, script_err, sizeof script_err) != DB_OK) {
        snprintf(err, errlen, "migration %s failed: %s", m->name, script_err);
        return -1;
    }
    char sum[65];
    checksum(m->sql, sum);
    if (db_exec_changed(c, sql_record, "iss", (int64_t)m->version, m->name, sum) != DB_OK) {
        snprintf(err, errlen, "migration %s ran but could not be recorded", m->name);
        return -1;
    }
    return 0;
}

/* Waits up to 60 s for the lock (another host may be migrating). 0, or -1. */
static int lock(db_conn *c)
{
    if (db_exec(c, sql_create_lock, "") != DB_OK || db_exec(c, sql_lock_row, "") != DB_OK)
        return -1;
    for (int64_t until = clock_mono_ms() + 60000; clock_mono_ms() < until; clock_sleep_ms(200)) {
        int rc = db_exec_changed(c, sql_lock, "");
        if (rc != DB_NOT_FOUND)
            return rc == DB_OK ? 0 : -1;
    }
    return -1;
}

int migrate_apply(void (*report)(const char *line), char *err, size_t errlen)
{
    db_conn *c = db_primary();
    arena a;
    arena_init(&a, 4096);
    int rc = -1;
    if (db_exec(c, sql_create_table, "") != DB_OK) {
        snprintf(err, errlen, "cannot create schema_migrations (is the database up?)");
        goto done;
    }
    if (lock(c) != 0) {
        snprintf(err, errlen, "another migration holds the lock");
        goto done;
    }
    for (unsigned i = 0; i < migrations_count; i++) {
        const migration *m = &migrations[i];
        int state = applied(c, &a, m, err, errlen);
        if (state < 0 || (state == 0 && apply_one(c, m, err, errlen) != 0))
            goto unlock;
        if (state == 0) {
            char line[300];
            snprintf(line, sizeof line, "applied: %s", m->name);
            report(line);
        }
    }
    char line[64];
    snprintf(line, sizeof line, "schema_version: %d",
             migrations_count ? migrations[migrations_count - 1].version : 0);
    report(line);
    rc = 0;
unlock:
    db_exec(c, sql_unlock, "");
done:
    arena_destroy(&a);
    return rc;
}
