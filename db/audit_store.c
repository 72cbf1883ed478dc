#include "db/audit_store.h"

int audit_insert(db_conn *c, const audit_entry *e)
{
    return db_exec(c,
                   "INSERT INTO audit_log (actor_type, actor_id, action, target, detail, "
                   "request_id, client_request_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   "sssssss", e->actor_type, e->actor_id, e->action, e->target, e->detail,
                   e->request_id, e->client_request_id);
}

int audit_each_of_target(db_conn *c, arena *a, const char *target, audit_row_fn fn, void *ctx)
{
    db_rows rows;
    int rc =
        db_query(c, &rows, a,
                 "SELECT id, actor_type, actor_id, action, target, detail, request_id, "
                 "client_request_id, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ') FROM audit_log "
                 "WHERE target = ? ORDER BY id",
                 "s", target);
    if (rc != DB_OK)
        return rc;
    audit_entry e;
    int64_t id;
    const char *at;
    while ((rc = db_row_next(&rows, "issssssss", &id, &e.actor_type, &e.actor_id, &e.action,
                             &e.target, &e.detail, &e.request_id, &e.client_request_id, &at)) > 0)
        fn(&e, id, at, ctx);
    return db_rows_done(&rows, rc);
}
