/* Public performance statistics (API.md §8): every department, one department or one
 * service over a range of local days (at most 366), with a monthly series for one. The
 * counters are exact (moved in each event's transaction, db/stats_store.h); a range reads its
 * whole months and end days only, so an answer is cheap, and public caches may keep it. Read
 * from db_reader(): the replica when it is within its lag bound (public figures may trail by
 * seconds). Each worker serves an answer again for stats_cache_ms (10 s) from a small cache
 * (core/ttl_cache.h), so a burst of the same public request reads the database once. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/config.h"
#include "core/ttl_cache.h"
#include "db/stats_store.h"
#include "handlers/common.h"
#include "handlers/handlers.h"

#define STATS_MAX_DAYS 366
#define STATS_DEFAULT_DAYS 30
#define STATS_CACHE_CONTROL "public, max-age=60"
#define CODE_MAX_CHARS 64
/* The answers cached per worker: every department's list, a department or service each, for a
 * few ranges; a department's 13-month answer is ~10 KB, the list ~20 KB. */
#define ANSWER_SLOTS 4096
#define ANSWER_MAX_BYTES (256 * 1024)
#define ANSWER_BUDGET_BYTES (32 * 1024 * 1024)

typedef struct stats_query {
    cal_day from, to;
    stats_range parts;
} stats_query;

static cal_day month_start(cal_day d)
{
    char s[CAL_DATE_BYTES];
    cal_day_format(d, s);
    s[8] = '0';
    s[9] = '1';
    cal_day m = d;
    cal_day_parse(s, &m);
    return m;
}

static cal_day next_month(cal_day d)
{
    return month_start(month_start(d) + 31);
}

/* The range as whole months plus the days at both ends (ends exclusive). */
static void cut_range(stats_query *q)
{
    cal_day end = q->to + 1,
            m_from = q->from == month_start(q->from) ? q->from : next_month(q->from);
    cal_day m_to = month_start(end);
    stats_range *p = &q->parts;
    if (m_from < m_to) {
        cal_day_format(q->from, p->head_from);
        cal_day_format(m_from, p->head_to);
        cal_day_format(m_from, p->month_from);
        cal_day_format(m_to, p->month_to);
        cal_day_format(m_to, p->tail_from);
    } else { /* no whole month: all days */
        cal_day_format(q->from, p->head_from);
        cal_day_format(end, p->head_to);
        cal_day_format(end, p->month_from);
        cal_day_format(end, p->month_to);
        cal_day_format(end, p->tail_from);
    }
    cal_day_format(end, p->tail_to);
    cal_day_format(cal_today(), p->today);
}

static bool read_day(req *r, const char *name, cal_day *out)
{
    const char *text = NULL;
    if (!req_query_string(r, name, CAL_DATE_BYTES - 1, &text) || !text)
        return false;
    if (cal_day_parse(text, out) != 0) {
        req_add_error(r, name, "须为日期 YYYY-MM-DD。", "must be a date YYYY-MM-DD.");
        return false;
    }
    return true;
}

/* ?from=&to= (local days, both included): to defaults to today, from to 29 days before it. */
static bool read_range(req *r, stats_query *q)
{
    bool has_to = read_day(r, "to", &q->to);
    if (!has_to)
        q->to = cal_today();
    if (!read_day(r, "from", &q->from))
        q->from = q->to - (STATS_DEFAULT_DAYS - 1);
    if (r->n_errors)
        return false;
    if (q->from > q->to)
        req_add_error(r, "from", "不能晚于 to。", "must not be after to.");
    else if (q->to - q->from + 1 > STATS_MAX_DAYS)
        req_add_error(r, "to", "区间最长 366 天。", "the range is at most 366 days.");
    if (r->n_errors)
        return false;
    cut_range(q);
    return true;
}

typedef struct stats_item {
    const char *code, *name, *month; /* month NULL: no counters in the range */
    stats_counts n;
} stats_item;

typedef struct stats_items {
    stats_item *v;
    size_t n, cap;
    bool failed;
} stats_items;

