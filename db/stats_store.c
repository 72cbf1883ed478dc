#include "db/stats_store.h"

/* clang-format off */
#define COUNTER_COLUMNS \
    "completed, on_time, processing_days, rated, score_sum, level_1, level_2, level_3, " \
    "level_4, level_5, rectified, visited, visit_satisfied"
#define UPSERT_HEAD \
    "INSERT INTO stats_counters (scope, code, grain, period, " COUNTER_COLUMNS ") " \
    "SELECT s.scope, s.code, g.grain, " \
    "IF(g.grain = 'day', s.d, s.d - INTERVAL (DAYOFMONTH(s.d) - 1) DAY), v.* FROM "
/* the rows in key order, so that two transactions lock shared rows in the same order */
#define UPSERT_TAIL \
    " CROSS JOIN (SELECT 'day' AS grain UNION ALL SELECT 'month') g " \
    "CROSS JOIN (SELECT ? AS d1, ? AS d2, ? AS d3, ? AS d4, ? AS d5, ? AS d6, ? AS d7, " \
    "? AS d8, ? AS d9, ? AS d10, ? AS d11, ? AS d12, ? AS d13) v ORDER BY 1, 2, 3, 4 " \
    "ON DUPLICATE KEY UPDATE completed = completed + VALUES(completed), " \
    "on_time = on_time + VALUES(on_time), " \
    "processing_days = processing_days + VALUES(processing_days), " \
    "rated = rated + VALUES(rated), score_sum = score_sum + VALUES(score_sum), " \
    "level_1 = level_1 + VALUES(level_1), level_2 = level_2 + VALUES(level_2), " \
    "level_3 = level_3 + VALUES(level_3), level_4 = level_4 + VALUES(level_4), " \
    "level_5 = level_5 + VALUES(level_5), rectified = rectified + VALUES(rectified), " \
    "visited = visited + VALUES(visited), " \
    "visit_satisfied = visit_satisfied + VALUES(visit_satisfied)"
#define DELTAS(d) \
    (d)->completed, (d)->on_time, (d)->processing_days, (d)->rated, (d)->score_sum, \
    (d)->levels[0], (d)->levels[1], (d)->levels[2], (d)->levels[3], (d)->levels[4], \
    (d)->rectified, (d)->visited, (d)->visit_satisfied
#define DELTA_TYPES "iiiiiiiiiiiii"
/* clang-format on */

int stats_add(db_conn *c, const char *department_code, const char *service_code, const char *day,
              const stats_counts *d)
{
    return db_exec(c,
                   UPSERT_HEAD "(SELECT 'department' AS scope, ? AS code, CAST(? AS DATE) AS d "
                               "UNION ALL SELECT 'service', ?, CAST(? AS DATE)) s" UPSERT_TAIL,
                   "ssss" DELTA_TYPES, department_code, day, service_code, day, DELTAS(d));
}

int stats_add_for_rating(db_conn *c, int64_t rating_id, const stats_counts *d)
{
    return db_exec(c,
                   UPSERT_HEAD "(SELECT 'department' AS scope, department_code AS code, "
                               "rated_day AS d FROM ratings WHERE id = ? AND excluded_at IS NULL "
                               "UNION ALL SELECT 'service', service_code, rated_day FROM ratings "
                               "WHERE id = ? AND excluded_at IS NULL) s" UPSERT_TAIL,
                   "ii" DELTA_TYPES, rating_id, rating_id, DELTAS(d));
}

/* clang-format off */
#define SUMS \
    "CAST(SUM(completed) AS SIGNED) completed, CAST(SUM(on_time) AS SIGNED) on_time, " \
    "CAST(SUM(processing_days) AS SIGNED) processing_days, CAST(SUM(rated) AS SIGNED) rated, " \
    "CAST(SUM(score_sum) AS SIGNED) score_sum, CAST(SUM(level_1) AS SIGNED) level_1, " \
    "CAST(SUM(level_2) AS SIGNED) level_2, CAST(SUM(level_3) AS SIGNED) level_3, " \
    "CAST(SUM(level_4) AS SIGNED) level_4, CAST(SUM(level_5) AS SIGNED) level_5, " \
    "CAST(SUM(rectified) AS SIGNED) rectified, CAST(SUM(visited) AS SIGNED) visited, " \
    "CAST(SUM(visit_satisfied) AS SIGNED) visit_satisfied"
#define OUTER_COLUMNS \
    "s.month, COALESCE(s.completed, 0), COALESCE(s.on_time, 0), " \
    "COALESCE(s.processing_days, 0), COALESCE(s.rated, 0), COALESCE(s.score_sum, 0), " \
    "COALESCE(s.level_1, 0), COALESCE(s.level_2, 0), COALESCE(s.level_3, 0), " \
    "COALESCE(s.level_4, 0), COALESCE(s.level_5, 0), COALESCE(s.rectified, 0), " \
    "COALESCE(s.visited, 0), COALESCE(s.visit_satisfied, 0)"
/* whole months from the month rows, the ends from the day rows: three index ranges */
#define BY_MONTH(scope) \
    "(SELECT code, DATE_FORMAT(period, '%Y-%m') AS month, " SUMS " FROM stats_counters " \
    "WHERE scope = '" scope "' AND (? IS NULL OR code = ?) " \
    "AND ((grain = 'month' AND period >= ? AND period < ?) OR (grain = 'day' " \
    "AND ((period >= ? AND period < ?) OR (period >= ? AND period < ?)))) " \
    "GROUP BY code, month) s"
