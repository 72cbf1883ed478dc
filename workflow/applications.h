/* Every step of an application, for citizens, staff and organizations alike: inside the
 * caller's transaction it checks the state machine (workflow/application_state.c) and writes
 * the new status, the timeline event, the audit-log row and the citizen's notification with
 * its outbox row, so that all of them commit together or not at all. */
#ifndef OW_APPLICATIONS_H
#define OW_APPLICATIONS_H

#include "core/calendar.h"
#include "db/application_store.h"
#include "workflow/application_state.h"

/* Who acts: the timeline shows display_name (a department's or organization's name,
 * "申请人" for the citizen); the audit log records audit_type and id. */
typedef struct app_actor_ref {
    app_actor kind;
    const char *audit_type; /* citizen | staff | organization */
    const char *id;         /* the principal's id */
    int64_t numeric_id;
    const char *display_name;
    const char *request_id;
} app_actor_ref;

#define APPLICANT_DISPLAY_NAME "申请人"

typedef struct app_step {
    app_status to;
    app_result result;         /* completed only */
    const char *note;          /* NULL or ≤ 500 code points */
    const char *materials;     /* a supplement's materials (JSON array), or NULL */
    const char *all_materials; /* the application's list after a supplement, or NULL */
    cal_day today;             /* in the service's time zone */
} app_step;

#define APP_REFUSED 1 /* an illegal transition: nothing written */

/* On a row read FOR UPDATE in c's transaction. DB_OK, APP_REFUSED, or a db_status. */
int application_step(db_conn *c, const app_row *row, const app_actor_ref *who,
                     const app_step *step);

/* After the application row of a submission is inserted (in the same transaction): its
 * first timeline event, audit row and notification. */
int application_record_submission(db_conn *c, int64_t id, const char *no,
                                  const app_service *service, const app_actor_ref *who,
                                  const char *materials);

#endif
