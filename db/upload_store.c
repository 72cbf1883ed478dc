#include "db/upload_store.h"

int upload_quota_take(db_conn *c, arena *a, int64_t citizen_id, int64_t bytes, int64_t count_max,
                      int64_t bytes_max, const char **day)
{
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    /* The day is read once, so that a give-back finds the same row after midnight. */
    db_rows rows;
    rc = db_query(c, &rows, a, "SELECT UTC_DATE()", "");
    rc = db_row_one(&rows, rc, "s", day);
    if (rc == DB_OK)
        rc = db_exec(c,
                     "INSERT INTO upload_days (citizen_id, day, uploads, bytes) "
                     "VALUES (?, ?, 1, ?) ON DUPLICATE KEY UPDATE "
                     "uploads = uploads + 1, bytes = bytes + VALUES(bytes)",
                     "isi", citizen_id, *day, bytes);
    int64_t within = 0;
    if (rc == DB_OK)
        rc = db_query_int(c, a, &within,
                          "SELECT uploads <= ? AND bytes <= ? FROM upload_days "
                          "WHERE citizen_id = ? AND day = ?",
                          "iiis", count_max, bytes_max, citizen_id, *day);
    if (rc == DB_OK && !within)
        rc = DB_NOT_FOUND;
    if (rc == DB_OK)
        rc = db_commit(c);
    else
        db_rollback(c);
    return rc;
}

int upload_quota_give_back(db_conn *c, int64_t citizen_id, int64_t bytes, const char *day)
{
    return db_exec_changed(c,
                           "UPDATE upload_days SET uploads = uploads - 1, bytes = bytes - ? "
                           "WHERE citizen_id = ? AND day = ? AND uploads >= 1 AND bytes >= ?",
                           "iisi", bytes, citizen_id, day, bytes);
}

int store_object_touch(db_conn *c, const char *sha, const char *content_type, int64_t bytes,
                       int64_t recheck_s)
{
    return db_exec(c,
                   "INSERT INTO store_objects (sha256, content_type, bytes, sweep_after) "
                   "VALUES (?, ?, ?, CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND) "
                   "ON DUPLICATE KEY UPDATE touched_at = CURRENT_TIMESTAMP(3), "
                   "sweep_after = VALUES(sweep_after)",
                   "ssii", sha, content_type, bytes, recheck_s);
}

#define UPLOAD_COLUMNS                                                                             \
    "id, citizen_id, content_type, bytes, sha256, "                                                \
    "DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ'), "                                              \
    "DATE_FORMAT(expires_at, '%Y-%m-%dT%H:%i:%sZ'), COALESCE(application_id, 0), material_code "
#define UPLOAD_TYPES "sisisssis"
#define UPLOAD_OUT(o)                                                                              \
    &(o)->id, &(o)->citizen_id, &(o)->content_type, &(o)->bytes, &(o)->sha256, &(o)->created_at,   \
        &(o)->expires_at, &(o)->application_id, &(o)->material_code

int upload_insert(db_conn *c, arena *a, const char *id, int64_t citizen_id,
                  const char *content_type, int64_t bytes, const char *sha, int64_t ttl_s,
                  upload_row *out)
{
    int rc =
        db_exec(c,
                "INSERT INTO uploads (id, citizen_id, content_type, bytes, sha256, expires_at) "
                "VALUES (?, ?, ?, ?, ?, CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND)",
                "sisisi", id, citizen_id, content_type, bytes, sha, ttl_s);
    if (rc != DB_OK)
        return rc;
    db_rows rows;
    rc = db_query(c, &rows, a, "SELECT " UPLOAD_COLUMNS "FROM uploads WHERE id = ?", "s", id);
    return db_row_one(&rows, rc, UPLOAD_TYPES, UPLOAD_OUT(out));
}

int upload_lock_unattached(db_conn *c, arena *a, const char *id, int64_t citizen_id,
                           upload_row *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT " UPLOAD_COLUMNS "FROM uploads WHERE id = ? AND citizen_id = ? "
                      "AND application_id IS NULL AND expires_at > CURRENT_TIMESTAMP(3) "
                      "FOR UPDATE",
                      "si", id, citizen_id);
    return db_row_one(&rows, rc, UPLOAD_TYPES, UPLOAD_OUT(out));
}

