/* What the application handlers share (handlers/applications.c, staff_applications.c,
 * progress.c): the request's "today", loading an application by the path's number (to read
 * it, or locked for a step), material lists, taking a step, and the JSON views of an
 * application for its citizen, for the staff handling it and for the public progress
 * query. */
#ifndef OW_APPLICATION_VIEWS_H
#define OW_APPLICATION_VIEWS_H

#include <stdbool.h>

#include "api/request.h"
#include "api/response.h"
#include "core/calendar.h"
#include "db/application_store.h"
#include "workflow/applications.h"

#define NOTE_MAX_CHARS 500
#define MATERIALS_MAX 50
#define UPLOAD_ID_CHARS 32
#define MATERIAL_CODE_MAX_CHARS 32

struct app_actor_ref;
struct app_step;

/* Today in the service's time zone; with test routes on, the X-Test-Today header. */
cal_day request_today(req *r);

typedef enum {
    LOAD_WITH_TIMELINE, /* read with its timeline */
    LOAD_FOR_STEP,      /* locked in the step's transaction (application_step_begin), open on c */
} app_load;

/* The application named by the path's {no} (any spelling application_no_normalize takes)
 * when visible to viewer: true with the row, or false after answering 404 — for a malformed
 * or unknown number and for another principal's alike, so that numbers cannot be probed —
 * or 503/500. */
bool load_application(req *r, resp *w, db_conn *c, app_load how, app_visible_fn visible,
                      const void *viewer, app_row *out);

/* The material list of a body ([{"code","upload_id"}], at most MATERIALS_MAX); empty when
 * absent and not required. False after recording validation errors. */
bool read_materials(req *r, const cJSON *body, bool required, material_given **list, size_t *count);

/* The error sink of workflow functions that report problems by JSON Pointer: the request. */
app_errors request_errors(req *r);

bool application_overdue(const char *status, const char *due_date, cal_day today);

typedef enum { VIEW_CITIZEN, VIEW_STAFF, VIEW_PUBLIC } app_view;

cJSON *app_summary_json(const app_summary *s, cal_day today);
/* The detail with its timeline as the view allows (no notes, materials or query code for
 * the public). Staff's applicant data and form are added by the staff handler. */
cJSON *app_detail_json(const app_row *a, cal_day today, app_view view);
/* Answers 200 with the view of an application read with its timeline (or the failure). */
void respond_application(req *r, resp *w, const app_row *a, app_view view,
                         cJSON *(*extend)(req *r, const app_row *a, cJSON *detail, int *rc));
/* Answers a list of summaries with next_cursor (made by cursor_of on the last row when the
 * page is full). */
void respond_summaries(req *r, resp *w, const app_summary *items, size_t n, int limit,
                       const char *(*cursor_of)(req *r, const app_summary *last));

/* On the row load_application locked for a step (c's transaction open): takes the step
 * (workflow/applications.c) and answers the view of the application after it, committed
 * with the answer under the request's Idempotency-Key; or answers 409 invalid_transition, 400
 * (too many materials) or the failure, rolled back. */
void take_step(req *r, resp *w, db_conn *c, app_row *a, const struct app_actor_ref *who,
               const struct app_step *st, app_view view);

/* 409 invalid_transition naming the current status (member "current_status"). */
void respond_invalid_transition(req *r, resp *w, const char *current);

#endif
