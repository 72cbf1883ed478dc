#include "workflow/catalog_edits.h"

#include <string.h>

#include "db/audit_store.h"

/* The audit row and the version bump of a change, then the transaction stays open (DB_OK);
 * any other rc rolls back. */
static int finish(db_conn *c, int rc, const catalog_actor *who, const char *action,
                  const char *target, const char *detail)
{
    if (rc == DB_OK) {
        audit_entry e = {
            who->type, who->id, action, target, detail, who->request_id, who->client_request_id};
        rc = audit_insert(c, &e);
    }
    if (rc == DB_OK)
        rc = catalog_bump_version(c);
    if (rc != DB_OK)
        db_rollback(c);
    return rc;
}

static bool other_dept(const catalog_actor *who, const char *dept)
{
    return who->dept[0] && strcmp(who->dept, dept) != 0;
}

int catalog_edit_create(db_conn *c, arena *a, const catalog_item *it, const catalog_actor *who)
{
    if (other_dept(who, it->department_code))
        return CATALOG_OTHER_DEPT;
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    const char *dept;
    bool retired;
    rc = catalog_item_lock(c, a, it->code, &dept, &retired);
    if (rc == DB_OK)
        rc = CATALOG_EXISTS; /* retired codes too: old applications name them */
    else if (rc == DB_NOT_FOUND)
        rc = catalog_item_insert(c, it);
    if (rc == DB_DUPLICATE) /* created by a concurrent request meanwhile */
        rc = CATALOG_EXISTS;
    return finish(c, rc, who, "catalog.create", it->code, it->department_code);
}

int catalog_edit_update(db_conn *c, arena *a, const catalog_item *it, const catalog_actor *who)
{
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    const char *dept;
    bool retired;
    rc = catalog_item_lock(c, a, it->code, &dept, &retired);
    if (rc == DB_OK && other_dept(who, dept))
        rc = DB_NOT_FOUND; /* another department's item: as if there were none */
    else if (rc == DB_OK && other_dept(who, it->department_code))
        rc = CATALOG_OTHER_DEPT;
    if (rc == DB_OK)
        rc = catalog_item_update(c, it);
    return finish(c, rc, who, "catalog.update", it->code, retired ? "restored" : NULL);
}

int catalog_edit_retire(db_conn *c, arena *a, const char *code, const catalog_actor *who)
{
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    const char *dept;
    bool retired;
    rc = catalog_item_lock(c, a, code, &dept, &retired);
    if (rc == DB_OK && (retired || other_dept(who, dept)))
        rc = DB_NOT_FOUND;
    if (rc == DB_OK)
        rc = catalog_item_retire(c, code);
    return finish(c, rc, who, "catalog.retire", code, NULL);
}

int catalog_edit_add_synonym(db_conn *c, const char *term, const char *expansion,
                             const catalog_actor *who)
{
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    rc = catalog_synonym_insert(c, term, expansion);
    return finish(c, rc, who, "search.synonym.add", term, expansion);
}

int catalog_edit_add_concept(db_conn *c, const char *name, const char *situations,
                             const char *services, const catalog_actor *who)
{
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    rc = catalog_concept_insert(c, name, situations, services);
    return finish(c, rc, who, "search.concept.add", name, NULL);
}
