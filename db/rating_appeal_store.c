#include "db/rating_appeal_store.h"

#define TS(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"

/* clang-format off */
#define APPEAL_FIELDS \
    "p.id, p.rating_id, p.requested_by, COALESCE(p.decided_by, 0), p.department_code, " \
    "p.reason, p.evidence, p.status, p.decision_reason, " TS("p.created_at") ", " \
    TS("p.decided_at") ", r.application_no, r.score"
#define APPEAL_FROM " FROM rating_appeals p JOIN ratings r ON r.id = p.rating_id "
#define APPEAL_TYPES "iiiissssssssi"
/* clang-format on */

int appeal_insert(db_conn *c, const appeal_new *n, int64_t *id)
{
    int rc =
        db_exec(c,
                "INSERT INTO rating_appeals (rating_id, department_code, requested_by, "
                "reason, evidence) VALUES (?, ?, ?, ?, ?)",
                "isiss", n->rating_id, n->department_code, n->requested_by, n->reason, n->evidence);
    if (rc == DB_OK)
        *id = db_last_insert_id(c);
    return rc;
}

/* clang-format off */
#define APPEAL_OUT(o, score) \
    &(o)->id, &(o)->rating_id, &(o)->requested_by, &(o)->decided_by, &(o)->department_code, \
    &(o)->reason, &(o)->evidence, &(o)->status, &(o)->decision_reason, &(o)->created_at, \
    &(o)->decided_at, &(o)->application_no, &(score)
/* clang-format on */

int appeal_by_id(db_conn *c, arena *a, int64_t id, bool for_update, appeal_row *out)
{
    db_rows rows;
    int64_t score = 0, locked = 0;
    /* the appeal's row alone: a locking join would lock the rating before its case, the
     * reverse of a case's closing (workflow/rating_appeals.c takes the case first) */
    int rc = for_update
                 ? db_query_int(c, a, &locked,
                                "SELECT id FROM rating_appeals WHERE id = ? FOR UPDATE", "i", id)
                 : DB_OK;
    if (rc != DB_OK)
        return rc;
    rc = db_query(c, &rows, a, "SELECT " APPEAL_FIELDS APPEAL_FROM "WHERE p.id = ?", "i", id);
    rc = db_row_one(&rows, rc, APPEAL_TYPES, APPEAL_OUT(out, score));
    out->score = (int)score;
    return rc;
}

int appeal_list(db_conn *c, arena *a, const char *status, int64_t before, size_t max,
                appeal_row *out, size_t *n)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT " APPEAL_FIELDS APPEAL_FROM "WHERE (? IS NULL OR p.status = ?) "
                      "AND p.id < ? ORDER BY p.id DESC LIMIT ?",
                      "ssii", status, status, before, (int64_t)max);
    *n = 0;
    if (rc != DB_OK)
        return rc;
    for (int64_t score = 0; *n < max; (*n)++) {
        appeal_row *o = &out[*n];
        if ((rc = db_row_next(&rows, APPEAL_TYPES, APPEAL_OUT(o, score))) <= 0)
            break;
        o->score = (int)score;
    }
    return db_rows_done(&rows, rc);
}

int appeal_set_decided(db_conn *c, int64_t id, const char *status, int64_t decided_by,
                       const char *reason)
{
    return db_exec_changed(c,
                           "UPDATE rating_appeals SET status = ?, decided_by = ?, "
                           "decision_reason = ?, decided_at = CURRENT_TIMESTAMP(3) "
                           "WHERE id = ? AND status = 'pending'",
                           "sisi", status, decided_by, reason, id);
}
