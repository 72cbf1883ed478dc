/* The audit log (migration 0008): append-only. This file has the only SQL that touches it,
 * and it only inserts and reads; the table's triggers refuse UPDATE and DELETE to anyone. */
#ifndef OW_AUDIT_STORE_H
#define OW_AUDIT_STORE_H

#include "core/arena.h"
#include "db/db.h"

typedef struct audit_entry {
    const char *actor_type; /* citizen | staff | organization | system | operator */
    const char *actor_id;
    const char *action;            /* "application.submit", "application.read" … */
    const char *target;            /* e.g. the application number */
    const char *detail;            /* NULL or a short note ("submitted → accepted") */
    const char *request_id;        /* the id the server made for the request, or NULL */
    const char *client_request_id; /* the client's own X-Request-Id, or NULL */
} audit_entry;

int audit_insert(db_conn *c, const audit_entry *e);

typedef void (*audit_row_fn)(const audit_entry *e, int64_t id, const char *created_at, void *ctx);
/* The rows of one target, oldest first. */
int audit_each_of_target(db_conn *c, arena *a, const char *target, audit_row_fn fn, void *ctx);

#endif
