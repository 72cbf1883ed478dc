/* Where a citizen's notifications go (API.md §6): registering a push device (at most
 * DEVICES_ACTIVE_MAX active per citizen) and adding WeChat one-time subscribe grants (at most
 * GRANTS_KEPT_MAX kept per template). Each begins a transaction on c, as the application
 * steps do (workflow/applications.h): on DB_OK it stays open for the commit with the answer
 * (idempotency_commit), so that a retried request neither registers nor counts twice; on
 * anything else it is rolled back here. */
#ifndef OW_WORKFLOW_DEVICES_H
#define OW_WORKFLOW_DEVICES_H

#include <stdint.h>

#include "core/arena.h"
#include "db/device_store.h"

#define DEVICES_ACTIVE_MAX 20
#define GRANTS_KEPT_MAX 50
#define DEVICES_FULL 2 /* the citizen has DEVICES_ACTIVE_MAX other active devices */

/* The token for the citizen (the same token again: the same id; a token of another citizen
 * moves). DB_OK with *id, DEVICES_FULL, or a failure. */
int devices_register(db_conn *c, arena *a, const device_new *d, int64_t *id);

/* Adds count grants of a template (keeping at most GRANTS_KEPT_MAX): DB_OK with what remains
 * now, or a failure. */
int devices_add_grants(db_conn *c, arena *a, int64_t citizen_id, const char *template_id,
                       int64_t count, int64_t *remaining);

#endif
