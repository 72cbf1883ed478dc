#include "db/rating_store.h"

#define TS(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"
#define DAY(col) "DATE_FORMAT(" col ", '%Y-%m-%d')"

int rating_insert(db_conn *c, const rating_new *n, int64_t *id)
{
    const int *d = n->dimensions;
    int rc = db_exec(
        c,
        "INSERT INTO ratings (application_id, application_no, citizen_id, service_id, "
        "service_code, service_name, department_code, department_name, channel, handler_type, "
        "handler_name, org_id, org_credit_code, staff_id, staff_username, app_status, "
        "app_result, finished_day, score, efficiency, guide_accuracy, convenience, usability, "
        "tags, comment, rated_day) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), "
        "(SELECT credit_code FROM organizations WHERE id = ?), NULLIF(?, 0), "
        "(SELECT username FROM staff WHERE id = ?), ?, ?, ?, ?, "
        "NULLIF(?, 0), NULLIF(?, 0), NULLIF(?, 0), NULLIF(?, 0), ?, ?, ?)",
        "isiisssssssiiiisssiiiiisss", n->application_id, n->application_no, n->citizen_id,
        n->service_id, n->service_code, n->service_name, n->department_code, n->department_name,
        n->channel, n->handler_type, n->handler_name, n->org_id, n->org_id, n->staff_id,
        n->staff_id, n->app_status, n->app_result, n->finished_day, (int64_t)n->score,
        (int64_t)d[0], (int64_t)d[1], (int64_t)d[2], (int64_t)d[3], n->tags, n->comment,
        n->rated_day);
    if (rc == DB_OK)
        *id = db_last_insert_id(c);
    return rc;
}

/* clang-format off */
/* The 好差评 record (docs/API.md §8 "Forwarding ratings"). JSON_EXTRACT(…, '$') keeps a value
 * that is JSON (tags, an object or NULL out of IF) JSON inside the object, not a string. */
static const char sql_forward[] =
    "INSERT INTO outbox (delivery_id, channel, target_id, target_ref, payload) "
    "SELECT UUID(), 'haocha', r.id, ?, JSON_OBJECT("
    "'schema', 'onewindow.haocha/1', 'event', ?, 'rating_id', CAST(r.id AS CHAR), "
    "'application_no', r.application_no, 'service_code', r.service_code, "
    "'service_name', r.service_name, 'department_code', r.department_code, "
    "'department_name', r.department_name, 'application_channel', r.application_channel, "
    "'rating_channel', r.channel, "
    "'rated', JSON_OBJECT('type', r.handler_type, 'name', r.handler_name, "
    "'staff_username', r.staff_username, 'org_credit_code', r.org_credit_code), "
    "'status', r.app_status, 'result', r.app_result, "
    "'finished_day', " DAY("r.finished_day") ", 'score', r.score, "
    "'level', ELT(r.score, '非常不满意', '不满意', '基本满意', '满意', '非常满意'), "
    "'dimensions', JSON_EXTRACT(IF(r.efficiency IS NULL, NULL, JSON_OBJECT("
    "'efficiency', r.efficiency, 'guide_accuracy', r.guide_accuracy, "
    "'convenience', r.convenience, 'usability', r.usability)), '$'), "
    "'tags', JSON_EXTRACT(r.tags, '$'), 'comment', r.comment, "
    "'rated_at', " TS("r.rated_at") ", 'rated_day', " DAY("r.rated_day") ", "
    "'excluded', JSON_EXTRACT(IF(r.excluded_at IS NULL, NULL, JSON_OBJECT("
    "'at', " TS("r.excluded_at") ", 'reason', r.excluded_reason)), '$')) "
    "FROM ratings r WHERE r.id = ?";
/* clang-format on */

int rating_forward_insert(db_conn *c, int64_t rating_id, const char *event)
{
    return db_exec_changed(c, sql_forward, "ssi", event, event, rating_id);
}

int rating_service_id(db_conn *c, arena *a, int64_t application_id, int64_t *service_id)
{
    return db_query_int(c, a, service_id, "SELECT service_id FROM applications WHERE id = ?", "i",
                        application_id);
}

