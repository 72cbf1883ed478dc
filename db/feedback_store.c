#include "db/feedback_store.h"

#define TS(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"

int feedback_insert(db_conn *c, const feedback_new *n, int64_t *id)
{
    int rc = db_exec(c,
                     "INSERT INTO feedback_tickets (citizen_id, kind, title, body, application_id, "
                     "application_no, service_code, department_code, created_day) "
                     "VALUES (?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?)",
                     "isssissss", n->citizen_id, n->kind, n->title, n->body, n->application_id,
                     n->application_no, n->service_code, n->department_code, n->created_day);
    if (rc == DB_OK)
        *id = db_last_insert_id(c);
    return rc;
}

int feedback_citizen_counts(db_conn *c, arena *a, int64_t citizen_id, const char *day,
                            int64_t *open, int64_t *today)
{
    int64_t locked;
    int rc = db_query_int(c, a, &locked, "SELECT id FROM citizens WHERE id = ? FOR UPDATE", "i",
                          citizen_id);
    if (rc == DB_OK)
        rc = db_query_int(c, a, open,
                          "SELECT COUNT(*) FROM feedback_tickets "
                          "WHERE citizen_id = ? AND status = 'open'",
                          "i", citizen_id);
    if (rc == DB_OK)
        rc = db_query_int(c, a, today,
                          "SELECT COUNT(*) FROM feedback_tickets "
                          "WHERE citizen_id = ? AND created_day = ?",
                          "is", citizen_id, day);
    return rc;
}

int feedback_application_target(db_conn *c, arena *a, int64_t citizen_id, const char *no,
                                int64_t *application_id, const char **department_code)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT id, department_code FROM applications "
                      "WHERE application_no = ? AND citizen_id = ?",
                      "si", no, citizen_id);
    return db_row_one(&rows, rc, "is", application_id, department_code);
}

int feedback_service_department(db_conn *c, arena *a, const char *service_code,
                                const char **department_code)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, "SELECT department_code FROM services WHERE code = ?", "s",
                      service_code);
    return db_row_one(&rows, rc, "s", department_code);
}

int feedback_department_exists(db_conn *c, arena *a, const char *department_code)
{
    int64_t one;
    return db_query_int(c, a, &one, "SELECT 1 FROM departments WHERE code = ?", "s",
                        department_code);
}

#define TICKET_FIELDS                                                                              \
    "id, citizen_id, kind, title, body, application_no, service_code, department_code, "           \
    "status, " TS("created_at") ", " TS("closed_at") ", " TS(                                      \
        "rated_at") ", "                                                                           \
                    "COALESCE(satisfaction, 0) "
#define TICKET_TYPES "iissssssssssi"

static int ticket_next(db_rows *rows, feedback_row *o)
{
    int64_t satisfaction = 0;
    int rc = db_row_next(rows, TICKET_TYPES, &o->id, &o->citizen_id, &o->kind, &o->title, &o->body,
                         &o->application_no, &o->service_code, &o->department_code, &o->status,
                         &o->created_at, &o->closed_at, &o->rated_at, &satisfaction);
    o->satisfaction = (int)satisfaction;
    return rc;
}

int feedback_by_id(db_conn *c, arena *a, int64_t id, bool for_update, feedback_row *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      for_update ? "SELECT " TICKET_FIELDS "FROM feedback_tickets WHERE id = ? "
                                   "FOR UPDATE"
                                 : "SELECT " TICKET_FIELDS "FROM feedback_tickets WHERE id = ?",
                      "i", id);
    if (rc != DB_OK)
        return rc;
    rc = ticket_next(&rows, out);
    db_rows_close(&rows);
    return rc == 1 ? DB_OK : rc == 0 ? DB_NOT_FOUND : rc;
}

static const char sql_of_citizen[] =
    "SELECT " TICKET_FIELDS "FROM feedback_tickets WHERE citizen_id = ? "
    "AND (? IS NULL OR status = ?) AND id < ? ORDER BY id DESC LIMIT ?";
