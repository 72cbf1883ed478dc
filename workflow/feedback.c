#include "workflow/feedback.h"

#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/utf8_cut.h"
#include "db/audit_store.h"
#include "db/notification_store.h"

#define REPLY_KIND "feedback_reply"
#define NOTICE_TITLE_MAX_CHARS 100 /* notifications.title */

static int audit(db_conn *c, arena *a, const app_actor_ref *who, const char *action, int64_t id,
                 const char *detail)
{
    const char *target = arena_printf(a, "feedback:%lld", (long long)id);
    audit_entry au = {who->audit_type,       who->id, action, target, detail, who->request_id,
                      who->client_request_id};
    return target ? audit_insert(c, &au) : DB_ERROR;
}

/* The department the ticket goes to: NULL (the general queue) when it names none. */
static int route(db_conn *c, arena *a, const feedback_submission *s, int64_t *application_id,
                 const char **department)
{
    int rc;
    *application_id = 0;
    *department = NULL;
    if (s->application_no) {
        rc = feedback_application_target(c, a, s->citizen_id, s->application_no, application_id,
                                         department);
        return rc == DB_NOT_FOUND ? FEEDBACK_UNKNOWN_APPLICATION : rc;
    }
    if (s->service_code) {
        rc = feedback_service_department(c, a, s->service_code, department);
        return rc == DB_NOT_FOUND ? FEEDBACK_UNKNOWN_SERVICE : rc;
    }
    if (s->department_code) {
        rc = feedback_department_exists(c, a, s->department_code);
        *department = s->department_code;
        return rc == DB_NOT_FOUND ? FEEDBACK_UNKNOWN_DEPARTMENT : rc;
    }
    return DB_OK;
}

static int submit_in_tx(db_conn *c, arena *a, const feedback_submission *s,
                        const app_actor_ref *who, int64_t *id)
{
    int64_t open = 0, today = 0, application_id;
    const char *department;
    int rc = route(c, a, s, &application_id, &department);
    if (rc == DB_OK)
        rc = feedback_citizen_counts(c, a, s->citizen_id, s->today, &open, &today);
    if (rc != DB_OK)
        return rc;
    if (open >= s->open_max)
        return FEEDBACK_OPEN_LIMIT;
    if (today >= s->daily_max)
        return FEEDBACK_DAILY_LIMIT;
    feedback_new n = {s->citizen_id,     s->kind,         s->title,   s->body, application_id,
                      s->application_no, s->service_code, department, s->today};
    rc = feedback_insert(c, &n, id);
    return rc == DB_OK ? audit(c, a, who, "feedback.create", *id, s->kind) : rc;
}

feedback_viewer feedback_viewer_of(const char *department_code)
{
    const ow_config *cfg = config_current();
    const char *desk = cfg ? cfg->feedback_desk_department : "";
    return (feedback_viewer){department_code, *desk && strcmp(desk, department_code) == 0};
}

bool feedback_visible(const feedback_row *t, const feedback_viewer *v)
{
    if (!t->department_code)
        return v->desk;
    return v->department_code && strcmp(t->department_code, v->department_code) == 0;
}

static int visible_ticket(db_conn *c, arena *a, int64_t id, bool for_update,
                          const feedback_viewer *v, feedback_row *out)
{
    int rc = feedback_by_id(c, a, id, for_update, out);
    return rc == DB_OK && !feedback_visible(out, v) ? DB_NOT_FOUND : rc;
}

int feedback_staff_read(db_conn *c, arena *a, int64_t id, const feedback_viewer *v,
                        const app_actor_ref *who, feedback_row *out)
{
    int rc = visible_ticket(c, a, id, false, v, out);
    return rc == DB_OK ? audit(c, a, who, "feedback.read", id, NULL) : rc;
}

static int notify(db_conn *c, arena *a, const feedback_row *t, const char *body)
{
    char *title = arena_printf(a, "您的留言有了答复：%s", t->title);
    if (!title)
        return DB_ERROR;
    utf8_cut(title, NOTICE_TITLE_MAX_CHARS);
    notification_new n = {t->citizen_id, 0, REPLY_KIND, title, body, NULL, false};
    int64_t nid, deliveries;
    return notification_insert(c, &n, &nid, &deliveries);
}

static int reply_in_tx(db_conn *c, arena *a, int64_t id, const feedback_viewer *v,
                       const app_actor_ref *who, const char *body, feedback_row *out)
{
    int rc = visible_ticket(c, a, id, true, v, out);
    if (rc != DB_OK)
        return rc;
    if (strcmp(out->status, "open") != 0)
        return FEEDBACK_CLOSED;
    rc = feedback_reply_insert(c, id, who->numeric_id, v->department_code, body);
    if (rc == DB_OK)
        rc = notify(c, a, out, body);
    if (rc == DB_OK)
        rc = audit(c, a, who, "feedback.reply", id, NULL);
    return rc;
}

static int close_in_tx(db_conn *c, arena *a, int64_t id, const feedback_viewer *v,
                       const app_actor_ref *who, feedback_row *out)
{
    int rc = visible_ticket(c, a, id, true, v, out);
    if (rc == DB_OK)
        rc = feedback_set_closed(c, id) == DB_NOT_FOUND ? FEEDBACK_CLOSED : DB_OK;
    if (rc == DB_OK)
        rc = audit(c, a, who, "feedback.close", id, NULL);
    return rc == DB_OK ? feedback_by_id(c, a, id, false, out) : rc;
}

static int rate_in_tx(db_conn *c, arena *a, int64_t id, int64_t citizen_id, int satisfaction,
                      const app_actor_ref *who, feedback_row *out)
{
    int rc = feedback_by_id(c, a, id, true, out);
    if (rc != DB_OK || out->citizen_id != citizen_id)
        return rc == DB_OK ? DB_NOT_FOUND : rc;
    rc = feedback_set_satisfaction(c, id, satisfaction);
    if (rc == DB_NOT_FOUND)
        return FEEDBACK_CLOSED; /* still open, or rated already */
    char detail[16];
    snprintf(detail, sizeof detail, "%d", satisfaction);
    if (rc == DB_OK)
        rc = audit(c, a, who, "feedback.rate", id, detail);
    return rc == DB_OK ? feedback_by_id(c, a, id, false, out) : rc;
}

/* Runs one of the writes above in its transaction. */
#define IN_TX(call)                                                                                \
    do {                                                                                           \
        int rc_ = db_begin(c);                                                                     \
        if (rc_ != DB_OK)                                                                          \
            return rc_;                                                                            \
        rc_ = (call);                                                                              \
        if (rc_ != DB_OK)                                                                          \
            db_rollback(c);                                                                        \
        return rc_;                                                                                \
    } while (0)

int feedback_submit(db_conn *c, arena *a, const feedback_submission *s, const app_actor_ref *who,
                    int64_t *id)
{
    IN_TX(submit_in_tx(c, a, s, who, id));
}

int feedback_reply_add(db_conn *c, arena *a, int64_t id, const feedback_viewer *v,
                       const app_actor_ref *who, const char *body, feedback_row *out)
{
    IN_TX(reply_in_tx(c, a, id, v, who, body, out));
}

int feedback_close(db_conn *c, arena *a, int64_t id, const feedback_viewer *v,
                   const app_actor_ref *who, feedback_row *out)
{
    IN_TX(close_in_tx(c, a, id, v, who, out));
}

int feedback_rate(db_conn *c, arena *a, int64_t id, int64_t citizen_id, int satisfaction,
                  const app_actor_ref *who, feedback_row *out)
{
    IN_TX(rate_in_tx(c, a, id, citizen_id, satisfaction, who, out));
}