int rating_totals_add(db_conn *c, int64_t service_id, int score)
{
    return db_exec(c,
                   "INSERT INTO service_rating_totals (service_id, rating_count, score_sum) "
                   "VALUES (?, 1, ?) ON DUPLICATE KEY UPDATE rating_count = rating_count + 1, "
                   "score_sum = score_sum + VALUES(score_sum)",
                   "ii", service_id, (int64_t)score);
}

int rating_totals_remove(db_conn *c, int64_t service_id, int score)
{
    /* a rating made before the totals existed (generated data) has nothing to take out */
    return db_exec(c,
                   "UPDATE service_rating_totals SET rating_count = rating_count - 1, "
                   "score_sum = score_sum - ? WHERE service_id = ? AND rating_count > 0 "
                   "AND score_sum >= ?",
                   "iii", (int64_t)score, service_id, (int64_t)score);
}

/* clang-format off */
#define COUNTED_SQL \
    "SELECT r.id, r.service_id, COALESCE(k.id, 0), r.application_no, r.department_code, " \
    "r.service_code, " \
    DAY("r.rated_day") ", r.score, r.excluded_at IS NOT NULL, " \
    "COALESCE(k.status = 'closed', 0), k.visit IS NOT NULL, COALESCE(k.visit = 'satisfied', 0), " \
    "COALESCE(k.status = 'closed' AND k.closed_day > k.deadline, 0) " \
    "FROM ratings r LEFT JOIN rectifications k ON k.rating_id = r.id WHERE r.id = ?"
/* clang-format on */

int rating_counted_by_id(db_conn *c, arena *a, int64_t id, bool for_update, rating_counted *out)
{
    db_rows rows;
    int64_t score = 0, excluded = 0, closed = 0, visited = 0, satisfied = 0, late = 0;
    int rc = db_query(c, &rows, a, for_update ? COUNTED_SQL " FOR UPDATE" : COUNTED_SQL, "i", id);
    rc = db_row_one(&rows, rc, "iiissssiiiiii", &out->id, &out->service_id, &out->case_id,
                    &out->application_no, &out->department_code, &out->service_code,
                    &out->rated_day, &score, &excluded, &closed, &visited, &satisfied, &late);
    out->case_closed_late = late;
    out->score = (int)score;
    out->excluded = excluded;
    out->case_closed = closed;
    out->visited = visited;
    out->visit_satisfied = satisfied;
    return rc;
}

int rating_set_excluded(db_conn *c, int64_t id, const char *reason)
{
    return db_exec_changed(c,
                           "UPDATE ratings SET excluded_at = CURRENT_TIMESTAMP(3), "
                           "excluded_reason = ? WHERE id = ? AND excluded_at IS NULL",
                           "si", reason, id);
}

int rating_final_staff(db_conn *c, arena *a, int64_t application_id, int64_t *staff_id)
{
    *staff_id = 0;
    int rc = db_query_int(c, a, staff_id,
                          "SELECT IF(actor = 'department', COALESCE(actor_id, 0), 0) "
                          "FROM application_events WHERE application_id = ? "
                          "ORDER BY id DESC LIMIT 1",
                          "i", application_id);
    return rc == DB_NOT_FOUND ? DB_OK : rc;
}

/* excluded: the excluded_reason column, or NULL for bundle ratings (never counted) */
#define RATING_FIELDS(excluded)                                                                    \
    "SELECT id, score, COALESCE(efficiency, 0), COALESCE(guide_accuracy, 0), "                     \
    "COALESCE(convenience, 0), COALESCE(usability, 0), tags, comment, channel, " TS(               \
        "rated_at") ", " excluded

/* clang-format off */
static const char sql_of_application[] =
    RATING_FIELDS("IF(excluded_at IS NULL, NULL, COALESCE(excluded_reason, ''))")
    " FROM ratings WHERE application_id = ?";
static const char sql_of_bundle[] = RATING_FIELDS("NULL") " FROM bundle_ratings WHERE bundle_id = ?";
/* clang-format on */

static int rating_read(db_rows *rows, int rc, rating_row *out)
{
    int64_t score, d[RATING_DIMENSIONS];
    rc =
        db_row_one(rows, rc, "iiiiiisssss", &out->id, &score, &d[0], &d[1], &d[2], &d[3],
                   &out->tags, &out->comment, &out->channel, &out->rated_at, &out->excluded_reason);
    if (rc == DB_OK) {
        out->score = (int)score;
        for (int i = 0; i < RATING_DIMENSIONS; i++)
            out->dimensions[i] = (int)d[i];
    }
    return rc;
}

