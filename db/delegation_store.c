#include "db/delegation_store.h"

#define TS(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"
#define DAY(col) "DATE_FORMAT(" col ", '%Y-%m-%d')"

int delegation_lock_service(db_conn *c, arena *a, const char *code, delegation_service *out)
{
    db_rows rows;
    int64_t retired = 0;
    int rc = db_query(c, &rows, a,
                      "SELECT id, code, name, department_code, retired_at IS NOT NULL "
                      "FROM services WHERE code = ? FOR UPDATE",
                      "s", code);
    rc = db_row_one(&rows, rc, "isssi", &out->id, &out->code, &out->name, &out->department_code,
                    &retired);
    out->retired = retired != 0;
    return rc;
}

int delegation_org_name(db_conn *c, arena *a, int64_t org_id, const char **name)
{
    db_rows rows;
    int rc =
        db_query(c, &rows, a, "SELECT name FROM organizations WHERE id = ? AND disabled_at IS NULL",
                 "i", org_id);
    return db_row_one(&rows, rc, "s", name);
}

int delegation_overlaps(db_conn *c, arena *a, int64_t service_id, const char *from, const char *to,
                        int64_t *count)
{
    return db_query_int(c, a, count,
                        "SELECT COUNT(*) FROM delegations WHERE service_id = ? AND valid_to >= ? "
                        "AND valid_from <= ? AND revoked_at IS NULL",
                        "iss", service_id, from, to);
}

int delegation_insert(db_conn *c, const delegation_new *d, int64_t *id)
{
    int rc = db_exec(c,
                     "INSERT INTO delegations (service_id, org_id, department_code, valid_from, "
                     "valid_to, created_by) VALUES (?, ?, ?, ?, ?, ?)",
                     "iissss", d->service_id, d->org_id, d->department_code, d->from, d->to,
                     d->created_by);
    if (rc == DB_OK)
        *id = db_last_insert_id(c);
    return rc;
}

/* clang-format off */
/* hint: the lists name their index (on few organizations the optimizer would rather read
 * them all and sort, explain-queries) */
#define DELEGATION_FROM_HINT(hint) \
    "SELECT g.id, g.service_id, g.org_id, s.code, s.name, g.department_code, o.name, " \
    DAY("g.valid_from") ", " DAY("g.valid_to") ", " TS("g.created_at") ", " \
    TS("g.revoked_at") ", g.created_by FROM delegations g " hint " " \
    "JOIN services s ON s.id = g.service_id JOIN organizations o ON o.id = g.org_id "
#define DELEGATION_FROM DELEGATION_FROM_HINT("")
#define SQL_BY_ID DELEGATION_FROM "WHERE g.id = ?"
#define SQL_BY_ID_LOCKED DELEGATION_FROM "WHERE g.id = ? FOR UPDATE"
/* newest first: one backward range of (department_code, id) */
#define SQL_OF_DEPARTMENT DELEGATION_FROM_HINT("FORCE INDEX (delegations_department)") \
    "WHERE g.department_code = ? AND g.id < ? ORDER BY g.id DESC LIMIT ?"
/* the ones still to come or in force, those ending first first: one range of
 * (org_id, valid_to, id) */
#define SQL_OF_ORG DELEGATION_FROM_HINT("FORCE INDEX (delegations_org)") \
    "WHERE g.org_id = ? AND g.valid_to >= ? AND g.revoked_at IS NULL " \
    "AND (g.valid_to > ? OR (g.valid_to = ? AND g.id > ?)) ORDER BY g.valid_to, g.id LIMIT ?"
/* the service's row first, then the delegation's: the order in which a new delegation takes
 * them too (delegation_lock_service, then its insert), so the two never wait on each other
 * in a cycle */
#define SQL_IN_FORCE \
    "SELECT COALESCE(g.id, 0), COALESCE(g.org_id, 0), o.name FROM services s " \
    "LEFT JOIN delegations g ON g.service_id = s.id AND g.valid_to >= ? AND g.valid_from <= ? " \
    "AND g.revoked_at IS NULL " \
    "LEFT JOIN organizations o ON o.id = g.org_id AND o.disabled_at IS NULL " \
    "WHERE s.id = ? LIMIT 1 LOCK IN SHARE MODE"
/* clang-format on */
static const char sql_by_id[] = SQL_BY_ID;
static const char sql_by_id_locked[] = SQL_BY_ID_LOCKED;
static const char sql_of_department[] = SQL_OF_DEPARTMENT;
static const char sql_of_org[] = SQL_OF_ORG;
static const char sql_in_force[] = SQL_IN_FORCE;

