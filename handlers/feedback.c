/* Feedback tickets (互动反馈, API.md §8): the citizen writes, lists and reads their own
 * tickets and rates the answer once closed; staff list their department's queue (the desk
 * department the general one too), read a ticket (audited), reply and close. Another
 * citizen's ticket, or another department's, is 404 like an unknown id. */
#include <stdio.h>
#include <string.h>

#include "api/idempotency.h"
#include "auth/token.h"
#include "core/config.h"
#include "core/json_out.h"
#include "handlers/application_views.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "workflow/feedback.h"

#define TITLE_MAX_CHARS 100
#define BODY_MAX_CHARS 2000
#define REPLIES_MAX 100 /* shown on a ticket; staff reply a few times at most */

static const char *const kinds[] = {"consultation", "complaint", "suggestion", "praise", NULL};
static const char *const statuses[] = {"open", "closed", NULL};

static cJSON *ticket_json(const feedback_row *t, bool with_body)
{
    cJSON *o = cJSON_CreateObject();
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)t->id);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "kind", t->kind);
    cJSON_AddStringToObject(o, "title", t->title);
    if (with_body)
        cJSON_AddStringToObject(o, "body", t->body);
    json_add_string_or_null(o, "application_no", t->application_no);
    json_add_string_or_null(o, "service_code", t->service_code);
    json_add_string_or_null(o, "department_code", t->department_code);
    cJSON_AddStringToObject(o, "status", t->status);
    cJSON_AddStringToObject(o, "created_at", t->created_at);
    json_add_string_or_null(o, "closed_at", t->closed_at);
    if (t->satisfaction)
        cJSON_AddNumberToObject(o, "satisfaction", t->satisfaction);
    else
        cJSON_AddNullToObject(o, "satisfaction");
    return o;
}

/* The ticket with its body and replies (the citizen's and the staff's detail). */
static cJSON *ticket_detail(req *r, db_conn *c, const feedback_row *t, int *rc)
{
    feedback_reply *replies = arena_alloc(&r->arena, sizeof *replies * REPLIES_MAX);
    size_t n = 0;
    *rc = replies ? feedback_replies(c, &r->arena, t->id, replies, REPLIES_MAX, &n) : DB_ERROR;
    if (*rc != DB_OK)
        return NULL;
    cJSON *o = ticket_json(t, true), *list = cJSON_AddArrayToObject(o, "replies");
    for (size_t i = 0; i < n; i++) {
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "department_code", replies[i].department_code);
        cJSON_AddStringToObject(item, "body", replies[i].body);
        cJSON_AddStringToObject(item, "created_at", replies[i].created_at);
        cJSON_AddItemToArray(list, item);
    }
    arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, o);
    return o;
}

static void answer_detail(req *r, resp *w, db_conn *c, const feedback_row *t, int status,
                          bool commit)
{
    int rc;
    cJSON *o = ticket_detail(r, c, t, &rc);
    if (!o) {
        if (commit)
            db_rollback(c);
        common_answer_failure(r, w, rc, "feedback");
        return;
    }
    common_answer_private(r, w, status, o);
    if (commit)
        idempotency_commit(r, w, c);
}

static void answer_list(req *r, resp *w, feedback_query *q)
{
    feedback_row *rows = arena_alloc(&r->arena, sizeof *rows * (size_t)(q->limit + 1));
    size_t n = 0;
    q->limit++;
    int rc = rows ? feedback_list(db_primary(), &r->arena, q, rows, &n) : DB_ERROR;
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "feedback list");
        return;
    }
    size_t shown = n >= (size_t)q->limit ? (size_t)q->limit - 1 : n;
    cJSON *o = resp_new_object(r), *items = cJSON_AddArrayToObject(o, "items");
    for (size_t i = 0; i < shown; i++)
        cJSON_AddItemToArray(items, ticket_json(&rows[i], false));
    common_answer_id_page(r, w, o, n > shown, shown ? rows[shown - 1].id : 0);
}

