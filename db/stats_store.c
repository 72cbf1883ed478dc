#include "db/stats_store.h"

#include <string.h>

/* clang-format off */
#define COUNTER_COLUMNS \
    "completed, on_time, processing_days, rated, score_sum, level_1, level_2, level_3, " \
    "level_4, level_5, rectified, visited, visit_satisfied, closed_late"
#define UPSERT_HEAD \
    "INSERT INTO stats_counters (scope, code, grain, period, " COUNTER_COLUMNS ") " \
    "SELECT s.scope, s.code, g.grain, " \
    "IF(g.grain = 'day', s.d, s.d - INTERVAL (DAYOFMONTH(s.d) - 1) DAY), v.* FROM "
/* the rows in key order, so that two transactions lock shared rows in the same order */
#define UPSERT_TAIL \
    " CROSS JOIN (SELECT 'day' AS grain UNION ALL SELECT 'month') g " \
    "CROSS JOIN (SELECT ? AS d1, ? AS d2, ? AS d3, ? AS d4, ? AS d5, ? AS d6, ? AS d7, " \
    "? AS d8, ? AS d9, ? AS d10, ? AS d11, ? AS d12, ? AS d13, ? AS d14) v " \
    "ORDER BY 1, 2, 3, 4 " \
    "ON DUPLICATE KEY UPDATE completed = completed + VALUES(completed), " \
    "on_time = on_time + VALUES(on_time), " \
    "processing_days = processing_days + VALUES(processing_days), " \
    "rated = rated + VALUES(rated), score_sum = score_sum + VALUES(score_sum), " \
    "level_1 = level_1 + VALUES(level_1), level_2 = level_2 + VALUES(level_2), " \
    "level_3 = level_3 + VALUES(level_3), level_4 = level_4 + VALUES(level_4), " \
    "level_5 = level_5 + VALUES(level_5), rectified = rectified + VALUES(rectified), " \
    "visited = visited + VALUES(visited), " \
    "visit_satisfied = visit_satisfied + VALUES(visit_satisfied), " \
    "closed_late = closed_late + VALUES(closed_late)"
#define DELTAS(d) \
    (d)->completed, (d)->on_time, (d)->processing_days, (d)->rated, (d)->score_sum, \
    (d)->levels[0], (d)->levels[1], (d)->levels[2], (d)->levels[3], (d)->levels[4], \
    (d)->rectified, (d)->visited, (d)->visit_satisfied, (d)->closed_late
#define DELTA_TYPES "iiiiiiiiiiiiii"
/* clang-format on */

void stats_counts_add(stats_counts *t, const stats_counts *n)
{
    t->completed += n->completed;
    t->on_time += n->on_time;
    t->processing_days += n->processing_days;
    t->rated += n->rated;
    t->score_sum += n->score_sum;
    for (int i = 0; i < STATS_LEVELS; i++)
        t->levels[i] += n->levels[i];
    t->rectified += n->rectified;
    t->visited += n->visited;
    t->visit_satisfied += n->visit_satisfied;
    t->closed_late += n->closed_late;
    t->open_overdue += n->open_overdue;
}

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
    "CAST(SUM(visit_satisfied) AS SIGNED) visit_satisfied, " \
    "CAST(SUM(closed_late) AS SIGNED) closed_late"
#define OUTER_COLUMNS \
    "s.month, COALESCE(s.completed, 0), COALESCE(s.on_time, 0), " \
    "COALESCE(s.processing_days, 0), COALESCE(s.rated, 0), COALESCE(s.score_sum, 0), " \
    "COALESCE(s.level_1, 0), COALESCE(s.level_2, 0), COALESCE(s.level_3, 0), " \
    "COALESCE(s.level_4, 0), COALESCE(s.level_5, 0), COALESCE(s.rectified, 0), " \
    "COALESCE(s.visited, 0), COALESCE(s.visit_satisfied, 0), COALESCE(s.closed_late, 0), " \
    "COALESCE(s.open_overdue, 0)"
/* whole months from the month rows, the ends from the day rows: three index ranges; and the
 * bad ratings of the range whose case is open past its deadline (the open cases of the
 * department, or all open cases by deadline, each joined to its rating: a cost that grows
 * with the open cases, which a department answers within days). A case's department is its
 * rating's (both the application's). */
