/* Life-event bundles (高效办成一件事, API.md §4, §5 "Bundles"): a bundle loaded with its
 * services, and its submission: one bundle row and one child application per chosen
 * service, written in one transaction that begins here (ended by idempotency_commit, as
 * workflow/applications.h). */
#ifndef OW_BUNDLES_H
#define OW_BUNDLES_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "catalog/life_event.h"
#include "core/arena.h"
#include "db/bundle_store.h"
#include "db/life_event_store.h"

/* A bundle as its detail and its submission need it. */
typedef struct bundle_def {
    life_event_row row;
    const cJSON *definition; /* parsed; freed with the arena */
    life_event_part parts[LIFE_EVENT_SERVICES_MAX];
    size_t n_parts;
    life_event_product products[LIFE_EVENT_SERVICES_MAX];
    size_t n_products;
} bundle_def;

/* The active bundle of the code with its active services: DB_OK, DB_NOT_FOUND or a failure. */
int bundle_def_load(db_conn *c, arena *a, const char *code, bundle_def *out);

/* The merge input of every service (listed); in: chosen[i], or the required ones when chosen
 * is NULL. */
void bundle_def_parts(const bundle_def *d, const bool *chosen, bundle_part *out);

#include "workflow/applications.h"

#define BUNDLE_REFUSED_NOTHING 5 /* no service chosen (cannot happen: one is required) */

/* What a citizen submits for a bundle, validated by the handler (form against the merged
 * schema, answers, company, identity). */
typedef struct bundle_submission {
    const bundle_def *def;
    const bool *chosen;          /* per part of def */
    const char *answers;         /* JSON object text, as stored */
    const cJSON *form;           /* the bundle's form: each child gets the fields it names */
    const char *definitions;     /* merged material definitions of the chosen parts (JSON) */
    const material_given *given; /* each document once */
    size_t n_given;
    app_enterprise enterprise; /* given to the children whose service is not personal */
    app_errors errors;
    cal_day today;
    const app_actor_ref *who;
} bundle_submission;

typedef struct bundle_child {
    const app_service *service;
    app_submitted sub;
} bundle_child;

typedef struct bundle_submitted {
    char no[APP_NO_BYTES], query_code[QUERY_CODE_BYTES], due_date[CAL_DATE_BYTES];
    const char *submitted_at;
    int64_t id;
    bundle_child children[LIFE_EVENT_SERVICES_MAX];
    size_t n_children;
} bundle_submitted;

/* Begins a transaction on c and writes the bundle: the materials checked once against the
 * merged definitions (APP_INVALID after reporting), the bundle row under a fresh number,
 * one child per chosen service (its fields of the form, its materials: each upload attached
 * to the first child that needs it and listed on every other), and one notification for the
 * bundle. DB_OK with *out (the transaction open, for idempotency_commit), or any other
 * outcome (rolled back: nothing of it stays). */
int bundle_submit(db_conn *c, arena *a, const bundle_submission *s, bundle_submitted *out);
/* The bundle's status, derived from its children's (API.md §5 "Bundles"): need_materials
 * when any child asks for materials; withdrawn when every child is withdrawn; completed when
 * every child is final (each with its own result); submitted while every child is
 * submitted; else in_progress. */
const char *bundle_status(const app_row *children, size_t n);
/* When the bundle became final: the latest finished_at of its children once every child is
 * final (RFC 3339), else NULL. */
const char *bundle_finished_at(const app_row *children, size_t n);

/* Inside a transaction: the citizen's bundle numbered no (normalized) locked, with its
 * children locked (without timelines): DB_OK, DB_NOT_FOUND (none of this citizen's) or a
 * failure. */
int bundle_lock_own(db_conn *c, arena *a, const char *no, int64_t citizen_id, bundle_row *b,
                    app_row *children, size_t *n);

#define BUNDLE_NOTHING_TO_WITHDRAW 6 /* no child the citizen may still withdraw */

/* Begins a transaction on c and withdraws every child of the citizen's bundle numbered no
 * (normalized) that the citizen may still withdraw (submitted, need_materials; an accepted
 * child goes on), each with its timeline event and audit row, and one notification for the
 * bundle. DB_OK with *withdrawn (the transaction open), DB_NOT_FOUND (none of the citizen's),
 * BUNDLE_NOTHING_TO_WITHDRAW, or a failure (rolled back). */
int bundle_withdraw(db_conn *c, arena *a, const char *no, const app_actor_ref *who,
                    const char *note, cal_day today, size_t *withdrawn);

#define BUNDLE_NOTHING_WAITING 7 /* no child asks for materials */

/* A bundle's supplement (API.md §5 "Bundles"): what the citizen gives, read by the handler. */
typedef struct bundle_supplement_in {
    const char *no; /* normalized */
    const app_actor_ref *who;
    const char *note; /* NULL or ≤ 500 code points */
    const material_given *given;
    size_t n_given;
    app_errors errors;
    cal_day today;
} bundle_supplement_in;

/* Begins a transaction on c and answers every child of the citizen's bundle that asks for
 * materials (need_materials) and whose service defines a given material's code: each such
 * child goes back to submitted through application_step with the given materials of its
 * codes (each upload checked once, attached to the first child and listed on the others),
 * and one notification for the bundle. A code no waiting child's service defines is reported
 * (APP_INVALID). DB_OK with *answered (the transaction open), DB_NOT_FOUND (none of the
 * citizen's), BUNDLE_NOTHING_WAITING, APP_INVALID, APP_MATERIALS_FULL or a failure (rolled
 * back). */
int bundle_supplement(db_conn *c, arena *a, const bundle_supplement_in *in, size_t *answered);

#endif
