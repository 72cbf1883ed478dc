/* Rating appeals (申诉复核, API.md §8): a department asks for one of its ratings to be reviewed,
 * and the platform's operator decides. A rating is never deleted: excluding it sets
 * ratings.excluded_at with the reviewer's reason and subtracts what it counted from the
 * statistics and the service's totals, all in the decision's transaction with its audit line.
 * Each function begins its transaction; on DB_OK it stays open for idempotency_commit, on
 * anything else it is rolled back. Returns DB_OK, DB_NOT_FOUND, a failure, or an outcome. */
#ifndef OW_RATING_APPEALS_H
#define OW_RATING_APPEALS_H

#include <stdbool.h>

#include "core/arena.h"
#include "db/rating_appeal_store.h"
#include "workflow/applications.h"

#define APPEAL_RATING_EXCLUDED 2 /* the rating is out of the statistics already */
#define APPEAL_EXISTS 3          /* the rating has its appeal already (decided or not) */
#define APPEAL_DECIDED 4         /* the appeal is decided already */

/* Appeals rating n->rating_id for department n->department_code (the department the rating
 * counts for: its own work or work it delegated; any other rating is DB_NOT_FOUND). DB_OK
 * with the appeal read back into *out. */
int rating_appeal_create(db_conn *c, arena *a, const appeal_new *n, const app_actor_ref *who,
                         appeal_row *out);

typedef struct appeal_decision {
    int64_t appeal_id, decided_by;
    bool exclude; /* false: the rating is kept */
    const char *reason;
} appeal_decision;

/* Decides a pending appeal (DB_NOT_FOUND: no such appeal); DB_OK with it read back. */
int rating_appeal_decide(db_conn *c, arena *a, const appeal_decision *d, const app_actor_ref *who,
                         appeal_row *out);

#endif
