#include "workflow/applications.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "auth/pii.h"
#include "core/config.h"
#include "core/utf8_cut.h"
#include "db/audit_store.h"
#include "db/bundle_store.h"
#include "db/delegation_store.h"
#include "db/notification_store.h"
#include "db/webhook_store.h"
#include "workflow/application_no.h"
#include "workflow/calendar_cache.h"

#define NOTICE_BODY_MAX_CHARS 500
#define NOTICE_TITLE_MAX_CHARS 100 /* notifications.title */
#define NOTICE_KIND "application"
#define MESSAGE_KIND "organization_message"

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

/* A child of a life-event bundle says which (API.md §6): each department's step notifies on
 * its own, so the citizen must see which of their bundles it belongs to. */
static int name_the_bundle(db_conn *c, int64_t id, char *body, size_t cap)
{
    arena a;
    arena_init(&a, 1024);
    const char *bundle_no, *name;
    int rc = bundle_of_application(c, &a, id, &bundle_no, &name);
    if (rc == DB_OK) {
        char *own = arena_strdup(&a, body);
        if (own)
            snprintf(body, cap, "【%s %s】%s", name, bundle_no, own);
        utf8_cut(body, NOTICE_BODY_MAX_CHARS);
    }
    arena_destroy(&a);
    return rc == DB_NOT_FOUND ? DB_OK : rc;
}

static int record(db_conn *c, int64_t id, int64_t citizen_id, const char *no, const char *service,
                  app_status from, const app_actor_ref *who, const app_step *st, const char *due)
{
    bool notify = !st->quiet;
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
                      who->request_id,
                      who->client_request_id};
    if (rc == DB_OK)
        rc = audit_insert(c, &au);
    const char *title;
    char body[2048];
    notice_text(service, no, from, st, due, &title, body, sizeof body);
    if (rc == DB_OK && notify)
        rc = name_the_bundle(c, id, body, sizeof body);
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
    if (rc == DB_OK && notify)
        rc = notification_insert(c, &n, &notification_id, &deliveries);
    return rc;
}

/* The organization's webhook of a citizen's step (API.md §7), or none for other steps. */
static const char *citizen_event_type(app_status from, app_status to)
{
    if (to == APP_SUBMITTED)
        return from == APP_STATUS_NONE ? "application.submitted" : "application.supplemented";
    return to == APP_WITHDRAWN ? "application.withdrawn" : NULL;
}

static int webhook_event(db_conn *c, int64_t org_id, const char *type, const char *no,
                         const char *service_code, const char *service_name, app_status to)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "application_no", no);
    cJSON *s = cJSON_AddObjectToObject(o, "service");
    cJSON_AddStringToObject(s, "code", service_code);
    cJSON_AddStringToObject(s, "name", service_name);
    cJSON_AddStringToObject(o, "status", app_status_name(to));
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    int rc = text ? webhook_event_insert(c, org_id, type, text) : DB_ERROR;
    cJSON_free(text);
    return rc;
}

/* What a delegated application's change adds to its transaction: the organization's webhook
 * when the citizen acted, and — last, since it holds the organization's feed counter to the
 * commit — the next number of its change feed. */
static int organization_side(db_conn *c, int64_t app_id, int64_t org_id, const char *no,
                             const char *service_code, const char *service_name, app_status from,
                             app_status to, app_actor actor)
{
    const char *type = actor == ACTOR_CITIZEN ? citizen_event_type(from, to) : NULL;
    int rc = type ? webhook_event(c, org_id, type, no, service_code, service_name, to) : DB_OK;
    int64_t seq;
    return rc == DB_OK ? app_feed_touch(c, app_id, org_id, from == APP_STATUS_NONE, &seq) : rc;
}

/* A submission's row under a fresh number: another draw on the rare clash. */
#define NUMBER_TRIES 5

static int insert_new(db_conn *c, app_new *n, cal_day today, app_submitted *out)
{
    int rc = DB_DUPLICATE;
    query_code_stored stored;
    for (int i = 0; i < NUMBER_TRIES && rc == DB_DUPLICATE; i++) {
        application_no_new(today, out->no);
        query_code_new(out->query_code);
        query_code_store(out->no, out->query_code, &stored);
        n->no = out->no;
        n->code = (app_query_code){stored.hash, stored.sealed, stored.sealed_len};
        rc = app_insert(c, n, &out->id);
    }
    return rc;
}

/* Checks the given materials in the open transaction: DB_OK (out filled, the uploads
 * locked), APP_INVALID (reported), or a failure. */