static void collect(const char *code, const char *name, const char *month, const stats_counts *n,
                    void *ctx)
{
    stats_items *s = ctx;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        stats_item *v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            s->failed = true;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = (stats_item){code, name, month, *n};
}

/* part / whole rounded to 4 places, null when whole is 0. */
static void add_ratio(cJSON *o, const char *name, int64_t part, int64_t whole)
{
    if (whole == 0)
        cJSON_AddNullToObject(o, name);
    else
        cJSON_AddNumberToObject(o, name, round((double)part / (double)whole * 1e4) / 1e4);
}

static void add_figures(cJSON *o, const stats_counts *n)
{
    int64_t bad = n->levels[0] + n->levels[1];
    int64_t satisfied = n->levels[2] + n->levels[3] + n->levels[4];
    cJSON_AddNumberToObject(o, "applications_completed", (double)n->completed);
    cJSON_AddNumberToObject(o, "on_time_count", (double)n->on_time);
    add_ratio(o, "on_time_rate", n->on_time, n->completed);
    cJSON_AddNumberToObject(o, "processing_days_total", (double)n->processing_days);
    add_ratio(o, "avg_processing_days", n->processing_days, n->completed);
    cJSON_AddNumberToObject(o, "rating_count", (double)n->rated);
    add_ratio(o, "rating_average", n->score_sum, n->rated);
    cJSON *levels = cJSON_AddObjectToObject(o, "levels");
    static const char *const names[STATS_LEVELS] = {"1", "2", "3", "4", "5"};
    for (int i = 0; i < STATS_LEVELS; i++)
        cJSON_AddNumberToObject(levels, names[i], (double)n->levels[i]);
    add_ratio(o, "satisfaction_rate", satisfied, n->rated);
    cJSON_AddNumberToObject(o, "bad_rating_count", (double)bad);
    cJSON_AddNumberToObject(o, "rectified_count", (double)n->rectified);
    add_ratio(o, "rectified_rate", n->rectified, bad);
    cJSON_AddNumberToObject(o, "return_visit_count", (double)n->visited);
    add_ratio(o, "return_visit_rate", n->visited, n->rectified);
    cJSON_AddNumberToObject(o, "return_visit_satisfied_count", (double)n->visit_satisfied);
    cJSON_AddNumberToObject(o, "overdue_count", (double)(n->closed_late + n->open_overdue));
}

static cJSON *answer_object(req *r, const stats_query *q)
{
    char day[CAL_DATE_BYTES];
    cJSON *o = resp_new_object(r);
    cal_day_format(q->from, day);
    cJSON_AddStringToObject(o, "from", day);
    cal_day_format(q->to, day);
    cJSON_AddStringToObject(o, "to", day);
    return o;
}

static ttl_cache *answers;
static pthread_once_t answers_once = PTHREAD_ONCE_INIT;

static void answers_init(void)
{
    answers =
        ttl_cache_new(ANSWER_SLOTS, ANSWER_MAX_BYTES, ANSWER_BUDGET_BYTES); /* NULL: uncached */
}

/* What an answer depends on: the endpoint, the code, the range and today (open cases become
 * overdue with the day). */
static const char *answer_key(req *r, char kind, const char *code, const stats_query *q)
{
    return arena_printf(&r->arena, "%c|%s|%ld|%ld|%ld", kind, code ? code : "", (long)q->from,
                        (long)q->to, (long)cal_today());
}

static void answer_body(resp *w, const char *body, size_t len)
{
    resp_header(w, "Cache-Control", STATS_CACHE_CONTROL);
    resp_body(w, 200, "application/json", body, len);
}

/* Answers from the worker's cache: true when it did. */
static bool answer_cached(req *r, resp *w, const char *key)
{
    const char *body;
    size_t len;
    if (!key || config_current()->stats_cache_ms <= 0)
        return false;
    pthread_once(&answers_once, answers_init);
    if (!ttl_cache_get(answers, key, &r->arena, &body, &len))
        return false;
    answer_body(w, body, len);
    return true;
}