int rating_of_application(db_conn *c, arena *a, int64_t application_id, rating_row *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, sql_of_application, "i", application_id);
    return rating_read(&rows, rc, out);
}

int bundle_rating_insert(db_conn *c, const bundle_rating_new *n, int64_t *id)
{
    const int *d = n->dimensions;
    int rc =
        db_exec(c,
                "INSERT INTO bundle_ratings (bundle_id, bundle_no, citizen_id, "
                "life_event_code, life_event_name, channel, finished_day, score, "
                "efficiency, guide_accuracy, convenience, usability, tags, comment, "
                "rated_day) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), "
                "NULLIF(?, 0), NULLIF(?, 0), ?, ?, ?)",
                "isissssiiiiisss", n->bundle_id, n->bundle_no, n->citizen_id, n->life_event_code,
                n->life_event_name, n->channel, n->finished_day, (int64_t)n->score, (int64_t)d[0],
                (int64_t)d[1], (int64_t)d[2], (int64_t)d[3], n->tags, n->comment, n->rated_day);
    if (rc == DB_OK)
        *id = db_last_insert_id(c);
    return rc;
}

int rating_of_bundle(db_conn *c, arena *a, int64_t bundle_id, rating_row *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, sql_of_bundle, "i", bundle_id);
    return rating_read(&rows, rc, out);
}

int rectification_insert(db_conn *c, const rectification_new *n, int64_t *id)
{
    int rc = db_exec(c,
                     "INSERT INTO rectifications (rating_id, application_id, application_no, "
                     "department_code, org_id, opened_day, deadline) "
                     "VALUES (?, ?, ?, ?, NULLIF(?, 0), ?, ?)",
                     "iississ", n->rating_id, n->application_id, n->application_no,
                     n->department_code, n->org_id, n->opened_day, n->deadline);
    if (rc == DB_OK)
        *id = db_last_insert_id(c);
    return rc;
}

/* clang-format off */
#define CASE_FIELDS \
    "k.id, k.rating_id, COALESCE(k.org_id, 0), k.application_no, k.department_code, k.status, " \
    DAY("k.opened_day") ", " DAY("k.deadline") ", k.verification, k.measure, k.response, " \
    TS("k.closed_at") ", " DAY("k.closed_day") ", k.visit, " TS("k.visited_at") ", " \
    TS("k.created_at") ", r.score, r.comment, r.tags, r.citizen_id, k.application_id"
#define CASE_FROM " FROM rectifications k JOIN ratings r ON r.id = k.rating_id "
/* clang-format on */

static int case_row(db_rows *rows, int rc, rectification_row *o)
{
    int64_t score = 0;
    rc = db_row_one(rows, rc, "iiisssssssssssssissii", &o->id, &o->rating_id, &o->org_id,
                    &o->application_no, &o->department_code, &o->status, &o->opened_day,
                    &o->deadline, &o->verification, &o->measure, &o->response, &o->closed_at,
                    &o->closed_day, &o->visit, &o->visited_at, &o->created_at, &score, &o->comment,
                    &o->tags, &o->citizen_id, &o->application_id);
    o->score = (int)score;
    return rc;
}

int rectification_of_application(db_conn *c, arena *a, int64_t application_id,
                                 rectification_row *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, "SELECT " CASE_FIELDS CASE_FROM "WHERE k.application_id = ?",
                      "i", application_id);
    return case_row(&rows, rc, out);
}

int rectification_by_id(db_conn *c, arena *a, int64_t id, bool for_update, rectification_row *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      for_update ? "SELECT " CASE_FIELDS CASE_FROM "WHERE k.id = ? FOR UPDATE"
                                 : "SELECT " CASE_FIELDS CASE_FROM "WHERE k.id = ?",
                      "i", id);
    return case_row(&rows, rc, out);
}

/* a status, or none: two statements, so that each reads its index in id order (department or
 * organization, status, id; or department or organization, id) without sorting; named, for
 * the optimizer would take (status, deadline) of the statistics' overdue read when few cases
 * are open, and sort them */
