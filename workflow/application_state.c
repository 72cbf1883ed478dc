#include "workflow/application_state.h"

#include <string.h>

const char *const app_status_names[APP_STATUS_COUNT + 1] = {
    "submitted", "accepted", "need_materials", "not_accepted", "withdrawn", "completed", NULL,
};
static const char *const labels[APP_STATUS_COUNT] = {
    "申报", "受理", "补齐补正", "不予受理", "撤回", "办结",
};

#define BY_CITIZEN (1u << ACTOR_CITIZEN)
#define BY_HANDLER ((1u << ACTOR_DEPARTMENT) | (1u << ACTOR_ORGANIZATION))

/* allowed[from][to]: the actors that may take that edge. */
static const unsigned allowed[APP_STATUS_COUNT][APP_STATUS_COUNT] = {
    [APP_SUBMITTED] = {[APP_ACCEPTED] = BY_HANDLER,
                       [APP_NEED_MATERIALS] = BY_HANDLER,
                       [APP_NOT_ACCEPTED] = BY_HANDLER,
                       [APP_WITHDRAWN] = BY_CITIZEN},
    [APP_NEED_MATERIALS] = {[APP_SUBMITTED] = BY_CITIZEN, [APP_WITHDRAWN] = BY_CITIZEN},
    [APP_ACCEPTED] = {[APP_COMPLETED] = BY_HANDLER},
};

const char *app_status_name(app_status s)
{
    return s >= 0 && s < APP_STATUS_COUNT ? app_status_names[s] : "unknown";
}

const char *app_status_label(app_status s)
{
    return s >= 0 && s < APP_STATUS_COUNT ? labels[s] : "";
}

app_status app_status_parse(const char *name)
{
    for (int s = 0; name && s < APP_STATUS_COUNT; s++)
        if (strcmp(name, app_status_names[s]) == 0)
            return (app_status)s;
    return APP_STATUS_NONE;
}

bool app_status_is_final(app_status s)
{
    return s == APP_NOT_ACCEPTED || s == APP_WITHDRAWN || s == APP_COMPLETED;
}

const char *app_actor_name(app_actor a)
{
    static const char *const actors[] = {"citizen", "department", "organization", "system"};
    return a >= ACTOR_CITIZEN && a <= ACTOR_SYSTEM ? actors[a] : "system";
}

const char *app_result_name(app_result r)
{
    return r == RESULT_APPROVED ? "approved" : r == RESULT_DENIED ? "denied" : NULL;
}

app_result app_result_parse(const char *name)
{
    if (name && strcmp(name, "approved") == 0)
        return RESULT_APPROVED;
    if (name && strcmp(name, "denied") == 0)
        return RESULT_DENIED;
    return RESULT_NONE;
}

bool app_transition_allowed(app_status from, app_status to, app_actor actor)
{
    if (from < 0 || from >= APP_STATUS_COUNT || to < 0 || to >= APP_STATUS_COUNT)
        return false;
    return (allowed[from][to] & (1u << actor)) != 0;
}
