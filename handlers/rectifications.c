/* Rectification cases of bad ratings (差评整改, API.md §8): the department's queue (its own
 * cases and those of the organizations it delegated to) and the organization's (its own),
 * the response that closes a case (the organization answers delegated work; the department
 * sees it), and the citizen's return visit (回访). Another department's or organization's
 * case is 404, like an unknown id. */
#include <stdio.h>
#include <string.h>

#include "api/idempotency.h"
#include "auth/token.h"
#include "core/json_out.h"
#include "handlers/application_views.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "handlers/rating_views.h"
#include "workflow/rectifications.h"

#define RESPONSE_MAX_CHARS 1000

static const char *const case_statuses[] = {"open", "closed", NULL};
static const char *const measures[] = {"immediate", "scheduled", "explanation", NULL};

static case_viewer viewer_of(const req *r)
{
    bool org = r->claims->role == ROLE_ORG;
    return (case_viewer){org ? NULL : r->claims->dept, org ? common_principal_id(r) : 0};
}

static app_actor_ref actor_of(const req *r)
{
    bool org = r->claims->role == ROLE_ORG;
    return (app_actor_ref){org ? ACTOR_ORGANIZATION : ACTOR_DEPARTMENT,
                           org ? "organization" : "staff",
                           r->claims->sub,
                           common_principal_id(r),
                           "",
                           r->server_request_id,
                           r->client_request_id};
}

/* A case as its handlers see it: the rating's score, tags and comment, the verification. */
static cJSON *case_json(const rectification_row *k, cal_day today)
{
    cJSON *o = rectification_citizen_json(k, today);
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)k->id);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "application_no", k->application_no);
    cJSON_AddStringToObject(o, "department_code", k->department_code);
    cJSON_AddStringToObject(o, "handled_by", k->org_id ? "organization" : "department");
    cJSON_AddStringToObject(o, "opened_day", k->opened_day);
    json_add_string_or_null(o, "verification", k->verification);
    cJSON *rating = cJSON_AddObjectToObject(o, "rating");
    snprintf(id, sizeof id, "%lld", (long long)k->rating_id); /* what an appeal names */
    cJSON_AddStringToObject(rating, "id", id);
    cJSON_AddNumberToObject(rating, "score", k->score);
    cJSON *tags = cJSON_Parse(k->tags ? k->tags : "[]");
    cJSON_AddItemToObject(rating, "tags", tags ? tags : cJSON_CreateArray());
    json_add_string_or_null(rating, "comment", k->comment);
    return o;
}

void handle_rectification_list(req *r, resp *w)
{
    case_viewer v = viewer_of(r);
    rectification_query q = {v.department_code, v.org_id, NULL, INT64_MAX, 0};
    req_query_enum(r, "status", case_statuses, &q.status);
    common_read_limit(r, &q.limit);
    common_read_id_cursor(r, &q.before);
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    rectification_row *rows = arena_alloc(&r->arena, sizeof *rows * (size_t)(q.limit + 1));
    size_t n = 0;
    q.limit++;
    int rc = rows ? rectification_list(db_primary(), &r->arena, &q, rows, &n) : DB_ERROR;
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "rectification list");
        return;
    }
    size_t shown = n >= (size_t)q.limit ? (size_t)q.limit - 1 : n;
    cal_day today = request_today(r);
    cJSON *o = resp_new_object(r), *items = cJSON_AddArrayToObject(o, "items");
    for (size_t i = 0; i < shown; i++)
        cJSON_AddItemToArray(items, case_json(&rows[i], today));
    common_answer_id_page(r, w, o, n > shown, shown ? rows[shown - 1].id : 0);
}

static bool read_response(req *r, case_response *rs)
{
    const cJSON *body = req_body_object(r);
    const char *measure = NULL;
    if (!body)
        return false;
    req_json_string(r, body, "/verification", 1, RESPONSE_MAX_CHARS, true, &rs->verification);
    req_json_string(r, body, "/measure", 1, 16, true, &measure);
    req_json_string(r, body, "/response", 1, RESPONSE_MAX_CHARS, true, &rs->response);
    for (int i = 0; measure && measures[i]; i++)
        if (strcmp(measure, measures[i]) == 0)
            rs->measure = measures[i];
    if (measure && !rs->measure)
        req_add_error(r, "/measure", "整改方式须为 immediate、scheduled 或 explanation。",
                      "measure must be immediate, scheduled or explanation.");
    rs->today = request_today(r);
    return r->n_errors == 0;
}

void handle_rectification_resolve(req *r, resp *w)
{
    int64_t id;
    case_response rs = {0};
    if (!common_path_id(r, "id", &id)) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    if (!read_response(r, &rs)) {
        resp_invalid(r, w);
        return;
    }
    db_conn *c = db_primary();
    case_viewer v = viewer_of(r);
    app_actor_ref who = actor_of(r);
    rectification_row k;
    int rc = rectification_resolve(c, &r->arena, id, &v, &who, &rs, &k);
    if (rc == DB_NOT_FOUND)
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
    else if (rc == CASE_CLOSED)
        resp_problem2(r, w, PROBLEM_CONFLICT, "这件整改已经办结。", "This case is closed already.");
    else if (rc == CASE_DELEGATED)
        resp_problem2(r, w, PROBLEM_FORBIDDEN, "这件整改由受委托的机构答复。",
                      "The organization that handled the application answers this case.");
    else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "rectification resolve");
    else {
        cJSON *o = case_json(&k, rs.today);
        arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, o);
        common_answer_private(r, w, 200, o);
        idempotency_commit(r, w, c);
    }
}

void handle_rectification_visit(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    bool satisfied = false;
    if (body)
        req_json_bool(r, body, "/satisfied", true, &satisfied);
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    db_conn *c = db_primary();
    int64_t me = common_principal_id(r);
    app_row a;
    if (!load_application(r, w, c, LOAD_WITH_TIMELINE, app_owned_by_citizen, &me, &a))
        return;
    app_actor_ref who = citizen_actor(r);
    rectification_row k;
    int rc = rectification_visit(c, &r->arena, a.id, a.no, satisfied, &who, &k);
    if (rc == DB_NOT_FOUND)
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
    else if (rc == CASE_CLOSED)
        resp_problem2(r, w, PROBLEM_CONFLICT, "整改答复后才能回访，且只回访一次。",
                      "A case is visited once, after its response.");
    else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "rectification visit");
    else {
        cJSON *o = rectification_citizen_json(&k, request_today(r));
        arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, o);
        common_answer_private(r, w, 200, o);
        idempotency_commit(r, w, c);
    }
}
