#include "db/application_store.h"

#include <string.h>

#define TS(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"
#define DAY(col) "DATE_FORMAT(" col ", '%Y-%m-%d')"

#define SQL_SERVICE                                                                                \
    "SELECT s.id, s.code, s.name, s.department_code, d.name, s.promised_days, s.handled_by_type, " \
    "COALESCE(s.handled_by_name, d.name), s.min_assurance_level, s.audience, s.form_schema, "      \
    "s.materials FROM services s "                                                                 \
    "JOIN departments d ON d.code = s.department_code "                                            \
    "WHERE s.code = ? AND s.retired_at IS NULL"
static const char sql_service[] = SQL_SERVICE;

int app_service_active(db_conn *c, arena *a, const char *code, app_service *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, sql_service, "s", code);
    return db_row_one(&rows, rc, "issssississs", &out->id, &out->code, &out->name,
                      &out->department_code, &out->department_name, &out->promised_days,
                      &out->handler_type, &out->handler_name, &out->min_assurance_level,
                      &out->audience, &out->form_schema, &out->materials);
}

int app_insert(db_conn *c, const app_new *n, int64_t *id)
{
    const app_service *sv = n->service;
    int rc = db_exec(c,
                     "INSERT INTO applications (application_no, query_code_hash, "
                     "query_code_enc, citizen_id, service_id, service_code, service_name, "
                     "department_code, department_name, handler_type, handler_name, status, "
                     "form_enc, materials, due_date, enterprise_id, enterprise_credit_code, "
                     "enterprise_name, enterprise_role) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?, ?, "
                     "NULLIF(?, 0), ?, ?, ?)",
                     "sbbiissssssbssisss", n->no, n->code.hash, (size_t)QUERY_CODE_HASH_BYTES,
                     n->code.sealed, n->code.sealed_len, n->citizen_id, sv->id, sv->code, sv->name,
                     sv->department_code, sv->department_name, sv->handler_type, sv->handler_name,
                     n->form_enc, n->form_len, n->materials, n->due_date, n->enterprise.id,
                     n->enterprise.credit_code, n->enterprise.name, n->enterprise.role);
    if (rc == DB_OK)
        *id = db_last_insert_id(c);
    return rc;
}

int app_submitted_at(db_conn *c, arena *a, int64_t id, const char **out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, "SELECT " TS("submitted_at") " FROM applications WHERE id = ?",
                      "i", id);
    return db_row_one(&rows, rc, "s", out);
}

/* clang-format off */
#define APP_FIELDS \
    "a.id, a.citizen_id, COALESCE(a.org_id, 0), a.application_no, a.query_code, " \
    "a.query_code_hash, a.query_code_enc, a.status, " \
    "a.result, a.department_code, a.department_name, a.service_code, a.service_name, " \
    "a.handler_type, a.handler_name, a.materials, " TS("a.submitted_at") ", " \
    TS("a.updated_at") ", " TS("a.finished_at") ", " DAY("a.due_date") ", " DAY("a.paused_on") \
    ", COALESCE(a.enterprise_id, 0), a.enterprise_credit_code, a.enterprise_name, a.enterprise_role"

#define SQL_BY_NO "SELECT " APP_FIELDS ", a.timeline FROM applications a WHERE a.application_no = ?"
#define SQL_BY_NO_LOCKED \
    "SELECT " APP_FIELDS ", '' FROM applications a WHERE a.application_no = ? FOR UPDATE"
/* clang-format on */
static const char sql_by_no[] = SQL_BY_NO;
static const char sql_by_no_locked[] = SQL_BY_NO_LOCKED;

