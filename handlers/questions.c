/* Public questions (公开问答, API.md §8): staff publish a consultation they answered as a
 * question and answer written for the public (never copied from the ticket: the asker, the
 * ticket and its text are never shown), and retire it; anyone lists, searches (the catalog's
 * search engine over the questions index, search/question_cache.h) and reads them. */
#include <stdio.h>
#include <string.h>

#include "api/idempotency.h"
#include "auth/token.h"
#include "core/json_out.h"
#include "core/json_write.h"
#include "core/strbuf.h"
#include "handlers/application_views.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "search/question_cache.h"
#include "search/search.h"
#include "search/search_log.h"
#include "workflow/questions.h"

#define QUESTION_MAX_CHARS 500
#define ANSWER_MAX_CHARS 4000
#define SERVICE_CODE_MAX_CHARS 64
#define PAGE_LIMIT_DEFAULT 10
#define PAGE_LIMIT_MAX 50
/* Public answers may be cached briefly: a retirement reaches every cache within seconds. */
#define QUESTIONS_CACHE_CONTROL "public, max-age=5"

static cJSON *question_json(const question_row *q, const search_index *ix, bool en, bool staff)
{
    cJSON *o = cJSON_CreateObject();
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)q->id);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "question", q->question);
    cJSON_AddStringToObject(o, "answer", q->answer);
    cJSON *dept = cJSON_AddObjectToObject(o, "department");
    cJSON_AddStringToObject(dept, "code", q->department_code);
    int d = ix ? index_dept(ix, q->department_code) : -1;
    cJSON_AddStringToObject(dept, "name",
                            d >= 0 ? search_code_name(&ix->depts[d], en) : q->department_code);
    json_add_string_or_null(o, "service_code", q->service_code);
    cJSON_AddStringToObject(o, "published_at", q->published_at);
    if (staff)
        json_add_string_or_null(o, "retired_at", q->retired_at);
    return o;
}

/* Pins the questions index, or answers 503 while the worker has none yet. */
static const search_index *index_or_503(req *r, resp *w)
{
    const search_index *ix = question_cache_acquire();
    if (!ix)
        resp_unavailable(r, w, "questions", "the questions index is not built yet");
    return ix;
}

static void answer_public(req *r, resp *w, cJSON *o)
{
    resp_header(w, "Cache-Control", QUESTIONS_CACHE_CONTROL);
    resp_json(r, w, 200, o);
}

/* rows[0..n) as JSON into items; the index is pinned only while the department names are
 * looked up (never across a database read: a worker's rebuild waits for the pin to go). */
static void add_questions(req *r, cJSON *items, const question_row *rows, size_t n, bool staff)
{
    const search_index *ix = question_cache_acquire();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, question_json(&rows[i], ix, r->lang_en, staff));
    question_cache_release(ix);
}

/* One question as its own answer (freed with the request). */
static cJSON *one_question(req *r, const question_row *q, bool staff)
{
    cJSON *o = cJSON_CreateArray();
    if (!o)
        return NULL;
    arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, o);
    add_questions(r, o, q, 1, staff);
    return cJSON_GetArrayItem(o, 0);
}

/* ---- the public list and search ------------------------------------------------------- */

typedef struct list_query {
    const char *q, *department, *service_code;
    int dept; /* index in ix->depts, or -1 */
    long limit, page;
    int64_t before;
    bool has_page;
} list_query;

static bool read_list_query(req *r, const search_index *ix, list_query *lq)
{
    memset(lq, 0, sizeof *lq);
    lq->dept = -1;
    lq->before = INT64_MAX;
    req_query_string(r, "q", SEARCH_MAX_QUERY_CHARS, &lq->q);
    req_query_string(r, "department", 32, &lq->department);
    req_query_string(r, "service_code", SERVICE_CODE_MAX_CHARS, &lq->service_code);
    req_query_int(r, "limit", PAGE_LIMIT_DEFAULT, 1, PAGE_LIMIT_MAX, &lq->limit);
    req_query_int(r, "page", 0, 1, SEARCH_MAX_RESULTS, &lq->page); /* 0: absent */
    lq->has_page = lq->page != 0;
    lq->page = lq->has_page ? lq->page : 1;
    common_read_id_cursor(r, &lq->before);
    if (lq->q && search_text_is_blank(lq->q))
        lq->q = NULL;
    if (lq->department && (lq->dept = index_dept(ix, lq->department)) < 0)
        req_add_error(r, "department", "没有这个部门代码，请从列表中选择。",
                      "Unknown department code: pick one from the list.");
    if (lq->q && lq->before != INT64_MAX)
        req_add_error(r, "cursor", "搜索结果按页码翻页（page），不用游标。",
                      "A search pages by page, not by cursor.");
    if (!lq->q && lq->has_page)
        req_add_error(r, "page", "不搜索时按游标翻页（cursor）。",
                      "Without q the list pages by cursor, not by page.");
    if (r->n_errors == 0 && lq->page * lq->limit > SEARCH_MAX_RESULTS)
        req_add_error(r, "page", "翻页太深：请缩小搜索范围。",
                      "Page too deep: at most 5000 results can be paged; narrow the search.");
    return r->n_errors == 0;
}

