/* SQL of submitted life-event bundles (migration 0090); their children are applications
 * with bundle_id (db/application_store.h). */
#ifndef OW_BUNDLE_STORE_H
#define OW_BUNDLE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/application_store.h"
#include "db/db.h"

typedef struct bundle_new {
    const char *no;
    app_query_code code;
    int64_t citizen_id, life_event_id;
    const char *life_event_code, *life_event_name, *answers;
    int64_t children, promised_days, separate_days;
    const char *due_date;
} bundle_new;

/* DB_DUPLICATE when the number is taken (the caller draws another). */
int bundle_insert(db_conn *c, const bundle_new *n, int64_t *id);
/* The database's time of a new bundle's submission (RFC 3339). */
int bundle_submitted_at(db_conn *c, arena *a, int64_t id, const char **out);

typedef struct bundle_row {
    int64_t id, citizen_id, promised_days, separate_days;
    const char *no, *life_event_code, *life_event_name, *answers;
    const char *submitted_at, *due_date, *finished_at; /* finished_at NULL while open */
    app_query_code code;
} bundle_row;

/* By number (normalized); for_update locks it (inside a transaction). */
int bundle_by_no(db_conn *c, arena *a, const char *no, bool for_update, bundle_row *out);

/* The bundle an application is a child of: its number and life event's name; DB_NOT_FOUND
 * for an application of its own. */
int bundle_of_application(db_conn *c, arena *a, int64_t application_id, const char **no,
                          const char **name);

/* Statistics (API.md §5 "Bundles"): bundles submitted; completed (every child final, not
 * all withdrawn); on time (completed, and every child finished by the bundle's due date in
 * the service's time zone, utc_offset being its "+HH:MM" now); and the sum over the
 * completed ones of the working days saved (separate_days - promised_days: the promises of
 * separate applications one after another, less the bundle's own promise, its slowest
 * service's). One pass over the bundles: for the public statistics, not a hot path. */
typedef struct bundle_stats {
    int64_t submitted, completed, on_time, days_saved_sum;
} bundle_stats;
int bundle_statistics(db_conn *c, arena *a, const char *utc_offset, bundle_stats *out);

#endif
