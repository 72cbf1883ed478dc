/* Every read and write of the public performance statistics (API.md §8, migration 0081):
 * counters per department and service, per local day and per month, moved in the
 * transaction of the event they count and read as a range's whole months plus its end days. */
#ifndef OW_STATS_STORE_H
#define OW_STATS_STORE_H

#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

#define STATS_LEVELS 5

/* Counters (or a change of them): see migration 0081 for what each counts. */
typedef struct stats_counts {
    int64_t completed, on_time, processing_days;
    int64_t rated, score_sum, levels[STATS_LEVELS]; /* levels[0]: score 1 */
    int64_t rectified, visited, visit_satisfied;
    int64_t closed_late;  /* of the bad ratings, cases closed after their deadline */
    int64_t open_overdue; /* … and cases still open past it today (read, never stored) */
} stats_counts;

/* t += n, counter by counter. */
void stats_counts_add(stats_counts *t, const stats_counts *n);

/* Adds d to the counters of a department and a service on a local day (YYYY-MM-DD) and its
 * month, inside the caller's transaction. */
int stats_add(db_conn *c, const char *department_code, const char *service_code, const char *day,
              const stats_counts *d);
/* The same for the department, service and day a rating was given on; nothing for a rating
 * excluded on review (申诉复核: it no longer counts). */
int stats_add_for_rating(db_conn *c, int64_t rating_id, const stats_counts *d);

/* Rebuilding (`onewindow-admin rebuild-stats`, inside the caller's repeatable-read
 * transaction, on the local-day tables of db/local_days_store.h): every counter removed;
 * the span of the completed applications (Unix times of the earliest and the latest of their
 * submissions and completions; 0 when none) and how many there are; the day rows of one scope
 * ("department" or "service"), in code and day order, from one consistent read of the completions
 * (grouped by local completion day; working days as the difference of workday_no) and of
 * the ratings still counted (not excluded, with their cases' closings and visits), each to
 * fn; rows written a batch at a time (a JSON array of [code, period, the 14 stored counters in
 * the order of stats_counts]). A plain read, not INSERT … SELECT: that would lock every
 * application it reads (a shared lock in repeatable read) while the counters' locks are
 * held. */
int stats_completed_span(db_conn *c, arena *a, int64_t *first_s, int64_t *last_s, int64_t *n);
int stats_clear(db_conn *c);
typedef int (*stats_day_fn)(const char *code, const char *day, const stats_counts *n, void *ctx);
int stats_rebuilt_days(db_conn *c, arena *a, const char *scope, stats_day_fn fn, void *ctx);
int stats_write_rows(db_conn *c, const char *scope, const char *grain, const char *rows_json);

/* A range of local days cut into its parts: whole months [month_from, month_to) and the days
 * [head_from, head_to) and [tail_from, tail_to) outside them (YYYY-MM-DD; ends exclusive). */
typedef struct stats_range {
    char head_from[11], head_to[11], month_from[11], month_to[11], tail_from[11], tail_to[11];
    char today[11]; /* a case open after its deadline (before today) is overdue */
} stats_range;

/* One month of one department or service: month "YYYY-MM", or NULL for one without any
 * counter in the range (then n is all zero). */
typedef void (*stats_row_fn)(const char *code, const char *name, const char *month,
                             const stats_counts *n, void *ctx);

/* Every department (code NULL) or one, by code and month; DB_NOT_FOUND: no such department. */
int stats_departments(db_conn *c, arena *a, const char *code, const stats_range *r, stats_row_fn fn,
                      void *ctx);
/* One service by month; DB_NOT_FOUND: no such service. */
int stats_service(db_conn *c, arena *a, const char *code, const stats_range *r, stats_row_fn fn,
                  void *ctx);

#endif
