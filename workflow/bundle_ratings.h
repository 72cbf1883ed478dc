/* A citizen's rating of a whole life-event bundle (API.md §8 "Bundle ratings"), beside the
 * ratings of its children: taken once every child is final (the bundle completed), within
 * rating_window_days of the last child's final step, once per bundle. It is recorded with
 * its audit line only: a bundle spans departments, so it moves no department's or
 * service's statistics and opens no rectification case (a child's bad rating does).
 *
 * Begins a transaction on c with the bundle locked. DB_OK with *out and the bundle's id in
 * *bundle_id (the transaction open,
 * for idempotency_commit); DB_NOT_FOUND (no bundle no, normalized, of this citizen);
 * RATING_NOT_FINAL, RATING_WINDOW_OVER (out->last_day set), RATING_EXISTS, or a failure
 * (rolled back). */
#ifndef OW_BUNDLE_RATINGS_H
#define OW_BUNDLE_RATINGS_H

#include "workflow/ratings.h"

int bundle_rating_submit(db_conn *c, arena *a, const char *no, const app_actor_ref *who,
                         const rating_input *in, cal_day today, rating_made *out,
                         int64_t *bundle_id);

#endif
