/* Delegations (授权委托, API.md §7): a department hands one of its services to an
 * organization for a window of days in the service's time zone. Making one and revoking one
 * each run in one transaction that begins here, with the delegation's audit line and, for a
 * revocation, the organization's delegation.revoked webhook. On DB_OK the transaction stays
 * open for the caller's commit (idempotency_commit for a request, db_commit for the admin
 * command); on anything else it is rolled back here.
 *
 * The rules: a service of the department (any department for an operator), active; an
 * enabled organization; from ≤ to, to not before today, at most DELEGATION_DAYS_MAX days; no
 * other delegation of the service that is not revoked shares a day with the window (so at most
 * one is in force on any day). What a delegation changes — who handles the applications
 * submitted while it is in force — is decided in the submission (workflow/applications.c). */
#ifndef OW_WORKFLOW_DELEGATIONS_H
#define OW_WORKFLOW_DELEGATIONS_H

#include <stdint.h>

#include "core/arena.h"
#include "core/calendar.h"
#include "db/delegation_store.h"

#define DELEGATION_DAYS_MAX 1827 /* five years */

/* Outcomes besides the db_status ones (nothing written). */
#define DELEGATION_NO_SERVICE 2       /* no such service, or retired */
#define DELEGATION_OTHER_DEPARTMENT 3 /* the service belongs to another department */
#define DELEGATION_NO_ORG 4           /* no such organization, or disabled */
#define DELEGATION_OVERLAP 5          /* another delegation of the service shares a day */

/* Who acts: staff (department_code set: only that department's services and delegations)
 * or an operator (department_code NULL). */
typedef struct delegation_actor {
    const char *audit_type; /* staff | operator */
    const char *id;
    const char *department_code;
    const char *request_id, *client_request_id; /* for the audit log (db/audit_store.h) */
} delegation_actor;

/* What is wrong with a window (dates already parsed), or DELEGATION_WINDOW_OK. */
typedef enum {
    DELEGATION_WINDOW_OK,
    DELEGATION_WINDOW_REVERSED, /* to before from */
    DELEGATION_WINDOW_ENDED,    /* to before today */
    DELEGATION_WINDOW_TOO_LONG, /* more than DELEGATION_DAYS_MAX days */
} delegation_window;

delegation_window delegation_window_check(cal_day from, cal_day to, cal_day today);

typedef struct delegation_request {
    const char *service_code;
    int64_t org_id;
    const char *from, *to; /* YYYY-MM-DD, checked by delegation_window_check */
} delegation_request;

/* Makes the delegation: DB_OK with *out (the transaction open), an outcome above, or a
 * failure. */
int delegation_create(db_conn *c, arena *a, const delegation_request *rq,
                      const delegation_actor *who, delegation_row *out);

/* Revokes it at once: DB_OK with *out (the transaction open; revoked before: nothing more
 * written), DB_NOT_FOUND (none, or another department's), or a failure. */
int delegation_revoke(db_conn *c, arena *a, int64_t id, const delegation_actor *who,
                      delegation_row *out);

#endif
