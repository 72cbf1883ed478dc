/* The application state machine of API.md §5, in one place for citizens, staff and
 * organizations:
 *   submitted      → accepted | need_materials | not_accepted   (the handler)
 *   submitted      → withdrawn                                  (the citizen)
 *   need_materials → submitted (supplement) | withdrawn         (the citizen)
 *   accepted       → completed, with a result                   (the handler)
 * not_accepted, withdrawn and completed are final. */
#ifndef OW_APPLICATION_STATE_H
#define OW_APPLICATION_STATE_H

#include <stdbool.h>

typedef enum {
    APP_SUBMITTED,
    APP_ACCEPTED,
    APP_NEED_MATERIALS,
    APP_NOT_ACCEPTED,
    APP_WITHDRAWN,
    APP_COMPLETED,
    APP_STATUS_COUNT,
    APP_STATUS_NONE = -1
} app_status;

/* Who moves an application: the citizen, or whoever handles it (a department's staff or the
 * organization it is delegated to: the same transitions). */
typedef enum { ACTOR_CITIZEN, ACTOR_DEPARTMENT, ACTOR_ORGANIZATION, ACTOR_SYSTEM } app_actor;

typedef enum { RESULT_NONE, RESULT_APPROVED, RESULT_DENIED } app_result;

/* The status names in the enum's order, NULL-terminated: the one list of them (query
 * filters take it as is). */
extern const char *const app_status_names[APP_STATUS_COUNT + 1];

const char *app_status_name(app_status s);
/* APP_STATUS_NONE for an unknown name. */
app_status app_status_parse(const char *name);
/* The Chinese label citizens see (申报, 受理 …). */
const char *app_status_label(app_status s);
bool app_status_is_final(app_status s);

const char *app_actor_name(app_actor a);
const char *app_result_name(app_result r); /* NULL for RESULT_NONE */
app_result app_result_parse(const char *name);

/* Whether this actor may move an application from `from` to `to`. */
bool app_transition_allowed(app_status from, app_status to, app_actor actor);

#endif
