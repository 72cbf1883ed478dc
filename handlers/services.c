/* The service catalog (API.md §4): departments, topics, search and browse, type-ahead and
 * the item detail. Lists come from the worker's search index snapshot; the detail from the
 * database, so a retired item is gone at once. */
#include <string.h>

#include "db/catalog_store.h"
#include "handlers/handlers.h"
#include "search/catalog_cache.h"
#include "search/search.h"

#define MAX_HIGHLIGHTS 16

static const char *const audiences[] = {"personal", "enterprise", "both", NULL};

/* Pins the current index, or answers 503 while the worker has none yet. */
static const search_index *index_or_503(req *r, resp *w)
{
    const search_index *ix = catalog_cache_acquire();
    if (!ix)
        respond_db_error(r, w, DB_UNAVAILABLE);
    return ix;
}

static void respond_codes(req *r, resp *w, bool topics)
{
    const search_index *ix = index_or_503(r, w);
    if (!ix)
        return;
    cJSON *out = resp_new_object(r);
    cJSON *items = cJSON_AddArrayToObject(out, "items");
    const search_code *list = topics ? ix->topics : ix->depts;
    size_t n = topics ? ix->n_topics : ix->n_depts;
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "code", list[i].code);
        cJSON_AddStringToObject(o, "name", list[i].name);
        cJSON_AddNumberToObject(o, "service_count", list[i].count);
        cJSON_AddItemToArray(items, o);
    }
    catalog_cache_release(ix);
    resp_json(r, w, 200, out);
}

void handle_departments(req *r, resp *w)
{
    respond_codes(r, w, false);
}

void handle_topics(req *r, resp *w)
{
    respond_codes(r, w, true);
}

static cJSON *code_object(const search_code *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "code", c->code);
    cJSON_AddStringToObject(o, "name", c->name);
    return o;
}

static cJSON *highlight_json(const search_index *ix, const search_results *res,
                             const search_hit *hit)
{
    uint32_t ranges[MAX_HIGHLIGHTS][2];
    size_t n = search_highlight(ix, res, hit, ranges, MAX_HIGHLIGHTS);
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        const int pair[2] = {(int)ranges[i][0], (int)ranges[i][1]};
        cJSON_AddItemToArray(arr, cJSON_CreateIntArray(pair, 2));
    }
    return arr;
}

static cJSON *list_item(const search_index *ix, const search_results *res, const search_hit *hit)
{
    const search_item *it = &ix->items[hit->item];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "code", ix->pool + it->code);
    cJSON_AddStringToObject(o, "name", ix->pool + it->name);
    if (it->dept < ix->n_depts)
        cJSON_AddItemToObject(o, "department", code_object(&ix->depts[it->dept]));
    cJSON *topics = cJSON_AddArrayToObject(o, "topics");
    for (size_t t = 0; t < ix->n_topics; t++)
        if (it->topics & (1ULL << t))
            cJSON_AddItemToArray(topics, code_object(&ix->topics[t]));
    cJSON_AddNumberToObject(o, "online_level", it->online_level);
    cJSON_AddStringToObject(o, "kind", it->kind == 0 ? "即办件" : "承诺件");
    cJSON_AddNumberToObject(o, "promised_days", it->promised_days);
    cJSON_AddItemToObject(o, "highlight", highlight_json(ix, res, hit));
    return o;
}

/* A code filter: absent → -1; unknown → a validation error. */
static int code_filter(req *r, const char *name, int (*find)(const search_index *, const char *),
                       const search_index *ix)
{
    const char *code = NULL;
    if (!req_query_string(r, name, 32, &code) || !code)
        return -1;
    int i = find(ix, code);
    if (i < 0)
        req_add_error(r, name, "没有这个代码，请从列表中选择。",
                      "Unknown code: pick one from the list.");
    return i;
}

static bool read_filters(req *r, const search_index *ix, search_filters *f)
{
    const char *audience = NULL;
    long level = 0;
    f->dept = code_filter(r, "department", index_dept, ix);
    f->topic = code_filter(r, "topic", index_topic, ix);
    req_query_enum(r, "audience", audiences, &audience);
    f->audience = -1;
    for (int i = 0; audience && audiences[i]; i++)
        if (strcmp(audience, audiences[i]) == 0)
            f->audience = i;
    req_query_int(r, "online_level_min", 0, 1, 4, &level);
    f->online_level_min = (int)level;
    return r->n_errors == 0;
}

void handle_services_search(req *r, resp *w)
{
    const search_index *ix = index_or_503(r, w);
    if (!ix)
        return;
    const char *q = NULL;
    long page = 1, page_size = 10;
    search_filters f;
    req_query_string(r, "q", SEARCH_MAX_QUERY_CHARS, &q);
    req_query_int(r, "page", 1, 1, SEARCH_MAX_RESULTS, &page);
    req_query_int(r, "page_size", 10, 1, 50, &page_size);
    if (r->n_errors == 0 && page * page_size > SEARCH_MAX_RESULTS)
        req_add_error(r, "page", "翻页太深：请缩小搜索范围。",
                      "Page too deep: at most 5000 results can be paged; narrow the search.");
    if (!read_filters(r, ix, &f)) {
        catalog_cache_release(ix);
        resp_invalid(r, w);
        return;
    }
    search_results res;
    size_t offset = (size_t)((page - 1) * page_size);
    int rc = q && !search_text_is_blank(q)
                 ? search_run(ix, q, &f, offset, (size_t)page_size, false, &r->arena, &res)
                 : search_browse(ix, &f, offset, (size_t)page_size, &r->arena, &res);
    if (rc != 0) {
        catalog_cache_release(ix);
        resp_problem(r, w, PROBLEM_INTERNAL, NULL);
        return;
    }
    cJSON *out = resp_new_object(r);
    cJSON *items = cJSON_AddArrayToObject(out, "items");
    for (size_t i = 0; i < res.n; i++)
        cJSON_AddItemToArray(items, list_item(ix, &res, &res.hits[i]));
    cJSON_AddNumberToObject(out, "total", (double)res.total);
    cJSON_AddNumberToObject(out, "page", (double)page);
    cJSON_AddNumberToObject(out, "page_size", (double)page_size);
    catalog_cache_release(ix);
    resp_json(r, w, 200, out);
}

