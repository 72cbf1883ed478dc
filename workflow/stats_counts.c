#include "workflow/stats_counts.h"

#include <stdio.h>
#include <time.h>

#include "db/stats_store.h"
#include "workflow/calendar_cache.h"

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

int stats_count_case_closed(db_conn *c, int64_t rating_id)
{
    stats_counts d = {.rectified = 1};
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
    return stats_add(c, k->department_code, k->service_code, k->rated_day, &d);
}

#define REBUILD_PAGE 2000

typedef struct rebuild_groups {
    db_conn *c;
    int64_t ratings;
} rebuild_groups;

static int add_group(const char *department_code, const char *service_code, const char *day,
                     const stats_counts *d, void *ctx)
{
    rebuild_groups *g = ctx;
    g->ratings += d->rated;
    return stats_add(g->c, department_code, service_code, day, d);
}

/* One completed application, counted on its completion's local day as it was then. */
static int add_completion(db_conn *c, const stats_completion *k)
{
    cal_day submitted, finished, due;
    if (local_day(k->submitted_at, &submitted) != 0 || local_day(k->finished_at, &finished) != 0 ||
        cal_day_parse(k->due_date, &due) != 0)
        return DB_ERROR;
    stats_counts d = {.completed = 1,
                      .on_time = finished <= due,
                      .processing_days = calendar_workdays(submitted, finished)};
    char day[CAL_DATE_BYTES];
    cal_day_format(finished, day);
    return stats_add(c, k->department_code, k->service_code, day, &d);
}

static int rebuild_in_tx(db_conn *c, int64_t *applications, int64_t *ratings)
{
    static stats_completion page[REBUILD_PAGE]; /* a command's one run: off the stack */
    arena a;
    arena_init(&a, 1 << 16);
    int64_t after = 0;
    rebuild_groups groups = {c, 0};
    size_t n = REBUILD_PAGE;
    int rc = stats_clear(c);
    while (rc == DB_OK && n == REBUILD_PAGE) {
        arena_reset(&a);
        rc = stats_completions(c, &a, after, REBUILD_PAGE, page, &n);
        for (size_t i = 0; rc == DB_OK && i < n; i++)
            rc = add_completion(c, &page[i]);
        if (n)
            after = page[n - 1].id;
        *applications += rc == DB_OK ? (int64_t)n : 0;
    }
    if (rc == DB_OK) {
        arena_reset(&a);
        rc = stats_rating_groups(c, &a, add_group, &groups);
    }
    *ratings = groups.ratings;
    arena_destroy(&a);
    return rc;
}

int stats_rebuild(db_conn *c, int64_t *applications, int64_t *ratings)
{
    *applications = *ratings = 0;
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    rc = rebuild_in_tx(c, applications, ratings);
    if (rc == DB_OK)
        rc = db_commit(c);
    else
        db_rollback(c);
    return rc;
}
