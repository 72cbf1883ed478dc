/* SQL of organization webhooks (API.md §7, migrations 0012, 0043): the events written into the
 * outbox inside the transaction of their cause (onewindow-pushd delivers them; the outbox
 * row's delivery id is the event id every try carries), and the delivery log pushd writes
 * with each batch's results and prunes with the outbox (db/outbox_store.c) and organizations
 * read. */
#ifndef OW_WEBHOOK_STORE_H
#define OW_WEBHOOK_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

/* An event of type for the organization, with its data (a JSON object's text). */
int webhook_event_insert(db_conn *c, int64_t org_id, const char *type, const char *data_json);

typedef struct webhook_attempt {
    int64_t id, attempt, http_status, duration_ms; /* http_status 0: no answer */
    const char *event_id, *type, *result, *error, *at, *next_attempt_at;
} webhook_attempt;

/* The organization's tries, newest first, with id < before (INT64_MAX: from the newest), of
 * one event (event_id) or all (NULL); up to limit into out[]. */
int webhook_attempt_list(db_conn *c, arena *a, int64_t org_id, const char *event_id, int64_t before,
                         int limit, webhook_attempt *out, size_t *n);

/* EXPLAIN FORMAT=JSON of the list queries (`explain-queries`). */
int webhook_explain_queries(db_conn *c, arena *a, db_plan_fn fn, void *ctx);

#endif
