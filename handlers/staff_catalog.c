/* The staff catalog (API.md §4, "Staff: catalog and search"): items created, replaced and
 * retired by department staff (their department's only: another department's item is 404,
 * naming another department 403) and by operators (every item); synonyms, concepts and the
 * search miss log for operators only. Every change is audited and bumps the catalog version
 * (workflow/catalog_edits.c): every worker searches with it within about two seconds. */
#include <stdio.h>
#include <string.h>

#include "api/idempotency.h"
#include "auth/token.h"
#include "catalog/catalog_item.h"
#include "core/calendar.h"
#include "core/json_out.h"
#include "core/strbuf.h"
#include "db/catalog_store.h"
#include "db/search_log_store.h"
#include "handlers/catalog_views.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "workflow/catalog_edits.h"

#define SYNONYM_TERM_MAX 32
#define SYNONYM_EXPANSION_MAX 64
#define CONCEPT_NAME_MAX 64
#define CONCEPT_WORDS_MAX 50
#define CONCEPT_WORD_MAX 32
#define MISSES_DAYS_MAX 90
#define MISSES_LIMIT_MAX 500

static catalog_actor actor_of(const req *r)
{
    bool op = r->claims->role == ROLE_OPERATOR;
    return (catalog_actor){op ? "operator" : "staff", r->claims->sub, op ? "" : r->claims->dept,
                           r->server_request_id, r->client_request_id};
}

/* The body as a catalog item (the import's format), code from the path when given; NULL after
 * answering 400 (the reason under the field's pointer) or a failure. */
static const catalog_item *item_of_body(req *r, resp *w, const char *path_code)
{
    const cJSON *body = req_body_object(r);
    if (!body) {
        resp_invalid(r, w);
        return NULL;
    }
    cJSON *obj = cJSON_Duplicate(body, true);
    if (!obj || arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, obj) != 0) {
        resp_internal(r, w, "catalog item", "out of memory");
        return NULL;
    }
    if (path_code) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(obj, "code");
        if (code && !(cJSON_IsString(code) && strcmp(code->valuestring, path_code) == 0)) {
            req_add_error(r, "/code", "与路径中的事项编码不一致。",
                          "Must be the code of the path (or left out).");
            resp_invalid(r, w);
            return NULL;
        }
        if (!code)
            cJSON_AddStringToObject(obj, "code", path_code);
    }
    catalog_codes codes;
    int rc = catalog_import_codes(db_primary(), &r->arena, &codes);
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "catalog codes");
        return NULL;
    }
    catalog_item *it = arena_alloc(&r->arena, sizeof *it);
    char why[320], pointer[320]; /* a pointer deep in a form_schema: ~100 characters */
    if (!it) {
        resp_internal(r, w, "catalog item", "out of memory");
        return NULL;
    }
    if (catalog_item_parse(obj, &codes, &r->arena, it, why, sizeof why) != 0) {
        /* why is "field: reason" (or "field.sub: …"): the field names the pointer */
        size_t n = strcspn(why, ":.");
        snprintf(pointer, sizeof pointer, "/%.*s", (int)n, why);
        req_add_error(r, arena_strdup(&r->arena, pointer), "事项内容不合规定。",
                      arena_strdup(&r->arena, why));
        resp_invalid(r, w);
        return NULL;
    }
    return it;
}

static void answer_item(req *r, resp *w, int status, const catalog_item *it)
{
    cJSON *o = resp_new_object(r);
    cJSON_AddStringToObject(o, "code", it->code);
    cJSON_AddStringToObject(o, "name", it->name);
    cJSON *dept = cJSON_AddObjectToObject(o, "department");
    cJSON_AddStringToObject(dept, "code", it->department_code);
    resp_json(r, w, status, o);
}

static void answer_edit_failure(req *r, resp *w, int rc, const char *what)
{
    if (rc == CATALOG_OTHER_DEPT)
        resp_problem2(r, w, PROBLEM_FORBIDDEN, "只能维护本部门的事项。",
                      "Department staff may only edit their own department's items.");
    else if (rc == CATALOG_EXISTS)
        resp_problem2(r, w, PROBLEM_CONFLICT, "该事项编码已存在。",
                      "An item with this code exists (retired codes are never reused).");
    else if (rc == DB_NOT_FOUND)
        resp_problem2(r, w, PROBLEM_NOT_FOUND, "没有这个事项。", "No such item.");
    else
        common_answer_failure(r, w, rc, what);
}

