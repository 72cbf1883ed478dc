/* GET /api/v1/applications/{no}/materials/{code} (API.md §5): the file of one material,
 * served by nginx from the object store (X-Accel-Redirect to an internal location; the
 * worker never reads the bytes). Staff and organization downloads are audited before the
 * file is handed out; anyone who may not read the application gets 404, as for an unknown
 * number. */
#include <stdlib.h>
#include <string.h>

#include "auth/token.h"
#include "core/media_types.h"
#include "db/audit_store.h"
#include "handlers/application_views.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "storage/object_store.h"
#include "workflow/materials.h"

#define MATERIAL_CODE_MAX 32

/* Who may read an application's materials: the one place that decides it. The citizen who
 * applied, staff of the department handling it, and the organization it is delegated to
 * (applications.org_id; the organizations' own routes add nothing here). */
static bool may_read_materials(const app_row *a, const void *viewer)
{
    const token_claims *c = viewer;
    switch (c->role) {
    case ROLE_CITIZEN: return a->citizen_id == strtoll(c->sub, NULL, 10);
    case ROLE_STAFF: return strcmp(a->department_code, c->dept) == 0;
    case ROLE_ORG: return a->org_id != 0 && a->org_id == strtoll(c->sub, NULL, 10);
    default: return false;
    }
}

static bool code_is_sane(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n <= MATERIAL_CODE_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* Staff and organizations: the download is written to the audit log first. */
static int audit_download(req *r, const app_row *a, const char *code)
{
    const token_claims *c = r->claims;
    if (c->role == ROLE_CITIZEN)
        return DB_OK;
    audit_entry e = {c->role == ROLE_STAFF ? "staff" : "organization",
                     c->sub,
                     "material.download",
                     a->no,
                     code,
                     r->server_request_id,
                     r->client_request_id};
    return audit_insert(db_primary(), &e);
}

void handle_material_download(req *r, resp *w)
{
    const char *code = req_path_param(r, "code");
    app_row a;
    if (!code_is_sane(code)) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    if (!load_application(r, w, db_primary(), LOAD_WITH_TIMELINE, may_read_materials, r->claims,
                          &a))
        return;
    const char *sha, *type;
    char key[OBJECT_KEY_BYTES], uri[2048];
    if (materials_find(a.materials, code, &r->arena, &sha, &type) != DB_OK) {
        resp_problem2(r, w, PROBLEM_NOT_FOUND, "这件申请没有这项材料。",
                      "This application has no such material.");
        return;
    }
    store_key(sha, type, key);
    if (store_download_uri(key, uri, sizeof uri) != 0) {
        resp_internal(r, w, "material download", "the download address did not fit");
        return;
    }
    int rc = audit_download(r, &a, code);
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "material download");
        return;
    }
    resp_header(w, "X-Accel-Redirect", arena_strdup(&r->arena, uri));
    resp_header(
        w, "Content-Disposition",
        arena_printf(&r->arena, "attachment; filename=\"%s.%s\"", code, media_type_ext(type)));
    resp_header(w, "Cache-Control", "private, no-store");
    resp_body(w, 200, type, "", 0);
}