/* Newest first from the database, by cursor. */
static void answer_newest(req *r, resp *w, const list_query *lq)
{
    question_query qq = {lq->department, lq->service_code, lq->before, (int)lq->limit + 1};
    question_row *rows = arena_alloc(&r->arena, sizeof *rows * (size_t)qq.limit);
    size_t n = 0;
    int rc = rows ? question_list(db_reader(), &r->arena, &qq, rows, &n) : DB_ERROR;
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "questions list");
        return;
    }
    size_t shown = n > (size_t)lq->limit ? (size_t)lq->limit : n;
    cJSON *o = resp_new_object(r), *items = cJSON_AddArrayToObject(o, "items");
    add_questions(r, items, rows, shown, false);
    if (n > shown)
        cJSON_AddStringToObject(o, "next_cursor", common_id_cursor(r, rows[shown - 1].id));
    else
        cJSON_AddNullToObject(o, "next_cursor");
    answer_public(r, w, o);
}

/* The hits of the page: with a service filter every hit is read and filtered here (the
 * index filters by department only), else the engine pages. */
static int search_page(req *r, const search_index *ix, const list_query *lq, search_hit **hits,
                       size_t *n, size_t *total)
{
    search_filters f = {lq->dept, -1, -1, 0};
    size_t offset = (size_t)((lq->page - 1) * lq->limit);
    search_results res;
    bool by_service = lq->service_code != NULL;
    if (search_run(ix, lq->q, &f, by_service ? 0 : offset,
                   by_service ? SEARCH_MAX_RESULTS : (size_t)lq->limit, false, &r->arena,
                   &res) != 0)
        return -1;
    *hits = res.hits;
    *n = res.n;
    *total = res.total;
    if (!by_service)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < res.n; i++)
        if (strcmp(ix->pool + ix->items[res.hits[i].item].code, lq->service_code) == 0)
            res.hits[k++] = res.hits[i];
    *total = k;
    *hits = res.hits + (offset < k ? offset : k);
    *n = offset < k ? (k - offset < (size_t)lq->limit ? k - offset : (size_t)lq->limit) : 0;
    return 0;
}

/* The page's question ids as a JSON array, ranked by the search engine (0, or -1 when out of
 * memory). */
static int search_ids(req *r, const search_index *ix, const list_query *lq, const char **ids,
                      size_t *n, size_t *total)
{
    search_hit *hits;
    if (search_page(r, ix, lq, &hits, n, total) != 0)
        return -1;
    strbuf sb;
    sb_init(&sb, &r->arena, 2 + *n * 21);
    sb_puts(&sb, "[");
    for (size_t i = 0; i < *n; i++) {
        if (i)
            sb_puts(&sb, ",");
        jw_int(&sb, ix->items[hits[i].item].service_id);
    }
    sb_puts(&sb, "]");
    *ids = sb.data;
    return sb.failed ? -1 : 0;
}

/* The page's rows read in one query, in rank order, so a question retired since the index
 * was built is left out at once. */
static void answer_search(req *r, resp *w, const list_query *lq, const char *ids, size_t n,
                          size_t total)
{
    question_row *rows = arena_alloc(&r->arena, sizeof *rows * (n ? n : 1));
    size_t got = 0;
    int rc = rows ? question_page_by_ids(db_reader(), &r->arena, ids, rows, n, &got) : DB_ERROR;
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "questions search");
        return;
    }
    cJSON *o = resp_new_object(r), *items = cJSON_AddArrayToObject(o, "items");
    add_questions(r, items, rows, got, false);
    cJSON_AddNumberToObject(o, "total", (double)total);
    cJSON_AddNumberToObject(o, "page", (double)lq->page);
    cJSON_AddNullToObject(o, "next_cursor");
    answer_public(r, w, o);
}

