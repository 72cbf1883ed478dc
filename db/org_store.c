#include "db/org_store.h"

int org_create(db_conn *c, const char *name, const char *credit_code, const char *webhook,
               const void *secret_enc, size_t secret_len, int64_t *id)
{
    int rc = db_exec(c,
                     "INSERT INTO organizations (name, credit_code, webhook_url, "
                     "webhook_secret_enc) VALUES (?, ?, ?, ?)",
                     "sssb", name, credit_code, webhook, secret_enc, secret_len);
    if (rc == DB_OK)
        *id = db_last_insert_id(c);
    return rc;
}

int oauth_client_create(db_conn *c, const char *client_id, int64_t org_id,
                        const uint8_t secret_hash[32], const char *scopes)
{
    return db_exec(c,
                   "INSERT INTO oauth_clients (client_id, org_id, secret_hash, scopes) "
                   "VALUES (?, ?, ?, ?)",
                   "sibs", client_id, org_id, secret_hash, (size_t)32, scopes);
}

int oauth_client_find(db_conn *c, arena *a, const char *client_id, oauth_client *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT org_id, secret_hash, scopes FROM oauth_clients "
                      "WHERE client_id = ? AND disabled_at IS NULL",
                      "s", client_id);
    return db_row_one(&rows, rc, "ibs", &out->org_id, &out->secret_hash, &out->hash_len,
                      &out->scopes);
}
