/* Delegations (授权委托, API.md §7): a department's staff list, make, read and revoke the
 * delegations of their own department's services (another department's → 404); an
 * organization lists the services delegated to it (GET /api/v1/org/services: those in force
 * or still to come, not revoked). The rules and the writes are workflow/delegations.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/idempotency.h"
#include "auth/token.h"
#include "handlers/application_views.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "workflow/delegations.h"

#define SERVICE_CODE_MAX_CHARS 64
#define ORG_ID_MAX_CHARS 19

static const char *status_of(const delegation_row *d, const char *today)
{
    if (d->revoked_at)
        return "revoked";
    if (strcmp(today, d->from) < 0)
        return "scheduled";
    return strcmp(today, d->to) > 0 ? "ended" : "active";
}

/* {"id","service","organization","from","to","status","created_at","revoked_at"} */
static cJSON *delegation_json(req *r, const delegation_row *d, const char *today)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", arena_printf(&r->arena, "%lld", (long long)d->id));
    cJSON *s = cJSON_AddObjectToObject(o, "service");
    cJSON_AddStringToObject(s, "code", d->service_code);
    cJSON_AddStringToObject(s, "name", d->service_name);
    cJSON *org = cJSON_AddObjectToObject(o, "organization");
    cJSON_AddStringToObject(org, "id", arena_printf(&r->arena, "%lld", (long long)d->org_id));
    cJSON_AddStringToObject(org, "name", d->org_name);
    cJSON_AddStringToObject(o, "department_code", d->department_code);
    cJSON_AddStringToObject(o, "from", d->from);
    cJSON_AddStringToObject(o, "to", d->to);
    cJSON_AddStringToObject(o, "status", status_of(d, today));
    cJSON_AddStringToObject(o, "created_at", d->created_at);
    if (d->revoked_at)
        cJSON_AddStringToObject(o, "revoked_at", d->revoked_at);
    else
        cJSON_AddNullToObject(o, "revoked_at");
    return o;
}

static const char *today_text(req *r)
{
    char *today = arena_alloc(&r->arena, CAL_DATE_BYTES);
    if (today)
        cal_day_format(request_today(r), today);
    return today ? today : "";
}

static delegation_actor staff_actor(const req *r)
{
    return (delegation_actor){"staff", r->claims->sub, r->claims->dept, r->server_request_id,
                              r->client_request_id};
}

static void list_page(req *r, resp *w, const delegation_row *items, size_t n, int limit,
                      const char *next)
{
    const char *today = today_text(r);
    cJSON *o = resp_new_object(r);
    cJSON *list = cJSON_AddArrayToObject(o, "items");
    for (size_t i = 0; i < n && i < (size_t)limit; i++)
        cJSON_AddItemToArray(list, delegation_json(r, &items[i], today));
    if (next)
        cJSON_AddStringToObject(o, "next_cursor", next);
    else
        cJSON_AddNullToObject(o, "next_cursor");
    common_answer_private(r, w, 200, o);
}

void handle_staff_delegations(req *r, resp *w)
{
    int limit = 0;
    int64_t before = INT64_MAX;
    common_read_limit(r, &limit);
    common_read_id_cursor(r, &before);
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    delegation_row *items = arena_alloc(&r->arena, sizeof *items * (size_t)(limit + 1));
    size_t n = 0;
    int rc = items ? delegation_list_of_department(db_primary(), &r->arena, r->claims->dept, before,
                                                   limit + 1, items, &n)
                   : DB_ERROR;
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "delegation list");
        return;
    }
    list_page(r, w, items, n, limit,
              n > (size_t)limit ? common_id_cursor(r, items[limit - 1].id) : NULL);
}

/* A date member: false after recording an error. */
static bool read_date(req *r, const cJSON *body, const char *pointer, cal_day *out)
{
    const char *text = NULL;
    if (!req_json_string(r, body, pointer, 10, 10, true, &text))
        return false;
    if (cal_day_parse(text, out) == 0)
        return true;
    req_add_error(r, pointer, "须为日期 YYYY-MM-DD（服务所在时区）。",
                  "must be a date YYYY-MM-DD (the service's time zone).");
    return false;
}

static void window_error(req *r, delegation_window problem)
{
    if (problem == DELEGATION_WINDOW_REVERSED)
        req_add_error(r, "/to", "结束日期不能早于开始日期。", "to must not be before from.");
    else if (problem == DELEGATION_WINDOW_ENDED)
        req_add_error(r, "/to", "结束日期不能早于今天。", "to must not be before today.");
    else if (problem == DELEGATION_WINDOW_TOO_LONG)
        req_add_error(r, "/to", "委托期限最长五年（1827 天）。",
                      "A delegation lasts at most five years (1827 days).");
}

