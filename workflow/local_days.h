/* The local-day tables of db/local_days_store.h filled for a span of days, on the working-day
 * calendar of workflow/calendar_cache.h (loaded by the caller) and the process's time zone
 * (the service's): what lets the statistics rebuild and the activity generator put a UTC
 * instant on its local day, and count working days, inside SQL. */
#ifndef OW_LOCAL_DAYS_H
#define OW_LOCAL_DAYS_H

#include "core/calendar.h"
#include "db/db.h"

/* The days from .. to (local, both included), in the caller's session. DB_OK or a failure. */
int local_days_load(db_conn *c, cal_day from, cal_day to);

#endif
