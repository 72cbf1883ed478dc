#include "db/keys_store.h"

int keys_store_version(db_conn *c, arena *a, uint64_t *version)
{
    int64_t v = 0;
    int rc = db_query_int(c, a, &v, "SELECT version FROM keys_state WHERE id = 1", "");
    *version = (uint64_t)v;
    return rc;
}

int keys_store_each(db_conn *c, arena *a, signing_key_fn fn, void *ctx)
{
    db_rows rows;
    int rc =
        db_query(c, &rows, a,
                 "SELECT kid, public_pem, private_sealed, "
                 "CAST(FLOOR(UNIX_TIMESTAMP(COALESCE(signs_from, created_at))) AS SIGNED) * 1000 "
                 "FROM signing_keys WHERE retire_after IS NULL "
                 "OR retire_after > CURRENT_TIMESTAMP(3) "
                 "ORDER BY retire_after IS NULL DESC, created_at DESC",
                 "");
    if (rc != DB_OK)
        return rc;
    const char *kid, *pem;
    const void *sealed;
    size_t sealed_len;
    int64_t signs_from_ms;
    while ((rc = db_row_next(&rows, "ssbi", &kid, &pem, &sealed, &sealed_len, &signs_from_ms)) > 0)
        if (fn(kid, pem, sealed, sealed_len, signs_from_ms, ctx) != 0) {
            rc = DB_ERROR;
            break;
        }
    return db_rows_done(&rows, rc);
}

static int has_current(db_conn *c, arena *a, bool *yes)
{
    int64_t n = 0;
    int rc = db_query_int(
        c, a, &n, "SELECT COUNT(*) FROM signing_keys WHERE retire_after IS NULL FOR UPDATE", "");
    *yes = n > 0;
    return rc;
}

int keys_store_rotate(db_conn *c, const char *kid, const char *public_pem, const void *sealed,
                      size_t sealed_len, int ahead_s, int keep_s, bool if_missing, bool *created)
{
    *created = false;
    arena a;
    arena_init(&a, 1024);
    bool exists = false;
    int rc = db_begin(c);
    if (rc == DB_OK)
        rc = has_current(c, &a, &exists);
    arena_destroy(&a);
    if (rc == DB_OK && !(if_missing && exists)) {
        if (!exists) /* the first key signs at once: there is no other */
            ahead_s = 0;
        rc = db_exec(c,
                     "UPDATE signing_keys SET retire_after = CURRENT_TIMESTAMP(3) + "
                     "INTERVAL ? SECOND WHERE retire_after IS NULL",
                     "i", (int64_t)(ahead_s + keep_s));
        if (rc == DB_OK)
            rc = db_exec(c,
                         "INSERT INTO signing_keys (kid, alg, public_pem, private_sealed, "
                         "signs_from) VALUES (?, 'ES256', ?, ?, "
                         "CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND)",
                         "ssbi", kid, public_pem, sealed, sealed_len, (int64_t)ahead_s);
        if (rc == DB_OK)
            rc = db_exec(c, "UPDATE keys_state SET version = version + 1 WHERE id = 1", "");
        *created = rc == DB_OK;
    }
    if (rc == DB_OK)
        rc = db_commit(c);
    else
        db_rollback(c);
    if (rc != DB_OK)
        *created = false;
    return rc;
}

int data_key_get(db_conn *c, arena *a, const void **sealed, size_t *len)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, "SELECT sealed FROM data_keys WHERE id = 1", "");
    return db_row_one(&rows, rc, "b", sealed, len);
}

int data_key_insert(db_conn *c, const void *sealed, size_t len)
{
    return db_exec(c, "INSERT IGNORE INTO data_keys (id, sealed) VALUES (1, ?)", "b", sealed, len);
}