static bool read_query(req *r, feedback_query *q)
{
    q->before = INT64_MAX;
    req_query_enum(r, "status", statuses, &q->status);
    common_read_limit(r, &q->limit);
    common_read_id_cursor(r, &q->before);
    return r->n_errors == 0;
}

/* ---- the citizen ----------------------------------------------------------------------- */

static const char *read_kind(req *r, const cJSON *body)
{
    const char *kind = NULL;
    req_json_string(r, body, "/kind", 1, 16, true, &kind);
    for (int i = 0; kind && kinds[i]; i++)
        if (strcmp(kind, kinds[i]) == 0)
            return kinds[i];
    if (kind)
        req_add_error(r, "/kind", "类型须为 consultation、complaint、suggestion 或 praise。",
                      "kind must be consultation, complaint, suggestion or praise.");
    return NULL;
}

static bool read_submission(req *r, feedback_submission *s)
{
    const cJSON *body = req_body_object(r);
    if (!body)
        return false;
    s->kind = read_kind(r, body);
    req_json_string(r, body, "/title", 1, TITLE_MAX_CHARS, true, &s->title);
    req_json_string(r, body, "/body", 1, BODY_MAX_CHARS, true, &s->body);
    req_json_string(r, body, "/application_no", 1, 20, false, &s->application_no);
    req_json_string(r, body, "/service_code", 1, 64, false, &s->service_code);
    req_json_string(r, body, "/department_code", 1, 32, false, &s->department_code);
    if (!!s->application_no + !!s->service_code + !!s->department_code > 1)
        req_add_error(r, "/application_no", "办件、事项和部门只能选一个。",
                      "Name at most one of application_no, service_code, department_code.");
    return r->n_errors == 0;
}

static void answer_refusal(req *r, resp *w, int rc)
{
    const ow_config *cfg = config_current();
    if (rc == FEEDBACK_UNKNOWN_APPLICATION)
        req_add_error(r, "/application_no", "没有这件办件。", "You have no such application.");
    else if (rc == FEEDBACK_UNKNOWN_SERVICE)
        req_add_error(r, "/service_code", "没有这个事项。", "There is no such service.");
    else if (rc == FEEDBACK_UNKNOWN_DEPARTMENT)
        req_add_error(r, "/department_code", "没有这个部门。", "There is no such department.");
    if (r->n_errors)
        resp_invalid(r, w);
    else if (rc == FEEDBACK_OPEN_LIMIT)
        common_answer_rate_limited(r, w, 3600, "未办结的留言太多，请等待答复后再提交。",
                                   arena_printf(&r->arena,
                                                "You have %d open tickets: wait for an answer.",
                                                cfg ? cfg->feedback_open_max : 0));
    else if (rc == FEEDBACK_DAILY_LIMIT)
        common_answer_rate_limited(r, w, 3600, "今天的留言已达上限，请明天再提交。",
                                   "You have written as many tickets as a day allows.");
    else
        common_answer_failure(r, w, rc, "feedback submit");
}

void handle_feedback_create(req *r, resp *w)
{
    const ow_config *cfg = config_current();
    feedback_submission s = {.citizen_id = common_principal_id(r),
                             .open_max = cfg ? cfg->feedback_open_max : 5,
                             .daily_max = cfg ? cfg->feedback_daily_max : 10};
    if (!read_submission(r, &s)) {
        resp_invalid(r, w);
        return;
    }
    char today[CAL_DATE_BYTES];
    cal_day_format(request_today(r), today);
    s.today = today;
    db_conn *c = db_primary();
    app_actor_ref who = citizen_actor(r);
    int64_t id;
    feedback_row t;
    int rc = feedback_submit(c, &r->arena, &s, &who, &id);
    if (rc == DB_OK && (rc = feedback_by_id(c, &r->arena, id, false, &t)) != DB_OK)
        db_rollback(c);
    if (rc != DB_OK)
        answer_refusal(r, w, rc);
    else
        answer_detail(r, w, c, &t, 201, true);
}

void handle_feedback_list(req *r, resp *w)
{
    feedback_query q = {.citizen_id = common_principal_id(r)};
    if (!read_query(r, &q)) {
        resp_invalid(r, w);
        return;
    }
    answer_list(r, w, &q);
}