#define BY_MONTH(scope, code_column) \
    "(SELECT code, DATE_FORMAT(period, '%Y-%m') AS month, " SUMS ", " \
    "CAST(SUM(open_overdue) AS SIGNED) open_overdue FROM (" \
    "SELECT code, period, " COUNTER_COLUMNS ", 0 AS open_overdue FROM stats_counters " \
    "WHERE scope = '" scope "' AND (? IS NULL OR code = ?) " \
    "AND ((grain = 'month' AND period >= ? AND period < ?) OR (grain = 'day' " \
    "AND ((period >= ? AND period < ?) OR (period >= ? AND period < ?)))) " \
    "UNION ALL SELECT " code_column ", r.rated_day, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, " \
    "0, 1 FROM rectifications k JOIN ratings r ON r.id = k.rating_id " \
    "WHERE k.status = 'open' AND k.deadline < ? AND r.excluded_at IS NULL " \
    "AND r.rated_day >= ? AND r.rated_day < ? AND (? IS NULL OR " code_column " = ?)) c " \
    "GROUP BY code, month) s"
/* clang-format on */

static const char sql_departments[] =
    "SELECT d.code, d.name, " OUTER_COLUMNS " FROM departments d LEFT JOIN " BY_MONTH(
        "department", "k.department_code") " ON s.code = d.code WHERE (? IS NULL OR d.code = ?) "
                                           "ORDER BY d.code, s.month";
static const char sql_service[] =
    "SELECT v.code, v.name, " OUTER_COLUMNS " FROM services v LEFT JOIN " BY_MONTH(
        "service", "r.service_code") " ON s.code = v.code WHERE v.code = ? ORDER BY s.month";

static int each_row(db_rows *rows, int rc, stats_row_fn fn, void *ctx)
{
    if (rc != DB_OK)
        return rc;
    int found = 0;
    for (;;) {
        const char *code, *name, *month;
        stats_counts n;
        int64_t *l = n.levels;
        rc = db_row_next(rows, "sss" DELTA_TYPES "i", &code, &name, &month, &n.completed,
                         &n.on_time, &n.processing_days, &n.rated, &n.score_sum, &l[0], &l[1],
                         &l[2], &l[3], &l[4], &n.rectified, &n.visited, &n.visit_satisfied,
                         &n.closed_late, &n.open_overdue);
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
    int rc = db_query(c, &rows, a, sql_departments, "sssssssssssssss", code, code, r->month_from,
                      r->month_to, r->head_from, r->head_to, r->tail_from, r->tail_to, r->today,
                      r->head_from, r->tail_to, code, code, code, code);
    return each_row(&rows, rc, fn, ctx);
}

int stats_service(db_conn *c, arena *a, const char *code, const stats_range *r, stats_row_fn fn,
                  void *ctx)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, sql_service, "ssssssssssssss", code, code, r->month_from,
                      r->month_to, r->head_from, r->head_to, r->tail_from, r->tail_to, r->today,
                      r->head_from, r->tail_to, code, code, code);
    return each_row(&rows, rc, fn, ctx);
}

int stats_clear(db_conn *c)
{
    return db_exec(c, "DELETE FROM stats_counters", "");
}

int stats_completed_span(db_conn *c, arena *a, int64_t *first_s, int64_t *last_s, int64_t *n)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      /* either time may be the earlier one (a date moved by hand) */
                      "SELECT CAST(COALESCE(UNIX_TIMESTAMP(MIN(LEAST(submitted_at, "
                      "finished_at))), 0) AS SIGNED), CAST(COALESCE(UNIX_TIMESTAMP(MAX("
                      "GREATEST(submitted_at, finished_at))), 0) AS SIGNED), COUNT(*) "
                      "FROM applications WHERE status = 'completed'",
                      "");
    return db_row_one(&rows, rc, "iii", first_s, last_s, n);
}

/* clang-format off */
#define LOCAL_SLOT(e) "UNIX_TIMESTAMP(" e ") DIV 900"
/* the day groups of one scope's code column: completions by local completion day (working days in (submission day, completion day]:
 * the difference of their workday_no), ratings by rating day */
