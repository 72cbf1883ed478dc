#include "handlers/application_views.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "api/idempotency.h"
#include "core/config.h"
#include "core/json_out.h"
#include "handlers/common.h"
#include "workflow/application_no.h"
#include "workflow/application_state.h"

cal_day request_today(req *r)
{
    const ow_config *cfg = config_current();
    const char *forced = req_header(r, "HTTP_X_TEST_TODAY");
    cal_day d;
    if (forced && cfg && cfg->test_routes && cal_day_parse(forced, &d) == 0)
        return d;
    return cal_today();
}

bool load_application(req *r, resp *w, db_conn *c, app_load how, app_visible_fn visible,
                      const void *viewer, app_row *out)
{
    char no[APP_NO_BYTES];
    int rc = DB_NOT_FOUND;
    if (application_no_normalize(req_path_param(r, "no"), no))
        rc = how == LOAD_FOR_STEP ? application_step_begin(c, &r->arena, no, visible, viewer, out)
                                  : app_by_no(c, &r->arena, no, false, out);
    if (rc == DB_OK && how == LOAD_WITH_TIMELINE && !visible(out, viewer))
        rc = DB_NOT_FOUND;
    if (rc == DB_NOT_FOUND)
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
    else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "application");
    return rc == DB_OK;
}

bool read_materials(req *r, const cJSON *body, bool required, material_given **list, size_t *count)
{
    const cJSON *given = cJSON_GetObjectItemCaseSensitive(body, "materials");
    *count = 0;
    *list = NULL;
    if (!given && !required)
        return true;
    int n = cJSON_GetArraySize(given);
    if (!cJSON_IsArray(given) || n > MATERIALS_MAX || (required && n == 0)) {
        req_add_error(r, "/materials",
                      required ? "材料须为 1 到 50 项的列表，每项为 {\"code\", \"upload_id\"}。"
                               : "材料须为至多 50 项的列表，每项为 {\"code\", \"upload_id\"}。",
                      required
                          ? "materials must be a list of 1 to 50 {\"code\", \"upload_id\"}."
                          : "materials must be a list of at most 50 {\"code\", \"upload_id\"}.");
        return false;
    }
    *list = arena_calloc(&r->arena, n ? (size_t)n : 1, sizeof **list);
    if (!*list)
        return false;
    int i = 0;
    bool ok = true;
    for (const cJSON *item = given->child; item; item = item->next, i++) {
        material_given *m = &(*list)[i];
        if (!cJSON_IsObject(item)) {
            req_add_error(r, arena_printf(&r->arena, "/materials/%d", i), "每项材料须为对象。",
                          "Each material must be an object.");
            ok = false;
            continue;
        }
        ok = req_json_string(r, item, arena_printf(&r->arena, "/materials/%d/code", i), 1,
                             MATERIAL_CODE_MAX_CHARS, true, &m->code) &&
             ok;
        ok = req_json_string(r, item, arena_printf(&r->arena, "/materials/%d/upload_id", i), 1,
                             UPLOAD_ID_CHARS, true, &m->upload_id) &&
             ok;
    }
    *count = (size_t)n;
    return ok;
}

static void add_request_error(void *ctx, const char *pointer, const char *zh, const char *en)
{
    req_add_error(ctx, pointer, zh, en);
}

app_errors request_errors(req *r)
{
    return (app_errors){add_request_error, r};
}

bool application_overdue(const char *status, const char *due_date, cal_day today)
{
    app_status s = app_status_parse(status);
    if (s != APP_SUBMITTED && s != APP_ACCEPTED)
        return false; /* final, or the clock is stopped (need_materials) */
    char now[CAL_DATE_BYTES];
    cal_day_format(today, now);
    return strcmp(now, due_date) > 0;
}

static cJSON *service_json(const char *code, const char *name, const char *dept_code,
                           const char *dept_name)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "code", code);
    cJSON_AddStringToObject(s, "name", name);
    if (dept_code) {
        cJSON *d = cJSON_AddObjectToObject(s, "department");
        cJSON_AddStringToObject(d, "code", dept_code);
        cJSON_AddStringToObject(d, "name", dept_name);
    }
    return s;
}

cJSON *app_summary_json(const app_summary *s, cal_day today)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "application_no", s->no);
    cJSON_AddStringToObject(o, "status", s->status);
    json_add_string_or_null(o, "result", s->result);
    cJSON_AddItemToObject(o, "service", service_json(s->service_code, s->service_name, NULL, NULL));
    cJSON_AddStringToObject(o, "submitted_at", s->submitted_at);
    cJSON_AddStringToObject(o, "updated_at", s->updated_at);
    cJSON_AddStringToObject(o, "due_date", s->due_date);
    cJSON_AddBoolToObject(o, "overdue", application_overdue(s->status, s->due_date, today));
    return o;
}

/* The stored timeline (a JSON array of steps); the public's view drops the notes, which a
 * department may have written with a person's details. */
