#include "db/application_store.h"

#include <string.h>

#include "core/clock.h"

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
    bool delegated = n->org_id != 0;
    int rc = db_exec(
        c,
        "INSERT INTO applications (application_no, query_code_hash, "
        "query_code_enc, citizen_id, service_id, service_code, service_name, "
        "department_code, department_name, handler_type, handler_name, status, "
        "form_enc, materials, due_date, org_id, delegation_id, enterprise_id, "
        "enterprise_credit_code, enterprise_name, enterprise_role, bundle_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?, ?, NULLIF(?, 0), "
        "NULLIF(?, 0), NULLIF(?, 0), ?, ?, ?, NULLIF(?, 0))",
        "sbbiissssssbssiiisssi", n->no, n->code.hash, (size_t)QUERY_CODE_HASH_BYTES, n->code.sealed,
        n->code.sealed_len, n->citizen_id, sv->id, sv->code, sv->name, sv->department_code,
        sv->department_name, delegated ? "organization" : sv->handler_type,
        delegated ? n->org_name : sv->handler_name, n->form_enc, n->form_len, n->materials,
        n->due_date, n->org_id, n->delegation_id, n->enterprise.id, n->enterprise.credit_code,
        n->enterprise.name, n->enterprise.role, n->bundle_id);
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
    ", COALESCE(a.delegation_id, 0), COALESCE(a.enterprise_id, 0), a.enterprise_credit_code, " \
    "a.enterprise_name, a.enterprise_role"

#define SQL_BY_NO "SELECT " APP_FIELDS ", a.timeline FROM applications a WHERE a.application_no = ?"
#define SQL_BY_NO_LOCKED \
    "SELECT " APP_FIELDS ", '' FROM applications a WHERE a.application_no = ? FOR UPDATE"
/* clang-format on */
static const char sql_by_no[] = SQL_BY_NO;
static const char sql_by_no_locked[] = SQL_BY_NO_LOCKED;

#define APP_ROW_TYPES "iiissbbssssssssssssssiissss"
#define APP_ROW_POINTERS(out)                                                                      \
    &(out)->id, &(out)->citizen_id, &(out)->org_id, &(out)->no, &(out)->plain_query_code,          \
        &(out)->code.hash, &hash_len, &(out)->code.sealed, &(out)->code.sealed_len,                \
        &(out)->status, &(out)->result, &(out)->department_code, &(out)->department_name,          \
        &(out)->service_code, &(out)->service_name, &(out)->handler_type, &(out)->handler_name,    \
        &(out)->materials, &(out)->submitted_at, &(out)->updated_at, &(out)->finished_at,          \
        &(out)->due_date, &(out)->paused_on, &(out)->delegation_id, &(out)->enterprise.id,         \
        &(out)->enterprise.credit_code, &(out)->enterprise.name, &(out)->enterprise.role,          \
        &(out)->timeline

int app_by_bundle(db_conn *c, arena *a, int64_t bundle_id, bool for_update, app_row *out,
                  size_t cap, size_t *n)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      for_update ? "SELECT " APP_FIELDS ", '' FROM applications a "
                                   "WHERE a.bundle_id = ? ORDER BY a.id FOR UPDATE"
                                 : "SELECT " APP_FIELDS ", a.timeline FROM applications a "
                                   "WHERE a.bundle_id = ? ORDER BY a.id",
                      "i", bundle_id);
    *n = 0;
    if (rc != DB_OK)
        return rc;
    app_row r;
    size_t hash_len = 0;
    while (*n < cap && (rc = db_row_next(&rows, APP_ROW_TYPES, APP_ROW_POINTERS(&r))) > 0) {
        if (r.code.hash && hash_len != QUERY_CODE_HASH_BYTES)
            r.code.hash = NULL;
        out[(*n)++] = r;
    }
    return db_rows_done(&rows, rc);
}

int app_by_no(db_conn *c, arena *a, const char *no, bool for_update, app_row *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, for_update ? sql_by_no_locked : sql_by_no, "s", no);
    size_t hash_len = 0;
    rc = db_row_one(&rows, rc, APP_ROW_TYPES, APP_ROW_POINTERS(out));
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
/* Times as unix seconds, written out by read_summaries: DATE_FORMAT of a TIMESTAMP (a time
 * zone conversion) cost about a third of the server's time per row of a list. */
#define SUMMARY_FROM(hint) \
    "SELECT a.id, a.application_no, a.status, a.result, a.service_code, a.service_name, " \
    "UNIX_TIMESTAMP(a.submitted_at) DIV 1, UNIX_TIMESTAMP(a.updated_at) DIV 1, " \
    DAY("a.due_date") ", 0 FROM applications a " hint " "

/* Hinted like the queues below: on a citizen with few rows the optimizer may take the
 * status index and sort (seen in the plans of explain-queries). */
#define SQL_CITIZEN_ALL SUMMARY_FROM("FORCE INDEX (applications_citizen)") \
    "WHERE a.citizen_id = ? AND a.id < ? ORDER BY a.id DESC LIMIT ?"
#define SQL_CITIZEN_STATUS SUMMARY_FROM("FORCE INDEX (applications_citizen_status)") \
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
/* The organization's feed, the same columns from its lines: one range of the primary key
 * (org_id, change_seq), or of (org_id, status, change_seq) with a status. */
#define FEED_FROM(hint) \
    "SELECT f.application_id, f.application_no, f.status, f.result, f.service_code, " \
    "f.service_name, UNIX_TIMESTAMP(f.submitted_at) DIV 1, UNIX_TIMESTAMP(f.updated_at) DIV 1, " \
    DAY("f.due_date") ", f.change_seq FROM org_feed_entries f " hint " "
