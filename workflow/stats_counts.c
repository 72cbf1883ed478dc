#include "workflow/stats_counts.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db/stats_store.h"
#include "core/json_write.h"
#include "core/strbuf.h"
#include "workflow/calendar_cache.h"
#include "workflow/local_days.h"

/* The local day of an RFC 3339 UTC time ("2026-03-01T02:00:00Z"). */
static int local_day(const char *utc, cal_day *out)
{
    struct tm t = {0};
    if (!utc || sscanf(utc, "%4d-%2d-%2dT%2d:%2d:%2d", &t.tm_year, &t.tm_mon, &t.tm_mday,
                       &t.tm_hour, &t.tm_min, &t.tm_sec) != 6)
        return -1;
    t.tm_year -= 1900;
    t.tm_mon -= 1;
    *out = cal_day_of((int64_t)timegm(&t));
    return 0;
}

int stats_count_completion(db_conn *c, const app_row *row, cal_day today)
{
    cal_day submitted, due;
    if (local_day(row->submitted_at, &submitted) != 0 || cal_day_parse(row->due_date, &due) != 0)
        return DB_ERROR;
    stats_counts d = {.completed = 1,
                      .on_time = today <= due,
                      .processing_days = calendar_workdays(submitted, today)};
    char day[CAL_DATE_BYTES];
    cal_day_format(today, day);
    return stats_add(c, row->department_code, row->service_code, day, &d);
}

/* One rating of score 1..5, sign +1 (given) or -1 (excluded); false for a bad score. */
static bool rating_delta(int score, int sign, stats_counts *d)
{
    if (score < 1 || score > STATS_LEVELS)
        return false;
    *d = (stats_counts){.rated = sign, .score_sum = (int64_t)sign * score};
    d->levels[score - 1] = sign;
    return true;
}

int stats_count_rating(db_conn *c, const char *department_code, const char *service_code,
                       const char *day, int score)
{
    stats_counts d;
    if (!rating_delta(score, 1, &d))
        return DB_ERROR;
    return stats_add(c, department_code, service_code, day, &d);
}

int stats_count_case_closed(db_conn *c, int64_t rating_id, bool late)
{
    stats_counts d = {.rectified = 1, .closed_late = late};
    return stats_add_for_rating(c, rating_id, &d);
}

int stats_count_visit(db_conn *c, int64_t rating_id, bool satisfied)
{
    stats_counts d = {.visited = 1, .visit_satisfied = satisfied};
    return stats_add_for_rating(c, rating_id, &d);
}

int stats_uncount_rating(db_conn *c, const rating_counted *k)
{
    stats_counts d;
    if (!rating_delta(k->score, -1, &d))
        return DB_ERROR;
    d.rectified = -(int64_t)k->case_closed;
    d.visited = -(int64_t)k->visited;
    d.visit_satisfied = -(int64_t)k->visit_satisfied;
    d.closed_late = -(int64_t)k->case_closed_late;
    return stats_add(c, k->department_code, k->service_code, k->rated_day, &d);
}

/* The rebuilt rows of one scope and grain, written REBUILD_BATCH at a time. */
#define REBUILD_BATCH 5000

typedef struct rebuild_batch {
    db_conn *c;
    const char *scope, *grain;
    arena a; /* the batch's JSON, reset after each write */
    strbuf json;
    int rows;
} rebuild_batch;

static int write_batch(rebuild_batch *b)
{
    if (b->rows == 0)
        return DB_OK;
    sb_puts(&b->json, "]");
    int rc = b->json.failed ? DB_ERROR : stats_write_rows(b->c, b->scope, b->grain, b->json.data);
    arena_reset(&b->a);
    sb_init(&b->json, &b->a, 160 * REBUILD_BATCH);
    b->rows = 0;
    return rc;
}

static int add_row(rebuild_batch *b, const char *code, const char *period, const stats_counts *n)
{
    sb_puts(&b->json, b->rows ? "," : "[");
    const int64_t *l = n->levels;
    /* in the order of stats_write_rows' JSON */
    const int64_t v[] = {n->completed,
                         n->on_time,
                         n->processing_days,
                         n->rated,
                         n->score_sum,
                         l[0],
                         l[1],
                         l[2],
                         l[3],
                         l[4],
                         n->rectified,
                         n->visited,
                         n->visit_satisfied,
                         n->closed_late};
    sb_puts(&b->json, "[");
    jw_string(&b->json, code);
    sb_puts(&b->json, ",");
    jw_string(&b->json, period);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        sb_puts(&b->json, ",");
        jw_int(&b->json, v[i]);
    }
    sb_puts(&b->json, "]");
    return ++b->rows == REBUILD_BATCH ? write_batch(b) : DB_OK;
}

