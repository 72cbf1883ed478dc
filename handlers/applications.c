/* A citizen's applications (API.md §5): submit, list, detail with the timeline, withdraw,
 * supplement materials. Another citizen's number is answered 404, like an unknown one.
 * Reads go to the primary: right after a step the citizen must see it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/idempotency.h"
#include "auth/identity_provider.h"
#include "auth/token.h"
#include "core/calendar.h"
#include "db/citizen_store.h"
#include "db/enterprise_store.h"
#include "handlers/application_views.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "search/catalog_cache.h"
#include "workflow/form_check.h"

#define FORM_MAX_BYTES 16384
#define SERVICE_CODE_MAX_CHARS 64

static app_actor_ref citizen_actor(const req *r)
{
    return (app_actor_ref){ACTOR_CITIZEN,          "citizen",
                           r->claims->sub,         common_principal_id(r),
                           APPLICANT_DISPLAY_NAME, r->server_request_id,
                           r->client_request_id};
}

/* The form as compact JSON text, at most 16 KiB; NULL after recording an error. */
static const char *read_form(req *r, const cJSON *body)
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
static bool identity_sure_enough(req *r, resp *w, const app_service *svc)
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

static cJSON *submitted_json(const app_submitted *s, const app_service *svc)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "application_no", s->no);
    cJSON_AddStringToObject(o, "status", "submitted");
    cJSON *service = cJSON_AddObjectToObject(o, "service");
    cJSON_AddStringToObject(service, "code", svc->code);
    cJSON_AddStringToObject(service, "name", svc->name);
    cJSON *d = cJSON_AddObjectToObject(service, "department");
    cJSON_AddStringToObject(d, "code", svc->department_code);
    cJSON_AddStringToObject(d, "name", svc->department_name);
    cJSON_AddStringToObject(o, "submitted_at", s->submitted_at);
    cJSON_AddStringToObject(o, "due_date", s->due_date);
    cJSON_AddStringToObject(o, "query_code", s->query_code);
    return o;
}

/* The active service of the code; false after answering 400 (none) or the failure. */
static bool find_service(req *r, resp *w, const char *code, app_service *s)
{
    int rc = app_service_active(db_primary(), &r->arena, code, s);
    if (rc == DB_NOT_FOUND) {
        req_add_error(r, "/service_code", "没有这个事项，或它已停止办理。",
                      "There is no such service, or it is no longer offered.");
        resp_invalid(r, w);
    } else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "application submit");
    return rc == DB_OK;
}

static long yyyymmdd(cal_day d)
{
    char text[CAL_DATE_BYTES];
    cal_day_format(d, text);
    return strtol(text, NULL, 10) * 10000 + strtol(text + 5, NULL, 10) * 100 +
           strtol(text + 8, NULL, 10);
}

/* The form against the service's schema (a service without one takes any object). */
static bool form_valid(req *r, const app_service *svc, const cJSON *body)
{
    if (!svc->form_schema)
        return true;
    cJSON *schema = cJSON_Parse(svc->form_schema);
    if (!schema)
        return true; /* checked at import: cannot happen */
    app_errors e = request_errors(r);
    int n = form_check(schema, cJSON_GetObjectItemCaseSensitive(body, "form"), "/form",
                       yyyymmdd(request_today(r)), &r->arena, e.fn, e.ctx);
    cJSON_Delete(schema);
    return n == 0;
}

/* The company named by enterprise_id, as the service's audience wants it: required for an
 * enterprise service, optional for one of both, refused for a personal one. False after
 * recording an error or answering a failure. */
