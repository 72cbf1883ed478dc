/* The companies a citizen acts for (法人办事, API.md §3): POST, GET and DELETE
 * /api/v1/me/enterprises[/{id}]. The credit code passes GB 32100 and the registry step
 * (auth/enterprise_registry.c); another citizen's binding is 404. */
#include <string.h>

#include "api/idempotency.h"
#include "auth/enterprise_registry.h"
#include "auth/gb_ids.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "workflow/enterprises.h"

#define ENTERPRISE_NAME_MAX_CHARS 100
#define CREDIT_CODE_CHARS 18

static const char *const roles[] = {"legal_representative", "agent", NULL};

static cJSON *enterprise_json(req *r, const enterprise_row *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", arena_printf(&r->arena, "%lld", (long long)e->id));
    cJSON_AddStringToObject(o, "credit_code", e->credit_code);
    cJSON_AddStringToObject(o, "name", e->name);
    cJSON_AddStringToObject(o, "role", e->role);
    cJSON_AddStringToObject(o, "verified_by", e->verified_by);
    cJSON_AddStringToObject(o, "created_at", e->created_at);
    return o;
}

static bool read_binding(req *r, const char **code, const char **name, const char **role)
{
    const cJSON *body = req_body_object(r);
    if (!body)
        return false;
    req_json_string(r, body, "/credit_code", CREDIT_CODE_CHARS, CREDIT_CODE_CHARS, true, code);
    req_json_string(r, body, "/name", 1, ENTERPRISE_NAME_MAX_CHARS, true, name);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, "role");
    *role = NULL;
    for (const char *const *k = roles; cJSON_IsString(v) && *k; k++)
        if (strcmp(v->valuestring, *k) == 0)
            *role = *k;
    if (!*role)
        req_add_error(r, "/role", "须为 legal_representative（法定代表人）或 agent（经办人）。",
                      "must be legal_representative or agent.");
    if (*code && r->n_errors == 0 && !gb32100_valid(*code))
        req_add_error(r, "/credit_code", "统一社会信用代码无效。",
                      "This is not a valid unified social credit code.");
    return r->n_errors == 0;
}

void handle_enterprise_add(req *r, resp *w)
{
    const char *code = NULL, *name = NULL, *role = NULL, *verified_by = NULL;
    if (!read_binding(r, &code, &name, &role)) {
        resp_invalid(r, w);
        return;
    }
    switch (enterprise_verify(code, name, role, &verified_by)) {
    case REGISTRY_CONFIRMED: break;
    case REGISTRY_REFUSED:
        req_add_error(r, "/credit_code", "登记机关未能确认这家企业及您的身份。",
                      "The registry did not confirm this company and your role in it.");
        resp_invalid(r, w);
        return;
    case REGISTRY_UNAVAILABLE:
        resp_unavailable(r, w, "enterprise binding", "the enterprise registry did not answer");
        return;
    }
    enterprise_new e = {common_principal_id(r), code, name, role, verified_by};
    enterprise_row row;
    db_conn *c = db_primary();
    int rc = enterprises_bind(c, &r->arena, &e, &row);
    if (rc == DB_DUPLICATE)
        resp_problem2(r, w, PROBLEM_CONFLICT, "您已绑定这家企业。",
                      "You have bound this company already.");
    else if (rc == ENTERPRISES_FULL)
        resp_problem2(r, w, PROBLEM_CONFLICT, "最多可绑定 20 家企业。",
                      "At most 20 companies can be bound.");
    else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "enterprise binding");
    if (rc != DB_OK)
        return;
    cJSON *o = enterprise_json(r, &row);
    arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, o);
    resp_header(w, "Location",
                arena_printf(&r->arena, "/api/v1/me/enterprises/%lld", (long long)row.id));
    common_answer_private(r, w, 201, o);
    idempotency_commit(r, w, c); /* the binding and its answer commit together */
}

void handle_enterprise_list(req *r, resp *w)
{
    enterprise_row rows[ENTERPRISES_MAX];
    size_t n = 0;
    int rc = enterprise_list(db_primary(), &r->arena, common_principal_id(r), rows, &n);
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "enterprise list");
        return;
    }
    cJSON *o = resp_new_object(r);
    cJSON *items = cJSON_AddArrayToObject(o, "items");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, enterprise_json(r, &rows[i]));
    common_answer_private(r, w, 200, o);
}

void handle_enterprise_delete(req *r, resp *w)
{
    int64_t id;
    if (!common_path_id(r, "id", &id)) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    common_answer_changed(r, w, enterprise_delete(db_primary(), common_principal_id(r), id),
                          "enterprise removal");
}