/* {"service_code","org_id","from","to"}; false after recording validation errors. */
static bool read_delegation(req *r, delegation_request *rq)
{
    const cJSON *body = req_body_object(r);
    const char *org = NULL;
    cal_day from = 0, to = 0;
    if (!body)
        return false;
    req_json_string(r, body, "/service_code", 1, SERVICE_CODE_MAX_CHARS, true, &rq->service_code);
    if (req_json_string(r, body, "/org_id", 1, ORG_ID_MAX_CHARS, true, &org)) {
        char *end;
        rq->org_id = strtoll(org, &end, 10);
        if (*end || org[0] < '1' || org[0] > '9' || strspn(org, "0123456789") != strlen(org))
            req_add_error(r, "/org_id", "须为组织的编号（数字字符串）。",
                          "must be an organization's id (a string of digits).");
    }
    bool from_ok = read_date(r, body, "/from", &from);
    bool to_ok = read_date(r, body, "/to", &to);
    if (from_ok && to_ok)
        window_error(r, delegation_window_check(from, to, request_today(r)));
    if (r->n_errors)
        return false;
    char *f = arena_alloc(&r->arena, CAL_DATE_BYTES), *t = arena_alloc(&r->arena, CAL_DATE_BYTES);
    if (!f || !t)
        return false;
    cal_day_format(from, f);
    cal_day_format(to, t);
    rq->from = f;
    rq->to = t;
    return true;
}

/* False after answering an outcome of delegation_create that is not DB_OK. */
static bool created(req *r, resp *w, int rc)
{
    if (rc == DELEGATION_NO_SERVICE || rc == DELEGATION_OTHER_DEPARTMENT)
        req_add_error(r, "/service_code", "没有这个事项，或它不属于您的部门。",
                      "There is no such service, or it is not your department's.");
    else if (rc == DELEGATION_NO_ORG)
        req_add_error(r, "/org_id", "没有这个社会组织，或它已停用。",
                      "There is no such organization, or it is disabled.");
    if (r->n_errors)
        resp_invalid(r, w);
    else if (rc == DELEGATION_OVERLAP)
        resp_problem2(r, w, PROBLEM_CONFLICT,
                      "这个事项在这段时间内已有委托；一个事项同一天只能委托给一个组织。",
                      "The service is delegated on some of these days already: one service has "
                      "at most one delegation on any day.");
    else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "delegation");
    return rc == DB_OK;
}

void handle_staff_delegation_create(req *r, resp *w)
{
    delegation_request rq = {0};
    if (!read_delegation(r, &rq)) {
        resp_invalid(r, w);
        return;
    }
    db_conn *c = db_primary();
    delegation_actor who = staff_actor(r);
    delegation_row d;
    if (!created(r, w, delegation_create(c, &r->arena, &rq, &who, &d)))
        return;
    cJSON *o = delegation_json(r, &d, today_text(r));
    arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, o);
    resp_header(w, "Location",
                arena_printf(&r->arena, "/api/v1/staff/delegations/%lld", (long long)d.id));
    common_answer_private(r, w, 201, o);
    idempotency_commit(r, w, c);
}

void handle_staff_delegation(req *r, resp *w)
{
    int64_t id;
    delegation_row d;
    int rc = common_path_id(r, "id", &id) ? delegation_by_id(db_primary(), &r->arena, id, false, &d)
                                          : DB_NOT_FOUND;
    if (rc == DB_OK && strcmp(d.department_code, r->claims->dept) != 0)
        rc = DB_NOT_FOUND; /* another department's: as if there were none */
    if (rc != DB_OK) {
        common_answer_changed(r, w, rc, "delegation");
        return;
    }
    cJSON *o = delegation_json(r, &d, today_text(r));
    arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, o);
    common_answer_private(r, w, 200, o);
}

/* DELETE may come twice (nginx retries it): revoking a revoked one is 204 again. */
void handle_staff_delegation_revoke(req *r, resp *w)
{
    int64_t id;
    if (!common_path_id(r, "id", &id)) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    db_conn *c = db_primary();
    delegation_actor who = staff_actor(r);
    delegation_row d;
    int rc = delegation_revoke(c, &r->arena, id, &who, &d);
    if (rc != DB_OK) {
        common_answer_changed(r, w, rc, "delegation revocation");
        return;
    }
    resp_body(w, 204, NULL, NULL, 0);
    idempotency_commit(r, w, c);
}

/* The cursor of the organization's list: the last row's "to|id". */
static bool read_org_cursor(req *r, const char **after_to, int64_t *after_id)
{
    char cursor[64];
    bool present;
    cal_day d;
    if (!common_read_cursor(r, cursor, sizeof cursor, &present) || !present)
        return r->n_errors == 0;
    char *bar = strchr(cursor, '|'), *end;
    if (bar) {
        *bar = '\0';
        *after_id = strtoll(bar + 1, &end, 10);
    }
    if (!bar || *end || *after_id < 0 || cal_day_parse(cursor, &d) != 0) {
        req_add_error(r, "cursor", "分页游标无效。", "The cursor is not valid.");
        return false;
    }
    *after_to = arena_strdup(&r->arena, cursor);
    return true;
}

void handle_org_services(req *r, resp *w)
{
    int limit = 0;
    const char *after_to = NULL;
    int64_t after_id = 0;
    common_read_limit(r, &limit);
    read_org_cursor(r, &after_to, &after_id);
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    const char *today = today_text(r);
    delegation_row *items = arena_alloc(&r->arena, sizeof *items * (size_t)(limit + 1));
    size_t n = 0;
    int rc = items ? delegation_list_of_org(db_primary(), &r->arena, common_principal_id(r), today,
                                            after_to, after_id, limit + 1, items, &n)
                   : DB_ERROR;
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "delegated services");
        return;
    }
    const char *next = NULL;
    if (n > (size_t)limit)
        next = common_make_cursor(r, arena_printf(&r->arena, "%s|%lld", items[limit - 1].to,
                                                  (long long)items[limit - 1].id));
    list_page(r, w, items, n, limit, next);
}