static bool read_enterprise(req *r, resp *w, const app_service *svc, const cJSON *body,
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

void handle_application_submit(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *code = NULL, *form = NULL;
    material_given *given = NULL;
    size_t n_given = 0;
    if (body) {
        req_json_string(r, body, "/service_code", 1, SERVICE_CODE_MAX_CHARS, true, &code);
        form = read_form(r, body);
        read_materials(r, body, false, &given, &n_given);
    }
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    app_service svc;
    app_enterprise company;
    if (!common_personal_data_ready(r, w) || !find_service(r, w, code, &svc))
        return;
    bool form_ok = form_valid(r, &svc, body);
    if (!read_enterprise(r, w, &svc, body, &company) && w->status)
        return;
    if (!form_ok || r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    if (!identity_sure_enough(r, w, &svc))
        return;
    app_actor_ref who = citizen_actor(r);
    app_submission s = {&svc, form, given, n_given, company, request_errors(r), request_today(r),
                        &who};
    app_submitted out;
    db_conn *c = db_primary();
    int rc = application_submit(c, &r->arena, &s, &out);
    if (rc == APP_INVALID) {
        resp_invalid(r, w);
        return;
    }
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "application submit");
        return;
    }
    cJSON *o = submitted_json(&out, &svc);
    arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, o);
    resp_header(w, "Location", arena_printf(&r->arena, "/api/v1/applications/%s", out.no));
    common_answer_private(r, w, 201, o);
    if (idempotency_commit(r, w, c))
        catalog_cache_count_application((uint32_t)svc.id);
}

static const char *citizen_cursor(req *r, const app_summary *last)
{
    return common_id_cursor(r, last->id);
}

void handle_application_list(req *r, resp *w)
{
    const char *status = NULL;
    int limit = 0;
    int64_t before = INT64_MAX;
    req_query_enum(r, "status", app_status_names, &status);
    common_read_limit(r, &limit);
    common_read_id_cursor(r, &before);
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    app_summary *items = arena_alloc(&r->arena, sizeof *items * (size_t)(limit + 1));
    size_t n = 0;
    int rc = items ? app_list_of_citizen(db_primary(), &r->arena, common_principal_id(r), status,
                                         before, limit + 1, items, &n)
                   : DB_ERROR;
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "application list");
        return;
    }
    respond_summaries(r, w, items, n, limit, citizen_cursor);
}

/* The caller's own application (viewer: the citizen's id). */
static bool owned(const app_row *a, const void *citizen_id)
{
    return a->citizen_id == *(const int64_t *)citizen_id;
}

void handle_application_detail(req *r, resp *w)
{
    app_row a;
    int64_t me = common_principal_id(r);
    if (load_application(r, w, db_primary(), LOAD_WITH_TIMELINE, owned, &me, &a))
        respond_application(r, w, &a, VIEW_CITIZEN, NULL);
}

/* One step of the citizen's (withdraw, supplement) in one transaction; answers the detail. */
static void citizen_step(req *r, resp *w, const app_step *st)
{
    db_conn *c = db_primary();
    int64_t me = common_principal_id(r);
    app_row a;
    if (!load_application(r, w, c, LOAD_FOR_STEP, owned, &me, &a))
        return;
    app_actor_ref who = citizen_actor(r);
    take_step(r, w, c, &a, &who, st, VIEW_CITIZEN);
}

/* An optional {"note"} (withdraw) or the required one of a body. */
static bool read_note(req *r, const cJSON *body, const char **note)
{
    *note = NULL;
    return !body || req_json_string(r, body, "/note", 0, NOTE_MAX_CHARS, false, note);
}

void handle_application_withdraw(req *r, resp *w)
{
    const cJSON *body = r->json ? req_body_object(r) : NULL;
    const char *note;
    read_note(r, body, &note);
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    app_step st = {
        .to = APP_WITHDRAWN, .note = note && *note ? note : NULL, .today = request_today(r)};
    citizen_step(r, w, &st);
}

void handle_application_supplement(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *note = NULL;
    material_given *given = NULL;
    size_t n_given = 0;
    if (body) {
        read_note(r, body, &note);
        read_materials(r, body, true, &given, &n_given);
    }
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    app_step st = {.to = APP_SUBMITTED,
                   .note = note && *note ? note : NULL,
                   .today = request_today(r),
                   .given = given,
                   .n_given = n_given,
                   .errors = request_errors(r)};
    citizen_step(r, w, &st);
}