int app_by_no(db_conn *c, arena *a, const char *no, bool for_update, app_row *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, for_update ? sql_by_no_locked : sql_by_no, "s", no);
    size_t hash_len = 0;
    rc = db_row_one(&rows, rc, "iiissbbssssssssssssssissss", &out->id, &out->citizen_id,
                    &out->org_id, &out->no, &out->plain_query_code, &out->code.hash, &hash_len,
                    &out->code.sealed, &out->code.sealed_len, &out->status, &out->result,
                    &out->department_code, &out->department_name, &out->service_code,
                    &out->service_name, &out->handler_type, &out->handler_name, &out->materials,
                    &out->submitted_at, &out->updated_at, &out->finished_at, &out->due_date,
                    &out->paused_on, &out->enterprise.id, &out->enterprise.credit_code,
                    &out->enterprise.name, &out->enterprise.role, &out->timeline);
    if (rc == DB_OK && out->code.hash && hash_len != QUERY_CODE_HASH_BYTES)
        out->code.hash = NULL; /* not a hash of ours: no code matches */
    return rc;
}

int app_service_materials(db_conn *c, arena *a, const char *code, const char **materials)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, "SELECT materials FROM services WHERE code = ?", "s", code);
    return db_row_one(&rows, rc, "s", materials);
}

int app_set_materials(db_conn *c, int64_t id, const char *materials)
{
    return db_exec(c, "UPDATE applications SET materials = ? WHERE id = ?", "si", materials, id);
}

int app_plain_code_count(db_conn *c, arena *a, int64_t *n)
{
    return db_query_int(c, a, n, "SELECT COUNT(*) FROM applications WHERE query_code IS NOT NULL",
                        "");
}

int app_plain_codes(db_conn *c, arena *a, int limit,
                    void (*fn)(int64_t id, const char *no, const char *code, void *ctx), void *ctx)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT id, application_no, query_code FROM applications "
                      "WHERE query_code IS NOT NULL ORDER BY query_code LIMIT ?",
                      "i", (int64_t)limit);
    if (rc != DB_OK)
        return rc;
    int64_t id;
    const char *no, *code;
    while ((rc = db_row_next(&rows, "iss", &id, &no, &code)) > 0)
        fn(id, no, code, ctx);
    return db_rows_done(&rows, rc);
}

int app_code_convert(db_conn *c, int64_t id, const char *plain, const app_query_code *code)
{
    return db_exec_changed(c,
                           "UPDATE applications SET query_code = NULL, query_code_hash = ?, "
                           "query_code_enc = ? WHERE id = ? AND query_code = ?",
                           "bbis", code->hash, (size_t)QUERY_CODE_HASH_BYTES, code->sealed,
                           code->sealed_len, id, plain);
}

int app_form(db_conn *c, arena *a, int64_t id, const void **form_enc, size_t *len)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, "SELECT form_enc FROM applications WHERE id = ?", "i", id);
    return db_row_one(&rows, rc, "b", form_enc, len);
}

int app_update(db_conn *c, const app_change *ch)
{
    return db_exec(c,
                   "UPDATE applications SET status = ?, result = ?, due_date = ?, "
                   "paused_on = ?, materials = COALESCE(?, materials), is_open = ?, "
                   "finished_at = IF(?, CURRENT_TIMESTAMP(3), NULL), "
                   "updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?",
                   "sssssiii", ch->status, ch->result, ch->due_date, ch->paused_on, ch->materials,
                   (int64_t)!ch->final, (int64_t)ch->final, ch->id);
}

/* Right after the event's insert: the same time as its row (LAST_INSERT_ID() is that row on
 * this connection). The projection keeps at most TIMELINE_MAX events (a runaway loop of
 * supplements cannot grow a row without bound); application_events keeps them all. */
static int append_to_timeline(db_conn *c, const app_event *e)
{
    return db_exec(c,
                   "UPDATE applications SET timeline = JSON_ARRAY_APPEND(timeline, '$', "
                   "JSON_OBJECT('status', ?, 'result', ?, 'note', ?, 'actor', ?, "
                   "'actor_name', ?, 'at', (SELECT DATE_FORMAT(e.created_at, "
                   "'%Y-%m-%dT%H:%i:%sZ') FROM application_events e "
                   "WHERE e.id = LAST_INSERT_ID()))) "
                   "WHERE id = ? AND JSON_LENGTH(timeline) < ?",
                   "sssssii", e->status, e->result, e->note, e->actor, e->actor_name,
                   e->application_id, (int64_t)TIMELINE_MAX);
}