#define SQL_LIST(who, keys, status)                                                                \
    "SELECT " CASE_FIELDS " FROM rectifications k USE INDEX (" keys ") "                           \
    "JOIN ratings r ON r.id = k.rating_id WHERE " who " = ? " status "AND k.id < ? "               \
    "ORDER BY k.id DESC LIMIT ?"
#define DEPT_KEYS "rectifications_department, rectifications_department_all"
#define ORG_KEYS "rectifications_org, rectifications_org_all"
#define SQL_LIST_DEPT SQL_LIST("k.department_code", DEPT_KEYS, "AND k.status = ? ")
#define SQL_LIST_DEPT_ALL SQL_LIST("k.department_code", DEPT_KEYS, "")
#define SQL_LIST_ORG SQL_LIST("k.org_id", ORG_KEYS, "AND k.status = ? ")
#define SQL_LIST_ORG_ALL SQL_LIST("k.org_id", ORG_KEYS, "")

int rectification_list(db_conn *c, arena *a, const rectification_query *q, rectification_row *out,
                       size_t *n)
{
    db_rows rows;
    int64_t lim = (int64_t)q->limit;
    int rc;
    if (q->org_id)
        rc = q->status
                 ? db_query(c, &rows, a, SQL_LIST_ORG, "isii", q->org_id, q->status, q->before, lim)
                 : db_query(c, &rows, a, SQL_LIST_ORG_ALL, "iii", q->org_id, q->before, lim);
    else
        rc = q->status ? db_query(c, &rows, a, SQL_LIST_DEPT, "ssii", q->department_code, q->status,
                                  q->before, lim)
                       : db_query(c, &rows, a, SQL_LIST_DEPT_ALL, "sii", q->department_code,
                                  q->before, lim);
    *n = 0;
    if (rc != DB_OK)
        return rc;
    for (;;) {
        rectification_row *o = &out[*n];
        int64_t score = 0;
        rc = db_row_next(&rows, "iiisssssssssssssissii", &o->id, &o->rating_id, &o->org_id,
                         &o->application_no, &o->department_code, &o->status, &o->opened_day,
                         &o->deadline, &o->verification, &o->measure, &o->response, &o->closed_at,
                         &o->closed_day, &o->visit, &o->visited_at, &o->created_at, &score,
                         &o->comment, &o->tags, &o->citizen_id, &o->application_id);
        if (rc <= 0)
            break;
        o->score = (int)score;
        (*n)++;
    }
    return db_rows_done(&rows, rc);
}

int rectification_set_closed(db_conn *c, const rectification_close *k)
{
    return db_exec_changed(c,
                           "UPDATE rectifications SET status = 'closed', verification = ?, "
                           "measure = ?, response = ?, responder = ?, closed_day = ?, "
                           "closed_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND status = 'open'",
                           "sssssi", k->verification, k->measure, k->response, k->responder,
                           k->closed_day, k->id);
}

int rectification_set_visit(db_conn *c, int64_t id, const char *visit)
{
    return db_exec_changed(c,
                           "UPDATE rectifications SET visit = ?, visited_at = CURRENT_TIMESTAMP(3) "
                           "WHERE id = ? AND status = 'closed' AND visit IS NULL",
                           "si", visit, id);
}

int rectification_explain_queries(db_conn *c, arena *a, db_plan_fn fn, void *ctx)
{
    int64_t org = 1, top = INT64_MAX, lim = 21;
    db_rows r;
    int rc = db_explained(
        "rectification cases of a department, open",
        db_query(c, &r, a, DB_EXPLAIN SQL_LIST_DEPT, "ssii", "GA", "open", top, lim), &r, fn, ctx);
    if (rc == DB_OK)
        rc = db_explained("rectification cases of a department, all",
                          db_query(c, &r, a, DB_EXPLAIN SQL_LIST_DEPT_ALL, "sii", "GA", top, lim),
                          &r, fn, ctx);
    if (rc == DB_OK)
        rc =
            db_explained("rectification cases of an organization, open",
                         db_query(c, &r, a, DB_EXPLAIN SQL_LIST_ORG, "isii", org, "open", top, lim),
                         &r, fn, ctx);
    return rc;
}
