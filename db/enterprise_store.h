/* SQL of the companies citizens act for (migration 0072). */
#ifndef OW_ENTERPRISE_STORE_H
#define OW_ENTERPRISE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

#define ENTERPRISES_MAX 20 /* bindings of one citizen */

typedef struct enterprise_row {
    int64_t id, citizen_id;
    const char *credit_code, *name, *role, *verified_by, *created_at;
} enterprise_row;

typedef struct enterprise_new {
    int64_t citizen_id;
    const char *credit_code, *name, *role, *verified_by;
} enterprise_new;

/* A new binding, inside the caller's transaction (workflow/enterprises.c): DB_OK with *id,
 * DB_DUPLICATE when the citizen has bound this code already, DB_NOT_FOUND when they have
 * ENTERPRISES_MAX already, or a failure. */
int enterprise_bind(db_conn *c, arena *a, const enterprise_new *e, int64_t *id);
int enterprise_get(db_conn *c, arena *a, int64_t citizen_id, int64_t id, enterprise_row *out);
/* The citizen's companies, oldest first (at most ENTERPRISES_MAX). */
int enterprise_list(db_conn *c, arena *a, int64_t citizen_id, enterprise_row *out, size_t *n);
/* DB_OK removed, DB_NOT_FOUND when the citizen has no such binding. */
int enterprise_delete(db_conn *c, int64_t citizen_id, int64_t id);

#endif
