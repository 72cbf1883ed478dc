/* Feedback tickets (互动反馈, API.md §8): a citizen's submission, routed to the department of
 * the application, service or department it names, or to the general queue; the staff's
 * reads (audited), replies (with an inbox notification) and closing; the citizen's verdict
 * once closed. Writes run in a transaction begun here, left open on DB_OK for
 * idempotency_commit and rolled back otherwise. Returns DB_OK, DB_NOT_FOUND (no such ticket,
 * or not the caller's), a failure, or an outcome below. */
#ifndef OW_FEEDBACK_H
#define OW_FEEDBACK_H

#include <stdbool.h>

#include "core/arena.h"
#include "db/feedback_store.h"
#include "workflow/applications.h"

#define FEEDBACK_UNKNOWN_APPLICATION 2 /* not one of the citizen's applications */
#define FEEDBACK_UNKNOWN_SERVICE 3
#define FEEDBACK_UNKNOWN_DEPARTMENT 4
#define FEEDBACK_OPEN_LIMIT 5  /* the citizen has feedback_open_max open tickets */
#define FEEDBACK_DAILY_LIMIT 6 /* the citizen wrote feedback_daily_max today */
#define FEEDBACK_CLOSED 7      /* a reply or close on a closed ticket; a verdict before or twice */

/* What a citizen writes; at most one of application_no, service_code, department_code. */
typedef struct feedback_submission {
    int64_t citizen_id;
    const char *kind, *title, *body;
    const char *application_no, *service_code, *department_code;
    const char *today; /* YYYY-MM-DD, local */
    int open_max, daily_max;
} feedback_submission;

int feedback_submit(db_conn *c, arena *a, const feedback_submission *s, const app_actor_ref *who,
                    int64_t *id);

/* A staff member's department; desk: theirs is the feedback_desk_department (the general
 * queue's too). */
typedef struct feedback_viewer {
    const char *department_code;
    bool desk;
} feedback_viewer;

/* The viewer of a staff member of department_code (the desk: feedback_desk_department). */
feedback_viewer feedback_viewer_of(const char *department_code);

bool feedback_visible(const feedback_row *t, const feedback_viewer *v);

/* A staff member's read of ticket id: DB_OK with *out after its audit line (feedback.read). */
int feedback_staff_read(db_conn *c, arena *a, int64_t id, const feedback_viewer *v,
                        const app_actor_ref *who, feedback_row *out);

/* A reply on an open ticket (the citizen's inbox gets a notification). */
int feedback_reply_add(db_conn *c, arena *a, int64_t id, const feedback_viewer *v,
                       const app_actor_ref *who, const char *body, feedback_row *out);
int feedback_close(db_conn *c, arena *a, int64_t id, const feedback_viewer *v,
                   const app_actor_ref *who, feedback_row *out);

/* The citizen's verdict (1..5) on their closed ticket, once. */
int feedback_rate(db_conn *c, arena *a, int64_t id, int64_t citizen_id, int satisfaction,
                  const app_actor_ref *who, feedback_row *out);

#endif
