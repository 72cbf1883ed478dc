#include "db/device_store.h"

/* Registrations of one citizen queue on the citizen's row, so that two at once cannot both
 * pass the device limit. The reads after it see what the previous holder committed: InnoDB
 * takes a transaction's snapshot at its first plain read, which comes after this lock. */
static int lock_citizen(db_conn *c, arena *a, int64_t citizen_id)
{
    int64_t id;
    return db_query_one_int(c, a, &id, "SELECT id FROM citizens WHERE id = ? FOR UPDATE", "i",
                            citizen_id);
}

/* 1 when the token is the citizen's and active already. */
static int already_mine(db_conn *c, arena *a, const device_new *d, int64_t *id)
{
    db_rows rows;
    int64_t owner, active;
    int rc =
        db_query(c, &rows, a,
                 "SELECT id, citizen_id, active FROM devices "
                 "WHERE platform = ? AND token_hash = ?",
                 "sb", d->platform, (const void *)d->token_hash, (size_t)DEVICE_TOKEN_HASH_BYTES);
    if (rc != DB_OK)
        return rc;
    rc = db_row_next(&rows, "iii", id, &owner, &active);
    db_rows_close(&rows);
    if (rc <= 0)
        return rc;
    return owner == d->citizen_id && active;
}

static int count_active(db_conn *c, arena *a, int64_t citizen_id, int64_t *n)
{
    int rc = db_query_one_int(c, a, n,
                              "SELECT COUNT(*) FROM devices WHERE citizen_id = ? AND active = 1",
                              "i", citizen_id);
    return rc < 0 ? rc : rc == 0 ? DB_ERROR : DB_OK;
}

/* LAST_INSERT_ID(id) on the duplicate makes the existing row's id the statement's insert id.
 * A concurrent first registration of the same token by another citizen lands here too, and
 * the later one keeps it, as a move would. */
static int upsert(db_conn *c, const device_new *d, int64_t *id)
{
    int64_t rc = db_exec(c,
                         "INSERT INTO devices (citizen_id, platform, token, token_hash) "
                         "VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), "
                         "citizen_id = VALUES(citizen_id), active = 1, "
                         "updated_at = CURRENT_TIMESTAMP(3)",
                         "issb", d->citizen_id, d->platform, d->token, (const void *)d->token_hash,
                         (size_t)DEVICE_TOKEN_HASH_BYTES);
    if (rc < 0)
        return (int)rc;
    *id = db_last_insert_id(c);
    return *id > 0 ? DB_OK : DB_ERROR;
}

int device_register(db_conn *c, arena *a, const device_new *d, int64_t max_active, int64_t *id)
{
    int rc = lock_citizen(c, a, d->citizen_id);
    if (rc <= 0)
        return rc < 0 ? rc : DB_ERROR; /* a token's citizen exists: rows are never deleted */
    rc = already_mine(c, a, d, id);
    if (rc != 0)
        return rc;
    int64_t n;
    rc = count_active(c, a, d->citizen_id, &n);
    if (rc != DB_OK)
        return rc;
    if (n >= max_active)
        return 0;
    rc = upsert(c, d, id);
    return rc == DB_OK ? 1 : rc;
}

static int exists(db_conn *c, arena *a, int64_t citizen_id, int64_t id)
{
    int64_t found;
    return db_query_one_int(c, a, &found, "SELECT id FROM devices WHERE id = ? AND citizen_id = ?",
                            "ii", id, citizen_id);
}

int device_deactivate(db_conn *c, arena *a, int64_t citizen_id, int64_t id)
{
    /* affected rows count changed rows only: an inactive device is told apart by a read */
    int64_t rc = db_exec(c,
                         "UPDATE devices SET active = 0, updated_at = CURRENT_TIMESTAMP(3) "
                         "WHERE id = ? AND citizen_id = ? AND active = 1",
                         "ii", id, citizen_id);
    if (rc < 0)
        return (int)rc;
    return rc > 0 ? 1 : exists(c, a, citizen_id, id);
}

int device_grant_add(db_conn *c, arena *a, int64_t citizen_id, const char *template_id,
                     int64_t count, int64_t cap, int64_t *remaining)
{
    int64_t rc = db_exec(c,
                         "INSERT INTO wechat_grants (citizen_id, template_id, remaining) "
                         "VALUES (?, ?, LEAST(?, ?)) ON DUPLICATE KEY UPDATE "
                         "remaining = LEAST(remaining + VALUES(remaining), ?), "
                         "updated_at = CURRENT_TIMESTAMP(3)",
                         "isiii", citizen_id, template_id, count, cap, cap);
    if (rc < 0)
        return (int)rc;
    int r = db_query_one_int(
        c, a, remaining,
        "SELECT remaining FROM wechat_grants WHERE citizen_id = ? AND template_id = ?", "is",
        citizen_id, template_id);
    return r < 0 ? r : r == 0 ? DB_ERROR : DB_OK;
}

int device_settings_read(db_conn *c, arena *a, int64_t citizen_id, bool *push, bool *sms)
{
    db_rows rows;
    int64_t p = 1, s = 0; /* the defaults of migration 0010 */
    int rc =
        db_query(c, &rows, a, "SELECT push, sms FROM notification_settings WHERE citizen_id = ?",
                 "i", citizen_id);
    if (rc != DB_OK)
        return rc;
    rc = db_row_next(&rows, "ii", &p, &s);
    db_rows_close(&rows);
    if (rc < 0)
        return rc;
    *push = p != 0;
    *sms = s != 0;
    return DB_OK;
}

int device_settings_write(db_conn *c, int64_t citizen_id, bool push, bool sms)
{
    int64_t rc = db_exec(c,
                         "INSERT INTO notification_settings (citizen_id, push, sms) "
                         "VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE push = VALUES(push), "
                         "sms = VALUES(sms), updated_at = CURRENT_TIMESTAMP(3)",
                         "iii", citizen_id, (int64_t)push, (int64_t)sms);
    return rc < 0 ? (int)rc : DB_OK;
}