/* One scope's rows: its day rows as they come (in code and day order), and each month's row
 * as the sum of its days, written when the code or the month changes. */
typedef struct rebuild_scope {
    rebuild_batch days, months;
    char code[65], month[CAL_DATE_BYTES]; /* the month being summed ("" before the first) */
    stats_counts sum;
    int64_t completed, rated; /* over the scope: what the rebuild counted */
} rebuild_scope;

static int end_month(rebuild_scope *s)
{
    int rc = s->month[0] ? add_row(&s->months, s->code, s->month, &s->sum) : DB_OK;
    s->month[0] = '\0';
    s->sum = (stats_counts){0};
    return rc;
}

static int add_day(const char *code, const char *day, const stats_counts *n, void *ctx)
{
    rebuild_scope *s = ctx;
    int rc = DB_OK;
    if (strcmp(code, s->code) != 0 || strncmp(day, s->month, 7) != 0) {
        rc = end_month(s);
        snprintf(s->code, sizeof s->code, "%s", code);
        snprintf(s->month, sizeof s->month, "%.7s-01", day);
    }
    stats_counts_add(&s->sum, n);
    s->completed += n->completed;
    s->rated += n->rated;
    return rc == DB_OK ? add_row(&s->days, code, day, n) : rc;
}

static int rebuild_scope_rows(db_conn *c, arena *a, const char *scope, int64_t *completed,
                              int64_t *rated)
{
    rebuild_scope s = {.days = {.c = c, .scope = scope, .grain = "day"},
                       .months = {.c = c, .scope = scope, .grain = "month"}};
    arena_init(&s.days.a, 1 << 20);
    arena_init(&s.months.a, 1 << 20);
    sb_init(&s.days.json, &s.days.a, 160 * REBUILD_BATCH);
    sb_init(&s.months.json, &s.months.a, 160 * REBUILD_BATCH);
    arena_reset(a);
    int rc = stats_rebuilt_days(c, a, scope, add_day, &s);
    if (rc == DB_OK)
        rc = end_month(&s);
    if (rc == DB_OK)
        rc = write_batch(&s.days);
    if (rc == DB_OK)
        rc = write_batch(&s.months);
    arena_destroy(&s.days.a);
    arena_destroy(&s.months.a);
    *completed = s.completed;
    *rated = s.rated;
    return rc;
}

/* Inside the transaction: the counters removed first (their locks make the completions and
 * ratings of other requests wait until the commit: none is counted twice or lost), then the
 * span of the completions (the read that fixes the transaction's snapshot), the local days
 * of that span (to tomorrow), and one consistent read per scope. Every completion must be
 * counted: one without a finish time fails the rebuild rather than count nowhere. */
static int rebuild_in_tx(db_conn *c, arena *a, int64_t *applications, int64_t *ratings)
{
    int64_t first_s = 0, last_s = 0, completed = 0, svc_completed = 0, svc_rated = 0;
    int rc = stats_clear(c);
    if (rc == DB_OK)
        rc = stats_completed_span(c, a, &first_s, &last_s, &completed);
    cal_day today = cal_today(), last = last_s ? cal_day_of(last_s) : today;
    if (rc == DB_OK)
        rc = local_days_load(c, first_s ? cal_day_of(first_s) : today,
                             (last > today ? last : today) + 1);
    if (rc == DB_OK)
        rc = rebuild_scope_rows(c, a, "department", applications, ratings);
    if (rc == DB_OK)
        rc = rebuild_scope_rows(c, a, "service", &svc_completed, &svc_rated);
    if (rc == DB_OK && (*applications != completed || svc_completed != completed))
        rc = DB_ERROR;
    return rc;
}

int stats_rebuild(db_conn *c, int64_t *applications, int64_t *ratings)
{
    *applications = *ratings = 0;
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    arena a;
    arena_init(&a, 1 << 20);
    rc = rebuild_in_tx(c, &a, applications, ratings);
    if (rc == DB_OK)
        rc = db_commit(c);
    else
        db_rollback(c);
    arena_destroy(&a);
    return rc;
}
