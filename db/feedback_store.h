/* Feedback tickets and their replies (互动反馈, API.md §8; migration 0082). A ticket's
 * department_code NULL is the general queue. */
#ifndef OW_FEEDBACK_STORE_H
#define OW_FEEDBACK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

typedef struct feedback_new {
    int64_t citizen_id;
    const char *kind, *title, *body;
    int64_t application_id;                                      /* 0: none */
    const char *application_no, *service_code, *department_code; /* NULL: none */
    const char *created_day;                                     /* YYYY-MM-DD, local */
} feedback_new;

int feedback_insert(db_conn *c, const feedback_new *n, int64_t *id);

/* Locks the citizen's row (serializes one citizen's submissions for the limits) and counts
 * their open tickets and those created on day. */
int feedback_citizen_counts(db_conn *c, arena *a, int64_t citizen_id, const char *day,
                            int64_t *open, int64_t *today);

/* Routing: the citizen's own application (its id and department), a service's department,
 * or a department that exists. DB_NOT_FOUND when there is none (or not the citizen's). */
int feedback_application_target(db_conn *c, arena *a, int64_t citizen_id, const char *no,
                                int64_t *application_id, const char **department_code);
int feedback_service_department(db_conn *c, arena *a, const char *service_code,
                                const char **department_code);
int feedback_department_exists(db_conn *c, arena *a, const char *department_code);

typedef struct feedback_row {
    int64_t id, citizen_id;
    const char *kind, *title, *body, *application_no, *service_code, *department_code;
    const char *status, *created_at, *closed_at, *rated_at;
    int satisfaction; /* 0: none yet */
} feedback_row;

int feedback_by_id(db_conn *c, arena *a, int64_t id, bool for_update, feedback_row *out);

/* A citizen's tickets or a queue, newest first, id < before, up to limit rows. A queue:
 * department_code's tickets, and the general ones too when with_general. */
typedef struct feedback_query {
    int64_t citizen_id;          /* ≠ 0: this citizen's tickets */
    const char *department_code; /* else this department's queue */
    bool with_general;
    const char *status; /* NULL: any */
    int64_t before;
    int limit;
} feedback_query;

int feedback_list(db_conn *c, arena *a, const feedback_query *q, feedback_row *out, size_t *n);

typedef struct feedback_reply {
    int64_t id, staff_id;
    const char *department_code, *body, *created_at;
} feedback_reply;

int feedback_reply_insert(db_conn *c, int64_t ticket_id, int64_t staff_id,
                          const char *department_code, const char *body);
/* Whether staff have replied to the ticket: DB_OK when they have, DB_NOT_FOUND when not. */
int feedback_has_reply(db_conn *c, arena *a, int64_t ticket_id);
/* Up to max replies of a ticket in order into out[]. */
int feedback_replies(db_conn *c, arena *a, int64_t ticket_id, feedback_reply *out, size_t max,
                     size_t *n);

/* DB_NOT_FOUND when closed already. */
int feedback_set_closed(db_conn *c, int64_t id);
/* DB_NOT_FOUND when open or rated already. */
int feedback_set_satisfaction(db_conn *c, int64_t id, int satisfaction);

/* EXPLAIN FORMAT=JSON of the staff queue (a department's open tickets; the desk's with the
 * general queue) with sample parameters (`explain-queries`). */
int feedback_explain_queries(db_conn *c, arena *a, db_plan_fn fn, void *ctx);

#endif
