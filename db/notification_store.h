/* The citizen's inbox and the outbox rows that onewindow-pushd delivers (migrations 0008,
 * 0010). A notification is written inside the transaction of its cause, and so are its
 * deliveries: one outbox row per active push device (when the citizen's push setting is on),
 * per WeChat subscribe grant left for the template, and one SMS when the citizen opted in
 * or the message must reach everyone (need_materials). */
#ifndef OW_NOTIFICATION_STORE_H
#define OW_NOTIFICATION_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

typedef struct notification_new {
    int64_t citizen_id, application_id; /* application_id 0: none */
    const char *kind, *title, *body;
    const char *wechat_template; /* the subscribe-message template, or NULL/"": none */
    bool sms_always;             /* send an SMS whatever the citizen's setting */
} notification_new;

/* The inbox row and its deliveries; *deliveries: how many outbox rows. */
int notification_insert(db_conn *c, const notification_new *n, int64_t *id, int64_t *deliveries);

#endif
