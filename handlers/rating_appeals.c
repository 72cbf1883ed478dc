/* Rating appeals (申诉复核, API.md §8): a department's staff ask for one of their ratings to be
 * reviewed (another department's rating, or an unknown id, is 404); the platform's operator
 * lists the appeals and decides each once: keep the rating, or exclude it from the statistics
 * (it is never deleted). Department staff cannot decide and operators cannot appeal (403 by
 * the routes' auth policies). */
#include <stdio.h>
#include <string.h>

#include "api/idempotency.h"
#include "auth/token.h"
#include "core/json_out.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "workflow/rating_appeals.h"

#define APPEAL_REASON_MIN 10
#define APPEAL_REASON_MAX 1000
#define EVIDENCE_MAX 2000
#define DECISION_REASON_MIN 5
#define DECISION_REASON_MAX 1000

static const char *const appeal_statuses[] = {"pending", "excluded", "kept", NULL};
static const char *const decisions[] = {"exclude", "keep", NULL};

static void add_id(cJSON *o, const char *name, int64_t id)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)id);
    cJSON_AddStringToObject(o, name, text);
}

static cJSON *appeal_json(const appeal_row *p)
{
    cJSON *o = cJSON_CreateObject();
    add_id(o, "id", p->id);
    add_id(o, "rating_id", p->rating_id);
    cJSON_AddStringToObject(o, "application_no", p->application_no);
    cJSON_AddNumberToObject(o, "score", p->score);
    cJSON_AddStringToObject(o, "department_code", p->department_code);
    add_id(o, "requested_by", p->requested_by);
    cJSON_AddStringToObject(o, "reason", p->reason);
    json_add_string_or_null(o, "evidence", p->evidence);
    cJSON_AddStringToObject(o, "status", p->status);
    cJSON_AddStringToObject(o, "created_at", p->created_at);
    if (p->decided_by)
        add_id(o, "decided_by", p->decided_by);
    else
        cJSON_AddNullToObject(o, "decided_by");
    json_add_string_or_null(o, "decision_reason", p->decision_reason);
    json_add_string_or_null(o, "decided_at", p->decided_at);
    return o;
}

static void answer_appeal(req *r, resp *w, db_conn *c, int status, const appeal_row *p)
{
    cJSON *o = appeal_json(p);
    arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, o);
    common_answer_private(r, w, status, o);
    idempotency_commit(r, w, c);
}

static app_actor_ref actor_of(const req *r, const char *audit_type)
{
    return (app_actor_ref){ACTOR_DEPARTMENT,       audit_type, r->claims->sub,
                           common_principal_id(r), "",         r->server_request_id,
                           r->client_request_id};
}

void handle_rating_appeal(req *r, resp *w)
{
    appeal_new n = {.department_code = r->claims->dept, .requested_by = common_principal_id(r)};
    if (!common_path_id(r, "id", &n.rating_id)) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    const cJSON *body = req_body_object(r);
    if (body) {
        req_json_string(r, body, "/reason", APPEAL_REASON_MIN, APPEAL_REASON_MAX, true, &n.reason);
        req_json_string(r, body, "/evidence", 0, EVIDENCE_MAX, false, &n.evidence);
    }
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    if (n.evidence && !*n.evidence)
        n.evidence = NULL;
    db_conn *c = db_primary();
    app_actor_ref who = actor_of(r, "staff");
    appeal_row p;
    int rc = rating_appeal_create(c, &r->arena, &n, &who, &p);
    if (rc == DB_NOT_FOUND)
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
    else if (rc == APPEAL_EXISTS)
        resp_problem2(r, w, PROBLEM_CONFLICT, "这条评价已经申诉过了（每条评价申诉一次）。",
                      "This rating has been appealed already (once per rating).");
    else if (rc == APPEAL_RATING_EXCLUDED)
        resp_problem2(r, w, PROBLEM_CONFLICT, "这条评价已不计入统计。",
                      "This rating is excluded from the statistics already.");
    else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "rating appeal");
    else
        answer_appeal(r, w, c, 201, &p);
}

void handle_rating_appeal_list(req *r, resp *w)
{
    const char *status = NULL;
    int limit = 0;
    int64_t before = INT64_MAX;
    req_query_enum(r, "status", appeal_statuses, &status);
    common_read_limit(r, &limit);
    common_read_id_cursor(r, &before);
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    size_t max = (size_t)limit + 1, n = 0; /* one more: is there a next page */
    appeal_row *rows = arena_alloc(&r->arena, sizeof *rows * max);
    int rc = rows ? appeal_list(db_primary(), &r->arena, status, before, max, rows, &n) : DB_ERROR;
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "rating appeal list");
        return;
    }
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    cJSON *o = resp_new_object(r), *items = cJSON_AddArrayToObject(o, "items");
    for (size_t i = 0; i < shown; i++)
        cJSON_AddItemToArray(items, appeal_json(&rows[i]));
    common_answer_id_page(r, w, o, n > shown, shown ? rows[shown - 1].id : 0);
}

void handle_rating_appeal_decision(req *r, resp *w)
{
    appeal_decision d = {.decided_by = common_principal_id(r)};
    const char *decision = NULL;
    if (!common_path_id(r, "id", &d.appeal_id)) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    const cJSON *body = req_body_object(r);
    if (body) {
        req_json_string(r, body, "/decision", 1, 16, true, &decision);
        req_json_string(r, body, "/reason", DECISION_REASON_MIN, DECISION_REASON_MAX, true,
                        &d.reason);
    }
    if (decision && strcmp(decision, decisions[0]) != 0 && strcmp(decision, decisions[1]) != 0)
        req_add_error(r, "/decision", "决定须为 exclude 或 keep。",
                      "decision must be exclude or keep.");
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    d.exclude = strcmp(decision, decisions[0]) == 0;
    db_conn *c = db_primary();
    app_actor_ref who = actor_of(r, "operator");
    appeal_row p;
    int rc = rating_appeal_decide(c, &r->arena, &d, &who, &p);
    if (rc == DB_NOT_FOUND)
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
    else if (rc == APPEAL_DECIDED)
        resp_problem2(r, w, PROBLEM_CONFLICT, "这件申诉已经有复核结论。",
                      "This appeal has been decided already.");
    else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "rating appeal decision");
    else
        answer_appeal(r, w, c, 200, &p);
}
