/* What the application handlers share (handlers/applications.c, staff_applications.c,
 * progress.c): the request's "today", loading an application by the path's number, list
 * paging, material lists, and the JSON views of an application for its citizen, for the
 * staff handling it and for the public progress query. */
#ifndef OW_APPLICATION_VIEWS_H
#define OW_APPLICATION_VIEWS_H

#include <stdbool.h>

#include "api/request.h"
#include "api/response.h"
#include "core/calendar.h"
#include "db/application_store.h"

#define NOTE_MAX_CHARS 500
#define MATERIALS_MAX 50
#define MATERIAL_NAME_MAX_CHARS 100
#define LIST_LIMIT_DEFAULT 20
#define LIST_LIMIT_MAX 100

/* Today in the service's time zone; with test routes on, the X-Test-Today header. */
cal_day request_today(req *r);

typedef enum {
    LOAD_WITH_TIMELINE, /* the row with its timeline */
    LOAD_LOCKED,        /* the row FOR UPDATE (no timeline), inside the caller's transaction */
} app_load;

/* Whether the caller may see an application (its citizen; its department's staff). */
typedef bool (*app_visible_fn)(const req *r, const app_row *a);

/* The application named by the path's {no} (any spelling application_no_normalize takes):
 * true with the row, or false after answering 404 — for a malformed or unknown number and
 * for another principal's alike, so that numbers cannot be probed — or 503/500. */
bool load_application(req *r, resp *w, db_conn *c, app_load how, app_visible_fn visible,
                      app_row *out);

/* ?limit (1..100, default 20); false after recording a validation error. */
bool read_limit(req *r, int *limit);
/* ?cursor decoded into out (NUL-terminated); *present false without one. False after
 * recording a validation error (not a cursor of ours). */
bool read_cursor(req *r, char *out, size_t cap, bool *present);
/* An opaque cursor for text (from the arena). */
const char *make_cursor(req *r, const char *text);

/* The material list of a body ({"name"} objects) as a JSON array text; "[]" when absent and
 * not required. False after recording validation errors. *count: how many. */
bool read_materials(req *r, const cJSON *body, bool required, const char **json, int *count);
/* existing + added, both JSON arrays of {"name"} (NULL when out of memory). */
const char *append_materials(req *r, const char *existing, const char *added);

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

/* In c's open transaction, on the row a locked: takes the step, answers the view of the
 * application after it and commits with the answer under the request's Idempotency-Key; or
 * rolls back and answers 409 invalid_transition / the failure. */
struct app_actor_ref;
struct app_step;
void take_step(req *r, resp *w, db_conn *c, app_row *a, const struct app_actor_ref *who,
               const struct app_step *st, app_view view,
               cJSON *(*extend)(req *r, const app_row *a, cJSON *detail, int *rc));

/* 409 invalid_transition naming the current status (member "current_status"). */
void respond_invalid_transition(req *r, resp *w, const char *current);

#endif
