#include "workflow/rectifications.h"

#include <stdio.h>
#include <string.h>

#include "core/utf8_cut.h"
#include "db/audit_store.h"
#include "db/notification_store.h"
#include "workflow/stats_counts.h"

bool rectification_visible(const rectification_row *k, const case_viewer *v)
{
    if (v->org_id)
        return k->org_id == v->org_id;
    return v->department_code && strcmp(k->department_code, v->department_code) == 0;
}

static int audit(db_conn *c, const app_actor_ref *who, const char *action, const char *no,
                 const char *detail)
{
    audit_entry au = {who->audit_type,       who->id, action, no, detail, who->request_id,
                      who->client_request_id};
    return audit_insert(c, &au);
}

#define ANSWERED_KIND "rectification_answered"
#define NOTICE_BODY_MAX_CHARS 500 /* notifications.body */

static const char *measure_label(const char *measure)
{
    if (strcmp(measure, "immediate") == 0)
        return "立行立改";
    return strcmp(measure, "scheduled") == 0 ? "限期整改" : "解释说明";
}

/* The citizen learns of the response in the case's transaction: the inbox line and its push
 * deliveries (db/notification_store.c), like the notice of an application's step. */
static int notify_answered(db_conn *c, arena *a, const rectification_row *k,
                           const case_response *rs)
{
    char *body = arena_printf(a, "办件 %s 的差评整改已答复（%s）：%s", k->application_no,
                              measure_label(rs->measure), rs->response);
    if (!body)
        return DB_ERROR;
    utf8_cut(body, NOTICE_BODY_MAX_CHARS);
    notification_new n = {
        k->citizen_id, k->application_id, ANSWERED_KIND, "您的评价有了整改答复", body, NULL, false};
    int64_t id, deliveries;
    return notification_insert(c, &n, &id, &deliveries);
}

static int resolve_in_tx(db_conn *c, arena *a, int64_t id, const case_viewer *v,
                         const app_actor_ref *who, const case_response *rs, rectification_row *out)
{
    int rc = rectification_by_id(c, a, id, true, out);
    if (rc == DB_OK && !rectification_visible(out, v))
        rc = DB_NOT_FOUND;
    if (rc != DB_OK)
        return rc;
    if (out->org_id && !v->org_id)
        return CASE_DELEGATED;
    char day[CAL_DATE_BYTES], detail[64];
    cal_day_format(rs->today, day);
    const char *responder = arena_printf(a, "%s:%s", who->audit_type, who->id);
    rectification_close k = {id, rs->verification, rs->measure, rs->response, responder, day};
    rc = rectification_set_closed(c, &k);
    if (rc == DB_NOT_FOUND)
        return CASE_CLOSED;
    snprintf(detail, sizeof detail, "case %lld; %s", (long long)id, rs->measure);
    if (rc == DB_OK)
        rc = stats_count_case_closed(c, out->rating_id, strcmp(day, out->deadline) > 0);
    if (rc == DB_OK)
        rc = notify_answered(c, a, out, rs);
    if (rc == DB_OK)
        rc = audit(c, who, "rectification.close", out->application_no, detail);
    return rc == DB_OK ? rectification_by_id(c, a, id, false, out) : rc;
}

int rectification_resolve(db_conn *c, arena *a, int64_t id, const case_viewer *v,
                          const app_actor_ref *who, const case_response *rs, rectification_row *out)
{
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    rc = resolve_in_tx(c, a, id, v, who, rs, out);
    if (rc != DB_OK)
        db_rollback(c);
    return rc;
}

static int visit_in_tx(db_conn *c, arena *a, int64_t application_id, const char *no, bool satisfied,
                       const app_actor_ref *who, rectification_row *out)
{
    int rc = rectification_of_application(c, a, application_id, out);
    const char *verdict = satisfied ? "satisfied" : "unsatisfied";
    if (rc != DB_OK)
        return rc; /* DB_NOT_FOUND: no case */
    rc = rectification_set_visit(c, out->id, verdict);
    if (rc == DB_NOT_FOUND)
        return CASE_CLOSED;
    if (rc == DB_OK)
        rc = stats_count_visit(c, out->rating_id, satisfied);
    if (rc == DB_OK)
        rc = audit(c, who, "rectification.visit", no, verdict);
    return rc == DB_OK ? rectification_of_application(c, a, application_id, out) : rc;
}

int rectification_visit(db_conn *c, arena *a, int64_t application_id, const char *no,
                        bool satisfied, const app_actor_ref *who, rectification_row *out)
{
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    rc = visit_in_tx(c, a, application_id, no, satisfied, who, out);
    if (rc != DB_OK)
        db_rollback(c);
    return rc;
}