void handle_staff_catalog_create(req *r, resp *w)
{
    const catalog_item *it = item_of_body(r, w, NULL);
    if (!it)
        return;
    catalog_actor who = actor_of(r);
    int rc = catalog_edit_create(db_primary(), &r->arena, it, &who);
    if (rc != DB_OK) {
        answer_edit_failure(r, w, rc, "catalog create");
        return;
    }
    resp_header(w, "Location", arena_printf(&r->arena, "/api/v1/services/%s", it->code));
    answer_item(r, w, 201, it);
    idempotency_commit(r, w, db_primary());
}

void handle_staff_catalog_update(req *r, resp *w)
{
    const char *code = req_path_param(r, "code");
    if (!code || !catalog_code_ok(code)) { /* no item has it: 404 before the body (as GET) */
        resp_problem2(r, w, PROBLEM_NOT_FOUND, "没有这个事项。", "No such item.");
        return;
    }
    const catalog_item *it = item_of_body(r, w, code);
    if (!it)
        return;
    catalog_actor who = actor_of(r);
    int rc = catalog_edit_update(db_primary(), &r->arena, it, &who);
    if (rc != DB_OK) {
        answer_edit_failure(r, w, rc, "catalog update");
        return;
    }
    answer_item(r, w, 200, it);
    idempotency_commit(r, w, db_primary());
}

void handle_staff_catalog_retire(req *r, resp *w)
{
    const char *code = req_path_param(r, "code");
    catalog_actor who = actor_of(r);
    if (!code || !catalog_code_ok(code)) {
        resp_problem2(r, w, PROBLEM_NOT_FOUND, "没有这个事项。", "No such item.");
        return;
    }
    int rc = catalog_edit_retire(db_primary(), &r->arena, code, &who);
    if (rc != DB_OK) {
        answer_edit_failure(r, w, rc, "catalog retire");
        return;
    }
    resp_body(w, 204, NULL, NULL, 0);
    idempotency_commit(r, w, db_primary());
}

/* The item as its editors see it: the format PUT takes (department and topics by code),
 * whether offered or retired. */
static cJSON *staff_item_json(req *r, const catalog_detail *d)
{
    cJSON *o = resp_new_object(r);
    cJSON_AddStringToObject(o, "code", d->code);
    cJSON_AddStringToObject(o, "name", d->name);
    cJSON_AddStringToObject(o, "department", d->department_code);
    catalog_views_add_list(o, "topics", d->topic_codes);
    catalog_views_add_terms(o, d);
    catalog_views_add_list(o, "materials", d->materials);
    catalog_views_add_list(o, "keywords", d->keywords);
    catalog_views_add_form_schema(o, d->form_schema);
    cJSON_AddStringToObject(o, "description", d->description);
    if (strcmp(d->handled_by_type, "organization") == 0) { /* else its department (default) */
        cJSON *by = cJSON_AddObjectToObject(o, "handled_by");
        cJSON_AddStringToObject(by, "type", d->handled_by_type);
        cJSON_AddStringToObject(by, "name", d->handled_by_name);
    }
    json_add_string_or_null(o, "name_en", d->name_en);
    json_add_string_or_null(o, "description_en", d->description_en);
    json_add_string_or_null(o, "retired_at", d->retired_at);
    cJSON_AddStringToObject(o, "updated_at", d->updated_at);
    return o;
}

void handle_staff_catalog_get(req *r, resp *w)
{
    const char *code = req_path_param(r, "code");
    catalog_detail d;
    /* from the primary: an editor reads what they just wrote; no day, so handled_by is the
     * catalog's own (what PUT takes back), not a delegation's organization */
    int rc = code && catalog_code_ok(code)
                 ? catalog_store_get(db_primary(), &r->arena, code, NULL, true, &d)
                 : DB_NOT_FOUND;
    if (rc == DB_OK && r->claims->role != ROLE_OPERATOR &&
        strcmp(d.department_code, r->claims->dept) != 0)
        rc = DB_NOT_FOUND; /* another department's item: as if there were none */
    if (rc != DB_OK) {
        answer_edit_failure(r, w, rc, "staff catalog item");
        return;
    }
    common_answer_private(r, w, 200, staff_item_json(r, &d));
}

void handle_staff_synonym_add(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *term = NULL, *expansion = NULL;
    if (body) {
        req_json_string(r, body, "/term", 1, SYNONYM_TERM_MAX, true, &term);
        req_json_string(r, body, "/expansion", 1, SYNONYM_EXPANSION_MAX, true, &expansion);
    }
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    catalog_actor who = actor_of(r);
    int rc = catalog_edit_add_synonym(db_primary(), term, expansion, &who);
    if (rc != DB_OK && rc != DB_NOT_FOUND) {
        common_answer_failure(r, w, rc, "synonym add");
        return;
    }
    cJSON *o = resp_new_object(r);
    cJSON_AddStringToObject(o, "term", term);
    cJSON_AddStringToObject(o, "expansion", expansion);
    resp_json(r, w, rc == DB_OK ? 201 : 200, o); /* 200: it was there already */
    if (rc == DB_OK)
        idempotency_commit(r, w, db_primary());
}

