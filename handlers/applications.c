/* A citizen's applications (API.md §5): submit, list, detail with the timeline, withdraw,
 * supplement materials. Another citizen's number is answered 404, like an unknown one.
 * Reads go to the primary: right after a step the citizen must see it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/idempotency.h"
#include "auth/pii.h"
#include "auth/token.h"
#include "db/citizen_store.h"
#include "handlers/application_views.h"
#include "handlers/handlers.h"
#include "search/catalog_cache.h"
#include "workflow/application_no.h"
#include "workflow/applications.h"
#include "workflow/calendar_cache.h"

#define FORM_MAX_BYTES 16384
#define SERVICE_CODE_MAX_CHARS 64
#define MATERIALS_TOTAL_MAX 200 /* after supplements */
#define NUMBER_TRIES 5

static app_actor_ref citizen_actor(const req *r)
{
    return (app_actor_ref){ACTOR_CITIZEN,          "citizen",    r->claims->sub, principal_id(r),
                           APPLICANT_DISPLAY_NAME, r->request_id};
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

/* 1 verified, 0 not (answered 403), < 0 answered the failure. */
static int real_name_verified(req *r, resp *w)
{
    citizen_row c;
    int rc = citizen_profile(db_primary(), &r->arena, principal_id(r), &c);
    if (rc < 0) {
        respond_db_error(r, w, rc);
        return rc;
    }
    if (rc == 0 || !c.id_number_enc) {
        resp_problem(r, w, PROBLEM_REAL_NAME_REQUIRED, NULL);
        return 0;
    }
    return 1;
}

static cJSON *submitted_json(const char *no, const char *query_code, const app_service *s,
                             const char *submitted_at, const char *due)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "application_no", no);
    cJSON_AddStringToObject(o, "status", "submitted");
    cJSON *svc = cJSON_AddObjectToObject(o, "service");
    cJSON_AddStringToObject(svc, "code", s->code);
    cJSON_AddStringToObject(svc, "name", s->name);
    cJSON *d = cJSON_AddObjectToObject(svc, "department");
    cJSON_AddStringToObject(d, "code", s->department_code);
    cJSON_AddStringToObject(d, "name", s->department_name);
    cJSON_AddStringToObject(o, "submitted_at", submitted_at);
    cJSON_AddStringToObject(o, "due_date", due);
    cJSON_AddStringToObject(o, "query_code", query_code);
    return o;
}

/* Inserts the row under a fresh number (another draw on the rare clash) and its first
 * event, audit row and notification; answers 201 in w. */
static int insert_submission(req *r, resp *w, db_conn *c, app_new *n, cal_day today)
{
    char no[APP_NO_BYTES], code[QUERY_CODE_BYTES];
    int64_t id = 0;
    int rc = DB_DUPLICATE;
    for (int i = 0; i < NUMBER_TRIES && rc == DB_DUPLICATE; i++) {
        application_no_new(today, no);
        query_code_new(code);
        n->no = no;
        n->query_code = code;
        rc = app_insert(c, n, &id);
    }
    app_actor_ref who = citizen_actor(r);
    if (rc == DB_OK)
        rc = application_record_submission(c, id, no, n->service, &who, n->materials);
    const char *submitted_at = NULL;
    if (rc == DB_OK)
        rc = app_submitted_at(c, &r->arena, id, &submitted_at);
    if (rc != DB_OK)
        return rc;
    cJSON *o = submitted_json(no, code, n->service, submitted_at, n->due_date);
    arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, o);
    resp_header(w, "Location", arena_printf(&r->arena, "/api/v1/applications/%s", no));
    resp_header(w, "Cache-Control", "no-store");
    resp_json(r, w, 201, o);
    return DB_OK;
}

static bool find_service(req *r, resp *w, const char *code, app_service *s)
{
    int rc = app_service_active(db_primary(), &r->arena, code, s);
    if (rc < 0)
        respond_db_error(r, w, rc);
    else if (rc == 0) {
        req_add_error(r, "/service_code", "没有这个事项，或它已停止办理。",
                      "There is no such service, or it is no longer offered.");
        resp_invalid(r, w);
    }
    return rc == 1;
}

