/* Binding a company a citizen acts for (法人办事, API.md §3). In a transaction on c, as the
 * device registration (workflow/devices.h): on DB_OK it stays open for the commit with the
 * answer (idempotency_commit), so that a retried request neither binds twice nor answers
 * "bound already"; on anything else it is rolled back here. */
#ifndef OW_WORKFLOW_ENTERPRISES_H
#define OW_WORKFLOW_ENTERPRISES_H

#include <stdint.h>

#include "core/arena.h"
#include "db/enterprise_store.h"

#define ENTERPRISES_FULL 2 /* the citizen has ENTERPRISES_MAX bindings already */

/* DB_OK with the new binding in *out, ENTERPRISES_FULL, DB_DUPLICATE (this code is bound
 * already), or a failure. */
int enterprises_bind(db_conn *c, arena *a, const enterprise_new *e, enterprise_row *out);

#endif
