#include "db/enterprise_store.h"

#include "db/citizen_store.h"

int enterprise_bind(db_conn *c, arena *a, const enterprise_new *e, int64_t *id)
{
    /* Bindings of one citizen queue on the citizen's row: two at once cannot both pass the
     * limit (the unique key keeps one code once). */
    int64_t n = 0;
    int rc = citizen_lock(c, a, e->citizen_id);
    if (rc == DB_OK)
        rc = db_query_int(c, a, &n, "SELECT COUNT(*) FROM citizen_enterprises WHERE citizen_id = ?",
                          "i", e->citizen_id);
    if (rc != DB_OK)
        return rc;
    if (n >= ENTERPRISES_MAX)
        return DB_NOT_FOUND;
    rc = db_exec(c,
                 "INSERT INTO citizen_enterprises (citizen_id, credit_code, name, role, "
                 "verified_by) VALUES (?, ?, ?, ?, ?)",
                 "issss", e->citizen_id, e->credit_code, e->name, e->role, e->verified_by);
    if (rc == DB_OK)
        *id = db_last_insert_id(c);
    return rc;
}

#define ENTERPRISE_COLUMNS                                                                         \
    "id, citizen_id, credit_code, name, role, verified_by, "                                       \
    "DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ') "

int enterprise_get(db_conn *c, arena *a, int64_t citizen_id, int64_t id, enterprise_row *out)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT " ENTERPRISE_COLUMNS
                      "FROM citizen_enterprises WHERE id = ? AND citizen_id = ?",
                      "ii", id, citizen_id);
    return db_row_one(&rows, rc, "iisssss", &out->id, &out->citizen_id, &out->credit_code,
                      &out->name, &out->role, &out->verified_by, &out->created_at);
}

int enterprise_list(db_conn *c, arena *a, int64_t citizen_id, enterprise_row *out, size_t *n)
{
    db_rows rows;
    *n = 0;
    int rc = db_query(c, &rows, a,
                      "SELECT " ENTERPRISE_COLUMNS "FROM citizen_enterprises "
                      "WHERE citizen_id = ? ORDER BY id LIMIT ?",
                      "ii", citizen_id, (int64_t)ENTERPRISES_MAX);
    if (rc != DB_OK)
        return rc;
    enterprise_row *e = &out[0];
    while ((rc = db_row_next(&rows, "iisssss", &e->id, &e->citizen_id, &e->credit_code, &e->name,
                             &e->role, &e->verified_by, &e->created_at)) > 0)
        e = &out[++*n];
    return db_rows_done(&rows, rc);
}

int enterprise_delete(db_conn *c, int64_t citizen_id, int64_t id)
{
    return db_exec_changed(c, "DELETE FROM citizen_enterprises WHERE id = ? AND citizen_id = ?",
                           "ii", id, citizen_id);
}
