#include "core/config.h"
#include "auth/pii.h"
#include "db/db.h"
#include "handlers/handlers.h"

void respond_db_error(req *r, resp *w, int status)
{
    if (status == DB_UNAVAILABLE) {
        const ow_config *cfg = config_current();
        resp_header(w, "Retry-After",
                    arena_printf(&r->arena, "%d", cfg ? cfg->db_retry_after_s : 5));
        resp_problem(r, w, PROBLEM_UNAVAILABLE, NULL);
        return;
    }
    resp_problem(r, w, PROBLEM_INTERNAL, NULL);
}

bool personal_data_ready(req *r, resp *w)
{
    int rc = pii_ready();
    if (rc == DB_OK)
        return true;
    respond_db_error(r, w, rc == DB_UNAVAILABLE ? rc : DB_ERROR);
    return false;
}
