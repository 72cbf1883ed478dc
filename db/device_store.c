#include "db/device_store.h"

#include "db/citizen_store.h"

/* The row of the token, whoever it belongs to: DB_OK, DB_NOT_FOUND, or a failure. */
static int token_row(db_conn *c, arena *a, const device_new *d, int64_t *id, int64_t *owner,
                     int64_t *active)
{
    db_rows rows;
    int rc =
        db_query(c, &rows, a,
                 "SELECT id, citizen_id, active FROM devices "
                 "WHERE platform = ? AND token_hash = ?",
                 "sb", d->platform, (const void *)d->token_hash, (size_t)DEVICE_TOKEN_HASH_BYTES);
    return db_row_one(&rows, rc, "iii", id, owner, active);
}

/* LAST_INSERT_ID(id) on the duplicate makes the existing row's id the statement's insert id.
 * A concurrent first registration of the same token by another citizen lands here too, and
 * the later one keeps it, as a move would. */
static int upsert(db_conn *c, const device_new *d, int64_t *id)
{
    int rc = db_exec(c,
                     "INSERT INTO devices (citizen_id, platform, token, token_hash) "
                     "VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), "
                     "citizen_id = VALUES(citizen_id), active = 1, "
                     "updated_at = CURRENT_TIMESTAMP(3)",
                     "issb", d->citizen_id, d->platform, d->token, (const void *)d->token_hash,
                     (size_t)DEVICE_TOKEN_HASH_BYTES);
    if (rc != DB_OK)
        return rc;
    *id = db_last_insert_id(c);
    return *id > 0 ? DB_OK : DB_ERROR;
}

int device_register(db_conn *c, arena *a, const device_new *d, int64_t max_active, int64_t *id)
{
    int64_t owner = 0, active = 0, n = 0;
    /* Registrations of one citizen queue on the citizen's row, so that two at once cannot
     * both pass the device limit (it exists: citizens are never deleted). */
    int rc = citizen_lock(c, a, d->citizen_id);
    if (rc != DB_OK)
        return rc;
    rc = token_row(c, a, d, id, &owner, &active);
    if (rc == DB_OK && owner == d->citizen_id && active)
        return DB_OK; /* the same token again: the same id */
    if (rc == DB_OK || rc == DB_NOT_FOUND)
        rc = db_query_int(c, a, &n,
                          "SELECT COUNT(*) FROM devices WHERE citizen_id = ? AND active = 1", "i",
                          d->citizen_id);
    if (rc != DB_OK)
        return rc;
    *id = 0;
    return n >= max_active ? DB_OK : upsert(c, d, id);
}

int device_deactivate(db_conn *c, arena *a, int64_t citizen_id, int64_t id)
{
    /* an inactive device of the citizen's is told apart from another's by a read */
    return db_exec_or_exists(c, a,
                             "UPDATE devices SET active = 0, updated_at = CURRENT_TIMESTAMP(3) "
                             "WHERE id = ? AND citizen_id = ? AND active = 1",
                             "SELECT id FROM devices WHERE id = ? AND citizen_id = ?", "ii", id,
                             citizen_id);
}

int device_grant_add(db_conn *c, arena *a, int64_t citizen_id, const char *template_id,
                     int64_t count, int64_t cap, int64_t *remaining)
{
    int rc = db_exec(c,
                     "INSERT INTO wechat_grants (citizen_id, template_id, remaining) "
                     "VALUES (?, ?, LEAST(?, ?)) ON DUPLICATE KEY UPDATE "
                     "remaining = LEAST(remaining + VALUES(remaining), ?), "
                     "updated_at = CURRENT_TIMESTAMP(3)",
                     "isiii", citizen_id, template_id, count, cap, cap);
    if (rc != DB_OK)
        return rc;
    return db_query_int(c, a, remaining,
                        "SELECT remaining FROM wechat_grants WHERE citizen_id = ? "
                        "AND template_id = ?",
                        "is", citizen_id, template_id);
}

int device_settings_read(db_conn *c, arena *a, int64_t citizen_id, bool *push, bool *sms)
{
    db_rows rows;
    int64_t p = 1, s = 0; /* the defaults of migration 0010 */
    int rc =
        db_query(c, &rows, a, "SELECT push, sms FROM notification_settings WHERE citizen_id = ?",
                 "i", citizen_id);
    rc = db_row_one(&rows, rc, "ii", &p, &s);
    if (rc < 0)
        return rc; /* DB_NOT_FOUND: none stored, the defaults */
    *push = p != 0;
    *sms = s != 0;
    return DB_OK;
}

int device_settings_write(db_conn *c, int64_t citizen_id, bool push, bool sms)
{
    return db_exec(c,
                   "INSERT INTO notification_settings (citizen_id, push, sms) "
                   "VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE push = VALUES(push), "
                   "sms = VALUES(sms), updated_at = CURRENT_TIMESTAMP(3)",
                   "iii", citizen_id, (int64_t)push, (int64_t)sms);
}
