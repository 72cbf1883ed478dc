#include "db/life_event_store.h"

#include <string.h>

#include "db/catalog_import.h"

static int replace_services(db_conn *c, int64_t id, const life_event_row_new *r)
{
    int rc = db_exec(c, "DELETE FROM life_event_services WHERE life_event_id = ?", "i", id);
    for (size_t i = 0; i < r->n_services && rc == DB_OK; i++)
        rc = db_exec(c,
                     "INSERT INTO life_event_services (life_event_id, position, service_code, "
                     "required, condition_code) VALUES (?, ?, ?, ?, ?)",
                     "iisis", id, (int64_t)i, r->service_codes[i], (int64_t)r->required[i],
                     r->conditions[i]);
    return rc;
}

/* One bundle of the file: inserted, updated (restored), or left as it is. */
static int apply(db_conn *c, arena *a, const life_event_row_new *r, size_t position,
                 life_event_import_report *rep)
{
    db_rows rows;
    int64_t id = 0, retired = 0;
    const void *hash = NULL;
    size_t hash_len = 0;
    int rc = db_query(c, &rows, a,
                      "SELECT id, content_hash, retired_at IS NOT NULL FROM life_events "
                      "WHERE code = ? FOR UPDATE",
                      "s", r->code);
    rc = db_row_one(&rows, rc, "ibi", &id, &hash, &hash_len, &retired);
    if (rc == DB_NOT_FOUND) {
        rep->created++;
        rc = db_exec(c,
                     "INSERT INTO life_events (code, name, lead_department_code, position, "
                     "definition, content_hash) VALUES (?, ?, ?, ?, ?, ?)",
                     "sssisb", r->code, r->name, r->lead_department_code, (int64_t)position,
                     r->definition, r->hash, (size_t)32);
        return rc == DB_OK ? replace_services(c, db_last_insert_id(c), r) : rc;
    }
    if (rc != DB_OK)
        return rc;
    bool same = hash_len == 32 && memcmp(hash, r->hash, 32) == 0;
    if (same && !retired) {
        rep->unchanged++;
        return db_exec(c, "UPDATE life_events SET position = ? WHERE id = ?", "ii",
                       (int64_t)position, id);
    }
    if (retired)
        rep->restored++;
    else
        rep->updated++;
    rc = db_exec(c,
                 "UPDATE life_events SET name = ?, lead_department_code = ?, position = ?, "
                 "definition = ?, content_hash = ?, retired_at = NULL, "
                 "updated_at = CURRENT_TIMESTAMP(3) WHERE id = ?",
                 "ssisbi", r->name, r->lead_department_code, (int64_t)position, r->definition,
                 r->hash, (size_t)32, id);
    return rc == DB_OK ? replace_services(c, id, r) : rc;
}

static bool in_file(const life_event_row_new *rows, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].code, code) == 0)
            return true;
    return false;
}

static int retire_missing(db_conn *c, arena *a, const life_event_row_new *rows, size_t n,
                          life_event_import_report *rep)
{
    db_rows list;
    int rc = db_query(c, &list, a,
                      "SELECT id, code FROM life_events WHERE retired_at IS NULL FOR UPDATE", "");
    if (rc != DB_OK)
        return rc;
    int64_t ids[512];
    size_t k = 0;
    int64_t id;
    const char *code;
    while ((rc = db_row_next(&list, "is", &id, &code)) > 0)
        if (!in_file(rows, n, code) && k < sizeof ids / sizeof ids[0])
            ids[k++] = id;
    rc = db_rows_done(&list, rc);
    for (size_t i = 0; i < k && rc == DB_OK; i++) {
        rc = db_exec(c, "UPDATE life_events SET retired_at = CURRENT_TIMESTAMP(3) WHERE id = ?",
                     "i", ids[i]);
        rep->retired++;
    }
    return rc;
}

int life_event_import(db_conn *c, arena *a, const life_event_row_new *rows, size_t n,
                      life_event_import_report *report)
{
    memset(report, 0, sizeof *report);
    int rc = db_begin(c);
    for (size_t i = 0; i < n && rc == DB_OK; i++)
        rc = apply(c, a, &rows[i], i, report);
    if (rc == DB_OK)
        rc = retire_missing(c, a, rows, n, report);
    /* every worker's search index lists the bundles: rebuild it, but only for a change (the
     * stack imports the file at each start) */
    bool changed = report->created || report->updated || report->restored || report->retired;
    if (rc == DB_OK && changed)
        rc = catalog_bump_version(c);
    if (rc == DB_OK)
        rc = db_commit(c);
    else
        db_rollback(c);
    return rc;
}