#define GROUPS(code) \
    "(SELECT a." code " AS code, f.day, COUNT(*) AS completed, " \
    "SUM(f.day <= a.due_date) AS on_time, " \
    "SUM(GREATEST(f.workday_no - b.workday_no, 0)) AS processing_days, 0 AS rated, " \
    "0 AS score_sum, 0 AS level_1, 0 AS level_2, 0 AS level_3, 0 AS level_4, 0 AS level_5, " \
    "0 AS rectified, 0 AS visited, 0 AS visit_satisfied, 0 AS closed_late " \
    "FROM applications a " \
    "JOIN local_slots f ON f.slot = " LOCAL_SLOT("a.finished_at") " " \
    "JOIN local_slots b ON b.slot = " LOCAL_SLOT("a.submitted_at") " " \
    "WHERE a.status = 'completed' GROUP BY a." code ", f.day " \
    "UNION ALL SELECT r." code ", r.rated_day, 0, 0, 0, COUNT(*), SUM(r.score), " \
    "SUM(r.score = 1), SUM(r.score = 2), SUM(r.score = 3), SUM(r.score = 4), " \
    "SUM(r.score = 5), COALESCE(SUM(k.status = 'closed'), 0), " \
    "COALESCE(SUM(k.visit IS NOT NULL), 0), COALESCE(SUM(k.visit = 'satisfied'), 0), " \
    "COALESCE(SUM(k.status = 'closed' AND k.closed_day > k.deadline), 0) " \
    "FROM ratings r LEFT JOIN rectifications k ON k.rating_id = r.id " \
    "WHERE r.excluded_at IS NULL GROUP BY r." code ", r.rated_day) x"
#define REBUILT(code) \
    "SELECT x.code, DATE_FORMAT(x.day, '%Y-%m-%d'), " SUMS " FROM " GROUPS(code) \
    " GROUP BY x.code, x.day ORDER BY x.code, x.day"
/* clang-format on */

int stats_rebuilt_days(db_conn *c, arena *a, const char *scope, stats_day_fn fn, void *ctx)
{
    static const char departments[] = REBUILT("department_code"),
                      services[] = REBUILT("service_code");
    db_rows rows;
    int rc = db_query(c, &rows, a, strcmp(scope, "department") == 0 ? departments : services, "");
    if (rc != DB_OK)
        return rc;
    for (;;) {
        const char *code, *day;
        stats_counts n;
        int64_t *l = n.levels;
        n.open_overdue = 0;
        rc = db_row_next(&rows, "ss" DELTA_TYPES, &code, &day, &n.completed, &n.on_time,
                         &n.processing_days, &n.rated, &n.score_sum, &l[0], &l[1], &l[2], &l[3],
                         &l[4], &n.rectified, &n.visited, &n.visit_satisfied, &n.closed_late);
        if (rc <= 0 || (rc = fn(code, day, &n, ctx)) != DB_OK)
            break;
    }
    return db_rows_done(&rows, rc);
}

/* clang-format off */
#define JSON_COUNTER(i, name) name " BIGINT PATH '$[" #i "]'"
/* one statement for a batch: its rows come from the parameter (JSON_TABLE), not from a
 * table, so nothing is read under lock */
static const char sql_write_rows[] =
    "INSERT INTO stats_counters (scope, code, grain, period, " COUNTER_COLUMNS ") "
    "SELECT ?, j.code, ?, j.period, " COUNTER_COLUMNS " FROM JSON_TABLE(?, '$[*]' COLUMNS ("
    "code VARCHAR(64) PATH '$[0]', period DATE PATH '$[1]', "
    JSON_COUNTER(2, "completed") ", " JSON_COUNTER(3, "on_time") ", "
    JSON_COUNTER(4, "processing_days") ", " JSON_COUNTER(5, "rated") ", "
    JSON_COUNTER(6, "score_sum") ", " JSON_COUNTER(7, "level_1") ", "
    JSON_COUNTER(8, "level_2") ", " JSON_COUNTER(9, "level_3") ", "
    JSON_COUNTER(10, "level_4") ", " JSON_COUNTER(11, "level_5") ", "
    JSON_COUNTER(12, "rectified") ", " JSON_COUNTER(13, "visited") ", "
    JSON_COUNTER(14, "visit_satisfied") ", " JSON_COUNTER(15, "closed_late") ")) j";
/* clang-format on */

int stats_write_rows(db_conn *c, const char *scope, const char *grain, const char *rows_json)
{
    return db_exec(c, sql_write_rows, "sss", scope, grain, rows_json);
}
