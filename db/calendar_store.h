/* SQL of the working-day calendar (migration 0008): the exceptions loaded by operators with
 * `onewindow-admin set-holidays`, and the version workers poll. */
#ifndef OW_CALENDAR_STORE_H
#define OW_CALENDAR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/calendar.h"
#include "db/db.h"

int calendar_store_version(db_conn *c, arena *a, int64_t *version);
/* Every stored exception, sorted by day (array from the arena). */
int calendar_store_load(db_conn *c, arena *a, cal_exception **out, size_t *n);

typedef struct calendar_entry {
    cal_exception day;
    const char *name; /* NUL-terminated */
} calendar_entry;

/* In one transaction: removes the stored days of every year in years[], inserts entries,
 * bumps the version. */
int calendar_store_replace_years(db_conn *c, const int *years, size_t n_years,
                                 const calendar_entry *entries, size_t n);

#endif
