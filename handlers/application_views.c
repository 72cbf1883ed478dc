#include "handlers/application_views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/idempotency.h"
#include "auth/identity_provider.h"
#include "auth/pii.h"
#include "auth/token.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/json_out.h"
#include "core/json_write.h"
#include "core/strbuf.h"
#include "db/audit_store.h"
#include "db/bundle_store.h"
#include "db/citizen_store.h"
#include "db/enterprise_store.h"
#include "handlers/common.h"
#include "handlers/rating_views.h"
#include "workflow/application_no.h"
#include "workflow/application_state.h"
#include "workflow/bundles.h"
#include "workflow/form_check.h"

#define FORM_MAX_BYTES 16384

#define PII_TEXT_MAX 512

cal_day request_today(req *r)
{
    const ow_config *cfg = config_current();
    const char *forced = req_header(r, "HTTP_X_TEST_TODAY");
    cal_day d;
    if (forced && cfg && cfg->test_routes && cal_day_parse(forced, &d) == 0)
        return d;
    return cal_today();
}

void test_commit_pause(req *r)
{
    const ow_config *cfg = config_current();
    const char *ms = cfg && cfg->test_routes ? req_header(r, "HTTP_X_TEST_COMMIT_DELAY_MS") : NULL;
    char *end;
    long n = ms ? strtol(ms, &end, 10) : 0;
    if (ms && !*end && n > 0 && n <= TEST_COMMIT_DELAY_MAX_MS)
        clock_sleep_ms(n);
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

bool app_owned_by_citizen(const app_row *a, const void *citizen_id)
{
    return a->citizen_id == *(const int64_t *)citizen_id;
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

/* One line of a list as JSON, written straight into sb (a list of 100 built as cJSON nodes
 * cost a malloc per member); the organization's feed adds change_seq. */
static void write_summary(strbuf *sb, const app_summary *s, cal_day today, bool with_seq)
{
    sb_puts(sb, "{\"application_no\":");
    jw_string(sb, s->no);
    sb_puts(sb, ",\"status\":");
    jw_string(sb, s->status);
    sb_puts(sb, ",\"result\":");
    if (s->result)
        jw_string(sb, s->result);
    else
        sb_puts(sb, "null");
    sb_puts(sb, ",\"service\":{\"code\":");
    jw_string(sb, s->service_code);
    sb_puts(sb, ",\"name\":");
    jw_string(sb, s->service_name);
    sb_puts(sb, "},\"submitted_at\":");
    jw_string(sb, s->submitted_at);
    sb_puts(sb, ",\"updated_at\":");
    jw_string(sb, s->updated_at);
    sb_puts(sb, ",\"due_date\":");
    jw_string(sb, s->due_date);
    sb_puts(sb, application_overdue(s->status, s->due_date, today) ? ",\"overdue\":true"
                                                                   : ",\"overdue\":false");
    if (with_seq) {
        sb_puts(sb, ",\"change_seq\":");
        jw_int(sb, s->change_seq);
    }
    sb_puts(sb, "}");
}

void respond_summary_page(req *r, resp *w, const summary_page *p)
{
    strbuf sb;
    sb_init(&sb, &r->arena, 64 + p->n * 320);
    cal_day today = request_today(r);
    sb_puts(&sb, "{\"items\":[");
    for (size_t i = 0; i < p->n; i++) {
        if (i)
            sb_puts(&sb, ",");
        write_summary(&sb, &p->items[i], today, p->feed);
    }
    sb_puts(&sb, "],\"next_cursor\":");
    if (p->next_cursor)
        jw_string(&sb, p->next_cursor);
    else
        sb_puts(&sb, "null");
    if (p->feed)
        sb_puts(&sb, p->has_more ? ",\"has_more\":true" : ",\"has_more\":false");
    sb_puts(&sb, "}");
    if (sb.failed) {
        resp_internal(r, w, "application list", "out of memory");
        return;
    }
    resp_header(w, "Cache-Control", "no-store");
    resp_body(w, 200, "application/json", sb.data, sb.len);
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

static void add_clear(cJSON *o, const char *name, const char *field, const void *enc, size_t len)
{
    char clear[PII_TEXT_MAX];
    if (enc && pii_decrypt(field, enc, len, clear, sizeof clear) == 0)
        cJSON_AddStringToObject(o, name, clear);
    else
        cJSON_AddNullToObject(o, name);
}

cJSON *app_with_applicant(req *r, const app_row *a, cJSON *detail, int *rc)
{
    citizen_row c;
    const void *form_enc;
    size_t form_len;
    bool org = r->claims->role == ROLE_ORG;
    /* an organization's read names the client that made it (API.md §7) */
    const char *what =
        org ? arena_printf(&r->arena, "applicant data and form; client %s", r->claims->client_id)
            : "applicant data and form";
    audit_entry au = {.actor_type = org ? "organization" : "staff",
                      .actor_id = r->claims->sub,
                      .action = "application.read",
                      .target = a->no,
                      .detail = what,
                      .request_id = r->server_request_id,
                      .client_request_id = r->client_request_id};
    if ((*rc = pii_ready()) != DB_OK || (*rc = audit_insert(db_primary(), &au)) != DB_OK)
        return NULL;
    *rc = citizen_by_id(db_primary(), &r->arena, a->citizen_id, &c);
    if (*rc == DB_OK)
        *rc = app_form(db_primary(), &r->arena, a->id, &form_enc, &form_len);
    if (*rc != DB_OK) /* DB_NOT_FOUND too: an application's citizen and form exist */
        return NULL;
    cJSON *who = cJSON_AddObjectToObject(detail, "applicant");
    add_clear(who, "name", "name", c.name_enc, c.name_len);
    add_clear(who, "id_number", "id_number", c.id_number_enc, c.id_number_len);
    add_clear(who, "phone", "phone", c.phone_enc, c.phone_len);
    char *form = arena_alloc(&r->arena, form_len + 1);
    cJSON *parsed = form && pii_decrypt("form", form_enc, form_len, form, form_len + 1) == 0
                        ? cJSON_Parse(form)
                        : NULL;
    if (!parsed) {
        *rc = DB_ERROR; /* a form that does not open: the data key is wrong */
        return NULL;
    }
    cJSON_AddItemToObject(detail, "form", parsed);
    return detail;
}

bool read_handler_step(req *r, app_step *st)
{
    const cJSON *body = req_body_object(r);
    const char *status = NULL, *note = NULL, *result = NULL;
    if (!body)
        return false;
    req_json_string(r, body, "/status", 1, 32, true, &status);
    req_json_string(r, body, "/note", 0, NOTE_MAX_CHARS, false, &note);
    req_json_string(r, body, "/result", 1, 16, false, &result);
    if (r->n_errors)
        return false;
    st->to = app_status_parse(status);
    st->result = app_result_parse(result);
    st->note = note && *note ? note : NULL;
    if (st->to == APP_STATUS_NONE)
        req_add_error(r, "/status",
                      "状态须为 accepted、need_materials、not_accepted 或 completed。",
                      "status must be accepted, need_materials, not_accepted or completed.");
    else if ((st->to == APP_NEED_MATERIALS || st->to == APP_NOT_ACCEPTED) && !st->note)
        req_add_error(r, "/note", "补齐补正和不予受理须写明原因。",
                      "A note is required to ask for materials or to refuse.");
    if (st->to == APP_COMPLETED && st->result == RESULT_NONE)
        req_add_error(r, "/result", "办结须给出结果：approved 或 denied。",
                      "Completing needs a result: approved or denied.");
    else if (st->to != APP_COMPLETED && result)
        req_add_error(r, "/result", "只有办结时才能给出结果。",
                      "A result is given only when completing.");
    else if (result && st->result == RESULT_NONE)
        req_add_error(r, "/result", "结果须为 approved 或 denied。",
                      "result must be approved or denied.");
    return r->n_errors == 0;
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
    else if (rc == APP_DELEGATED)
        resp_problem2(r, w, PROBLEM_FORBIDDEN,
                      arena_printf(&r->arena,
                                   "这件申请由受委托的「%s」办理；撤销委托后，部门才能办理。",
                                   a->handler_name),
                      "An organization handles this application under a delegation: the "
                      "department may act on it once it revokes the delegation.");
    else if (rc == APP_INVALID)
        resp_invalid(r, w);
    else if (rc == APP_MATERIALS_FULL) {
        req_add_error(r, "/materials", "这件申请的材料已达 200 项上限。",
                      "This application already has the maximum of 200 materials.");
        resp_invalid(r, w);
    } else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "application step");
    else {
        /* the citizen's view always has its rating members (API.md §8) */
        respond_application(r, w, a, view, view == VIEW_CITIZEN ? app_with_rating : NULL);
        test_commit_pause(r);
        idempotency_commit(r, w, c); /* a failed answer (5xx) rolls back */
    }
}

void respond_summaries(req *r, resp *w, const app_summary *items, size_t n, int limit,
                       const char *(*cursor_of)(req *r, const app_summary *last))
{
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    summary_page p = {items, shown, n > shown ? cursor_of(r, &items[shown - 1]) : NULL, false,
                      false};
    respond_summary_page(r, w, &p);
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

/* The form as compact JSON text, at most 16 KiB; NULL after recording an error. */
const char *read_form(req *r, const cJSON *body)
{
    const cJSON *form = cJSON_GetObjectItemCaseSensitive(body, "form");
    if (!cJSON_IsObject(form)) {
        req_add_error(r, "/form", "表单须为 JSON 对象。", "form must be a JSON object.");
        return NULL;
    }
    char *text = cJSON_PrintUnformatted(form);
    const char *copy =
        text && strlen(text) <= FORM_MAX_BYTES ? arena_strdup(&r->arena, text) : NULL;
    cJSON_free(text);
    if (!copy)
        req_add_error(r, "/form", "表单内容不能超过 16 KiB。", "form must not exceed 16 KiB.");
    return copy;
}

/* True when the citizen's identity is as sure as the service needs (API.md §3, §5: a real
 * name, and for some services one verified by an identity provider), read from the account
 * now (an operator may have unbound it since the token was signed); else answered (403
 * real_name_required with required_assurance_level, or the failure). */
bool identity_sure_enough(req *r, resp *w, const app_service *svc)
{
    citizen_row c;
    int rc = citizen_profile(db_primary(), &r->arena, common_principal_id(r), &c);
    int64_t need = svc->min_assurance_level > ASSURANCE_FORMAT_CHECKED ? svc->min_assurance_level
                                                                       : ASSURANCE_FORMAT_CHECKED;
    if (rc == DB_OK && c.id_number_enc && c.assurance_level >= need)
        return true;
    if (rc != DB_OK && rc != DB_NOT_FOUND) {
        common_answer_failure(r, w, rc, "application submit");
        return false;
    }
    const char *level = arena_printf(&r->arena, "%lld", (long long)need);
    if (rc == DB_OK && c.id_number_enc) /* a real name, not verified enough for this service */
        resp_problem_member(r, w, PROBLEM_REAL_NAME_REQUIRED,
                            "办理此事项需要经身份核验的实名认证。",
                            "This service needs a real name verified by an identity provider.",
                            "required_assurance_level", level);
    else
        resp_problem_member(r, w, PROBLEM_REAL_NAME_REQUIRED, NULL, NULL,
                            "required_assurance_level", level);
    return false;
}

long request_yyyymmdd(cal_day d)
{
    char text[CAL_DATE_BYTES];
    cal_day_format(d, text);
    return strtol(text, NULL, 10) * 10000 + strtol(text + 5, NULL, 10) * 100 +
           strtol(text + 8, NULL, 10);
}

/* The company named by enterprise_id, as the service's audience wants it: required for an
 * enterprise service, optional for one of both, refused for a personal one. False after
 * recording an error or answering a failure. */
bool read_enterprise(req *r, resp *w, const app_service *svc, const cJSON *body,
                     app_enterprise *out)
{
    const char *id_text = NULL;
    bool wanted = strcmp(svc->audience, "personal") != 0;
    bool required = strcmp(svc->audience, "enterprise") == 0;
    *out = (app_enterprise){0, NULL, NULL, NULL};
    if (!wanted && cJSON_GetObjectItemCaseSensitive(body, "enterprise_id")) {
        req_add_error(r, "/enterprise_id", "这是面向个人的事项，不能以企业名义申请。",
                      "This service is for individuals: it cannot be applied for by a company.");
        return false;
    }
    if (!req_json_string(r, body, "/enterprise_id", 1, 20, required, &id_text) || !id_text)
        return !required;
    char *end;
    long long id = strtoll(id_text, &end, 10);
    enterprise_row e;
    int rc = *end || id <= 0
                 ? DB_NOT_FOUND
                 : enterprise_get(db_primary(), &r->arena, common_principal_id(r), id, &e);
    if (rc == DB_NOT_FOUND)
        req_add_error(r, "/enterprise_id", "不是您绑定的企业（/me/enterprises）。",
                      "This is not one of your companies (/me/enterprises).");
    else if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "application submit");
        return false;
    } else
        *out = (app_enterprise){e.id, e.credit_code, e.name, e.role};
    return rc == DB_OK;
}

bool form_matches(req *r, const cJSON *schema, const cJSON *body)
{
    app_errors e = request_errors(r);
    return form_check(schema, cJSON_GetObjectItemCaseSensitive(body, "form"), "/form",
                      request_yyyymmdd(request_today(r)), &r->arena, e.fn, e.ctx) == 0;
}

/* The bundle of the path's number with its children (with timelines); false after answering
 * 404 (unknown, malformed, or another citizen's: the same) or the failure. viewer 0: any. */
bool load_bundle(req *r, resp *w, db_conn *c, const char *number, int64_t viewer, bundle_row *b,
                 app_row *children, size_t *n)
{
    char no[APP_NO_BYTES];
    int rc = number && application_no_normalize(number, no)
                 ? bundle_by_no(c, &r->arena, no, false, b)
                 : DB_NOT_FOUND;
    if (rc == DB_OK && viewer && b->citizen_id != viewer)
        rc = DB_NOT_FOUND;
    if (rc == DB_OK)
        rc = app_by_bundle(c, &r->arena, b->id, false, children, LIFE_EVENT_SERVICES_MAX, n);
    if (rc == DB_NOT_FOUND)
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
    else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "bundle detail");
    return rc == DB_OK;
}