void handle_application_submit(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *code = NULL, *form = NULL, *materials = NULL;
    int n_materials;
    if (body) {
        req_json_string(r, body, "/service_code", 1, SERVICE_CODE_MAX_CHARS, true, &code);
        form = read_form(r, body);
        read_materials(r, body, false, &materials, &n_materials);
    }
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    app_service svc;
    if (!personal_data_ready(r, w) || !find_service(r, w, code, &svc) ||
        real_name_verified(r, w) != 1)
        return;
    cal_day today = request_today(r);
    char due[CAL_DATE_BYTES];
    cal_day_format(calendar_due_date(today, (int)svc.promised_days), due);
    size_t form_len = strlen(form);
    uint8_t *sealed = arena_alloc(&r->arena, form_len + PII_SEAL_OVERHEAD);
    if (!sealed) {
        resp_problem(r, w, PROBLEM_INTERNAL, NULL);
        return;
    }
    size_t sealed_len;
    pii_encrypt("form", form, sealed, &sealed_len);
    app_new n = {.citizen_id = principal_id(r),
                 .service = &svc,
                 .form_enc = sealed,
                 .form_len = sealed_len,
                 .materials = materials,
                 .due_date = due};
    db_conn *c = db_primary();
    int rc = db_begin(c);
    if (rc == DB_OK)
        rc = insert_submission(r, w, c, &n, today);
    if (rc != DB_OK) {
        db_rollback(c);
        respond_db_error(r, w, rc);
        return;
    }
    if (idempotency_commit(r, w, c))
        catalog_cache_count_application((uint32_t)svc.id);
}

static const char *citizen_cursor(req *r, const app_summary *last)
{
    return make_cursor(r, arena_printf(&r->arena, "%lld", (long long)last->id));
}

static const char *const statuses[] = {
    "submitted", "accepted", "need_materials", "not_accepted", "withdrawn", "completed", NULL};

void handle_application_list(req *r, resp *w)
{
    const char *status = NULL;
    int limit = 0;
    char cursor[64];
    bool has_cursor;
    int64_t before = INT64_MAX;
    req_query_enum(r, "status", statuses, &status);
    read_limit(r, &limit);
    if (read_cursor(r, cursor, sizeof cursor, &has_cursor) && has_cursor) {
        char *end;
        before = strtoll(cursor, &end, 10);
        if (*end || before <= 0)
            req_add_error(r, "cursor", "分页游标无效。", "The cursor is not valid.");
    }
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    app_summary *items = arena_alloc(&r->arena, sizeof *items * (size_t)(limit + 1));
    size_t n = 0;
    int rc = items ? app_list_of_citizen(db_primary(), &r->arena, principal_id(r), status, before,
                                         limit + 1, items, &n)
                   : DB_ERROR;
    if (rc != DB_OK) {
        respond_db_error(r, w, rc);
        return;
    }
    respond_summaries(r, w, items, n, limit, citizen_cursor);
}

/* The caller's own application. */
static bool owned(const req *r, const app_row *a)
{
    return a->citizen_id == principal_id(r);
}

void handle_application_detail(req *r, resp *w)
{
    app_row a;
    if (load_application(r, w, db_primary(), LOAD_WITH_TIMELINE, owned, &a))
        respond_application(r, w, &a, VIEW_CITIZEN, NULL);
}

/* One step of the citizen's (withdraw, supplement) in one transaction; answers the detail. */
static void citizen_step(req *r, resp *w, app_step *st, const char *added_materials)
{
    db_conn *c = db_primary();
    int rc = db_begin(c);
    if (rc != DB_OK) {
        respond_db_error(r, w, rc);
        return;
    }
    app_row a;
    if (!load_application(r, w, c, LOAD_LOCKED, owned, &a)) {
        db_rollback(c);
        return;
    }
    if (added_materials && app_status_parse(a.status) == APP_NEED_MATERIALS) {
        st->all_materials = append_materials(r, a.materials, added_materials);
        cJSON *all = st->all_materials ? cJSON_Parse(st->all_materials) : NULL;
        int total = cJSON_GetArraySize(all);
        cJSON_Delete(all);
        if (!st->all_materials || total > MATERIALS_TOTAL_MAX) {
            db_rollback(c);
            req_add_error(r, "/materials", "这件申请的材料已达 200 项上限。",
                          "This application already has the maximum of 200 materials.");
            resp_invalid(r, w);
            return;
        }
    }
    app_actor_ref who = citizen_actor(r);
    take_step(r, w, c, &a, &who, st, VIEW_CITIZEN, NULL);
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
    citizen_step(r, w, &st, NULL);
}

void handle_application_supplement(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *note = NULL, *materials = NULL;
    int n;
    if (body) {
        read_note(r, body, &note);
        read_materials(r, body, true, &materials, &n);
    }
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    app_step st = {.to = APP_SUBMITTED,
                   .note = note && *note ? note : NULL,
                   .materials = materials,
                   .today = request_today(r)};
    citizen_step(r, w, &st, materials);
}
