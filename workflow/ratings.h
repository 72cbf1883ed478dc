/* A citizen's rating of a finished application (好差评, API.md §8) and what it sets off, in
 * the transaction application_step_begin opened on the application's locked row: the rating
 * (with what a 好差评 system needs of the application), the service's running totals, the
 * audit line, and for a bad rating (score ≤ 2) the rectification case of whoever handled the
 * application, due the rectification_days-th working day after today. On success the
 * transaction stays open for idempotency_commit; on any other outcome it is rolled back.
 *
 * Returns DB_OK, a failure (db/db.h), or one of the outcomes below. */
#ifndef OW_RATINGS_H
#define OW_RATINGS_H

#include "core/arena.h"
#include "core/calendar.h"
#include "db/application_store.h"
#include "db/rating_store.h"
#include "workflow/applications.h"

#define RATING_NOT_FINAL 2   /* not completed or not_accepted (open, or withdrawn) */
#define RATING_WINDOW_OVER 3 /* more than rating_window_days after the final step */
#define RATING_EXISTS 4      /* the application has its rating already (一事一评) */

typedef struct rating_input {
    int score;
    int dimensions[RATING_DIMENSIONS]; /* all 0: not given */
    const char *tags;                  /* JSON array of codes, checked against the level */
    const char *comment;               /* NULL: none */
    const char *channel;
} rating_input;

typedef struct rating_made {
    int64_t rating_id, case_id; /* case_id 0: no rectification */
    char deadline[CAL_DATE_BYTES];
    char last_day[CAL_DATE_BYTES]; /* the last day a rating is taken */
} rating_made;

/* The last day (service time zone) on which the application may still be rated: the day of
 * its final step plus rating_window_days. -1 when it has no final step. */
int rating_last_day(const app_row *a, cal_day *out);
/* The same of a final step at finished_at (RFC 3339 UTC; NULL: none, -1). */
int rating_last_day_after(const char *finished_at, cal_day *out);

/* Forwards rating id to the 好差评 system (haocha_url) through the outbox, inside the caller's
 * transaction: one haocha row with the record as it is now, for event. With haocha_url empty
 * (the default) nothing is written. A reviewer's exclusion (申诉复核,
 * workflow/rating_appeals.c) calls it with RATING_EVENT_EXCLUDED in the decision's transaction.
 * DB_OK, DB_NOT_FOUND or a failure. */
int rating_forward(db_conn *c, int64_t rating_id, const char *event);

int rating_submit(db_conn *c, arena *a, const app_row *row, const app_actor_ref *who,
                  const rating_input *in, cal_day today, rating_made *out);

#endif
