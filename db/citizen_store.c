#include "db/citizen_store.h"

#include <string.h>

#include "db/audit_store.h"
#include "db/identity_store.h"

#define CITIZEN_COLUMNS                                                                            \
    "SELECT id, phone_enc, name_enc, id_number_enc, password_hash, wechat_openid IS NOT NULL, "    \
    "assurance_level, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ') FROM citizens "

static int one_citizen(db_rows *rows, int rc, citizen_row *out)
{
    return db_row_one(rows, rc, "ibbbsiis", &out->id, &out->phone_enc, &out->phone_len,
                      &out->name_enc, &out->name_len, &out->id_number_enc, &out->id_number_len,
                      &out->password_hash, &out->wechat_bound, &out->assurance_level,
                      &out->created_at);
}

int citizen_by_phone(db_conn *c, arena *a, const uint8_t bidx[32], citizen_row *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, CITIZEN_COLUMNS "WHERE phone_bidx = ?", "b", bidx, (size_t)32);
    return one_citizen(&rows, rc, out);
}

int citizen_lock(db_conn *c, arena *a, int64_t id)
{
    int64_t found;
    return db_query_int(c, a, &found, "SELECT id FROM citizens WHERE id = ? FOR UPDATE", "i", id);
}

int citizen_by_id(db_conn *c, arena *a, int64_t id, citizen_row *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, CITIZEN_COLUMNS "WHERE id = ?", "i", id);
    return one_citizen(&rows, rc, out);
}

int citizen_by_openid(db_conn *c, arena *a, const char *openid, citizen_row *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, CITIZEN_COLUMNS "WHERE wechat_openid = ?", "s", openid);
    return one_citizen(&rows, rc, out);
}

int citizen_link_wechat(db_conn *c, int64_t id, const char *openid)
{
    return db_exec_changed(c,
                           "UPDATE citizens SET wechat_openid = ? "
                           "WHERE id = ? AND (wechat_openid IS NULL OR wechat_openid = ?)",
                           "sis", openid, id, openid);
}

int citizen_profile(db_conn *c, arena *a, int64_t id, citizen_row *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT phone_enc, name_enc, id_number_bidx IS NOT NULL, "
                      "wechat_openid IS NOT NULL, assurance_level, "
                      "DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ') FROM citizens WHERE id = ?",
                      "i", id);
    int64_t verified = 0;
    memset(out, 0, sizeof *out);
    out->id = id;
    rc = db_row_one(&rows, rc, "bbiiis", &out->phone_enc, &out->phone_len, &out->name_enc,
                    &out->name_len, &verified, &out->wechat_bound, &out->assurance_level,
                    &out->created_at);
    out->id_number_enc = verified ? "" : NULL; /* only whether it is set */
    return rc;
}

int citizen_get_or_create(db_conn *c, const uint8_t bidx[32], const void *phone_enc, size_t len,
                          int64_t *id)
{
    /* LAST_INSERT_ID(id) makes the existing row's id the insert id: one statement, no race */
    int rc = db_exec(c,
                     "INSERT INTO citizens (phone_bidx, phone_enc) VALUES (?, ?) "
                     "ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)",
                     "bb", bidx, (size_t)32, phone_enc, len);
    if (rc == DB_OK)
        *id = db_last_insert_id(c);
    return rc;
}

/* Ends the transaction begun by the caller: commit when rc is DB_OK, else roll back. */
static int end_transaction(db_conn *c, int rc)
{
    if (rc == DB_OK)
        return db_commit(c);
    db_rollback(c);
    return rc;
}

int citizen_set_password(db_conn *c, int64_t id, const char *hash, const char *keep_sid)
{
    int rc = db_begin(c);
    if (rc == DB_OK)
        rc = db_exec(c, "UPDATE citizens SET password_hash = ? WHERE id = ?", "si", hash, id);
    if (rc == DB_OK)
        rc = sessions_revoke_others(c, "citizen", id, keep_sid);
    return end_transaction(c, rc);
}

int citizen_bind_identity(db_conn *c, int64_t id, const citizen_identity *idn,
                          const audit_entry *audit)
{
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    rc = db_exec_changed(c,
                         "UPDATE citizens SET name_enc = ?, id_number_enc = ?, id_number_bidx = ?, "
                         "assurance_level = ?, identity_verified_at = CURRENT_TIMESTAMP(3) "
                         "WHERE id = ? AND id_number_bidx IS NULL",
                         "bbbii", idn->name_enc, idn->name_len, idn->id_enc, idn->id_len,
                         idn->id_bidx, (size_t)32, (int64_t)idn->assurance_level, id);
    if (rc == DB_OK)
        rc = audit_insert(c, audit);
    return end_transaction(c, rc);
}

int citizen_unbind_identity(db_conn *c, int64_t id, const audit_entry *audit)
{
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    rc = db_exec_changed(c,
                         "UPDATE citizens SET name_enc = NULL, id_number_enc = NULL, "
                         "id_number_bidx = NULL, assurance_level = 1, identity_verified_at = NULL "
                         "WHERE id = ? AND id_number_bidx IS NOT NULL",
                         "i", id);
    if (rc == DB_OK)
        rc = sessions_revoke_others(c, "citizen", id, "");
    if (rc == DB_OK)
        rc = audit_insert(c, audit);
    return end_transaction(c, rc);
}