/* A list of words for a concept: 1..CONCEPT_WORDS_MAX strings of 1..CONCEPT_WORD_MAX, without
 * the separators of the concept format ('|' between words; '+' allowed in situations). The
 * words joined by '|', or NULL after recording the error. */
static const char *concept_words(req *r, const cJSON *body, const char *key, bool plus_ok)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(body, key);
    char pointer[32];
    snprintf(pointer, sizeof pointer, "/%s", key);
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1 ||
        cJSON_GetArraySize(arr) > CONCEPT_WORDS_MAX) {
        req_add_error(r, arena_strdup(&r->arena, pointer), "应为 1 到 50 个词的列表。",
                      "Must be a list of 1 to 50 words.");
        return NULL;
    }
    strbuf sb;
    sb_init(&sb, &r->arena, 256);
    int i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, arr)
    {
        snprintf(pointer, sizeof pointer, "/%s/%d", key, i++);
        const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
        size_t chars = s ? strlen(s) : 0;
        if (!s || chars == 0 || chars > CONCEPT_WORD_MAX * 4 || strchr(s, '|') ||
            (!plus_ok && strchr(s, '+')) || strpbrk(s, "\t\n\r")) {
            req_add_error(r, arena_strdup(&r->arena, pointer), "词不合规定。",
                          plus_ok ? "A word of 1..32 characters without '|' or control characters."
                                  : "A word of 1..32 characters without '|', '+' or control "
                                    "characters.");
            return NULL;
        }
        if (i > 1)
            sb_puts(&sb, "|");
        sb_puts(&sb, s);
    }
    return sb.failed ? NULL : sb.data;
}

void handle_staff_concept_add(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *name = NULL, *situations = NULL, *services = NULL;
    if (body) {
        req_json_string(r, body, "/name", 1, CONCEPT_NAME_MAX, true, &name);
        situations = concept_words(r, body, "situations", true);
        services = concept_words(r, body, "services", false);
    }
    if (r->n_errors || !situations || !services) {
        resp_invalid(r, w);
        return;
    }
    char *sit_json = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(body, "situations"));
    char *svc_json = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(body, "services"));
    arena_defer(&r->arena, cJSON_free, sit_json);
    arena_defer(&r->arena, cJSON_free, svc_json);
    catalog_actor who = actor_of(r);
    int rc = sit_json && svc_json
                 ? catalog_edit_add_concept(db_primary(), name, sit_json, svc_json, &who)
                 : DB_ERROR;
    if (rc == DB_DUPLICATE) {
        resp_problem2(r, w, PROBLEM_CONFLICT, "已有同名概念。", "A concept of this name exists.");
        return;
    }
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "concept add");
        return;
    }
    cJSON *o = resp_new_object(r);
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddItemToObject(o, "situations", cJSON_Parse(sit_json));
    cJSON_AddItemToObject(o, "services", cJSON_Parse(svc_json));
    resp_json(r, w, 201, o);
    idempotency_commit(r, w, db_primary());
}

static int add_miss(const search_miss *m, void *ctx)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "query", m->query);
    cJSON_AddNumberToObject(o, "searches", (double)m->searches);
    cJSON_AddNumberToObject(o, "empty", (double)m->empty);
    cJSON_AddNumberToObject(o, "opens", (double)m->opens);
    cJSON_AddNumberToObject(o, "days", (double)m->days);
    cJSON_AddStringToObject(o, "last_day", m->last_day);
    cJSON_AddItemToArray(ctx, o);
    return 0;
}

void handle_staff_search_misses(req *r, resp *w)
{
    long days = 7, limit = 100;
    req_query_int(r, "days", 7, 1, MISSES_DAYS_MAX, &days);
    req_query_int(r, "limit", 100, 1, MISSES_LIMIT_MAX, &limit);
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    char since[CAL_DATE_BYTES];
    cal_day_format(cal_today() - (cal_day)(days - 1), since);
    cJSON *out = resp_new_object(r);
    cJSON_AddNumberToObject(out, "days", (double)days);
    cJSON *items = cJSON_AddArrayToObject(out, "items");
    int rc = search_log_store_misses(db_reader(), &r->arena, since, limit, add_miss, items);
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "search misses");
        return;
    }
    common_answer_private(r, w, 200, out);
}