#define LIFE_EVENT_FIELDS                                                                          \
    "SELECT e.id, e.code, e.name, e.lead_department_code, d.name, e.definition "                   \
    "FROM life_events e JOIN departments d ON d.code = e.lead_department_code "

int life_event_list(db_conn *c, arena *a, life_event_row *out, size_t cap, size_t *n)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      LIFE_EVENT_FIELDS "WHERE e.retired_at IS NULL ORDER BY e.position, e.id", "");
    *n = 0;
    if (rc != DB_OK)
        return rc;
    life_event_row r;
    while (*n < cap &&
           (rc = db_row_next(&rows, "isssss", &r.id, &r.code, &r.name, &r.lead_department_code,
                             &r.lead_department_name, &r.definition)) > 0)
        out[(*n)++] = r;
    return db_rows_done(&rows, rc);
}

int life_event_by_code(db_conn *c, arena *a, const char *code, life_event_row *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, LIFE_EVENT_FIELDS "WHERE e.code = ? AND e.retired_at IS NULL",
                      "s", code);
    return db_row_one(&rows, rc, "isssss", &out->id, &out->code, &out->name,
                      &out->lead_department_code, &out->lead_department_name, &out->definition);
}

int life_event_parts(db_conn *c, arena *a, int64_t life_event_id, life_event_part *out, size_t cap,
                     size_t *n)
{
    db_rows rows;
    int rc =
        db_query(c, &rows, a,
                 "SELECT s.id, s.code, s.name, s.department_code, d.name, s.promised_days, "
                 "s.handled_by_type, COALESCE(s.handled_by_name, d.name), s.min_assurance_level, "
                 "s.audience, s.form_schema, s.materials, l.required, l.condition_code "
                 "FROM life_event_services l JOIN services s ON s.code = l.service_code "
                 "JOIN departments d ON d.code = s.department_code "
                 "WHERE l.life_event_id = ? AND s.retired_at IS NULL ORDER BY l.position",
                 "i", life_event_id);
    *n = 0;
    if (rc != DB_OK)
        return rc;
    life_event_part p;
    int64_t required;
    while (*n < cap && (rc = db_row_next(&rows, "issssississsis", &p.service.id, &p.service.code,
                                         &p.service.name, &p.service.department_code,
                                         &p.service.department_name, &p.service.promised_days,
                                         &p.service.handler_type, &p.service.handler_name,
                                         &p.service.min_assurance_level, &p.service.audience,
                                         &p.service.form_schema, &p.service.materials, &required,
                                         &p.condition)) > 0) {
        p.required = required != 0;
        out[(*n)++] = p;
    }
    return db_rows_done(&rows, rc);
}

int life_events_of_service(db_conn *c, arena *a, const char *service_code, life_event_ref *out,
                           size_t cap, size_t *n)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT e.code, e.name FROM life_event_services l "
                      "JOIN life_events e ON e.id = l.life_event_id "
                      "WHERE l.service_code = ? AND e.retired_at IS NULL ORDER BY e.position",
                      "s", service_code);
    *n = 0;
    if (rc != DB_OK)
        return rc;
    life_event_ref r;
    while (*n < cap && (rc = db_row_next(&rows, "ss", &r.code, &r.name)) > 0)
        out[(*n)++] = r;
    return db_rows_done(&rows, rc);
}

int life_event_each_member(db_conn *c, arena *a, life_event_member_fn fn, void *ctx)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT e.code, e.name, "
                      "IF(JSON_TYPE(JSON_EXTRACT(e.definition, '$.name_en')) = 'STRING', "
                      "JSON_VALUE(e.definition, '$.name_en'), NULL), l.service_code "
                      "FROM life_events e LEFT JOIN life_event_services l "
                      "ON l.life_event_id = e.id WHERE e.retired_at IS NULL "
                      "ORDER BY e.position, e.id, l.position",
                      "");
    if (rc != DB_OK)
        return rc;
    life_event_member m;
    while ((rc = db_row_next(&rows, "ssss", &m.code, &m.name, &m.name_en, &m.service_code)) > 0)
        if (fn(&m, ctx) != 0) {
            rc = DB_ERROR;
            break;
        }
    return db_rows_done(&rows, rc);
}