/* the department's queue, and the general one (department_code NULL) for the desk */
#define SQL_QUEUE                                                                                  \
    "SELECT " TICKET_FIELDS "FROM feedback_tickets "                                               \
    "WHERE (department_code = ? OR (? AND department_code IS NULL)) "                              \
    "AND (? IS NULL OR status = ?) AND id < ? ORDER BY id DESC LIMIT ?"
static const char sql_queue[] = SQL_QUEUE;

int feedback_list(db_conn *c, arena *a, const feedback_query *q, feedback_row *out, size_t *n)
{
    db_rows rows;
    int rc = q->citizen_id ? db_query(c, &rows, a, sql_of_citizen, "issii", q->citizen_id,
                                      q->status, q->status, q->before, (int64_t)q->limit)
                           : db_query(c, &rows, a, sql_queue, "sissii", q->department_code,
                                      (int64_t)q->with_general, q->status, q->status, q->before,
                                      (int64_t)q->limit);
    *n = 0;
    if (rc != DB_OK)
        return rc;
    while ((rc = ticket_next(&rows, &out[*n])) > 0)
        (*n)++;
    return db_rows_done(&rows, rc);
}

int feedback_reply_insert(db_conn *c, int64_t ticket_id, int64_t staff_id,
                          const char *department_code, const char *body)
{
    return db_exec(c,
                   "INSERT INTO feedback_replies (ticket_id, staff_id, department_code, body) "
                   "VALUES (?, ?, ?, ?)",
                   "iiss", ticket_id, staff_id, department_code, body);
}

int feedback_has_reply(db_conn *c, arena *a, int64_t ticket_id)
{
    int64_t one;
    return db_query_int(c, a, &one, "SELECT 1 FROM feedback_replies WHERE ticket_id = ? LIMIT 1",
                        "i", ticket_id);
}

int feedback_replies(db_conn *c, arena *a, int64_t ticket_id, feedback_reply *out, size_t max,
                     size_t *n)
{
    db_rows rows;
    int rc =
        db_query(c, &rows, a,
                 "SELECT id, staff_id, department_code, body, " TS(
                     "created_at") " FROM feedback_replies WHERE ticket_id = ? ORDER BY id LIMIT ?",
                 "ii", ticket_id, (int64_t)max);
    *n = 0;
    if (rc != DB_OK)
        return rc;
    for (;;) {
        feedback_reply *o = &out[*n];
        rc = db_row_next(&rows, "iisss", &o->id, &o->staff_id, &o->department_code, &o->body,
                         &o->created_at);
        if (rc <= 0)
            break;
        (*n)++;
    }
    return db_rows_done(&rows, rc);
}

int feedback_set_closed(db_conn *c, int64_t id)
{
    return db_exec_changed(c,
                           "UPDATE feedback_tickets SET status = 'closed', "
                           "closed_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND status = 'open'",
                           "i", id);
}

int feedback_set_satisfaction(db_conn *c, int64_t id, int satisfaction)
{
    return db_exec_changed(c,
                           "UPDATE feedback_tickets SET satisfaction = ?, "
                           "rated_at = CURRENT_TIMESTAMP(3) "
                           "WHERE id = ? AND status = 'closed' AND satisfaction IS NULL",
                           "ii", (int64_t)satisfaction, id);
}

int feedback_explain_queries(db_conn *c, arena *a, db_plan_fn fn, void *ctx)
{
    int64_t top = INT64_MAX, lim = 21;
    const char *any = NULL; /* no status: every ticket */
    db_rows r;
    int rc = db_explained("feedback queue of a department, open",
                          db_query(c, &r, a, DB_EXPLAIN SQL_QUEUE, "sissii", "GA", (int64_t)0,
                                   "open", "open", top, lim),
                          &r, fn, ctx);
    if (rc == DB_OK)
        rc = db_explained("feedback queue of the desk with the general one, all",
                          db_query(c, &r, a, DB_EXPLAIN SQL_QUEUE, "sissii", "GA", (int64_t)1, any,
                                   any, top, lim),
                          &r, fn, ctx);
    return rc;
}
