#include "db/bundle_store.h"

#define TS(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"
#define DAY(col) "DATE_FORMAT(" col ", '%Y-%m-%d')"

int bundle_insert(db_conn *c, const bundle_new *n, int64_t *id)
{
    int rc = db_exec(c,
                     "INSERT INTO bundles (bundle_no, query_code_hash, query_code_enc, "
                     "citizen_id, life_event_id, life_event_code, life_event_name, answers, "
                     "children, promised_days, separate_days, due_date) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     "sbbiisssiiis", n->no, n->code.hash, (size_t)QUERY_CODE_HASH_BYTES,
                     n->code.sealed, n->code.sealed_len, n->citizen_id, n->life_event_id,
                     n->life_event_code, n->life_event_name, n->answers, n->children,
                     n->promised_days, n->separate_days, n->due_date);
    if (rc == DB_OK)
        *id = db_last_insert_id(c);
    return rc;
}

int bundle_submitted_at(db_conn *c, arena *a, int64_t id, const char **out)
{
    db_rows rows;
    int rc =
        db_query(c, &rows, a, "SELECT " TS("submitted_at") " FROM bundles WHERE id = ?", "i", id);
    return db_row_one(&rows, rc, "s", out);
}

#define BUNDLE_FIELDS                                                                              \
    "SELECT id, citizen_id, promised_days, separate_days, bundle_no, life_event_code, "            \
    "life_event_name, answers, " TS("submitted_at") ", " DAY("due_date") ", " TS(                  \
        "finished_at") ", query_code_hash, query_code_enc FROM bundles WHERE bundle_no = ?"

int bundle_by_no(db_conn *c, arena *a, const char *no, bool for_update, bundle_row *out)
{
    db_rows rows;
    int rc =
        db_query(c, &rows, a, for_update ? BUNDLE_FIELDS " FOR UPDATE" : BUNDLE_FIELDS, "s", no);
    size_t hash_len = 0;
    rc = db_row_one(&rows, rc, "iiiisssssssbb", &out->id, &out->citizen_id, &out->promised_days,
                    &out->separate_days, &out->no, &out->life_event_code, &out->life_event_name,
                    &out->answers, &out->submitted_at, &out->due_date, &out->finished_at,
                    &out->code.hash, &hash_len, &out->code.sealed, &out->code.sealed_len);
    if (rc == DB_OK && hash_len != QUERY_CODE_HASH_BYTES)
        out->code.hash = NULL;
    return rc;
}

int bundle_of_application(db_conn *c, arena *a, int64_t application_id, const char **no,
                          const char **name)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT b.bundle_no, b.life_event_name FROM applications a "
                      "JOIN bundles b ON b.id = a.bundle_id WHERE a.id = ?",
                      "i", application_id);
    return db_row_one(&rows, rc, "ss", no, name);
}

int bundle_statistics(db_conn *c, arena *a, const char *utc_offset, bundle_stats *out)
{
    db_rows rows;
    int rc =
        db_query(c, &rows, a,
                 "SELECT COUNT(*), COALESCE(SUM(done), 0), COALESCE(SUM(done AND late = 0), 0), "
                 "COALESCE(SUM(IF(done, saved, 0)), 0) FROM ("
                 "SELECT SUM(a.is_open) = 0 AND SUM(a.status <> 'withdrawn') > 0 AS done, "
                 "SUM(a.finished_at IS NOT NULL AND "
                 "DATE(CONVERT_TZ(a.finished_at, '+00:00', ?)) > b.due_date) AS late, "
                 "CAST(b.separate_days AS SIGNED) - CAST(b.promised_days AS SIGNED) AS saved "
                 "FROM bundles b JOIN applications a ON a.bundle_id = b.id GROUP BY b.id) x",
                 "s", utc_offset);
    return db_row_one(&rows, rc, "iiii", &out->submitted, &out->completed, &out->on_time,
                      &out->days_saved_sum);
}
