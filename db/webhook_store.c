#include "db/webhook_store.h"

#define TS(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"

int webhook_event_insert(db_conn *c, int64_t org_id, const char *type, const char *data_json)
{
    return db_exec(c,
                   "INSERT INTO outbox (delivery_id, channel, target_id, target_ref, payload) "
                   "VALUES (UUID(), 'webhook', ?, ?, ?)",
                   "iss", org_id, type, data_json);
}

/* clang-format off */
#define ATTEMPTS_FROM(index) \
    "SELECT id, delivery_id, event_type, attempt, result, COALESCE(http_status, 0), error, " \
    "COALESCE(duration_ms, 0), " TS("created_at") ", " TS("next_attempt_at") \
    " FROM webhook_attempts FORCE INDEX (" index ") "
/* newest first: one backward range of (org_id, id), or of (delivery_id, id) */
#define SQL_ATTEMPTS ATTEMPTS_FROM("webhook_attempts_org") \
    "WHERE org_id = ? AND id < ? ORDER BY id DESC LIMIT ?"
#define SQL_ATTEMPTS_OF_EVENT ATTEMPTS_FROM("webhook_attempts_event") \
    "WHERE delivery_id = ? AND org_id = ? AND id < ? ORDER BY id DESC LIMIT ?"
/* clang-format on */
static const char sql_attempts[] = SQL_ATTEMPTS;
static const char sql_attempts_of_event[] = SQL_ATTEMPTS_OF_EVENT;

int webhook_attempt_list(db_conn *c, arena *a, int64_t org_id, const char *event_id, int64_t before,
                         int limit, webhook_attempt *out, size_t *n)
{
    db_rows rows;
    int64_t lim = limit;
    int rc = event_id ? db_query(c, &rows, a, sql_attempts_of_event, "siii", event_id, org_id,
                                 before, lim)
                      : db_query(c, &rows, a, sql_attempts, "iii", org_id, before, lim);
    if (rc != DB_OK)
        return rc;
    size_t count = 0;
    while (count < (size_t)limit) {
        webhook_attempt *w = &out[count];
        rc = db_row_next(&rows, "issisisiss", &w->id, &w->event_id, &w->type, &w->attempt,
                         &w->result, &w->http_status, &w->error, &w->duration_ms, &w->at,
                         &w->next_attempt_at);
        if (rc <= 0)
            break;
        count++;
    }
    *n = count;
    return db_rows_done(&rows, rc);
}

int webhook_explain_queries(db_conn *c, arena *a, db_plan_fn fn, void *ctx)
{
    int64_t org = 1, top = INT64_MAX, lim = 21;
    const char *event = "00000000-0000-0000-0000-000000000000";
    db_rows r;
    int rc = db_query(
        c, &r, a, "SELECT org_id, delivery_id FROM webhook_attempts ORDER BY id DESC LIMIT 1", "");
    if (rc == DB_OK)
        rc = db_row_one(&r, rc, "is", &org, &event);
    if (rc == DB_NOT_FOUND)
        rc = DB_OK;
    if (rc == DB_OK)
        rc = db_explained("webhook deliveries of an organization",
                          db_query(c, &r, a, DB_EXPLAIN SQL_ATTEMPTS, "iii", org, top, lim), &r, fn,
                          ctx);
    if (rc == DB_OK)
        rc = db_explained(
            "webhook deliveries of an event",
            db_query(c, &r, a, DB_EXPLAIN SQL_ATTEMPTS_OF_EVENT, "siii", event, org, top, lim), &r,
            fn, ctx);
    return rc;
}