void handle_services_suggest(req *r, resp *w)
{
    const char *q = NULL;
    long limit = 10;
    req_query_string(r, "q", SEARCH_MAX_QUERY_CHARS, &q);
    req_query_int(r, "limit", 10, 1, 10, &limit);
    if (!q)
        req_add_error(r, "q", "请输入要查找的内容。", "q is required.");
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    const search_index *ix = index_or_503(r, w);
    if (!ix)
        return;
    search_filters f = {-1, -1, -1, 0};
    search_results res = {0};
    if (*q && search_run(ix, q, &f, 0, (size_t)limit, true, &r->arena, &res) != 0) {
        catalog_cache_release(ix);
        resp_problem(r, w, PROBLEM_INTERNAL, NULL);
        return;
    }
    cJSON *out = resp_new_object(r);
    cJSON *items = cJSON_AddArrayToObject(out, "items");
    for (size_t i = 0; i < res.n; i++) {
        const search_item *it = &ix->items[res.hits[i].item];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "code", ix->pool + it->code);
        cJSON_AddStringToObject(o, "name", ix->pool + it->name);
        cJSON_AddItemToObject(o, "highlight", highlight_json(ix, &res, &res.hits[i]));
        cJSON_AddItemToArray(items, o);
    }
    catalog_cache_release(ix);
    resp_json(r, w, 200, out);
}

static bool code_is_sane(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

/* Topic codes (JSON) → [{code, name}] with names from the index (the code alone if none). */
static cJSON *topics_json(const char *codes_json)
{
    cJSON *codes = cJSON_Parse(codes_json);
    cJSON *out = cJSON_CreateArray();
    const search_index *ix = catalog_cache_acquire();
    const cJSON *c;
    cJSON_ArrayForEach(c, codes)
    {
        if (!cJSON_IsString(c))
            continue;
        int t = ix ? index_topic(ix, c->valuestring) : -1;
        search_code fallback = {{0}, {0}, 0};
        if (t < 0) {
            strncpy(fallback.code, c->valuestring, sizeof fallback.code - 1);
            strncpy(fallback.name, c->valuestring, sizeof fallback.name - 1);
        }
        cJSON_AddItemToArray(out, code_object(t >= 0 ? &ix->topics[t] : &fallback));
    }
    catalog_cache_release(ix);
    cJSON_Delete(codes);
    return out;
}

static cJSON *detail_json(req *r, const catalog_detail *d)
{
    cJSON *o = resp_new_object(r);
    cJSON_AddStringToObject(o, "code", d->code);
    cJSON_AddStringToObject(o, "name", d->name);
    cJSON *dept = cJSON_AddObjectToObject(o, "department");
    cJSON_AddStringToObject(dept, "code", d->department_code);
    cJSON_AddStringToObject(dept, "name", d->department_name);
    cJSON_AddItemToObject(o, "topics", topics_json(d->topic_codes));
    cJSON_AddStringToObject(o, "audience", d->audience);
    cJSON_AddStringToObject(o, "kind", d->kind);
    cJSON_AddNumberToObject(o, "online_level", (double)d->online_level);
    cJSON_AddNumberToObject(o, "legal_days", (double)d->legal_days);
    cJSON_AddNumberToObject(o, "promised_days", (double)d->promised_days);
    cJSON_AddStringToObject(o, "fee", d->fee);
    cJSON *materials = cJSON_Parse(d->materials), *keywords = cJSON_Parse(d->keywords);
    cJSON_AddItemToObject(o, "materials", materials ? materials : cJSON_CreateArray());
    cJSON_AddItemToObject(o, "keywords", keywords ? keywords : cJSON_CreateArray());
    cJSON_AddStringToObject(o, "description", d->description);
    cJSON *by = cJSON_AddObjectToObject(o, "handled_by");
    cJSON_AddStringToObject(by, "type", d->handled_by_type);
    cJSON_AddStringToObject(by, "name", d->handled_by_name);
    cJSON *rating = cJSON_AddObjectToObject(o, "rating"); /* ratings come with §8 */
    cJSON_AddNullToObject(rating, "average");
    cJSON_AddNumberToObject(rating, "count", 0);
    return o;
}

void handle_service_detail(req *r, resp *w)
{
    const char *code = req_path_param(r, "code");
    catalog_detail d;
    if (!code || !code_is_sane(code)) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    int rc = catalog_store_get(db_reader(), &r->arena, code, &d);
    if (rc < 0) {
        respond_db_error(r, w, rc);
        return;
    }
    if (rc == 0) {
        resp_problem2(r, w, PROBLEM_NOT_FOUND, "没有这个事项，或它已停止办理。",
                      "No such service, or it is no longer offered.");
        return;
    }
    catalog_cache_count_view((uint32_t)d.service_id);
    resp_json(r, w, 200, detail_json(r, &d));
}
