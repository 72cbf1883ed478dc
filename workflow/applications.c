#include "workflow/applications.h"

#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/utf8_cut.h"
#include "db/audit_store.h"
#include "workflow/calendar_cache.h"
#include "db/notification_store.h"

#define NOTICE_BODY_MAX_CHARS 500
#define NOTICE_KIND "application"

static void notice_text(const char *service, const char *no, app_status from, const app_step *st,
                        const char *due, const char **title, char *body, size_t cap)
{
    const char *note = st->note && *st->note ? st->note : NULL;
    switch (st->to) {
    case APP_SUBMITTED:
        if (from == APP_NEED_MATERIALS) {
            *title = "材料已补正";
            snprintf(body, cap, "您已为「%s」补齐补正材料，请等待部门审核。", service);
        } else {
            *title = "申请已提交";
            snprintf(body, cap, "您申请的「%s」已提交，办件编号 %s。", service, no);
        }
        break;
    case APP_ACCEPTED:
        *title = "申请已受理";
        snprintf(body, cap, "您申请的「%s」已受理，承诺办结日期 %s。", service, due);
        break;
    case APP_NEED_MATERIALS:
        *title = "请补齐补正材料";
        snprintf(body, cap, "您申请的「%s」需要补齐补正材料：%s", service, note ? note : "");
        break;
    case APP_NOT_ACCEPTED:
        *title = "申请不予受理";
        snprintf(body, cap, "您申请的「%s」不予受理：%s", service, note ? note : "");
        break;
    case APP_WITHDRAWN:
        *title = "申请已撤回";
        snprintf(body, cap, "您申请的「%s」已撤回。", service);
        break;
    case APP_COMPLETED:
        *title = "办件已办结";
        snprintf(body, cap, "您申请的「%s」已办结，结果：%s。%s", service,
                 st->result == RESULT_APPROVED ? "准予办理" : "不予办理", note ? note : "");
        break;
    default: *title = "办件进度更新"; snprintf(body, cap, "「%s」有新的进度。", service);
    }
    utf8_cut(body, NOTICE_BODY_MAX_CHARS);
}

static int record(db_conn *c, int64_t id, int64_t citizen_id, const char *no, const char *service,
                  app_status from, const app_actor_ref *who, const app_step *st, const char *due)
{
    app_event ev = {
        id,       who->numeric_id, app_status_name(st->to),   app_result_name(st->result),
        st->note, st->materials,   app_actor_name(who->kind), who->display_name};
    int rc = app_event_insert(c, &ev);
    char detail[64];
    if (from == APP_STATUS_NONE)
        snprintf(detail, sizeof detail, "submitted");
    else
        snprintf(detail, sizeof detail, "%s -> %s", app_status_name(from), app_status_name(st->to));
    audit_entry au = {who->audit_type,
                      who->id,
                      from == APP_STATUS_NONE ? "application.submit" : "application.transition",
                      no,
                      detail,
                      who->request_id};
    if (rc == DB_OK)
        rc = audit_insert(c, &au);
    const char *title;
    char body[2048];
    notice_text(service, no, from, st, due, &title, body, sizeof body);
    const ow_config *cfg = config_current();
    /* citizens without the app must still learn that something is missing: SMS always */
    notification_new n = {citizen_id,
                          id,
                          NOTICE_KIND,
                          title,
                          body,
                          cfg ? cfg->wechat_status_template : NULL,
                          st->to == APP_NEED_MATERIALS};
    int64_t notification_id, deliveries;
    if (rc == DB_OK)
        rc = notification_insert(c, &n, &notification_id, &deliveries);
    return rc;
}

int application_record_submission(db_conn *c, int64_t id, const char *no,
                                  const app_service *service, const app_actor_ref *who,
                                  const char *materials)
{
    app_step st = {.to = APP_SUBMITTED, .materials = materials};
    return record(c, id, who->numeric_id, no, service->name, APP_STATUS_NONE, who, &st, NULL);
}

/* The due date after this step: the clock stops in need_materials and the date moves on by
 * the working days spent there when the citizen resubmits. */
static void next_dates(const app_row *row, app_status from, const app_step *st,
                       char due[CAL_DATE_BYTES], char paused[CAL_DATE_BYTES], bool *paused_set)
{
    cal_day due_day, paused_day;
    snprintf(due, CAL_DATE_BYTES, "%s", row->due_date);
    *paused_set = false;
    if (st->to == APP_NEED_MATERIALS) {
        cal_day_format(st->today, paused);
        *paused_set = true;
    } else if (from == APP_NEED_MATERIALS && st->to == APP_SUBMITTED && row->paused_on &&
               cal_day_parse(row->due_date, &due_day) == 0 &&
               cal_day_parse(row->paused_on, &paused_day) == 0) {
        cal_day_format(calendar_resume_due(due_day, paused_day, st->today), due);
    }
}

int application_step(db_conn *c, const app_row *row, const app_actor_ref *who, const app_step *st)
{
    app_status from = app_status_parse(row->status);
    if (!app_transition_allowed(from, st->to, who->kind))
        return APP_REFUSED;
    char due[CAL_DATE_BYTES], paused[CAL_DATE_BYTES];
    bool paused_set;
    next_dates(row, from, st, due, paused, &paused_set);
    app_change ch = {row->id,
                     app_status_name(st->to),
                     app_result_name(st->result),
                     due,
                     paused_set ? paused : NULL,
                     st->all_materials,
                     app_status_is_final(st->to)};
    int rc = app_update(c, &ch);
    return rc == DB_OK
               ? record(c, row->id, row->citizen_id, row->no, row->service_name, from, who, st, due)
               : rc;
}
