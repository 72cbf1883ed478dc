/* The service catalog (API.md §4): departments, topics, search and browse, type-ahead and
 * the item detail. Lists come from the worker's search index snapshot; the detail from the
 * database, so a retired item is gone at once. */
#include <string.h>

#include "auth/pii.h"
#include "core/json_write.h"
#include "core/strbuf.h"
#include "catalog/life_event.h"
#include "db/catalog_store.h"
#include "db/life_event_store.h"
#include "handlers/application_views.h"
#include "handlers/catalog_views.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "search/answer_cache.h"
#include "search/bundles.h"
#include "search/catalog_cache.h"
#include "search/search.h"
#include "search/search_log.h"

#define MAX_HIGHLIGHTS 16

static const char *const audiences[] = {"personal", "enterprise", "both", NULL};

/* Answers 200 with the JSON written into sb (500 if it ran out of memory). */
static void respond_strbuf(req *r, resp *w, const strbuf *sb)
{
    if (sb->failed || !sb->data) {
        resp_internal(r, w, "catalog answer", "out of memory");
        return;
    }
    resp_body(w, 200, "application/json", sb->data, sb->len);
}

/* Pins the current index, or answers 503 while the worker has none yet. */
static const search_index *index_or_503(req *r, resp *w)
{
    const search_index *ix = catalog_cache_acquire();
    if (!ix)
        resp_unavailable(r, w, "catalog", "the search index is not built yet");
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
        cJSON_AddStringToObject(o, "name", search_code_name(&list[i], r->lang_en));
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

static cJSON *code_object(const search_code *c, bool en)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "code", c->code);
    cJSON_AddStringToObject(o, "name", search_code_name(c, en));
    return o;
}

static void write_code(strbuf *sb, const search_code *c, bool en)
{
    sb_puts(sb, "{\"code\":");
    jw_string(sb, c->code);
    sb_puts(sb, ",\"name\":");
    jw_string(sb, search_code_name(c, en));
    sb_puts(sb, "}");
}

static void write_highlight(strbuf *sb, const search_index *ix, const search_results *res,
                            const search_hit *hit, bool en)
{
    uint32_t ranges[MAX_HIGHLIGHTS][2];
    size_t n = search_highlight(ix, res, hit, en, ranges, MAX_HIGHLIGHTS);
    sb_puts(sb, "\"highlight\":[");
    for (size_t i = 0; i < n; i++) {
        sb_puts(sb, i ? ",[" : "[");
        jw_int(sb, ranges[i][0]);
        sb_puts(sb, ",");
        jw_int(sb, ranges[i][1]);
        sb_puts(sb, "]");
    }
    sb_puts(sb, "]");
}

