#include "workflow/rating_appeals.h"

#include <string.h>

#include "core/utf8_cut.h"
#include "db/audit_store.h"
#include "db/rating_store.h"
#include "workflow/ratings.h"
#include "workflow/stats_counts.h"

#define AUDIT_DETAIL_CHARS 255 /* audit_log.detail */

/* An audit line on the rated application: "appeal N: reason", cut to the column's size. */
static int audit(db_conn *c, arena *a, const app_actor_ref *who, const char *action, const char *no,
                 int64_t appeal_id, const char *reason)
{
    char *detail = arena_printf(a, "appeal %lld: %s", (long long)appeal_id, reason);
    if (!detail)
        return DB_ERROR;
    utf8_cut(detail, AUDIT_DETAIL_CHARS);
    audit_entry au = {who->audit_type,       who->id, action, no, detail, who->request_id,
                      who->client_request_id};
    return audit_insert(c, &au);
}

static int create_in_tx(db_conn *c, arena *a, const appeal_new *n, const app_actor_ref *who,
                        appeal_row *out)
{
    rating_counted k;
    int64_t id = 0;
    int rc = rating_counted_by_id(c, a, n->rating_id, false, &k);
    if (rc == DB_OK && strcmp(k.department_code, n->department_code) != 0)
        rc = DB_NOT_FOUND; /* another department's rating: as if there were none */
    if (rc != DB_OK)
        return rc;
    if (k.excluded)
        return APPEAL_RATING_EXCLUDED;
    rc = appeal_insert(c, n, &id);
    if (rc == DB_DUPLICATE)
        return APPEAL_EXISTS;
    if (rc == DB_OK)
        rc = audit(c, a, who, "rating.appeal", k.application_no, id, n->reason);
    return rc == DB_OK ? appeal_by_id(c, a, id, false, out) : rc;
}

int rating_appeal_create(db_conn *c, arena *a, const appeal_new *n, const app_actor_ref *who,
                         appeal_row *out)
{
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    rc = create_in_tx(c, a, n, who, out);
    if (rc != DB_OK)
        db_rollback(c);
    return rc;
}

/* Locks the rating and its case, the case first: the order in which a case's closing and
 * its return visit lock them, so that the two never wait on each other in a circle. Then
 * reads it as it stands (a locking read, not the transaction's snapshot). */
static int lock_rating(db_conn *c, arena *a, int64_t rating_id, rating_counted *k)
{
    rectification_row kase;
    int rc = rating_counted_by_id(c, a, rating_id, false, k);
    if (rc == DB_OK && k->case_id) /* a case is made with its rating, never later */
        rc = rectification_by_id(c, a, k->case_id, true, &kase);
    return rc == DB_OK ? rating_counted_by_id(c, a, rating_id, true, k) : rc;
}

/* The rating out of the statistics: its counters and the service's totals moved back, the
 * row marked (never deleted). The rating and its case stay locked until the commit, so a
 * case closing or a return visit either came before (and is subtracted here) or comes after
 * and counts nothing (stats_add_for_rating skips an excluded rating). */
static int exclude_rating(db_conn *c, arena *a, int64_t rating_id, const char *reason)
{
    rating_counted k;
    int rc = lock_rating(c, a, rating_id, &k);
    if (rc != DB_OK || k.excluded)
        return rc == DB_NOT_FOUND ? DB_ERROR : rc; /* an appeal's rating is never gone */
    /* the totals before the counters: the order in which a new rating locks them */
    rc = rating_totals_remove(c, k.service_id, k.score);
    if (rc == DB_OK)
        rc = stats_uncount_rating(c, &k);
    if (rc == DB_OK)
        rc = rating_set_excluded(c, rating_id, reason);
    if (rc == DB_OK) /* the 好差评 system learns it in the same transaction (when forwarding) */
        rc = rating_forward(c, rating_id, RATING_EVENT_EXCLUDED);
    return rc == DB_NOT_FOUND ? DB_ERROR : rc; /* totals or row not as locked: a bug */
}

static int decide_in_tx(db_conn *c, arena *a, const appeal_decision *d, const app_actor_ref *who,
                        appeal_row *out)
{
    int rc = appeal_by_id(c, a, d->appeal_id, true, out);
    if (rc != DB_OK)
        return rc;
    if (strcmp(out->status, "pending") != 0)
        return APPEAL_DECIDED;
    if (d->exclude)
        rc = exclude_rating(c, a, out->rating_id, d->reason);
    if (rc == DB_OK)
        rc = appeal_set_decided(c, d->appeal_id, d->exclude ? "excluded" : "kept", d->decided_by,
                                d->reason);
    if (rc == DB_NOT_FOUND)
        return APPEAL_DECIDED;
    if (rc == DB_OK)
        rc = audit(c, a, who, d->exclude ? "rating.exclude" : "rating.keep", out->application_no,
                   d->appeal_id, d->reason);
    return rc == DB_OK ? appeal_by_id(c, a, d->appeal_id, false, out) : rc;
}

int rating_appeal_decide(db_conn *c, arena *a, const appeal_decision *d, const app_actor_ref *who,
                         appeal_row *out)
{
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    rc = decide_in_tx(c, a, d, who, out);
    if (rc != DB_OK)
        db_rollback(c);
    return rc;
}
