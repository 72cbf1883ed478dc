/* The citizen's inbox and the outbox rows that onewindow-pushd delivers (migration 0008).
 * Both are written inside the transaction of their cause. */
#ifndef OW_NOTIFICATION_STORE_H
#define OW_NOTIFICATION_STORE_H

#include <stdint.h>

#include "db/db.h"

typedef struct notification_new {
    int64_t citizen_id, application_id; /* application_id 0: none */
    const char *kind, *title, *body;
} notification_new;

/* The inbox row and its outbox row (topic "notification"). */
int notification_insert(db_conn *c, const notification_new *n, int64_t *id);

#endif