static int sms_counts_of(db_conn *c, arena *a, const uint8_t phone[32], const uint8_t ip[32],
                         int64_t day_start, sms_counts *out)
{
    db_rows rows;
    int rc = db_query(
        c, &rows, a,
        "SELECT COALESCE((SELECT TIMESTAMPDIFF(SECOND, MAX(created_at), CURRENT_TIMESTAMP(3)) "
        "FROM sms_codes WHERE phone_bidx = ?), -1), "
        "COUNT(*), (SELECT COUNT(*) FROM sms_codes WHERE ip_bidx = ? AND "
        "created_at > CURRENT_TIMESTAMP(3) - INTERVAL 1 HOUR) "
        "FROM sms_codes WHERE phone_bidx = ? AND created_at >= FROM_UNIXTIME(?)",
        "bbbi", phone, (size_t)32, ip, (size_t)32, phone, (size_t)32, day_start);
    return db_row_one(&rows, rc, "iii", &out->last_age_s, &out->today, &out->ip_hour);
}

int sms_code_delete(db_conn *c, int64_t id)
{
    return db_exec(c, "DELETE FROM sms_codes WHERE id = ?", "i", id);
}

int sms_code_issue(db_conn *c, arena *a, const uint8_t phone[32], const uint8_t ip[32],
                   int64_t day_start, const uint8_t code_hash[32], int ttl_s, sms_allow_fn allow,
                   void *ctx, int64_t *id)
{
    sms_counts n;
    *id = 0;
    int rc = db_begin(c);
    /* the phone's row, then the address's (always in this order: no deadlock) */
    for (int i = 0; i < 2 && rc == DB_OK; i++)
        rc = db_exec(c,
                     "INSERT INTO sms_send_locks (bidx, sends) VALUES (?, 1) "
                     "ON DUPLICATE KEY UPDATE sends = sends + 1",
                     "b", i == 0 ? phone : ip, (size_t)32);
    if (rc == DB_OK)
        rc = sms_counts_of(c, a, phone, ip, day_start, &n);
    if (rc == DB_OK && !allow(&n, ctx)) {
        db_rollback(c);
        return DB_OK;
    }
    if (rc == DB_OK)
        rc = db_exec(c,
                     "INSERT INTO sms_codes (phone_bidx, ip_bidx, code_hash, expires_at) "
                     "VALUES (?, ?, ?, CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND)",
                     "bbbi", phone, (size_t)32, ip, (size_t)32, code_hash, (size_t)32,
                     (int64_t)ttl_s);
    int64_t new_id = rc == DB_OK ? db_last_insert_id(c) : 0;
    if (rc == DB_OK)
        rc = db_commit(c);
    if (rc != DB_OK) {
        db_rollback(c);
        return rc;
    }
    *id = new_id;
    return DB_OK;
}

int sms_code_live(db_conn *c, arena *a, const uint8_t phone[32], int64_t *id,
                  const void **code_hash, int64_t *attempts)
{
    db_rows rows;
    size_t len = 0;
    int rc = db_query(c, &rows, a,
                      "SELECT id, code_hash, attempts FROM sms_codes WHERE phone_bidx = ? "
                      "AND used_at IS NULL AND expires_at > CURRENT_TIMESTAMP(3) "
                      "ORDER BY created_at DESC LIMIT 1",
                      "b", phone, (size_t)32);
    rc = db_row_one(&rows, rc, "ibi", id, code_hash, &len, attempts);
    return rc == DB_OK && len != 32 ? DB_ERROR : rc;
}

int sms_code_try(db_conn *c, int64_t id, int max_attempts)
{
    return db_exec_changed(c,
                           "UPDATE sms_codes SET attempts = attempts + 1 WHERE id = ? "
                           "AND attempts < ? AND used_at IS NULL",
                           "ii", id, (int64_t)max_attempts);
}

int sms_code_use(db_conn *c, int64_t id)
{
    return db_exec_changed(c,
                           "UPDATE sms_codes SET used_at = CURRENT_TIMESTAMP(3) "
                           "WHERE id = ? AND used_at IS NULL",
                           "i", id);
}

int login_attempt(db_conn *c, arena *a, const uint8_t ip[32], bool prune, int64_t *last_minute)
{
    int rc = db_exec(c, "INSERT INTO login_attempts (ip_bidx) VALUES (?)", "b", ip, (size_t)32);
    if (rc == DB_OK && prune)
        rc = db_exec(c,
                     "DELETE FROM login_attempts WHERE at < CURRENT_TIMESTAMP(3) - INTERVAL 1 HOUR "
                     "LIMIT 1000",
                     "");
    if (rc == DB_OK)
        rc = db_query_int(c, a, last_minute,
                          "SELECT COUNT(*) FROM login_attempts WHERE ip_bidx = ? "
                          "AND at > CURRENT_TIMESTAMP(3) - INTERVAL 1 MINUTE",
                          "b", ip, (size_t)32);
    return rc;
}
