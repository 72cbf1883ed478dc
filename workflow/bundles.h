/* Life-event bundles (高效办成一件事, API.md §4, §5 "Bundles"): a bundle loaded with its
 * services, and its submission: one bundle row and one child application per chosen
 * service, written in one transaction that begins here (ended by idempotency_commit, as
 * workflow/applications.h). */
#ifndef OW_BUNDLES_H
#define OW_BUNDLES_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "catalog/life_event.h"
#include "core/arena.h"
#include "db/life_event_store.h"

/* A bundle as its detail and its submission need it. */
typedef struct bundle_def {
    life_event_row row;
    const cJSON *definition; /* parsed; freed with the arena */
    life_event_part parts[LIFE_EVENT_SERVICES_MAX];
    size_t n_parts;
    life_event_product products[LIFE_EVENT_SERVICES_MAX];
    size_t n_products;
} bundle_def;

/* The active bundle of the code with its active services: DB_OK, DB_NOT_FOUND or a failure. */
int bundle_def_load(db_conn *c, arena *a, const char *code, bundle_def *out);

/* The merge input of every service (listed); in: chosen[i], or the required ones when chosen
 * is NULL. */
void bundle_def_parts(const bundle_def *d, const bool *chosen, bundle_part *out);

#endif