static int check_given(db_conn *c, arena *a, const char *definitions, int64_t citizen_id,
                       const material_given *given, size_t n, bool all_required,
                       const app_errors *errors, material_checked **out)
{
    *out = arena_calloc(a, n ? n : 1, sizeof **out);
    if (!*out)
        return DB_ERROR;
    int rc = materials_check(c, a, definitions, citizen_id, given, n, all_required, "/materials",
                             errors->fn, errors->ctx, *out);
    return rc < 0 ? rc : rc > 0 ? APP_INVALID : DB_OK;
}

/* The row, its materials, first event and audit row (and the notification unless quiet). */
static int insert_application(db_conn *c, arena *a, const app_submission *s, int64_t bundle_id,
                              const material_checked *checked, const bool *attach, bool quiet,
                              app_submitted *out)
{
    size_t form_len = strlen(s->form), sealed_len = 0;
    uint8_t *sealed = arena_alloc(a, form_len + PII_SEAL_OVERHEAD);
    if (!sealed)
        return DB_ERROR;
    pii_encrypt("form", s->form, sealed, &sealed_len);
    cal_day_format(calendar_due_date(s->today, (int)s->service->promised_days), out->due_date);
    app_new n = {.citizen_id = s->who->numeric_id,
                 .service = s->service,
                 .form_enc = sealed,
                 .form_len = sealed_len,
                 .materials = "[]",
                 .due_date = out->due_date,
                 .enterprise = s->enterprise,
                 .bundle_id = bundle_id};
    char today[CAL_DATE_BYTES];
    cal_day_format(s->today, today);
    /* the delegation in force today (share-locked, so that a revocation lands either
     * before this submission or after it, never in between); the application stays with
     * its organization until it is final (API.md §7); a bundle's child too */
    int rc = delegation_in_force_locked(c, a, s->service->id, today, &n.delegation_id, &n.org_id,
                                        &n.org_name);
    if (rc == DB_OK)
        rc = insert_new(c, &n, s->today, out);
    const char *materials = "[]";
    if (rc == DB_OK)
        rc = materials_attach_some(c, a, out->id, "[]", checked, attach, s->n_given, &materials);
    if (rc == DB_OK)
        rc = app_set_materials(c, out->id, materials);
    app_step first = {.to = APP_SUBMITTED, .materials = materials, .quiet = quiet};
    if (rc == DB_OK)
        rc = record(c, out->id, s->who->numeric_id, out->no, s->service->name, APP_STATUS_NONE,
                    s->who, &first, NULL);
    if (rc == DB_OK)
        rc = app_submitted_at(c, a, out->id, &out->submitted_at);
    if (rc == DB_OK && n.org_id)
        rc = organization_side(c, out->id, n.org_id, out->no, s->service->code, s->service->name,
                               APP_STATUS_NONE, APP_SUBMITTED, ACTOR_CITIZEN);
    return rc;
}

int application_insert_child(db_conn *c, arena *a, const app_submission *s, int64_t bundle_id,
                             const material_checked *checked, const bool *attach,
                             app_submitted *out)
{
    return insert_application(c, a, s, bundle_id, checked, attach, true, out);
}

static int submit_in_tx(db_conn *c, arena *a, const app_submission *s, app_submitted *out)
{
    material_checked *checked;
    int rc = check_given(c, a, s->service->materials, s->who->numeric_id, s->given, s->n_given,
                         true, &s->errors, &checked);
    return rc == DB_OK ? insert_application(c, a, s, 0, checked, NULL, false, out) : rc;
}

int application_submit(db_conn *c, arena *a, const app_submission *s, app_submitted *out)
{
    int rc = db_begin(c);
    if (rc == DB_OK && (rc = submit_in_tx(c, a, s, out)) != DB_OK)
        db_rollback(c);
    return rc;
}

int application_step_begin(db_conn *c, arena *a, const char *no, app_visible_fn visible,
                           const void *viewer, app_row *row)
{
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    rc = app_by_no(c, a, no, true, row);
    if (rc == DB_OK && !visible(row, viewer))
        rc = DB_NOT_FOUND;
    if (rc != DB_OK)
        db_rollback(c);
    return rc;
}

/* A supplement's materials: checked against the service's definitions (unless checked
 * already) and attached in place of those of the same code; *all the application's new list. */
