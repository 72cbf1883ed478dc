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
#include "db/bundle_store.h"
#include "workflow/applications.h"

#define NOTE_MAX_CHARS 500
#define MATERIALS_MAX 50
#define UPLOAD_ID_CHARS 32
#define MATERIAL_CODE_MAX_CHARS 32

struct app_actor_ref;
struct app_step;

/* Today in the service's time zone; with test routes on, the X-Test-Today header. */
cal_day request_today(req *r);

/* With test routes on only: the X-Test-Commit-Delay-Ms header (1..5000) holds a submission's
 * or a step's transaction open that long before its commit, so that tests can order
 * concurrent writers (the change feed of API.md §7 must not skip a late commit). */
#define TEST_COMMIT_DELAY_MAX_MS 5000
void test_commit_pause(req *r);

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
/* load_application's visible for the citizen's own applications (viewer: the citizen's id). */
bool app_owned_by_citizen(const app_row *a, const void *citizen_id);

/* The material list of a body ([{"code","upload_id"}], at most MATERIALS_MAX); empty when
 * absent and not required. False after recording validation errors. */
bool read_materials(req *r, const cJSON *body, bool required, material_given **list, size_t *count);

/* The form of a body as compact JSON text, at most 16 KiB; NULL after recording an error. */
const char *read_form(req *r, const cJSON *body);
/* Whether the body's form matches schema (each bad field recorded with its pointer). */
bool form_matches(req *r, const cJSON *schema, const cJSON *body);
/* YYYYMMDD of a day (the form check's "today"). */
long request_yyyymmdd(cal_day d);
/* True when the citizen's identity is as sure as svc->min_assurance_level needs, read from
 * the account now; else answered (403 real_name_required with required_assurance_level, or
 * the failure). */
bool identity_sure_enough(req *r, resp *w, const app_service *svc);
/* The company named by the body's enterprise_id as svc->audience wants it (required for
 * enterprise, optional for both, refused for personal). False after recording an error, or
 * after answering a failure (w->status set). */
bool read_enterprise(req *r, resp *w, const app_service *svc, const cJSON *body,
                     app_enterprise *out);

/* The calling citizen as the actor of a step or submission. */
app_actor_ref citizen_actor(const req *r);
/* The calling staff member (their department's work: feedback, public questions). */
app_actor_ref department_staff_actor(const req *r);

/* The error sink of workflow functions that report problems by JSON Pointer: the request. */
app_errors request_errors(req *r);

bool application_overdue(const char *status, const char *due_date, cal_day today);

typedef enum { VIEW_CITIZEN, VIEW_STAFF, VIEW_PUBLIC } app_view;

/* The detail with its timeline as the view allows (no notes, materials or query code for
 * the public). Staff's applicant data and form are added by the staff handler. */
cJSON *app_detail_json(const app_row *a, cal_day today, app_view view);
/* respond_application's extension for those handling an application (staff, the
 * organization): the applicant's data in full and the form, read under an audit line
 * (application.read, actor staff or organization, an organization's with its client id).
 * NULL with *rc on a failure. */
cJSON *app_with_applicant(req *r, const app_row *a, cJSON *detail, int *rc);

/* A handler's step {"status","note","result"} (staff and organizations alike): note
 * required to refuse or ask for materials; result exactly when completing. False after
 * recording validation errors. */
bool read_handler_step(req *r, struct app_step *st);

/* Answers 200 with the view of an application read with its timeline (or the failure). */
void respond_application(req *r, resp *w, const app_row *a, app_view view,
                         cJSON *(*extend)(req *r, const app_row *a, cJSON *detail, int *rc));
/* A page of summaries: {"items", "next_cursor"}, and for the organization's change feed each
 * item's change_seq and the page's has_more. */
typedef struct summary_page {
    const app_summary *items;
    size_t n;
    const char *next_cursor; /* NULL: null */
    bool feed;
    bool has_more;
} summary_page;

/* Answers 200 with the page (Cache-Control: no-store), written straight into the answer. */
void respond_summary_page(req *r, resp *w, const summary_page *p);

/* Answers a list of summaries with next_cursor (made by cursor_of on the last row when the
 * page is full). */
void respond_summaries(req *r, resp *w, const app_summary *items, size_t n, int limit,
                       const char *(*cursor_of)(req *r, const app_summary *last));

/* On the row load_application locked for a step (c's transaction open): takes the step
 * (workflow/applications.c) and answers the view of the application after it, committed
 * with the answer under the request's Idempotency-Key; or answers 409 invalid_transition, 400
 * (too many materials), 403 (the department on an application an organization handles under
 * a delegation in effect) or the failure, rolled back. */
void take_step(req *r, resp *w, db_conn *c, app_row *a, const struct app_actor_ref *who,
               const struct app_step *st, app_view view);

/* A life-event bundle (handlers/bundles.c, progress.c): the bundle of number with its
 * children (with timelines), or false after answering 404 (unknown, malformed, or another
 * citizen's when viewer is not 0: the same) or the failure; and its view (the query code and
 * answers for its citizen only; the children as app_detail_json's view). */
bool load_bundle(req *r, resp *w, db_conn *c, const char *number, int64_t viewer, bundle_row *b,
                 app_row *children, size_t *n);
cJSON *bundle_json(req *r, const bundle_row *b, const app_row *children, size_t n, app_view view);

/* 409 invalid_transition naming the current status (member "current_status"). */
void respond_invalid_transition(req *r, resp *w, const char *current);

#endif
