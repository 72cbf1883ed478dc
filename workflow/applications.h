/* The submission and every step of an application, for citizens, staff and organizations
 * alike. Each runs in one transaction that begins here: the state machine
 * (workflow/application_state.c) is checked, and the new status, the timeline event, the
 * audit-log row and the citizen's notification with its outbox rows are written, so that all
 * of them commit together or not at all. On success the transaction stays open: the caller
 * builds its answer and ends it with idempotency_commit (api/idempotency.h), which keeps the
 * answer under the request's Idempotency-Key in the same transaction. On any other outcome
 * it is rolled back here before returning.
 *
 * Returns: DB_OK, DB_NOT_FOUND, a negative failure (db/db.h), or one of the outcomes
 * below. */
#ifndef OW_APPLICATIONS_H
#define OW_APPLICATIONS_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/calendar.h"
#include "db/application_store.h"
#include "workflow/application_state.h"
#include "workflow/materials.h"

#define APP_REFUSED 2        /* an illegal transition for this actor: nothing written */
#define APP_MATERIALS_FULL 3 /* a supplement past MATERIALS_TOTAL_MAX: nothing written */
#define APP_INVALID 4        /* materials that do not check out (reported): nothing written */
/* the department's step on an application an organization handles under a delegation not
 * revoked: nothing written */
#define APP_DELEGATED 5
#define MATERIALS_TOTAL_MAX 200 /* materials of one application, after supplements */

/* Who acts: the timeline shows display_name (a department's or organization's name,
 * "申请人" for the citizen); the audit log records audit_type and id. */
typedef struct app_actor_ref {
    app_actor kind;
    const char *audit_type; /* citizen | staff | organization */
    const char *id;         /* the principal's id */
    int64_t numeric_id;
    const char *display_name;
    const char *request_id, *client_request_id; /* for the audit log (db/audit_store.h) */
} app_actor_ref;

#define APPLICANT_DISPLAY_NAME "申请人"

/* Where problems with given materials go (JSON Pointers under "/materials"). */
typedef struct app_errors {
    form_error_fn fn;
    void *ctx;
} app_errors;

typedef struct app_step {
    app_status to;
    app_result result;           /* completed only */
    const char *note;            /* NULL or ≤ 500 code points */
    const char *materials;       /* the event's materials (JSON array; set here), or NULL */
    cal_day today;               /* in the service's time zone */
    const material_given *given; /* a supplement's materials: replace those of the same code */
    size_t n_given;
    /* or, instead of given, n_given materials checked already (a bundle's supplement,
     * workflow/bundles.c): attach[i] false: attached to a sibling, listed only */
    const material_checked *checked;
    const bool *attach;
    app_errors errors; /* where problems with given materials are reported */
    bool quiet;        /* no notification: the bundle the application belongs to sends one */
} app_step;

/* What a citizen submits, validated by the handler (the service active, the citizen
 * verified, the personal-data key ready). */
typedef struct app_submission {
    const app_service *service;
    const char *form;            /* JSON text: sealed here under the personal-data key */
    const material_given *given; /* every required material of the service (checked here) */
    size_t n_given;
    app_enterprise enterprise; /* the company applied for (id 0: none) */
    app_errors errors;         /* where problems with the materials are reported */
    cal_day today;             /* the submission day, in the service's time zone */
    const app_actor_ref *who;
} app_submission;

/* What the answer of a submission shows. */
typedef struct app_submitted {
    char no[APP_NO_BYTES], query_code[QUERY_CODE_BYTES], due_date[CAL_DATE_BYTES];
    const char *submitted_at; /* RFC 3339 (from the arena) */
    int64_t id;
} app_submitted;

/* Begins a transaction on c and writes a submission: the materials checked and attached
 * (APP_INVALID after reporting their problems), the form sealed, the row under a fresh
 * number (another draw on the rare clash), its due date, first timeline event, audit row and
 * notification. When a delegation of the service is in force that day (API.md §7), the
 * organization handles the application: its webhook and its change feed's next number are
 * written too. DB_OK with *out (the transaction open), or any other outcome (rolled back). */
int application_submit(db_conn *c, arena *a, const app_submission *s, app_submitted *out);

/* Inside the caller's open transaction (a bundle's, workflow/bundles.c): one child
 * application of the bundle bundle_id with s's form, its checked materials (s->n_given of
 * them; attach[i] false: already attached to a sibling, listed only), its first timeline
 * event and audit row, and no notification of its own. Nothing is rolled back here. */
int application_insert_child(db_conn *c, arena *a, const app_submission *s, int64_t bundle_id,
                             const material_checked *checked, const bool *attach,
                             app_submitted *out);

/* Whether a viewer may see an application (a citizen its own, staff their department's);
 * to anyone else it is as if there were none. */
typedef bool (*app_visible_fn)(const app_row *a, const void *viewer);

/* Begins a step's transaction on c and locks the application numbered no (normalized) when
 * visible to viewer. DB_OK with *row (locked, without its timeline; the transaction open for
 * application_step), DB_NOT_FOUND or a failure (nothing open). */
int application_step_begin(db_conn *c, arena *a, const char *no, app_visible_fn visible,
                           const void *viewer, app_row *row);

/* The step on the row application_step_begin locked: the transition is checked
 * (APP_REFUSED; APP_DELEGATED for the department on an application of a delegation in
 * effect; *row untouched), a supplement's materials are checked (APP_INVALID) and attached in
 * place of those of the same code (APP_MATERIALS_FULL past the limit), and everything is
 * written — for a delegated application also the organization's webhook (the citizen's steps)
 * and its change feed's next number. DB_OK with *row read again with its timeline (the
 * transaction open), or any other outcome (rolled back). */
int application_step(db_conn *c, arena *a, app_row *row, const app_actor_ref *who,
                     const app_step *step);

/* A message of the organization handling the application to its applicant (API.md §7): the
 * inbox notification (kind organization_message, the organization's name before the title)
 * with its deliveries (push, SMS when the citizen opted in) and an audit line, in a
 * transaction begun here: DB_OK with the notification's *id (the transaction open), or a
 * failure (rolled back). */
int application_message(db_conn *c, arena *a, const app_row *row, const app_actor_ref *who,
                        const char *title, const char *body, int64_t *id);

#endif