/* The caller's own ticket of the path's id, or an answered 404. */
static bool own_ticket(req *r, resp *w, db_conn *c, feedback_row *t)
{
    int64_t id;
    int rc =
        common_path_id(r, "id", &id) ? feedback_by_id(c, &r->arena, id, false, t) : DB_NOT_FOUND;
    if (rc == DB_OK && t->citizen_id != common_principal_id(r))
        rc = DB_NOT_FOUND;
    if (rc == DB_NOT_FOUND)
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
    else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "feedback");
    return rc == DB_OK;
}

void handle_feedback_get(req *r, resp *w)
{
    db_conn *c = db_primary();
    feedback_row t;
    if (own_ticket(r, w, c, &t))
        answer_detail(r, w, c, &t, 200, false);
}

void handle_feedback_satisfaction(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    long score = 0;
    int64_t id;
    if (body)
        req_json_int(r, body, "/satisfaction", 1, 5, true, &score);
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    if (!common_path_id(r, "id", &id)) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    db_conn *c = db_primary();
    app_actor_ref who = citizen_actor(r);
    feedback_row t;
    int rc = feedback_rate(c, &r->arena, id, common_principal_id(r), (int)score, &who, &t);
    if (rc == DB_NOT_FOUND)
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
    else if (rc == FEEDBACK_CLOSED)
        resp_problem2(r, w, PROBLEM_CONFLICT, "留言办结后才能评价，且只评价一次。",
                      "A ticket is rated once, after it is closed.");
    else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "feedback satisfaction");
    else
        answer_detail(r, w, c, &t, 200, true);
}

/* ---- staff ----------------------------------------------------------------------------- */

void handle_staff_feedback_list(req *r, resp *w)
{
    feedback_viewer v = feedback_viewer_of(r->claims->dept);
    feedback_query q = {.department_code = v.department_code, .with_general = v.desk};
    if (!read_query(r, &q)) {
        resp_invalid(r, w);
        return;
    }
    answer_list(r, w, &q);
}

static void answer_staff(req *r, resp *w, db_conn *c, int rc, const feedback_row *t, bool commit)
{
    if (rc == DB_NOT_FOUND)
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
    else if (rc == FEEDBACK_CLOSED)
        resp_problem2(r, w, PROBLEM_CONFLICT, "这条留言已经办结。", "This ticket is closed.");
    else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "staff feedback");
    else
        answer_detail(r, w, c, t, 200, commit);
}

void handle_staff_feedback_get(req *r, resp *w)
{
    int64_t id;
    feedback_viewer v = feedback_viewer_of(r->claims->dept);
    app_actor_ref who = department_staff_actor(r);
    db_conn *c = db_primary();
    feedback_row t;
    int rc = common_path_id(r, "id", &id) ? feedback_staff_read(c, &r->arena, id, &v, &who, &t)
                                          : DB_NOT_FOUND;
    answer_staff(r, w, c, rc, &t, false);
}

void handle_staff_feedback_reply(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *text = NULL;
    int64_t id;
    if (body)
        req_json_string(r, body, "/body", 1, BODY_MAX_CHARS, true, &text);
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    feedback_viewer v = feedback_viewer_of(r->claims->dept);
    app_actor_ref who = department_staff_actor(r);
    db_conn *c = db_primary();
    feedback_row t;
    int rc = common_path_id(r, "id", &id) ? feedback_reply_add(c, &r->arena, id, &v, &who, text, &t)
                                          : DB_NOT_FOUND;
    answer_staff(r, w, c, rc, &t, true);
}

void handle_staff_feedback_close(req *r, resp *w)
{
    int64_t id;
    feedback_viewer v = feedback_viewer_of(r->claims->dept);
    app_actor_ref who = department_staff_actor(r);
    db_conn *c = db_primary();
    feedback_row t;
    int rc = common_path_id(r, "id", &id) ? feedback_close(c, &r->arena, id, &v, &who, &t)
                                          : DB_NOT_FOUND;
    answer_staff(r, w, c, rc, &t, true);
}
