#include "db/enterprise_store.h"

int enterprise_insert(db_conn *c, int64_t citizen_id, const char *credit_code, const char *name,
                      const char *role, const char *verified_by, int64_t *id)
{
    /* The count and the insert in one statement (the limit is a guard against abuse). */
    int rc = db_exec_changed(c,
                             "INSERT INTO citizen_enterprises "
                             "(citizen_id, credit_code, name, role, verified_by) "
                             "SELECT ?, ?, ?, ?, ? FROM DUAL WHERE (SELECT COUNT(*) FROM "
                             "citizen_enterprises WHERE citizen_id = ?) < ?",
                             "issssii", citizen_id, credit_code, name, role, verified_by,
                             citizen_id, (int64_t)ENTERPRISES_MAX);
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