cJSON *bundle_json(req *r, const bundle_row *b, const app_row *children, size_t n, app_view view)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "bundle_no", b->no);
    cJSON *le = cJSON_AddObjectToObject(o, "life_event");
    cJSON_AddStringToObject(le, "code", b->life_event_code);
    cJSON_AddStringToObject(le, "name", b->life_event_name);
    cJSON_AddStringToObject(o, "status", bundle_status(children, n));
    cJSON_AddStringToObject(o, "submitted_at", b->submitted_at);
    cJSON_AddStringToObject(o, "due_date", b->due_date);
    json_add_string_or_null(o, "finished_at", bundle_finished_at(children, n));
    cJSON_AddNumberToObject(o, "promised_days", (double)b->promised_days);
    cJSON_AddNumberToObject(o, "separate_promised_days", (double)b->separate_days);
    if (view == VIEW_CITIZEN) {
        app_row code_row = {.no = b->no, .code = b->code};
        char code[QUERY_CODE_BYTES];
        if (query_code_of(&code_row, code))
            cJSON_AddStringToObject(o, "query_code", code);
        cJSON *answers = cJSON_Parse(b->answers);
        cJSON_AddItemToObject(o, "answers", answers ? answers : cJSON_CreateObject());
    }
    cJSON *list = cJSON_AddArrayToObject(o, "children");
    cal_day today = request_today(r);
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(list, app_detail_json(&children[i], today, view));
    return o;
}

app_actor_ref department_staff_actor(const req *r)
{
    return (app_actor_ref){ACTOR_DEPARTMENT,       "staff", r->claims->sub,
                           common_principal_id(r), "",      r->server_request_id,
                           r->client_request_id};
}

app_actor_ref citizen_actor(const req *r)
{
    return (app_actor_ref){ACTOR_CITIZEN,          "citizen",
                           r->claims->sub,         common_principal_id(r),
                           APPLICANT_DISPLAY_NAME, r->server_request_id,
                           r->client_request_id};
}
