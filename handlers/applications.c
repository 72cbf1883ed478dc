/* A citizen's applications (API.md §5): submit, list, detail with the timeline, withdraw,
 * supplement materials. Another citizen's number is answered 404, like an unknown one.
 * Reads go to the primary: right after a step the citizen must see it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/idempotency.h"
#include "auth/token.h"
#include "core/calendar.h"
#include "handlers/application_views.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "handlers/rating_views.h"
#include "search/catalog_cache.h"

#define SERVICE_CODE_MAX_CHARS 64

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

/* The form against the service's schema (a service without one takes any object). */
static bool form_valid(req *r, const app_service *svc, const cJSON *body)
{
    if (!svc->form_schema)
        return true;
    cJSON *schema = cJSON_Parse(svc->form_schema);
    if (!schema)
        return true; /* checked at import: cannot happen */
    bool ok = form_matches(r, schema, body);
    cJSON_Delete(schema);
    return ok;
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
    test_commit_pause(r);
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

void handle_application_detail(req *r, resp *w)
{
    app_row a;
    int64_t me = common_principal_id(r);
    if (load_application(r, w, db_primary(), LOAD_WITH_TIMELINE, app_owned_by_citizen, &me, &a))
        respond_application(r, w, &a, VIEW_CITIZEN, app_with_rating);
}

/* One step of the citizen's (withdraw, supplement) in one transaction; answers the detail. */
static void citizen_step(req *r, resp *w, const app_step *st)
{
    db_conn *c = db_primary();
    int64_t me = common_principal_id(r);
    app_row a;
    if (!load_application(r, w, c, LOAD_FOR_STEP, app_owned_by_citizen, &me, &a))
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