#define SQL_FEED FEED_FROM("FORCE INDEX (PRIMARY)") \
    "WHERE f.org_id = ? AND f.change_seq > ? ORDER BY f.change_seq LIMIT ?"
#define SQL_FEED_STATUS FEED_FROM("FORCE INDEX (org_feed_entries_status)") \
    "WHERE f.org_id = ? AND f.status = ? AND f.change_seq > ? ORDER BY f.change_seq LIMIT ?"
/* clang-format on */

static const char sql_citizen_all[] = SQL_CITIZEN_ALL;
static const char sql_feed[] = SQL_FEED;
static const char sql_feed_status[] = SQL_FEED_STATUS;
static const char sql_citizen_status[] = SQL_CITIZEN_STATUS;
static const char sql_queue_open[] = SQL_QUEUE_OPEN;
static const char sql_queue_status[] = SQL_QUEUE_STATUS;
static const char sql_queue_open_due[] = SQL_QUEUE_OPEN_DUE;
static const char sql_queue_status_due[] = SQL_QUEUE_STATUS_DUE;

/* A unix time as RFC 3339 text from the arena. */
static const char *rfc3339(arena *a, int64_t unix_s)
{
    char *t = arena_alloc(a, CLOCK_RFC3339_BYTES);
    if (t)
        clock_rfc3339(unix_s, t);
    return t;
}

static int read_summaries(db_rows *rows, int limit, app_summary *out, size_t *n)
{
    int rc = 0;
    size_t count = 0;
    while (count < (size_t)limit) {
        app_summary *s = &out[count];
        int64_t submitted, updated;
        rc = db_row_next(rows, "isssssiisi", &s->id, &s->no, &s->status, &s->result,
                         &s->service_code, &s->service_name, &submitted, &updated, &s->due_date,
                         &s->change_seq);
        if (rc <= 0)
            break;
        s->submitted_at = rfc3339(rows->arena, submitted);
        s->updated_at = rfc3339(rows->arena, updated);
        if (!s->submitted_at || !s->updated_at) {
            rc = DB_ERROR;
            break;
        }
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

/* The application's line of its organization's feed, made (a submission) or moved to its new
 * number with the fields a change may have changed. A submission inserts without looking for
 * a line first: a locking read of a missing key would lock a gap, and two submissions each
 * waiting for the other's gap would deadlock. */
static const char sql_entry_insert[] =
    "INSERT INTO org_feed_entries (org_id, change_seq, application_id, application_no, status, "
    "result, service_code, service_name, submitted_at, updated_at, due_date) "
    "SELECT ?, ?, id, application_no, status, result, service_code, service_name, "
    "submitted_at, updated_at, due_date FROM applications WHERE id = ?";
static const char sql_entry_move[] =
    "UPDATE org_feed_entries f JOIN applications a ON a.id = f.application_id "
    "SET f.change_seq = ?, f.status = a.status, f.result = a.result, "
    "f.updated_at = a.updated_at, f.due_date = a.due_date WHERE f.application_id = ?";

int app_feed_touch(db_conn *c, int64_t application_id, int64_t org_id, bool is_new, int64_t *seq)
{
    static const char next[] =
        "UPDATE org_feed SET last_seq = LAST_INSERT_ID(last_seq + 1) WHERE org_id = ?";
    int rc = db_exec_changed(c, next, "i", org_id);
    if (rc == DB_NOT_FOUND) { /* an organization whose counter was never made */
        rc = db_exec(c, "INSERT IGNORE INTO org_feed (org_id) VALUES (?)", "i", org_id);
        if (rc == DB_OK)
            rc = db_exec_changed(c, next, "i", org_id);
    }
    if (rc != DB_OK)
        return rc;
    *seq = db_last_insert_id(c);
    rc = is_new ? DB_NOT_FOUND : db_exec_changed(c, sql_entry_move, "ii", *seq, application_id);
    if (rc == DB_NOT_FOUND) /* new, or a line never made */
        rc = db_exec_changed(c, sql_entry_insert, "iii", org_id, *seq, application_id);
    return rc == DB_NOT_FOUND ? DB_ERROR : rc; /* the application is there: it is locked */
}

int app_feed(db_conn *c, arena *a, const app_feed_query *q, app_summary *out, size_t *n)
{
    db_rows rows;
    int64_t lim = q->limit;
    int rc = q->status ? db_query(c, &rows, a, sql_feed_status, "isii", q->org_id, q->status,
                                  q->after_seq, lim)
                       : db_query(c, &rows, a, sql_feed, "iii", q->org_id, q->after_seq, lim);
    return rc != DB_OK ? rc : read_summaries(&rows, q->limit, out, n);
}

/* The feed's plans with the organization of the highest id that has a feed. */
static int explain_feed(db_conn *c, arena *a, db_plan_fn fn, void *ctx)
{
    int64_t org = 1, lim = 21, after = 0;
    db_rows r;
    int rc =
        db_query(c, &r, a, "SELECT org_id FROM org_feed_entries ORDER BY org_id DESC LIMIT 1", "");
    if (rc == DB_OK)
        rc = db_row_one(&r, rc, "i", &org);
    if (rc == DB_NOT_FOUND)
        rc = DB_OK;
    if (rc == DB_OK)
        rc = db_explained("organization feed",
                          db_query(c, &r, a, DB_EXPLAIN SQL_FEED, "iii", org, after, lim), &r, fn,
                          ctx);
    if (rc == DB_OK)
        rc = db_explained(
            "organization feed by status",
            db_query(c, &r, a, DB_EXPLAIN SQL_FEED_STATUS, "isii", org, "submitted", after, lim),
            &r, fn, ctx);
    return rc;
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
    return rc == DB_OK ? explain_feed(c, a, fn, ctx) : rc;
}
