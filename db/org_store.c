#include "db/org_store.h"

#define TS(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"

int org_create(db_conn *c, const char *name, const char *credit_code, const char *webhook,
               const void *secret_enc, size_t secret_len, int64_t *id)
{
    int rc = db_exec(c,
                     "INSERT INTO organizations (name, credit_code, webhook_url, "
                     "webhook_secret_enc) VALUES (?, ?, ?, ?)",
                     "sssb", name, credit_code, webhook, secret_enc, secret_len);
    if (rc != DB_OK)
        return rc;
    *id = db_last_insert_id(c);
    /* a crash between the two leaves no counter: the first change makes it
     * (app_feed_touch) */
    return db_exec(c, "INSERT IGNORE INTO org_feed (org_id) VALUES (?)", "i", *id);
}

/* clang-format off */
static const char sql_org[] =
    "SELECT id, name, credit_code, webhook_url, " TS("created_at") ", " TS("disabled_at")
    " FROM organizations WHERE id = ?";
static const char sql_clients[] =
    "SELECT k.client_id, k.org_id, o.name, k.scopes, " TS("k.created_at") ", "
    TS("k.rotated_at") ", " TS("IF(k.secret_prev_until > CURRENT_TIMESTAMP(3), "
                                "k.secret_prev_until, NULL)") ", "
    TS("k.disabled_at") " FROM oauth_clients k "
    "JOIN organizations o ON o.id = k.org_id WHERE ? = 0 OR k.org_id = ? "
    "ORDER BY k.org_id, k.created_at, k.client_id";
/* clang-format on */

int org_get(db_conn *c, arena *a, int64_t id, org_row *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, sql_org, "i", id);
    return db_row_one(&rows, rc, "isssss", &out->id, &out->name, &out->credit_code,
                      &out->webhook_url, &out->created_at, &out->disabled_at);
}

int org_set_webhook_url(db_conn *c, arena *a, int64_t id, const char *url)
{
    return db_exec_or_exists(c, a, "UPDATE organizations SET webhook_url = ? WHERE id = ?",
                             "SELECT id FROM organizations WHERE webhook_url = ? AND id = ?", "si",
                             url, id);
}

int org_rotate_webhook_secret(db_conn *c, int64_t id, const void *secret_enc, size_t len,
                              int64_t keep_s)
{
    /* MariaDB assigns left to right: the previous secret is copied before it is replaced */
    return db_exec_changed(c,
                           "UPDATE organizations SET webhook_secret_prev_enc = webhook_secret_enc, "
                           "webhook_secret_prev_until = CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND, "
                           "webhook_secret_enc = ? WHERE id = ?",
                           "ibi", keep_s, secret_enc, len, id);
}

int org_disable(db_conn *c, int64_t id)
{
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    rc = db_exec_changed(c,
                         "UPDATE organizations SET disabled_at = CURRENT_TIMESTAMP(3) "
                         "WHERE id = ? AND disabled_at IS NULL",
                         "i", id);
    if (rc == DB_OK)
        rc = db_exec(c,
                     "UPDATE oauth_clients SET disabled_at = CURRENT_TIMESTAMP(3) "
                     "WHERE org_id = ? AND disabled_at IS NULL",
                     "i", id);
    if (rc == DB_OK)
        return db_commit(c);
    db_rollback(c);
    return rc;
}

int org_enable(db_conn *c, arena *a, int64_t id)
{
    return db_exec_or_exists(c, a, "UPDATE organizations SET disabled_at = NULL WHERE id = ?",
                             "SELECT id FROM organizations WHERE id = ?", "i", id);
}

int oauth_client_create(db_conn *c, const char *client_id, int64_t org_id,
                        const uint8_t secret_hash[32], const char *scopes)
{
    return db_exec_changed(c,
                           "INSERT INTO oauth_clients (client_id, org_id, secret_hash, scopes) "
                           "SELECT ?, id, ?, ? FROM organizations "
                           "WHERE id = ? AND disabled_at IS NULL",
                           "sbsi", client_id, secret_hash, (size_t)32, scopes, org_id);
}

int oauth_client_find(db_conn *c, arena *a, const char *client_id, oauth_client *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT k.org_id, k.secret_hash, k.scopes, "
                      "IF(k.secret_prev_until > CURRENT_TIMESTAMP(3), k.secret_hash_prev, NULL) "
                      "FROM oauth_clients k JOIN organizations o ON o.id = k.org_id "
                      "WHERE k.client_id = ? AND k.disabled_at IS NULL AND o.disabled_at IS NULL",
                      "s", client_id);
    return db_row_one(&rows, rc, "ibsb", &out->org_id, &out->secret_hash, &out->hash_len,
                      &out->scopes, &out->prev_secret_hash, &out->prev_hash_len);
}

int oauth_client_disable(db_conn *c, arena *a, const char *client_id)
{
    return db_exec_or_exists(c, a,
                             "UPDATE oauth_clients SET disabled_at = CURRENT_TIMESTAMP(3) "
                             "WHERE client_id = ? AND disabled_at IS NULL",
                             "SELECT 1 FROM oauth_clients WHERE client_id = ?", "s", client_id);
}

int oauth_client_set_secret(db_conn *c, const char *client_id, const uint8_t secret_hash[32],
                            int overlap_s)
{
    /* MariaDB assigns left to right: the previous hash is taken before secret_hash changes */
    return db_exec_changed(c,
                           "UPDATE oauth_clients SET "
                           "secret_hash_prev = IF(? > 0, secret_hash, NULL), "
                           "secret_prev_until = IF(? > 0, CURRENT_TIMESTAMP(3) + "
                           "INTERVAL ? SECOND, NULL), "
                           "secret_hash = ?, rotated_at = CURRENT_TIMESTAMP(3) "
                           "WHERE client_id = ? AND disabled_at IS NULL",
                           "iiibs", (int64_t)overlap_s, (int64_t)overlap_s, (int64_t)overlap_s,
                           secret_hash, (size_t)32, client_id);
}

int oauth_client_each(db_conn *c, arena *a, int64_t org_id,
                      void (*fn)(const oauth_client_row *row, void *ctx), void *ctx)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, sql_clients, "ii", org_id, org_id);
    if (rc != DB_OK)
        return rc;
    oauth_client_row r;
    while ((rc = db_row_next(&rows, "sissssss", &r.client_id, &r.org_id, &r.org_name, &r.scopes,
                             &r.created_at, &r.rotated_at, &r.previous_secret_until,
                             &r.disabled_at)) > 0)
        fn(&r, ctx);
    return db_rows_done(&rows, rc);
}

int oauth_clients_disabled_since(db_conn *c, arena *a, int64_t since_ms,
                                 void (*fn)(const char *client_id, int64_t disabled_ms, void *ctx),
                                 void *ctx)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT client_id, CAST(UNIX_TIMESTAMP(disabled_at) * 1000 AS SIGNED) "
                      "FROM oauth_clients WHERE disabled_at >= FROM_UNIXTIME(? / 1000)",
                      "i", since_ms);
    if (rc != DB_OK)
        return rc;
    const char *id;
    int64_t at;
    while ((rc = db_row_next(&rows, "si", &id, &at)) > 0)
        fn(id, at, ctx);
    return db_rows_done(&rows, rc);
}
