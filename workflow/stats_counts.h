/* The events the public statistics count (API.md §8), each moving the counters of
 * db/stats_store.h inside the transaction of the event itself, so the figures are exact. */
#ifndef OW_STATS_COUNTS_H
#define OW_STATS_COUNTS_H

#include <stdbool.h>

#include "core/calendar.h"
#include "db/application_store.h"
#include "db/rating_store.h"

/* An application completed today (its due_date and submitted_at as they stand). */
int stats_count_completion(db_conn *c, const app_row *row, cal_day today);
/* A rating of score 1..5 given on day (YYYY-MM-DD). */
int stats_count_rating(db_conn *c, const char *department_code, const char *service_code,
                       const char *day, int score);
/* A bad rating's case closed (late: after its deadline). */
int stats_count_case_closed(db_conn *c, int64_t rating_id, bool late);
/* The citizen's return visit of a closed case. */
int stats_count_visit(db_conn *c, int64_t rating_id, bool satisfied);
/* A rating excluded on review (申诉复核): what the three above added for it, subtracted from
 * its department's and service's day and month. The caller holds the rating and its case
 * locked (rating_counted_by_id) and marks the rating excluded in the same transaction. */
int stats_uncount_rating(db_conn *c, const rating_counted *k);

/* Recomputes every counter from the raw tables in one transaction (`onewindow-admin
 * rebuild-stats`: data from before migration 0081, generated applications): the completed
 * applications and the ratings it counted. DB_OK (committed) or a failure (rolled back). */
int stats_rebuild(db_conn *c, int64_t *applications, int64_t *ratings);

#endif