static void write_list_item(strbuf *sb, const search_index *ix, const search_results *res,
                            const search_hit *hit, bool en)
{
    const search_item *it = &ix->items[hit->item];
    sb_puts(sb, "{\"code\":");
    jw_string(sb, ix->pool + it->code);
    sb_puts(sb, ",\"name\":");
    jw_string(sb, search_item_name(ix, it, en));
    if (it->dept < ix->n_depts) {
        sb_puts(sb, ",\"department\":");
        write_code(sb, &ix->depts[it->dept], en);
    }
    sb_puts(sb, ",\"topics\":[");
    bool first = true;
    for (size_t t = 0; t < ix->n_topics; t++)
        if (it->topics & (1ULL << t)) {
            if (!first)
                sb_puts(sb, ",");
            write_code(sb, &ix->topics[t], en);
            first = false;
        }
    sb_puts(sb, "],\"online_level\":");
    jw_int(sb, it->online_level);
    sb_puts(sb, it->kind == 0 ? ",\"kind\":\"即办件\",\"promised_days\":"
                              : ",\"kind\":\"承诺件\",\"promised_days\":");
    jw_int(sb, it->promised_days);
    sb_puts(sb, ",");
    write_highlight(sb, ix, res, hit, en);
    sb_puts(sb, "}");
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

static void write_code_array(strbuf *sb, const search_code *list, const uint16_t *at, size_t n,
                             bool en)
{
    sb_puts(sb, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_puts(sb, ",");
        write_code(sb, &list[at[i]], en);
    }
    sb_puts(sb, "]");
}

static void write_codes(strbuf *sb, const char *key, const search_code *list, const uint16_t *at,
                        size_t n, bool en)
{
    sb_puts(sb, ",\"");
    sb_puts(sb, key);
    sb_puts(sb, "\":");
    write_code_array(sb, list, at, n, en);
}

/* "life_events": on page 1, the bundles that hold one of the first results or whose name the
 * query names (API.md §4); later pages: none. */
static void write_life_events(strbuf *sb, const search_index *ix, const char *q,
                              const search_results *res, long page, bool en)
{
    uint32_t first[SEARCH_LIFE_EVENTS];
    size_t n_first = 0;
    uint16_t events[SEARCH_LIFE_EVENTS];
    size_t n = 0;
    for (; page == 1 && n_first < res->n && n_first < SEARCH_LIFE_EVENTS; n_first++)
        first[n_first] = res->hits[n_first].item;
    if (page == 1)
        n = search_life_events(ix, q, first, n_first, events, SEARCH_LIFE_EVENTS);
    write_codes(sb, "life_events", ix->bundles, events, n, en);
}

/* "suggestions": what the words point to when they found nothing good (API.md §4). */
static int write_suggestions(req *r, strbuf *sb, const search_index *ix, const char *q,
                             const search_results *res)
{
    search_suggestions sg;
    if (search_suggest(ix, q, res, &r->arena, &sg) != 0)
        return -1;
    /* the bundles of the suggested services only when the words chose them (not the most
     * used overall), and those the query names */
    uint16_t events[SEARCH_LIFE_EVENTS];
    size_t n_events = search_life_events(ix, q, sg.items, sg.from_words ? sg.n_items : 0, events,
                                         SEARCH_LIFE_EVENTS);
    sb_puts(sb, ",\"suggestions\":{\"life_events\":");
    write_code_array(sb, ix->bundles, events, n_events, r->lang_en);
    write_codes(sb, "topics", ix->topics, sg.topics, sg.n_topics, r->lang_en);
    write_codes(sb, "departments", ix->depts, sg.depts, sg.n_depts, r->lang_en);
    sb_puts(sb, ",\"services\":[");
    for (size_t i = 0; i < sg.n_items; i++) {
        const search_item *it = &ix->items[sg.items[i]];
        sb_puts(sb, i ? ",{\"code\":" : "{\"code\":");
        jw_string(sb, ix->pool + it->code);
        sb_puts(sb, ",\"name\":");
        jw_string(sb, search_item_name(ix, it, r->lang_en));
        sb_puts(sb, "}");
    }
    sb_puts(sb, "]}");
    return 0;
}

/* A search's answer in two parts around its search_id (which is new on every request), so
 * that the parts can be cached (search/answer_cache.h): head (the page, total and life
 * events), tail (the suggestions and the closing brace). */
typedef struct search_answer {
    strbuf head, tail;
    bool empty; /* it found nothing (the miss log counts it) */
} search_answer;

static int render_search(req *r, const search_index *ix, const char *q, const search_filters *f,
                         long page, long page_size, search_answer *ans)
{
    search_results res;
    size_t offset = (size_t)((page - 1) * page_size);
    int rc = q ? search_run(ix, q, f, offset, (size_t)page_size, false, &r->arena, &res)
               : search_browse(ix, f, offset, (size_t)page_size, &r->arena, &res);
    if (rc != 0)
        return -1;
    strbuf *sb = &ans->head;
    sb_init(sb, &r->arena, 512 + res.n * 320);
    sb_puts(sb, "{\"items\":[");
    for (size_t i = 0; i < res.n; i++) {
        if (i)
            sb_puts(sb, ",");
        write_list_item(sb, ix, &res, &res.hits[i], r->lang_en);
    }
    sb_puts(sb, "],\"total\":");
    jw_int(sb, (int64_t)res.total);
    sb_puts(sb, ",\"page\":");
    jw_int(sb, page);
    sb_puts(sb, ",\"page_size\":");
    jw_int(sb, page_size);
    ans->empty = res.total == 0;
    sb_init(&ans->tail, &r->arena, 16);
    if (q) {
        write_life_events(sb, ix, q, &res, page, r->lang_en);
        if (page == 1 && search_needs_suggestions(&res) &&
            write_suggestions(r, &ans->tail, ix, q, &res) != 0)
            ans->tail.failed = true;
    }
    sb_puts(&ans->tail, "}");
    return sb->failed || ans->tail.failed ? -1 : 0;
}

/* Cached answers: [head length][empty][head][tail]. */
static bool cached_search(req *r, const search_index *ix, const strbuf *key, search_answer *ans)
{
    const char *v;
    size_t len, head_len;
    if (!answer_cache_get(ix, key, &r->arena, &v, &len) || len < sizeof head_len + 1)
        return false;
    memcpy(&head_len, v, sizeof head_len);
    if (head_len > len - sizeof head_len - 1)
        return false;
    const char *head = v + sizeof head_len + 1;
    size_t tail_len = len - sizeof head_len - 1 - head_len;
    ans->empty = v[sizeof head_len];
    sb_init(&ans->head, &r->arena, head_len + 64 + tail_len); /* room for the search_id */
    sb_append(&ans->head, head, head_len);
    ans->tail = (strbuf){&r->arena, (char *)head + head_len, tail_len, tail_len, false};
    return true;
}

static void cache_search(req *r, const search_index *ix, const strbuf *key,
                         const search_answer *ans)
{
    strbuf v;
    size_t head_len = ans->head.len;
    char empty = ans->empty;
    sb_init(&v, &r->arena, sizeof head_len + 1 + ans->head.len + ans->tail.len);
    sb_append(&v, (const char *)&head_len, sizeof head_len);
    sb_append(&v, &empty, 1);
    sb_append(&v, ans->head.data, ans->head.len);
    sb_append(&v, ans->tail.data, ans->tail.len);
    if (!v.failed)
        answer_cache_put(ix, key, v.data, v.len);
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
    if (q && search_text_is_blank(q))
        q = NULL; /* browse */
    strbuf key;
    long nums[2] = {page, page_size};
    answer_key_init(&key, &r->arena, 's', r->lang_en);
    answer_key_add(&key, &f, sizeof f);
    answer_key_add(&key, nums, sizeof nums);
    sb_puts(&key, q ? q : "");
    search_answer ans;
    if (!cached_search(r, ix, &key, &ans)) {
        if (render_search(r, ix, q, &f, page, page_size, &ans) != 0) {
            catalog_cache_release(ix);
            resp_internal(r, w, "service search", "out of memory");
            return;
        }
        cache_search(r, ix, &key, &ans);
    }
    catalog_cache_release(ix);
    strbuf *sb = &ans.head;
    if (q) {
        char search_id[SEARCH_ID_CHARS + 1];
        search_log_search(q, ans.empty, search_id);
        if (search_id[0]) {
            sb_puts(sb, ",\"search_id\":");
            jw_string(sb, search_id);
        }
    }
    sb_append(sb, ans.tail.data, ans.tail.len);
    respond_strbuf(r, w, sb);
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
    strbuf key;
    const char *cached;
    size_t cached_len;
    answer_key_init(&key, &r->arena, 't', r->lang_en);
    answer_key_add(&key, &limit, sizeof limit);
    sb_puts(&key, q);
    if (answer_cache_get(ix, &key, &r->arena, &cached, &cached_len)) {
        catalog_cache_release(ix);
        resp_body(w, 200, "application/json", cached, cached_len);
        return;
    }
    search_filters f = {-1, -1, -1, 0};
    search_results res = {0};
    if (*q && search_run(ix, q, &f, 0, (size_t)limit, true, &r->arena, &res) != 0) {
        catalog_cache_release(ix);
        resp_internal(r, w, "service suggest", "out of memory");
        return;
    }
    strbuf sb;
    sb_init(&sb, &r->arena, 64 + res.n * 160);
    sb_puts(&sb, "{\"items\":[");
    for (size_t i = 0; i < res.n; i++) {
        const search_item *it = &ix->items[res.hits[i].item];
        sb_puts(&sb, i ? ",{\"code\":" : "{\"code\":");
        jw_string(&sb, ix->pool + it->code);
        sb_puts(&sb, ",\"name\":");
        jw_string(&sb, search_item_name(ix, it, r->lang_en));
        sb_puts(&sb, ",");
        write_highlight(&sb, ix, &res, &res.hits[i], r->lang_en);
        sb_puts(&sb, "}");
    }
    sb_puts(&sb, "]}");
    if (!sb.failed)
        answer_cache_put(ix, &key, sb.data, sb.len);
    catalog_cache_release(ix);
    respond_strbuf(r, w, &sb);
}

static bool code_is_sane(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

/* Topic codes (JSON) → [{code, name}] with names from the index (the code alone if none). */
static cJSON *topics_json(const char *codes_json, bool en)
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
        search_code fallback;
        memset(&fallback, 0, sizeof fallback);
        if (t < 0) {
            strncpy(fallback.code, c->valuestring, sizeof fallback.code - 1);
            strncpy(fallback.name, c->valuestring, sizeof fallback.name - 1);
        }
        cJSON_AddItemToArray(out, code_object(t >= 0 ? &ix->topics[t] : &fallback, en));
    }
    catalog_cache_release(ix);
    cJSON_Delete(codes);
    return out;
}

