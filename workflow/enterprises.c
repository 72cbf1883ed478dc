#include "workflow/enterprises.h"

int enterprises_bind(db_conn *c, arena *a, const enterprise_new *e, enterprise_row *out)
{
    int64_t id = 0;
    int rc = db_begin(c);
    if (rc == DB_OK)
        rc = enterprise_bind(c, a, e, &id);
    if (rc == DB_NOT_FOUND)
        rc = ENTERPRISES_FULL;
    if (rc == DB_OK)
        rc = enterprise_get(c, a, e->citizen_id, id, out);
    if (rc != DB_OK)
        db_rollback(c);
    return rc;
}
