#include "workflow/devices.h"

/* c's transaction stays open when rc is DB_OK (for the commit with the answer), else it is
 * rolled back. */
static int open_if_ok(db_conn *c, int rc)
{
    if (rc != DB_OK)
        db_rollback(c);
    return rc;
}

int devices_register(db_conn *c, arena *a, const device_new *d, int64_t *id)
{
    int rc = db_begin(c);
    if (rc == DB_OK)
        rc = device_register(c, a, d, DEVICES_ACTIVE_MAX, id);
    if (rc == DB_OK && *id == 0)
        rc = DEVICES_FULL;
    return open_if_ok(c, rc);
}

int devices_add_grants(db_conn *c, arena *a, int64_t citizen_id, const char *template_id,
                       int64_t count, int64_t *remaining)
{
    int rc = db_begin(c);
    if (rc == DB_OK)
        rc = device_grant_add(c, a, citizen_id, template_id, count, GRANTS_KEPT_MAX, remaining);
    return open_if_ok(c, rc);
}
