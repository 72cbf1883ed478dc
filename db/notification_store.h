/* The citizen's inbox and the outbox rows that onewindow-pushd delivers (migrations 0008,
 * 0010). A notification is written inside the transaction of its cause, and so are its
 * deliveries: one outbox row per active push device (when the citizen's push setting is on),
 * per WeChat subscribe grant left for the template, and one SMS when the citizen opted in
 * or the message must reach everyone (need_materials). */
#ifndef OW_NOTIFICATION_STORE_H
#define OW_NOTIFICATION_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

typedef struct notification_new {
    int64_t citizen_id, application_id; /* application_id 0: none */
    const char *kind, *title, *body;
    const char *wechat_template; /* the subscribe-message template, or NULL/"": none */
    bool sms_always;             /* send an SMS whatever the citizen's setting */
} notification_new;

/* The inbox row and its deliveries; *deliveries: how many outbox rows. */
int notification_insert(db_conn *c, const notification_new *n, int64_t *id, int64_t *deliveries);

/* One inbox line (API.md §6). */
typedef struct notification_item {
    int64_t id;
    const char *kind, *title, *body;
    const char *application_no; /* NULL: not about an application */
    const char *created_at;     /* RFC 3339 */
    const char *read_at;        /* RFC 3339, NULL while unread */
    const char *bundle_no;      /* the life-event bundle of the application, or NULL */
} notification_item;

/* The citizen's inbox, newest first, with id < before (INT64_MAX: from the newest); only the
 * unread ones with unread_only. Up to limit rows into out[]. */
int notification_list(db_conn *c, arena *a, int64_t citizen_id, bool unread_only, int64_t before,
                      int limit, notification_item *out, size_t *n);
int notification_unread_count(db_conn *c, arena *a, int64_t citizen_id, int64_t *count);
/* Sets read_at once. DB_OK done or read before, DB_NOT_FOUND no such notification of this
 * citizen, or a failure. */
int notification_mark_read(db_conn *c, arena *a, int64_t citizen_id, int64_t id);
int notification_mark_all_read(db_conn *c, int64_t citizen_id);

/* EXPLAIN FORMAT=JSON of the inbox reads with sample parameters (`explain-queries`). */
int notification_explain_queries(db_conn *c, arena *a, db_plan_fn fn, void *ctx);

#endif