static int read_row(db_rows *rows, delegation_row *d)
{
    return db_row_next(rows, "iiisssssssss", &d->id, &d->service_id, &d->org_id, &d->service_code,
                       &d->service_name, &d->department_code, &d->org_name, &d->from, &d->to,
                       &d->created_at, &d->revoked_at, &d->created_by);
}

int delegation_by_id(db_conn *c, arena *a, int64_t id, bool for_update, delegation_row *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, for_update ? sql_by_id_locked : sql_by_id, "i", id);
    if (rc != DB_OK)
        return rc;
    rc = read_row(&rows, out);
    db_rows_close(&rows);
    return rc < 0 ? rc : rc == 1 ? DB_OK : DB_NOT_FOUND;
}

int delegation_set_revoked(db_conn *c, int64_t id, const char *by)
{
    return db_exec_changed(c,
                           "UPDATE delegations SET revoked_at = CURRENT_TIMESTAMP(3), "
                           "revoked_by = ? WHERE id = ? AND revoked_at IS NULL",
                           "si", by, id);
}

static int read_list(db_rows *rows, int limit, delegation_row *out, size_t *n)
{
    int rc = 0;
    size_t count = 0;
    while (count < (size_t)limit && (rc = read_row(rows, &out[count])) > 0)
        count++;
    *n = count;
    return db_rows_done(rows, rc);
}

int delegation_list_of_department(db_conn *c, arena *a, const char *department_code, int64_t before,
                                  int limit, delegation_row *out, size_t *n)
{
    db_rows rows;
    int rc =
        db_query(c, &rows, a, sql_of_department, "sii", department_code, before, (int64_t)limit);
    return rc != DB_OK ? rc : read_list(&rows, limit, out, n);
}

int delegation_list_of_org(db_conn *c, arena *a, int64_t org_id, const char *today,
                           const char *after_to, int64_t after_id, int limit, delegation_row *out,
                           size_t *n)
{
    const char *to = after_to ? after_to : "1000-01-01";
    db_rows rows;
    int rc = db_query(c, &rows, a, sql_of_org, "isssii", org_id, today, to, to, after_id,
                      (int64_t)limit);
    return rc != DB_OK ? rc : read_list(&rows, limit, out, n);
}

int delegation_in_force_locked(db_conn *c, arena *a, int64_t service_id, const char *today,
                               int64_t *delegation_id, int64_t *org_id, const char **org_name)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, sql_in_force, "ssi", today, today, service_id);
    *org_name = NULL;
    rc = db_row_one(&rows, rc, "iis", delegation_id, org_id, org_name);
    if (rc == DB_OK && !*org_name) /* none in force, or its organization is disabled */
        *delegation_id = *org_id = 0;
    return rc;
}

int delegation_is_revoked(db_conn *c, arena *a, int64_t id, bool *revoked)
{
    int64_t r = 0;
    int rc = db_query_int(c, a, &r, "SELECT revoked_at IS NOT NULL FROM delegations WHERE id = ?",
                          "i", id);
    *revoked = r != 0;
    return rc;
}

int delegation_explain_queries(db_conn *c, arena *a, db_plan_fn fn, void *ctx)
{
    const char *dept = "GA", *day = "2026-01-01";
    int64_t org = 1, service = 1, lim = 21, top = INT64_MAX;
    db_rows r;
    /* the newest delegation's values, so that the plans are those of a real lookup */
    int rc = db_query(c, &r, a,
                      "SELECT department_code, org_id, service_id FROM delegations "
                      "ORDER BY id DESC LIMIT 1",
                      "");
    if (rc == DB_OK)
        rc = db_row_one(&r, rc, "sii", &dept, &org, &service);
    if (rc == DB_NOT_FOUND)
        rc = DB_OK;
    if (rc == DB_OK)
        rc = db_explained("delegations of a department",
                          db_query(c, &r, a, DB_EXPLAIN SQL_OF_DEPARTMENT, "sii", dept, top, lim),
                          &r, fn, ctx);
    if (rc == DB_OK)
        rc = db_explained("services delegated to an organization",
                          db_query(c, &r, a, DB_EXPLAIN SQL_OF_ORG, "isssii", org, day, day, day,
                                   (int64_t)0, lim),
                          &r, fn, ctx);
    if (rc == DB_OK)
        rc = db_explained("delegation in force for a submission",
                          db_query(c, &r, a, DB_EXPLAIN SQL_IN_FORCE, "ssi", day, day, service), &r,
                          fn, ctx);
    return rc;
}
