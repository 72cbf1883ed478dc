#include "db/notification_store.h"

/* UUID(): the delivery id every try of a delivery carries (receivers drop repeats by it). */
static const char sql_push[] =
    "INSERT INTO outbox (delivery_id, channel, notification_id, citizen_id, target_id) "
    "SELECT UUID(), d.platform, ?, d.citizen_id, d.id FROM devices d "
    "LEFT JOIN notification_settings s ON s.citizen_id = d.citizen_id "
    "WHERE d.citizen_id = ? AND d.active = 1 AND COALESCE(s.push, 1) = 1";
static const char sql_wechat[] =
    "INSERT INTO outbox (delivery_id, channel, notification_id, citizen_id, target_ref) "
    "SELECT UUID(), 'wechat', ?, g.citizen_id, g.template_id FROM wechat_grants g "
    "WHERE g.citizen_id = ? AND g.template_id = ? AND g.remaining > 0";
static const char sql_sms[] =
    "INSERT INTO outbox (delivery_id, channel, notification_id, citizen_id) "
    "SELECT UUID(), 'sms', ?, ? FROM DUAL WHERE ? = 1 OR COALESCE((SELECT sms FROM "
    "notification_settings WHERE citizen_id = ?), 0) = 1";

int notification_insert(db_conn *c, const notification_new *n, int64_t *id, int64_t *deliveries)
{
    int rc = db_exec(c,
                     "INSERT INTO notifications (citizen_id, kind, title, body, application_id) "
                     "VALUES (?, ?, ?, ?, NULLIF(?, 0))",
                     "isssi", n->citizen_id, n->kind, n->title, n->body, n->application_id);
    if (rc != DB_OK)
        return rc;
    *id = db_last_insert_id(c);
    int64_t pushed = 0, wechat = 0, sms = 0;
    rc = db_exec_count(c, &pushed, sql_push, "ii", *id, n->citizen_id);
    if (rc == DB_OK && n->wechat_template && *n->wechat_template)
        rc = db_exec_count(c, &wechat, sql_wechat, "iis", *id, n->citizen_id, n->wechat_template);
    if (rc == DB_OK)
        rc = db_exec_count(c, &sms, sql_sms, "iiii", *id, n->citizen_id, (int64_t)n->sms_always,
                           n->citizen_id);
    *deliveries = pushed + wechat + sms;
    return rc;
}

#define TS(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"

/* clang-format off */
/* Each page is one backward range of its index (no sort, whatever the optimizer's guess on a
 * small table): all of the citizen's, or only the unread ones. */
#define INBOX_FROM(index) \
    "SELECT n.id, n.kind, n.title, n.body, a.application_no, " TS("n.created_at") ", " \
    TS("n.read_at") ", b.bundle_no FROM notifications n FORCE INDEX (" index ") " \
    "LEFT JOIN applications a ON a.id = n.application_id " \
    "LEFT JOIN bundles b ON b.id = a.bundle_id "
#define SQL_INBOX INBOX_FROM("notifications_citizen") \
    "WHERE n.citizen_id = ? AND n.id < ? ORDER BY n.id DESC LIMIT ?"
#define SQL_INBOX_UNREAD INBOX_FROM("notifications_unread") \
    "WHERE n.citizen_id = ? AND n.read_at IS NULL AND n.id < ? ORDER BY n.id DESC LIMIT ?"
#define SQL_UNREAD_COUNT \
    "SELECT COUNT(*) FROM notifications FORCE INDEX (notifications_unread) " \
    "WHERE citizen_id = ? AND read_at IS NULL"
/* clang-format on */
static const char sql_inbox[] = SQL_INBOX;
static const char sql_inbox_unread[] = SQL_INBOX_UNREAD;
static const char sql_unread_count[] = SQL_UNREAD_COUNT;

int notification_list(db_conn *c, arena *a, int64_t citizen_id, bool unread_only, int64_t before,
                      int limit, notification_item *out, size_t *n)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, unread_only ? sql_inbox_unread : sql_inbox, "iii", citizen_id,
                      before, (int64_t)limit);
    if (rc != DB_OK)
        return rc;
    size_t count = 0;
    while (count < (size_t)limit) {
        notification_item *it = &out[count];
        rc = db_row_next(&rows, "isssssss", &it->id, &it->kind, &it->title, &it->body,
                         &it->application_no, &it->created_at, &it->read_at, &it->bundle_no);
        if (rc <= 0)
            break;
        count++;
    }
    *n = count;
    return db_rows_done(&rows, rc);
}

int notification_unread_count(db_conn *c, arena *a, int64_t citizen_id, int64_t *count)
{
    return db_query_int(c, a, count, sql_unread_count, "i", citizen_id);
}

int notification_mark_read(db_conn *c, arena *a, int64_t citizen_id, int64_t id)
{
    /* the first reading's time stays; a row read before is told apart from another
     * citizen's by a read */
    return db_exec_or_exists(c, a,
                             "UPDATE notifications SET read_at = CURRENT_TIMESTAMP(3) "
                             "WHERE id = ? AND citizen_id = ? AND read_at IS NULL",
                             "SELECT id FROM notifications WHERE id = ? AND citizen_id = ?", "ii",
                             id, citizen_id);
}

int notification_mark_all_read(db_conn *c, int64_t citizen_id)
{
    return db_exec(c,
                   "UPDATE notifications SET read_at = CURRENT_TIMESTAMP(3) "
                   "WHERE citizen_id = ? AND read_at IS NULL",
                   "i", citizen_id);
}

int notification_explain_queries(db_conn *c, arena *a, db_plan_fn fn, void *ctx)
{
    int64_t citizen = 1, top = INT64_MAX, lim = 21;
    db_rows r;
    /* the newest notification's citizen, so that the plans are those of a real inbox */
    int rc =
        db_query(c, &r, a, "SELECT citizen_id FROM notifications ORDER BY id DESC LIMIT 1", "");
    if (rc != DB_OK)
        return rc;
    rc = db_row_one(&r, rc, "i", &citizen);
    if (rc == DB_NOT_FOUND)
        rc = DB_OK; /* an empty inbox table: the sample citizen above */
    if (rc != DB_OK)
        return rc;
    rc = db_explained("inbox", db_query(c, &r, a, DB_EXPLAIN SQL_INBOX, "iii", citizen, top, lim),
                      &r, fn, ctx);
    if (rc == DB_OK)
        rc = db_explained("inbox, unread only",
                          db_query(c, &r, a, DB_EXPLAIN SQL_INBOX_UNREAD, "iii", citizen, top, lim),
                          &r, fn, ctx);
    if (rc == DB_OK)
        rc = db_explained("inbox unread count",
                          db_query(c, &r, a, DB_EXPLAIN SQL_UNREAD_COUNT, "i", citizen), &r, fn,
                          ctx);
    return rc;
}