/* clang-format on */

static const char sql_departments[] =
    "SELECT d.code, d.name, " OUTER_COLUMNS " FROM departments d LEFT JOIN " BY_MONTH(
        "department") " ON s.code = d.code WHERE (? IS NULL OR d.code = ?) "
                      "ORDER BY d.code, s.month";
static const char sql_service[] =
    "SELECT v.code, v.name, " OUTER_COLUMNS " FROM services v LEFT JOIN " BY_MONTH(
        "service") " ON s.code = v.code WHERE v.code = ? ORDER BY s.month";

static int each_row(db_rows *rows, int rc, stats_row_fn fn, void *ctx)
{
    if (rc != DB_OK)
        return rc;
    int found = 0;
    for (;;) {
        const char *code, *name, *month;
        stats_counts n;
        int64_t *l = n.levels;
        rc = db_row_next(rows, "sss" DELTA_TYPES, &code, &name, &month, &n.completed, &n.on_time,
                         &n.processing_days, &n.rated, &n.score_sum, &l[0], &l[1], &l[2], &l[3],
                         &l[4], &n.rectified, &n.visited, &n.visit_satisfied);
        if (rc <= 0)
            break;
        found = 1;
        fn(code, name, month, &n, ctx);
    }
    rc = db_rows_done(rows, rc);
    return rc == DB_OK && !found ? DB_NOT_FOUND : rc;
}

int stats_departments(db_conn *c, arena *a, const char *code, const stats_range *r, stats_row_fn fn,
                      void *ctx)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, sql_departments, "ssssssssss", code, code, r->month_from,
                      r->month_to, r->head_from, r->head_to, r->tail_from, r->tail_to, code, code);
    return each_row(&rows, rc, fn, ctx);
}

int stats_service(db_conn *c, arena *a, const char *code, const stats_range *r, stats_row_fn fn,
                  void *ctx)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, sql_service, "sssssssss", code, code, r->month_from, r->month_to,
                      r->head_from, r->head_to, r->tail_from, r->tail_to, code);
    return each_row(&rows, rc, fn, ctx);
}

int stats_clear(db_conn *c)
{
    return db_exec(c, "DELETE FROM stats_counters", "");
}

int stats_completions(db_conn *c, arena *a, int64_t after, size_t max, stats_completion *out,
                      size_t *n)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT id, department_code, service_code, "
                      "DATE_FORMAT(submitted_at, '%Y-%m-%dT%H:%i:%sZ'), "
                      "DATE_FORMAT(finished_at, '%Y-%m-%dT%H:%i:%sZ'), "
                      "DATE_FORMAT(due_date, '%Y-%m-%d') FROM applications "
                      "WHERE status = 'completed' AND id > ? ORDER BY id LIMIT ?",
                      "ii", after, (int64_t)max);
    *n = 0;
    if (rc != DB_OK)
        return rc;
    for (;;) {
        stats_completion *o = &out[*n];
        rc = db_row_next(&rows, "isssss", &o->id, &o->department_code, &o->service_code,
                         &o->submitted_at, &o->finished_at, &o->due_date);
        if (rc <= 0)
            break;
        (*n)++;
    }
    return db_rows_done(&rows, rc);
}

int stats_rating_groups(db_conn *c, arena *a, stats_group_fn fn, void *ctx)
{
    db_rows rows;
    int rc = db_query(
        c, &rows, a,
        "SELECT r.department_code, r.service_code, DATE_FORMAT(r.rated_day, '%Y-%m-%d'), "
        "COUNT(*), CAST(SUM(r.score) AS SIGNED), CAST(SUM(r.score = 1) AS SIGNED), "
        "CAST(SUM(r.score = 2) AS SIGNED), CAST(SUM(r.score = 3) AS SIGNED), "
        "CAST(SUM(r.score = 4) AS SIGNED), CAST(SUM(r.score = 5) AS SIGNED), "
        "CAST(COALESCE(SUM(k.status = 'closed'), 0) AS SIGNED), "
        "CAST(COALESCE(SUM(k.visit IS NOT NULL), 0) AS SIGNED), "
        "CAST(COALESCE(SUM(k.visit = 'satisfied'), 0) AS SIGNED) "
        "FROM ratings r LEFT JOIN rectifications k ON k.rating_id = r.id "
        "WHERE r.excluded_at IS NULL GROUP BY r.department_code, r.service_code, r.rated_day",
        "");
    if (rc != DB_OK)
        return rc;
    for (;;) {
        const char *dept, *service, *day;
        stats_counts d = {0};
        int64_t *l = d.levels;
        rc = db_row_next(&rows, "sssiiiiiiiiii", &dept, &service, &day, &d.rated, &d.score_sum,
                         &l[0], &l[1], &l[2], &l[3], &l[4], &d.rectified, &d.visited,
                         &d.visit_satisfied);
        if (rc <= 0)
            break;
        if ((rc = fn(dept, service, day, &d, ctx)) != DB_OK)
            break;
    }
    return db_rows_done(&rows, rc);
}