static cJSON *timeline_json(const char *stored, app_view view)
{
    cJSON *list = cJSON_Parse(stored ? stored : "[]");
    if (!cJSON_IsArray(list)) {
        cJSON_Delete(list);
        return cJSON_CreateArray();
    }
    if (view == VIEW_PUBLIC)
        for (cJSON *e = list->child; e; e = e->next)
            cJSON_DeleteItemFromObjectCaseSensitive(e, "note");
    return list;
}

/* The company applied for, or null. */
static cJSON *enterprise_json(const app_enterprise *e)
{
    if (!e->id && !e->credit_code)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)e->id);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "credit_code", e->credit_code ? e->credit_code : "");
    cJSON_AddStringToObject(o, "name", e->name ? e->name : "");
    cJSON_AddStringToObject(o, "role", e->role ? e->role : "");
    return o;
}

cJSON *app_detail_json(const app_row *a, cal_day today, app_view view)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "application_no", a->no);
    cJSON_AddStringToObject(o, "status", a->status);
    json_add_string_or_null(o, "result", a->result);
    cJSON_AddItemToObject(o, "service",
                          service_json(a->service_code, a->service_name,
                                       view == VIEW_PUBLIC ? NULL : a->department_code,
                                       a->department_name));
    cJSON_AddStringToObject(o, "submitted_at", a->submitted_at);
    if (view != VIEW_PUBLIC)
        cJSON_AddStringToObject(o, "updated_at", a->updated_at);
    cJSON_AddStringToObject(o, "due_date", a->due_date);
    cJSON_AddBoolToObject(o, "overdue", application_overdue(a->status, a->due_date, today));
    if (view != VIEW_PUBLIC) {
        json_add_string_or_null(o, "finished_at", a->finished_at);
        cJSON *h = cJSON_AddObjectToObject(o, "handled_by");
        cJSON_AddStringToObject(h, "type", a->handler_type);
        cJSON_AddStringToObject(h, "name", a->handler_name);
        cJSON_AddItemToObject(o, "materials", cJSON_Parse(a->materials));
        cJSON_AddItemToObject(o, "enterprise", enterprise_json(&a->enterprise));
    }
    char code[QUERY_CODE_BYTES];
    if (view == VIEW_CITIZEN && query_code_of(a, code))
        cJSON_AddStringToObject(o, "query_code", code);
    else if (view == VIEW_CITIZEN)
        cJSON_AddNullToObject(o, "query_code");
    cJSON_AddItemToObject(o, "timeline", timeline_json(a->timeline, view));
    return o;
}

void respond_application(req *r, resp *w, const app_row *a, app_view view,
                         cJSON *(*extend)(req *r, const app_row *a, cJSON *detail, int *rc))
{
    int rc = DB_OK;
    cJSON *o = app_detail_json(a, request_today(r), view);
    arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, o);
    if (extend && !extend(r, a, o, &rc)) {
        common_answer_failure(r, w, rc, "application detail");
        return;
    }
    common_answer_private(r, w, 200, o);
}

void take_step(req *r, resp *w, db_conn *c, app_row *a, const app_actor_ref *who,
               const app_step *st, app_view view)
{
    int rc = application_step(c, &r->arena, a, who, st);
    if (rc == APP_REFUSED)
        respond_invalid_transition(r, w, a->status);
    else if (rc == APP_INVALID)
        resp_invalid(r, w);
    else if (rc == APP_MATERIALS_FULL) {
        req_add_error(r, "/materials", "这件申请的材料已达 200 项上限。",
                      "This application already has the maximum of 200 materials.");
        resp_invalid(r, w);
    } else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "application step");
    else {
        respond_application(r, w, a, view, NULL);
        idempotency_commit(r, w, c); /* a failed answer (5xx) rolls back */
    }
}

void respond_summaries(req *r, resp *w, const app_summary *items, size_t n, int limit,
                       const char *(*cursor_of)(req *r, const app_summary *last))
{
    cJSON *o = resp_new_object(r);
    cJSON *list = cJSON_AddArrayToObject(o, "items");
    cal_day today = request_today(r);
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    for (size_t i = 0; i < shown; i++)
        cJSON_AddItemToArray(list, app_summary_json(&items[i], today));
    if (n > shown)
        cJSON_AddStringToObject(o, "next_cursor", cursor_of(r, &items[shown - 1]));
    else
        cJSON_AddNullToObject(o, "next_cursor");
    common_answer_private(r, w, 200, o);
}

void respond_invalid_transition(req *r, resp *w, const char *current)
{
    app_status s = app_status_parse(current);
    const char *zh = arena_printf(&r->arena, "办件当前状态为「%s」（%s），不能进行这一操作。",
                                  app_status_label(s), current);
    const char *en =
        arena_printf(&r->arena, "The application is %s now: this step is not possible.", current);
    resp_problem_member(r, w, PROBLEM_INVALID_TRANSITION, zh, en, "current_status", current);
}