static void answer(req *r, resp *w, cJSON *o, const char *key)
{
    char *body = resp_json_text(r, o);
    if (!body) {
        resp_internal(r, w, "statistics", "out of memory");
        return;
    }
    size_t len = strlen(body);
    int ttl = config_current()->stats_cache_ms;
    if (key && ttl > 0) {
        pthread_once(&answers_once, answers_init);
        ttl_cache_put(answers, key, body, len, ttl);
    }
    answer_body(w, body, len);
}

void handle_stats_departments(req *r, resp *w)
{
    stats_query q;
    if (!read_range(r, &q)) {
        resp_invalid(r, w);
        return;
    }
    const char *key = answer_key(r, 'a', NULL, &q);
    if (answer_cached(r, w, key))
        return;
    stats_items s = {0};
    int rc = stats_departments(db_reader(), &r->arena, NULL, &q.parts, collect, &s);
    if (rc == DB_OK && s.failed)
        rc = DB_ERROR;
    if (rc != DB_OK && rc != DB_NOT_FOUND) {
        free(s.v);
        common_answer_failure(r, w, rc, "statistics");
        return;
    }
    cJSON *o = answer_object(r, &q);
    cJSON *list = cJSON_AddArrayToObject(o, "departments");
    for (size_t i = 0; i < s.n;) {
        stats_counts total = {0};
        size_t j = i;
        for (; j < s.n && strcmp(s.v[j].code, s.v[i].code) == 0; j++)
            stats_counts_add(&total, &s.v[j].n);
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "code", s.v[i].code);
        cJSON_AddStringToObject(d, "name", s.v[i].name);
        add_figures(d, &total);
        cJSON_AddItemToArray(list, d);
        i = j;
    }
    free(s.v);
    answer(r, w, o, key);
}

/* One department or service: its totals and every month of the range (zeros included). */
static void answer_one(req *r, resp *w, const stats_query *q, const char *kind,
                       const stats_items *s, const char *key)
{
    cJSON *o = answer_object(r, q);
    cJSON *who = cJSON_AddObjectToObject(o, kind);
    cJSON_AddStringToObject(who, "code", s->v[0].code);
    cJSON_AddStringToObject(who, "name", s->v[0].name);
    stats_counts total = {0};
    for (size_t i = 0; i < s->n; i++)
        stats_counts_add(&total, &s->v[i].n);
    add_figures(o, &total);
    cJSON *months = cJSON_AddArrayToObject(o, "months");
    size_t i = 0;
    for (cal_day m = month_start(q->from); m <= q->to; m = next_month(m)) {
        char month[CAL_DATE_BYTES];
        cal_day_format(m, month);
        month[7] = '\0';
        stats_counts zero = {0};
        const stats_counts *n = &zero;
        while (i < s->n && (!s->v[i].month || strcmp(s->v[i].month, month) < 0))
            i++;
        if (i < s->n && strcmp(s->v[i].month, month) == 0)
            n = &s->v[i].n;
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "month", month);
        add_figures(item, n);
        cJSON_AddItemToArray(months, item);
    }
    answer(r, w, o, key);
}

static void stats_one(req *r, resp *w, const char *kind)
{
    stats_query q;
    const char *code = req_path_param(r, "code");
    if (!read_range(r, &q)) {
        resp_invalid(r, w);
        return;
    }
    if (!code || strlen(code) > CODE_MAX_CHARS) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    const char *key = answer_key(r, kind[0], code, &q);
    if (answer_cached(r, w, key))
        return;
    stats_items s = {0};
    db_conn *c = db_reader();
    int rc = strcmp(kind, "service") == 0
                 ? stats_service(c, &r->arena, code, &q.parts, collect, &s)
                 : stats_departments(c, &r->arena, code, &q.parts, collect, &s);
    if (rc == DB_OK && s.failed)
        rc = DB_ERROR;
    if (rc == DB_NOT_FOUND)
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
    else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "statistics");
    else
        answer_one(r, w, &q, kind, &s, key);
    free(s.v);
}

void handle_stats_department(req *r, resp *w)
{
    stats_one(r, w, "department");
}

void handle_stats_service(req *r, resp *w)
{
    stats_one(r, w, "service");
}
