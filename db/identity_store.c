#include "db/identity_store.h"

#include <stdio.h>
#include <string.h>

int staff_create(db_conn *c, const char *username, const char *hash, const char *dept, int64_t *id)
{
    int64_t rc = db_exec(c,
                         "INSERT INTO staff (username, password_hash, department_code) "
                         "VALUES (?, ?, ?)",
                         "sss", username, hash, dept);
    if (rc < 0)
        return (int)rc;
    *id = db_last_insert_id(c);
    return DB_OK;
}

static int one_staff(db_rows *rows, int rc, staff_row *out)
{
    if (rc != DB_OK)
        return rc;
    rc = db_row_next(rows, "issssi", &out->id, &out->username, &out->password_hash,
                     &out->department_code, &out->department_name, &out->locked_until);
    db_rows_close(rows);
    return rc;
}

int staff_by_username(db_conn *c, arena *a, const char *username, staff_row *out)
{
    static const char sql[] =
        "SELECT s.id, s.username, s.password_hash, s.department_code, "
        "d.name, CAST(COALESCE(UNIX_TIMESTAMP(s.locked_until), 0) AS SIGNED) FROM staff s "
        "JOIN departments d ON d.code = s.department_code "
        "WHERE s.username = ?";
    db_rows rows;
    int rc = db_query(c, &rows, a, sql, "s", username);
    return one_staff(&rows, rc, out);
}

int staff_by_id(db_conn *c, arena *a, int64_t id, staff_row *out)
{
    static const char sql[] =
        "SELECT s.id, s.username, s.password_hash, s.department_code, "
        "d.name, CAST(COALESCE(UNIX_TIMESTAMP(s.locked_until), 0) AS SIGNED) FROM staff s "
        "JOIN departments d ON d.code = s.department_code WHERE s.id = ?";
    db_rows rows;
    int rc = db_query(c, &rows, a, sql, "i", id);
    return one_staff(&rows, rc, out);
}

int staff_login_failed(db_conn *c, int64_t id, int max_failures, int lock_s)
{
    /* Assignments run left to right: locked_until sees the old counter. */
    int64_t rc = db_exec(c,
                         "UPDATE staff SET locked_until = IF(failed_logins + 1 >= ?, "
                         "CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND, locked_until), "
                         "failed_logins = IF(failed_logins + 1 >= ?, 0, failed_logins + 1) "
                         "WHERE id = ?",
                         "iiii", (int64_t)max_failures, (int64_t)lock_s, (int64_t)max_failures, id);
    return rc < 0 ? (int)rc : DB_OK;
}

int staff_login_ok(db_conn *c, int64_t id)
{
    int64_t rc = db_exec(c,
                         "UPDATE staff SET failed_logins = 0, locked_until = NULL "
                         "WHERE id = ? AND (failed_logins > 0 OR locked_until IS NOT NULL)",
                         "i", id);
    return rc < 0 ? (int)rc : DB_OK;
}

int session_create(db_conn *c, const char *sid, const char *role, int64_t principal,
                   const char *client_id, const uint8_t hash[32], int ttl_s)
{
    int64_t rc =
        db_exec(c,
                "INSERT INTO sessions (sid, role, principal_id, client_id, refresh_hash, "
                "expires_at) VALUES (?, ?, ?, ?, ?, CURRENT_TIMESTAMP(3) + "
                "INTERVAL ? SECOND)",
                "ssisbi", sid, role, principal, client_id, hash, (size_t)32, (int64_t)ttl_s);
    return rc < 0 ? (int)rc : DB_OK;
}

/* The live session holding hash as its current or previous token, locked. */
static int find_for_refresh(db_conn *c, arena *a, const uint8_t hash[32], session_row *out,
                            bool *is_current, int64_t *rotated_age_ms)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT sid, role, principal_id, client_id, refresh_hash = ?, "
                      "COALESCE(TIMESTAMPDIFF(MICROSECOND, rotated_at, CURRENT_TIMESTAMP(3)) "
                      "DIV 1000, 0) FROM sessions WHERE (refresh_hash = ? OR previous_hash = ?) "
                      "AND revoked_at IS NULL AND expires_at > CURRENT_TIMESTAMP(3) FOR UPDATE",
                      "bbb", hash, (size_t)32, hash, (size_t)32, hash, (size_t)32);
    if (rc != DB_OK)
        return rc;
    const char *sid;
    int64_t current = 0;
    rc = db_row_next(&rows, "ssisii", &sid, &out->role, &out->principal_id, &out->client_id,
                     &current, rotated_age_ms);
    db_rows_close(&rows);
    if (rc == 1) {
        snprintf(out->sid, sizeof out->sid, "%s", sid);
        *is_current = current != 0;
    }
    return rc;
}

int session_refresh(db_conn *c, arena *a, const uint8_t hash[32], const uint8_t new_hash[32],
                    int grace_s, refresh_outcome *outcome, session_row *out)
{
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    bool current = false;
    int64_t age_ms = 0;
    rc = find_for_refresh(c, a, hash, out, &current, &age_ms);
    int64_t n = 0;
    if (rc == 0)
        *outcome = REFRESH_UNKNOWN;
    else if (rc == 1 && !current && age_ms > (int64_t)grace_s * 1000) {
        *outcome = REFRESH_REUSED; /* a stolen token, or a very late retry: end the session */
        n = db_exec(c, "UPDATE sessions SET revoked_at = CURRENT_TIMESTAMP(3) WHERE sid = ?", "s",
                    out->sid);
    } else if (rc == 1) {
        *outcome = current ? REFRESH_ROTATED : REFRESH_GRACE;
        /* in the grace window the previous token stays the previous one */
        n = db_exec(c,
                    current ? "UPDATE sessions SET previous_hash = refresh_hash, refresh_hash = ?, "
                              "rotated_at = CURRENT_TIMESTAMP(3) WHERE sid = ?"
                            : "UPDATE sessions SET refresh_hash = ? WHERE sid = ?",
                    "bs", new_hash, (size_t)32, out->sid);
    }
    if (rc < 0 || n < 0) {
        db_rollback(c);
        return rc < 0 ? rc : (int)n;
    }
    return db_commit(c);
}

int session_revoke(db_conn *c, const char *sid)
{
    int64_t rc = db_exec(c,
                         "UPDATE sessions SET revoked_at = CURRENT_TIMESTAMP(3) "
                         "WHERE sid = ? AND revoked_at IS NULL",
                         "s", sid);
    return rc < 0 ? (int)rc : DB_OK;
}

int sessions_revoked_since(db_conn *c, arena *a, int64_t since_ms,
                           void (*fn)(const char *sid, int64_t revoked_ms, void *ctx), void *ctx)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT sid, CAST(UNIX_TIMESTAMP(revoked_at) * 1000 AS SIGNED) FROM sessions "
                      "WHERE revoked_at >= FROM_UNIXTIME(? / 1000)",
                      "i", since_ms);
    if (rc != DB_OK)
        return rc;
    const char *sid;
    int64_t at;
    while ((rc = db_row_next(&rows, "si", &sid, &at)) > 0)
        fn(sid, at, ctx);
    db_rows_close(&rows);
    return rc < 0 ? rc : DB_OK;
}
