#include "db/notification_store.h"

int notification_insert(db_conn *c, const notification_new *n, int64_t *id)
{
    int64_t rc =
        db_exec(c,
                "INSERT INTO notifications (citizen_id, kind, title, body, application_id) "
                "VALUES (?, ?, ?, ?, NULLIF(?, 0))",
                "isssi", n->citizen_id, n->kind, n->title, n->body, n->application_id);
    if (rc < 0)
        return (int)rc;
    *id = db_last_insert_id(c);
    rc = db_exec(c, "INSERT INTO outbox (topic, ref_id) VALUES ('notification', ?)", "i", *id);
    return rc < 0 ? (int)rc : DB_OK;
}