void handle_questions_list(req *r, resp *w)
{
    const search_index *ix = index_or_503(r, w);
    if (!ix)
        return;
    /* the index is pinned for the query's words and the ranking, then let go */
    list_query lq;
    bool valid = read_list_query(r, ix, &lq);
    const char *ids = NULL;
    size_t n = 0, total = 0;
    int searched = valid && lq.q ? search_ids(r, ix, &lq, &ids, &n, &total) : 0;
    question_cache_release(ix);
    if (!valid)
        resp_invalid(r, w);
    else if (searched != 0)
        resp_internal(r, w, "questions search", "out of memory");
    else if (lq.q)
        answer_search(r, w, &lq, ids, n, total);
    else
        answer_newest(r, w, &lq);
}

void handle_question_get(req *r, resp *w)
{
    int64_t id;
    question_row q;
    int rc = common_path_id(r, "id", &id)
                 ? question_by_id(db_reader(), &r->arena, id, true, false, &q)
                 : DB_NOT_FOUND;
    if (rc == DB_NOT_FOUND)
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
    else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "question");
    else
        answer_public(r, w, one_question(r, &q, false));
}

/* ---- staff ----------------------------------------------------------------------------- */

/* Text for the public: refused while it still holds what looks like a phone or ID number. */
static void read_public_text(req *r, const cJSON *body, const char *pointer, size_t max,
                             const char **out)
{
    if (req_json_string(r, body, pointer, 1, max, true, out) && *out &&
        search_text_has_number(*out, PUBLIC_TEXT_NUMBER_DIGITS))
        req_add_error(r, pointer,
                      "内容里像是电话号码或身份证号：请删去个人信息后再公开（日期请写作"
                      "2024年1月1日）。",
                      "The text holds what looks like a phone or ID number: remove personal "
                      "data before publishing (write dates as 2024年1月1日).");
}

static void answer_staff_question(req *r, resp *w, db_conn *c, int64_t id, int status)
{
    question_row q;
    int rc = question_by_id(c, &r->arena, id, false, false, &q);
    if (rc != DB_OK) {
        db_rollback(c);
        common_answer_failure(r, w, rc, "question");
        return;
    }
    common_answer_private(r, w, status, one_question(r, &q, true));
    idempotency_commit(r, w, c);
}

static void answer_refusal(req *r, resp *w, int rc)
{
    if (rc == QUESTION_UNKNOWN_SERVICE) {
        req_add_error(r, "/service_code", "本部门没有这个事项。",
                      "Your department has no such service.");
        resp_invalid(r, w);
    } else if (rc == DB_NOT_FOUND)
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
    else if (rc == QUESTION_NOT_CONSULTATION)
        resp_problem2(r, w, PROBLEM_CONFLICT, "只有咨询类留言可以公开。",
                      "Only a consultation can be published.");
    else if (rc == QUESTION_UNANSWERED)
        resp_problem2(r, w, PROBLEM_CONFLICT, "请先答复这条咨询，再公开。",
                      "Reply to the consultation before publishing it.");
    else if (rc == QUESTION_PUBLISHED)
        resp_problem2(r, w, PROBLEM_CONFLICT, "这条咨询已经公开过。",
                      "This consultation is published already.");
    else if (rc == QUESTION_RETIRED)
        resp_problem2(r, w, PROBLEM_CONFLICT, "这条问答已经撤下。",
                      "This question is retired already.");
    else
        common_answer_failure(r, w, rc, "question");
}

void handle_staff_question_publish(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    question_publication p = {0};
    if (body) {
        read_public_text(r, body, "/question", QUESTION_MAX_CHARS, &p.question);
        read_public_text(r, body, "/answer", ANSWER_MAX_CHARS, &p.answer);
        req_json_string(r, body, "/service_code", 1, SERVICE_CODE_MAX_CHARS, false,
                        &p.service_code);
    }
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    if (!common_path_id(r, "id", &p.ticket_id)) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    feedback_viewer v = feedback_viewer_of(r->claims->dept);
    app_actor_ref who = department_staff_actor(r);
    db_conn *c = db_primary();
    int64_t id;
    int rc = questions_publish(c, &r->arena, &p, &v, &who, &id);
    if (rc != DB_OK)
        answer_refusal(r, w, rc);
    else
        answer_staff_question(r, w, c, id, 201);
}

void handle_staff_question_retire(req *r, resp *w)
{
    int64_t id;
    app_actor_ref who = department_staff_actor(r);
    db_conn *c = db_primary();
    question_row q;
    int rc = common_path_id(r, "id", &id)
                 ? questions_retire(c, &r->arena, id, r->claims->dept, &who, &q)
                 : DB_NOT_FOUND;
    if (rc != DB_OK)
        answer_refusal(r, w, rc);
    else
        answer_staff_question(r, w, c, id, 200);
}