static int supplement_materials(db_conn *c, arena *a, const app_row *row, const app_step *st,
                                const char **all)
{
    const char *definitions;
    material_checked *checked;
    int rc = DB_OK;
    if (st->checked)
        rc = materials_attach_some(c, a, row->id, row->materials, st->checked, st->attach,
                                   st->n_given, all);
    else if ((rc = app_service_materials(c, a, row->service_code, &definitions)) == DB_OK &&
             (rc = check_given(c, a, definitions, row->citizen_id, st->given, st->n_given, false,
                               &st->errors, &checked)) == DB_OK)
        rc = materials_attach(c, a, row->id, row->materials, checked, st->n_given, all);
    cJSON *list = rc == DB_OK ? cJSON_Parse(*all) : NULL;
    if (rc == DB_OK && cJSON_GetArraySize(list) > MATERIALS_TOTAL_MAX)
        rc = APP_MATERIALS_FULL;
    cJSON_Delete(list);
    return rc;
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

/* A department may step on an application it delegated only once the delegation is revoked
 * (API.md §7: read-only until then; the organization keeps it until it is final). */
static int department_may_act(db_conn *c, arena *a, const app_row *row, const app_actor_ref *who)
{
    if (who->kind != ACTOR_DEPARTMENT || row->org_id == 0)
        return DB_OK;
    bool revoked = false;
    int rc = row->delegation_id ? delegation_is_revoked(c, a, row->delegation_id, &revoked) : DB_OK;
    if (rc == DB_OK && !revoked)
        return APP_DELEGATED;
    return rc == DB_NOT_FOUND ? DB_OK : rc;
}

static int step_in_tx(db_conn *c, arena *a, app_row *row, const app_actor_ref *who,
                      const app_step *st)
{
    app_status from = app_status_parse(row->status);
    int allowed = department_may_act(c, a, row, who);
    if (allowed != DB_OK)
        return allowed;
    const char *all_materials = NULL;
    if (!app_transition_allowed(from, st->to, who->kind))
        return APP_REFUSED;
    if (st->n_given) {
        int rc = supplement_materials(c, a, row, st, &all_materials);
        if (rc != DB_OK)
            return rc;
    }
    app_step event = *st;
    if (all_materials)
        event.materials = all_materials;
    st = &event;
    char due[CAL_DATE_BYTES], paused[CAL_DATE_BYTES];
    bool paused_set;
    next_dates(row, from, st, due, paused, &paused_set);
    app_change ch = {row->id,
                     app_status_name(st->to),
                     app_result_name(st->result),
                     due,
                     paused_set ? paused : NULL,
                     all_materials,
                     app_status_is_final(st->to)};
    int rc = app_update(c, &ch);
    if (rc == DB_OK)
        rc = record(c, row->id, row->citizen_id, row->no, row->service_name, from, who, st, due);
    int64_t org_id = row->org_id, id = row->id;
    const char *no = row->no, *code = row->service_code, *name = row->service_name;
    if (rc == DB_OK)
        rc = app_by_no(c, a, row->no, false, row); /* the answer shows the step */
    if (rc == DB_OK && org_id)
        rc = organization_side(c, id, org_id, no, code, name, from, st->to, who->kind);
    return rc;
}

int application_step(db_conn *c, arena *a, app_row *row, const app_actor_ref *who,
                     const app_step *st)
{
    int rc = step_in_tx(c, a, row, who, st);
    if (rc != DB_OK)
        db_rollback(c);
    return rc;
}

static int message_in_tx(db_conn *c, arena *a, const app_row *row, const app_actor_ref *who,
                         const char *title, const char *body, int64_t *id)
{
    /* the citizen sees who writes: the organization's name before the title */
    char *shown = arena_printf(a, "【%s】%s", who->display_name, title);
    if (!shown)
        return DB_ERROR;
    utf8_cut(shown, NOTICE_TITLE_MAX_CHARS);
    notification_new n = {row->citizen_id, row->id, MESSAGE_KIND, shown, body, NULL, false};
    int64_t deliveries;
    int rc = notification_insert(c, &n, id, &deliveries);
    audit_entry au = {who->audit_type, who->id,         "application.message", row->no,
                      "to applicant",  who->request_id, who->client_request_id};
    return rc == DB_OK ? audit_insert(c, &au) : rc;
}

int application_message(db_conn *c, arena *a, const app_row *row, const app_actor_ref *who,
                        const char *title, const char *body, int64_t *id)
{
    int rc = db_begin(c);
    if (rc == DB_OK && (rc = message_in_tx(c, a, row, who, title, body, id)) != DB_OK)
        db_rollback(c);
    return rc;
}