static cJSON *detail_json(req *r, const catalog_detail *d)
{
    cJSON *o = resp_new_object(r);
    bool en = r->lang_en;
    cJSON_AddStringToObject(o, "code", d->code);
    cJSON_AddStringToObject(o, "name", en && d->name_en ? d->name_en : d->name);
    cJSON *dept = cJSON_AddObjectToObject(o, "department");
    cJSON_AddStringToObject(dept, "code", d->department_code);
    cJSON_AddStringToObject(
        dept, "name", en && d->department_name_en ? d->department_name_en : d->department_name);
    cJSON_AddItemToObject(o, "topics", topics_json(d->topic_codes, en));
    catalog_views_add_terms(o, d);
    catalog_views_add_list(o, "materials", d->materials);
    catalog_views_add_list(o, "keywords", d->keywords);
    catalog_views_add_form_schema(o, d->form_schema);
    cJSON_AddStringToObject(o, "description",
                            en && d->description_en ? d->description_en : d->description);
    /* both languages whatever was asked, so that an app can show either (additive) */
    cJSON_AddStringToObject(o, "name_zh", d->name);
    if (d->name_en)
        cJSON_AddStringToObject(o, "name_en", d->name_en);
    if (d->description_en)
        cJSON_AddStringToObject(o, "description_en", d->description_en);
    cJSON *by = cJSON_AddObjectToObject(o, "handled_by");
    cJSON_AddStringToObject(by, "type", d->handled_by_type);
    cJSON_AddStringToObject(by, "name", d->handled_by_name);
    cJSON *rating = cJSON_AddObjectToObject(o, "rating"); /* API.md §8: two decimals */
    if (d->rating_count > 0)
        cJSON_AddNumberToObject(
            rating, "average",
            (double)((d->rating_sum * 200 + d->rating_count) / (2 * d->rating_count)) / 100.0);
    else
        cJSON_AddNullToObject(rating, "average");
    cJSON_AddNumberToObject(rating, "count", (double)d->rating_count);
    return o;
}