int app_event_insert(db_conn *c, const app_event *e)
{
    int rc = db_exec(c,
                     "INSERT INTO application_events (application_id, status, result, note, "
                     "materials, actor, actor_id, actor_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     "isssssis", e->application_id, e->status, e->result, e->note, e->materials,
                     e->actor, e->actor_id, e->actor_name);
    return rc == DB_OK ? append_to_timeline(c, e) : rc;
}

/* clang-format off */
#define SUMMARY_FROM(hint) \
    "SELECT a.id, a.application_no, a.status, a.result, a.service_code, a.service_name, " \
    TS("a.submitted_at") ", " TS("a.updated_at") ", " DAY("a.due_date") \
    " FROM applications a " hint " "

#define SQL_CITIZEN_ALL SUMMARY_FROM("") \
    "WHERE a.citizen_id = ? AND a.id < ? ORDER BY a.id DESC LIMIT ?"
#define SQL_CITIZEN_STATUS SUMMARY_FROM("") \
    "WHERE a.citizen_id = ? AND a.status = ? AND a.id < ? ORDER BY a.id DESC LIMIT ?"
/* A queue is read in the order of its index; the hints keep the optimizer from picking
 * another index and sorting when a status has few rows (a plan that sorts would read a
 * whole department once the status is common). */
#define SQL_QUEUE_OPEN SUMMARY_FROM("FORCE INDEX (applications_dept_open)") \
    "WHERE a.department_code = ? AND a.is_open = 1 AND a.id > ? ORDER BY a.id LIMIT ?"
#define SQL_QUEUE_STATUS SUMMARY_FROM("FORCE INDEX (applications_dept_status)") \
    "WHERE a.department_code = ? AND a.status = ? AND a.id > ? ORDER BY a.id LIMIT ?"
#define SQL_QUEUE_OPEN_DUE SUMMARY_FROM("FORCE INDEX (applications_dept_open_due)") \
    "WHERE a.department_code = ? AND a.is_open = 1 " \
    "AND (a.due_date > ? OR (a.due_date = ? AND a.id > ?)) ORDER BY a.due_date, a.id LIMIT ?"
#define SQL_QUEUE_STATUS_DUE SUMMARY_FROM("FORCE INDEX (applications_dept_status_due)") \
    "WHERE a.department_code = ? AND a.status = ? " \
    "AND (a.due_date > ? OR (a.due_date = ? AND a.id > ?)) ORDER BY a.due_date, a.id LIMIT ?"
/* clang-format on */

static const char sql_citizen_all[] = SQL_CITIZEN_ALL;
static const char sql_citizen_status[] = SQL_CITIZEN_STATUS;
static const char sql_queue_open[] = SQL_QUEUE_OPEN;
static const char sql_queue_status[] = SQL_QUEUE_STATUS;
static const char sql_queue_open_due[] = SQL_QUEUE_OPEN_DUE;
static const char sql_queue_status_due[] = SQL_QUEUE_STATUS_DUE;

static int read_summaries(db_rows *rows, int limit, app_summary *out, size_t *n)
{
    int rc = 0;
    size_t count = 0;
    while (count < (size_t)limit) {
        app_summary *s = &out[count];
        rc =
            db_row_next(rows, "issssssss", &s->id, &s->no, &s->status, &s->result, &s->service_code,
                        &s->service_name, &s->submitted_at, &s->updated_at, &s->due_date);
        if (rc <= 0)
            break;
        count++;
    }
    *n = count;
    return db_rows_done(rows, rc);
}

int app_list_of_citizen(db_conn *c, arena *a, int64_t citizen_id, const char *status,
                        int64_t before, int limit, app_summary *out, size_t *n)
{
    db_rows rows;
    int rc =
        status ? db_query(c, &rows, a, sql_citizen_status, "isii", citizen_id, status, before,
                          (int64_t)limit)
               : db_query(c, &rows, a, sql_citizen_all, "iii", citizen_id, before, (int64_t)limit);
    return rc != DB_OK ? rc : read_summaries(&rows, limit, out, n);
}

