/* Catalog changes made through the staff API (API.md §4, staff catalog): an item created,
 * replaced or retired, a synonym or a concept added. Each runs in one transaction with its
 * audit row and the catalog version bump (so every worker rebuilds its search index within
 * catalog_refresh_ms plus a rebuild). On success the transaction stays open for the handler's
 * idempotency_commit; on any failure or refusal it is rolled back here.
 * Department staff (dept non-empty) may touch only their department's items; operators
 * (dept "") any item. */
#ifndef OW_CATALOG_EDITS_H
#define OW_CATALOG_EDITS_H

#include "core/arena.h"
#include "db/catalog_import.h"
#include "db/db.h"

enum {
    CATALOG_EXISTS = 100,     /* create: the code is taken */
    CATALOG_OTHER_DEPT = 101, /* the item would belong to another department than the staff's */
};

typedef struct catalog_actor {
    const char *type; /* "staff" | "operator" */
    const char *id;
    const char *dept;              /* "" for operators */
    const char *request_id;        /* the server's id of the request */
    const char *client_request_id; /* the client's own X-Request-Id, or NULL */
} catalog_actor;

/* DB_OK, CATALOG_EXISTS, CATALOG_OTHER_DEPT, or a failure. */
int catalog_edit_create(db_conn *c, arena *a, const catalog_item *it, const catalog_actor *who);
/* DB_OK, DB_NOT_FOUND (no such item, or another department's), CATALOG_OTHER_DEPT (moved to
 * another department), or a failure. Replaces the whole item; a retired item comes back. */
int catalog_edit_update(db_conn *c, arena *a, const catalog_item *it, const catalog_actor *who);
/* DB_OK, DB_NOT_FOUND (no such active item, or another department's), or a failure. */
int catalog_edit_retire(db_conn *c, arena *a, const char *code, const catalog_actor *who);
/* DB_OK added, DB_NOT_FOUND it was there already (nothing to commit: rolled back), or a
 * failure. */
int catalog_edit_add_synonym(db_conn *c, const char *term, const char *expansion,
                             const catalog_actor *who);
/* DB_OK, DB_DUPLICATE (the name is taken), or a failure. */
int catalog_edit_add_concept(db_conn *c, const char *name, const char *situations,
                             const char *services, const catalog_actor *who);

#endif
