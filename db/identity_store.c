#include "db/identity_store.h"

#include <stdio.h>
#include <string.h>

int staff_create(db_conn *c, const char *username, const char *hash, const char *dept,
                 bool operator, int64_t * id)
{
    int rc = db_exec(c,
                     "INSERT INTO staff (username, password_hash, department_code, role) "
                     "VALUES (?, ?, ?, ?)",
                     "ssss", username, hash, dept, operator? "operator" : "staff");
    if (rc == DB_OK)
        *id = db_last_insert_id(c);
    return rc;
}

static int one_staff(db_rows *rows, int rc, staff_row *out)
{
    int64_t op = 0;
    rc = db_row_one(rows, rc, "issssi", &out->id, &out->username, &out->password_hash,
                    &out->department_code, &out->department_name, &op);
    out->operator= op != 0;
    return rc;
}

#define STAFF_COLUMNS                                                                              \
    "SELECT s.id, s.username, s.password_hash, COALESCE(s.department_code, ''), "                  \
    "COALESCE(d.name, ''), s.role = 'operator' FROM staff s "                                      \
    "LEFT JOIN departments d ON d.code = s.department_code "

int staff_by_username(db_conn *c, arena *a, const char *username, staff_row *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, STAFF_COLUMNS "WHERE s.username = ?", "s", username);
    return one_staff(&rows, rc, out);
}

int staff_by_id(db_conn *c, arena *a, int64_t id, staff_row *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, STAFF_COLUMNS "WHERE s.id = ?", "i", id);
    return one_staff(&rows, rc, out);
}

int session_create(db_conn *c, const char *sid, const char *role, int64_t principal,
                   const char *client_id, const uint8_t hash[32], int ttl_s)
{
    return db_exec(c,
                   "INSERT INTO sessions (sid, role, principal_id, client_id, refresh_hash, "
                   "expires_at) VALUES (?, ?, ?, ?, ?, CURRENT_TIMESTAMP(3) + "
                   "INTERVAL ? SECOND)",
                   "ssisbi", sid, role, principal, client_id, hash, (size_t)32, (int64_t)ttl_s);
}

int session_lock(db_conn *c, arena *a, const char *sid, session_row *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT role, client_id, principal_id, generation, refresh_hash, "
                      "COALESCE(TIMESTAMPDIFF(MICROSECOND, rotated_at, CURRENT_TIMESTAMP(3)) "
                      "DIV 1000, 0) FROM sessions WHERE sid = ? AND revoked_at IS NULL "
                      "AND expires_at > CURRENT_TIMESTAMP(3) FOR UPDATE",
                      "s", sid);
    size_t len = 0;
    rc = db_row_one(&rows, rc, "ssiibi", &out->role, &out->client_id, &out->principal_id,
                    &out->generation, &out->refresh_hash, &len, &out->rotated_age_ms);
    return rc == DB_OK && len != 32 ? DB_ERROR : rc;
}

int session_advance(db_conn *c, const char *sid, int64_t generation, const uint8_t hash[32])
{
    return db_exec(c,
                   "UPDATE sessions SET generation = ?, refresh_hash = ?, "
                   "rotated_at = CURRENT_TIMESTAMP(3) WHERE sid = ?",
                   "ibs", generation, hash, (size_t)32, sid);
}

int session_revoke(db_conn *c, const char *sid)
{
    return db_exec(c,
                   "UPDATE sessions SET revoked_at = CURRENT_TIMESTAMP(3) "
                   "WHERE sid = ? AND revoked_at IS NULL",
                   "s", sid);
}

int session_revoke_own(db_conn *c, const char *sid, const char *role, int64_t principal)
{
    return db_exec(c,
                   "UPDATE sessions SET revoked_at = CURRENT_TIMESTAMP(3) "
                   "WHERE sid = ? AND role = ? AND principal_id = ? AND revoked_at IS NULL",
                   "ssi", sid, role, principal);
}

int sessions_revoke_others(db_conn *c, const char *role, int64_t principal, const char *keep_sid)
{
    return db_exec(c,
                   "UPDATE sessions SET revoked_at = CURRENT_TIMESTAMP(3) "
                   "WHERE role = ? AND principal_id = ? AND sid <> ? AND revoked_at IS NULL",
                   "sis", role, principal, keep_sid);
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
    return db_rows_done(&rows, rc);
}