int upload_attach(db_conn *c, const char *id, int64_t application_id, const char *material_code)
{
    return db_exec_changed(c,
                           "UPDATE uploads SET application_id = ?, material_code = ?, "
                           "expires_at = NULL WHERE id = ? AND application_id IS NULL",
                           "iss", application_id, material_code, id);
}

int upload_expired(db_conn *c, arena *a, int limit, const char **ids, const char **shas,
                   const char **types, size_t *n)
{
    db_rows rows;
    *n = 0;
    int rc = db_query(c, &rows, a,
                      "SELECT id, sha256, content_type FROM uploads "
                      "WHERE expires_at <= CURRENT_TIMESTAMP(3) AND application_id IS NULL "
                      "ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED",
                      "i", (int64_t)limit);
    if (rc != DB_OK)
        return rc;
    while ((rc = db_row_next(&rows, "sss", &ids[*n], &shas[*n], &types[*n])) > 0)
        (*n)++;
    return db_rows_done(&rows, rc);
}

int upload_delete(db_conn *c, const char *id, const char *sha)
{
    int rc = db_exec(c, "DELETE FROM uploads WHERE id = ? AND application_id IS NULL", "s", id);
    if (rc == DB_OK)
        rc = db_exec(c,
                     "UPDATE store_objects SET sweep_after = CURRENT_TIMESTAMP(3) "
                     "WHERE sha256 = ?",
                     "s", sha);
    return rc;
}

int store_objects_due(db_conn *c, arena *a, int limit, const char **shas, const char **types,
                      size_t *n)
{
    db_rows rows;
    *n = 0;
    int rc = db_query(c, &rows, a,
                      "SELECT sha256, content_type FROM store_objects "
                      "WHERE sweep_after <= CURRENT_TIMESTAMP(3) ORDER BY sweep_after LIMIT ?",
                      "i", (int64_t)limit);
    if (rc != DB_OK)
        return rc;
    while ((rc = db_row_next(&rows, "ss", &shas[*n], &types[*n])) > 0)
        (*n)++;
    return db_rows_done(&rows, rc);
}

int store_object_lock_unused(db_conn *c, arena *a, const char *sha, int64_t grace_s)
{
    int64_t one;
    return db_query_int(c, a, &one,
                        "SELECT 1 FROM store_objects o WHERE o.sha256 = ? "
                        "AND o.touched_at < CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND "
                        "AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.sha256 = o.sha256) "
                        "FOR UPDATE",
                        "si", sha, grace_s);
}

int store_object_recheck(db_conn *c, const char *sha, int64_t grace_s)
{
    return db_exec(c,
                   "UPDATE store_objects o SET o.sweep_after = IF(EXISTS (SELECT 1 FROM uploads "
                   "u WHERE u.sha256 = o.sha256), NULL, o.touched_at + INTERVAL ? SECOND) "
                   "WHERE o.sha256 = ?",
                   "is", grace_s, sha);
}

int store_object_forget(db_conn *c, const char *sha)
{
    return db_exec(c, "DELETE FROM store_objects WHERE sha256 = ?", "s", sha);
}

int store_objects_each(db_conn *c, arena *a, upload_object_fn fn, void *ctx)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT sha256, content_type, MAX(needed) FROM (SELECT sha256, "
                      "content_type, 0 AS needed FROM store_objects UNION ALL SELECT sha256, "
                      "content_type, 1 FROM uploads) k GROUP BY sha256, content_type",
                      "");
    if (rc != DB_OK)
        return rc;
    const char *sha, *type;
    int64_t needed;
    while ((rc = db_row_next(&rows, "ssi", &sha, &type, &needed)) > 0)
        if (fn(sha, type, needed != 0, ctx) != 0) {
            rc = DB_ERROR;
            break;
        }
    return db_rows_done(&rows, rc);
}

int uploads_orphaned(db_conn *c, arena *a, int64_t *count)
{
    return db_query_int(
        c, a, count,
        "SELECT COUNT(*) FROM uploads u WHERE u.application_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM applications p WHERE p.id = u.application_id)",
        "");
}
