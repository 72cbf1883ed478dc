#include "db/db.h"
#include "handlers/common.h"
#include "handlers/handlers.h"

static const char body_ok[] = "{\"status\":\"ok\"}";
static const char body_ready[] = "{\"status\":\"ready\"}";

void handle_healthz(req *r, resp *w)
{
    (void)r;
    resp_body(w, 200, "application/json", body_ok, sizeof body_ok - 1);
}

void handle_readyz(req *r, resp *w)
{
    int rc = db_ping(db_primary(), &r->arena);
    if (rc != DB_OK) { /* DB_UNAVAILABLE whatever went wrong: not ready */
        common_answer_failure(r, w, rc, "readiness");
        return;
    }
    resp_body(w, 200, "application/json", body_ready, sizeof body_ready - 1);
}