/* The bundles the service is part of (API.md §4); false after answering the failure. */
static bool add_life_events(req *r, resp *w, cJSON *o, const char *code)
{
    life_event_ref refs[LIFE_EVENTS_MAX];
    size_t n = 0;
    int rc = life_events_of_service(db_reader(), &r->arena, code, refs, LIFE_EVENTS_MAX, &n);
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "service detail: life events");
        return false;
    }
    cJSON *list = cJSON_AddArrayToObject(o, "life_events");
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "code", refs[i].code);
        cJSON_AddStringToObject(e, "name", refs[i].name);
        cJSON_AddItemToArray(list, e);
    }
    return true;
}

void handle_service_detail(req *r, resp *w)
{
    const char *code = req_path_param(r, "code");
    catalog_detail d;
    if (!code || !code_is_sane(code)) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    const char *search_id = NULL;
    if (req_query_string(r, "search_id", SEARCH_ID_CHARS, &search_id) && search_id &&
        (strlen(search_id) != SEARCH_ID_CHARS ||
         strspn(search_id, "0123456789abcdefABCDEF") != SEARCH_ID_CHARS))
        req_add_error(r, "search_id", "search_id 应为搜索结果中给出的 32 位十六进制。",
                      "search_id must be the 32 hex digits a search answer gave.");
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    char today[CAL_DATE_BYTES];
    cal_day_format(request_today(r), today);
    int rc = catalog_store_get(db_reader(), &r->arena, code, today, false, &d);
    if (rc != DB_OK && rc != DB_NOT_FOUND) {
        common_answer_failure(r, w, rc, "service detail");
        return;
    }
    if (rc == DB_NOT_FOUND) {
        resp_problem2(r, w, PROBLEM_NOT_FOUND, "没有这个事项，或它已停止办理。",
                      "No such service, or it is no longer offered.");
        return;
    }
    uint8_t client[PII_INDEX_BYTES];
    if (pii_ready() == DB_OK) { /* a view counts once per client a day: by a keyed hash */
        pii_index("ip", r->client_key, client);
        catalog_cache_count_view((uint32_t)d.service_id, client);
    }
    if (search_id) /* a result of that search was opened (search/search_log.h) */
        search_log_open(search_id);
    cJSON *o = detail_json(r, &d);
    if (add_life_events(r, w, o, d.code))
        resp_json(r, w, 200, o);
}
