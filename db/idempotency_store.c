#include "db/idempotency_store.h"

/* The claim's connection, its server and the time, set by every claim and take-over. */
#define OWNER_NOW                                                                                  \
    "owner_conn = CONNECTION_ID(), owner_server = " DB_SERVER_ID_SQL                               \
    ", owner_since = CURRENT_TIMESTAMP(3)"

int idem_claim(db_conn *c, const idem_ref *k, int lease_s)
{
    return db_exec(c,
                   "INSERT INTO idempotency_keys SET caller = ?, idem_key = ?, request_hash = ?, "
                   "owner = ?, lease_until = CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND, " OWNER_NOW,
                   "ssbbi", k->caller, k->key, k->hash, (size_t)IDEM_HASH_BYTES, k->owner,
                   (size_t)IDEM_OWNER_BYTES, (int64_t)lease_s);
}

int idem_read(db_conn *c, arena *a, const idem_ref *k, idem_state *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT request_hash, COALESCE(status, 0), content_type, location, sealed, "
                      "body, "
                      "status IS NULL AND lease_until > CURRENT_TIMESTAMP(3), "
                      "created_at < CURRENT_TIMESTAMP(3) - INTERVAL 1 DAY "
                      "FROM idempotency_keys WHERE caller = ? AND idem_key = ?",
                      "ss", k->caller, k->key);
    return db_row_one(&rows, rc, "bissibii", &out->hash, &out->hash_len, &out->status,
                      &out->content_type, &out->location, &out->sealed, &out->body, &out->body_len,
                      &out->leased, &out->stale);
}

int idem_take_over(db_conn *c, const idem_ref *k, int lease_s, bool stale)
{
    return stale
               ? db_exec_changed(c,
                                 "UPDATE idempotency_keys SET request_hash = ?, owner = ?, "
                                 "lease_until = CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND, status = "
                                 "NULL, " OWNER_NOW
                                 ", content_type = NULL, location = NULL, sealed = 0, body = NULL, "
                                 "created_at = CURRENT_TIMESTAMP(3) "
                                 "WHERE caller = ? AND idem_key = ? "
                                 "AND created_at < CURRENT_TIMESTAMP(3) - INTERVAL 1 DAY",
                                 "bbiss", k->hash, (size_t)IDEM_HASH_BYTES, k->owner,
                                 (size_t)IDEM_OWNER_BYTES, (int64_t)lease_s, k->caller, k->key)
               : db_exec_changed(
                     c,
                     "UPDATE idempotency_keys SET owner = ?, "
                     "lease_until = CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND, " OWNER_NOW " "
                     "WHERE caller = ? AND idem_key = ? AND request_hash = ? "
                     "AND status IS NULL AND lease_until <= CURRENT_TIMESTAMP(3)",
                     "bissb", k->owner, (size_t)IDEM_OWNER_BYTES, (int64_t)lease_s, k->caller,
                     k->key, k->hash, (size_t)IDEM_HASH_BYTES);
}

/* Every host uses the same (API) account, so the process list shows all their connections. */
int idem_take_over_gone(db_conn *c, const idem_ref *k, int lease_s)
{
    return db_exec_changed(
        c,
        "UPDATE idempotency_keys SET owner = ?, "
        "lease_until = CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND, " OWNER_NOW " "
        "WHERE caller = ? AND idem_key = ? AND request_hash = ? AND status IS NULL "
        "AND " DB_CONN_GONE_SQL("owner_conn", "owner_server", "owner_since"),
        "bissb", k->owner, (size_t)IDEM_OWNER_BYTES, (int64_t)lease_s, k->caller, k->key, k->hash,
        (size_t)IDEM_HASH_BYTES);
}

int idem_finish(db_conn *c, const idem_ref *k, const idem_answer *answer)
{
    return db_exec_changed(c,
                           "UPDATE idempotency_keys SET status = ?, content_type = ?, "
                           "location = ?, sealed = ?, body = ?, lease_until = NULL "
                           "WHERE caller = ? AND idem_key = ? AND owner = ? AND status IS NULL",
                           "issibssb", (int64_t)answer->status, answer->content_type,
                           answer->location, (int64_t)answer->sealed,
                           answer->body ? answer->body : "", answer->body_len, k->caller, k->key,
                           k->owner, (size_t)IDEM_OWNER_BYTES);
}

int idem_release(db_conn *c, const idem_ref *k)
{
    return db_exec(c,
                   "DELETE FROM idempotency_keys WHERE caller = ? AND idem_key = ? "
                   "AND owner = ? AND status IS NULL",
                   "ssb", k->caller, k->key, k->owner, (size_t)IDEM_OWNER_BYTES);
}

int idem_prune(db_conn *c)
{
    /* small deletes (short locks), repeated while they fill, up to 100 000 rows a call */
    int64_t deleted = 1000;
    int rc = DB_OK;
    for (int i = 0; i < 100 && rc == DB_OK && deleted == 1000; i++)
        rc = db_exec_count(c, &deleted,
                           "DELETE FROM idempotency_keys "
                           "WHERE created_at < CURRENT_TIMESTAMP(3) - INTERVAL 1 DAY LIMIT 1000",
                           "");
    return rc;
}
