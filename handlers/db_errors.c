#include "auth/pii.h"
#include "db/db.h"
#include "handlers/handlers.h"

bool personal_data_ready(req *r, resp *w)
{
    int rc = pii_ready();
    if (rc == DB_OK)
        return true;
    respond_db_error(r, w, rc == DB_UNAVAILABLE ? rc : DB_ERROR);
    return false;
}

void respond_changed(req *r, resp *w, int rc)
{
    if (rc < 0)
        respond_db_error(r, w, rc);
    else if (rc == 0)
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
    else
        resp_body(w, 204, NULL, NULL, 0);
}
