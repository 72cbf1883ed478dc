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
    int64_t rc =
        db_exec(c,
                "INSERT INTO notifications (citizen_id, kind, title, body, application_id) "
                "VALUES (?, ?, ?, ?, NULLIF(?, 0))",
                "isssi", n->citizen_id, n->kind, n->title, n->body, n->application_id);
    if (rc < 0)
        return (int)rc;
    *id = db_last_insert_id(c);
    int64_t pushed = db_exec(c, sql_push, "ii", *id, n->citizen_id);
    int64_t wechat = pushed < 0 || !n->wechat_template || !*n->wechat_template
                         ? 0
                         : db_exec(c, sql_wechat, "iis", *id, n->citizen_id, n->wechat_template);
    int64_t sms = pushed < 0 || wechat < 0 ? 0
                                           : db_exec(c, sql_sms, "iiii", *id, n->citizen_id,
                                                     (int64_t)n->sms_always, n->citizen_id);
    if (pushed < 0 || wechat < 0 || sms < 0)
        return (int)(pushed < 0 ? pushed : wechat < 0 ? wechat : sms);
    *deliveries = pushed + wechat + sms;
    return DB_OK;
}