int app_queue(db_conn *c, arena *a, const app_queue_query *q, app_summary *out, size_t *n)
{
    db_rows rows;
    int64_t lim = q->limit;
    const char *due = q->after_due ? q->after_due : "1000-01-01";
    int rc;
    if (q->by_due)
        rc = q->status ? db_query(c, &rows, a, sql_queue_status_due, "ssssii", q->department_code,
                                  q->status, due, due, q->after_id, lim)
                       : db_query(c, &rows, a, sql_queue_open_due, "sssii", q->department_code, due,
                                  due, q->after_id, lim);
    else
        rc = q->status ? db_query(c, &rows, a, sql_queue_status, "ssii", q->department_code,
                                  q->status, q->after_id, lim)
                       : db_query(c, &rows, a, sql_queue_open, "sii", q->department_code,
                                  q->after_id, lim);
    return rc != DB_OK ? rc : read_summaries(&rows, q->limit, out, n);
}

int app_explain_queries(db_conn *c, arena *a, db_plan_fn fn, void *ctx)
{
    const char *no = "20261128-00000-00000", *d = "2026-01-01", *dept = "GA";
    int64_t top = INT64_MAX, lim = 21, id = 0, citizen = 1; /* id: read, not used */
    db_rows r;
    /* the newest application's values, so that the plans are those of a real lookup */
    int rc = db_query(c, &r, a,
                      "SELECT application_no, id, citizen_id, department_code FROM applications "
                      "ORDER BY id DESC LIMIT 1",
                      "");
    if (rc != DB_OK)
        return rc;
    rc = db_row_one(&r, rc, "siis", &no, &id, &citizen, &dept);
    if (rc == DB_NOT_FOUND)
        rc = DB_OK; /* an empty table: the sample values above */
    if (rc != DB_OK)
        return rc;
    rc = db_explained("service for submission",
                      db_query(c, &r, a, DB_EXPLAIN SQL_SERVICE, "s", "GA-GG-001"), &r, fn, ctx);
    if (rc == DB_OK)
        rc = db_explained("application by number",
                          db_query(c, &r, a, DB_EXPLAIN SQL_BY_NO, "s", no), &r, fn, ctx);
    if (rc == DB_OK)
        rc = db_explained("application by number, locked",
                          db_query(c, &r, a, DB_EXPLAIN SQL_BY_NO_LOCKED, "s", no), &r, fn, ctx);
    if (rc == DB_OK)
        rc = db_explained("citizen list",
                          db_query(c, &r, a, DB_EXPLAIN SQL_CITIZEN_ALL, "iii", citizen, top, lim),
                          &r, fn, ctx);
    if (rc == DB_OK)
        rc = db_explained("citizen list by status",
                          db_query(c, &r, a, DB_EXPLAIN SQL_CITIZEN_STATUS, "isii", citizen,
                                   "submitted", top, lim),
                          &r, fn, ctx);
    if (rc == DB_OK)
        rc = db_explained(
            "queue: open, oldest first",
            db_query(c, &r, a, DB_EXPLAIN SQL_QUEUE_OPEN, "sii", dept, (int64_t)0, lim), &r, fn,
            ctx);
    if (rc == DB_OK)
        rc = db_explained("queue: by status, oldest first",
                          db_query(c, &r, a, DB_EXPLAIN SQL_QUEUE_STATUS, "ssii", dept, "submitted",
                                   (int64_t)0, lim),
                          &r, fn, ctx);
    if (rc == DB_OK)
        rc = db_explained(
            "queue: open, by due date",
            db_query(c, &r, a, DB_EXPLAIN SQL_QUEUE_OPEN_DUE, "sssii", dept, d, d, (int64_t)0, lim),
            &r, fn, ctx);
    if (rc == DB_OK)
        rc = db_explained("queue: by status, by due date",
                          db_query(c, &r, a, DB_EXPLAIN SQL_QUEUE_STATUS_DUE, "ssssii", dept,
                                   "accepted", d, d, (int64_t)0, lim),
                          &r, fn, ctx);
    return rc;
}
