/* Rectification cases of bad ratings (差评整改, API.md §8): the handler's response that closes
 * a case, and the citizen's return visit (回访) on it. Each runs in a transaction begun here
 * with its audit line; on DB_OK it stays open for idempotency_commit, on anything else it is
 * rolled back. Returns DB_OK, DB_NOT_FOUND, a failure, or an outcome below. */
#ifndef OW_RECTIFICATIONS_H
#define OW_RECTIFICATIONS_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/calendar.h"
#include "db/rating_store.h"
#include "workflow/applications.h"

#define CASE_CLOSED 2    /* closed already (a response), or not closed / visited (a visit) */
#define CASE_DELEGATED 3 /* the department on a case an organization answers */

/* Who may see a case: a department (its own and its organizations' cases) or an
 * organization (org_id ≠ 0, its own). */
typedef struct case_viewer {
    const char *department_code;
    int64_t org_id;
} case_viewer;

bool rectification_visible(const rectification_row *k, const case_viewer *v);

typedef struct case_response {
    const char *verification, *measure, *response;
    cal_day today;
} case_response;

/* Closes case id with the response, when visible to v and answered by its handler (the
 * organization for delegated work). DB_OK with *out read again (transaction open). */
int rectification_resolve(db_conn *c, arena *a, int64_t id, const case_viewer *v,
                          const app_actor_ref *who, const case_response *rs,
                          rectification_row *out);

/* The citizen's verdict (satisfied or not) on the closed case of their application. */
int rectification_visit(db_conn *c, arena *a, int64_t application_id, const char *no,
                        bool satisfied, const app_actor_ref *who, rectification_row *out);

#endif
