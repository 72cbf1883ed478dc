#include "workflow/local_days.h"

#include <stdbool.h>

#include "db/local_days_store.h"
#include "workflow/calendar_cache.h"

#define SECONDS_PER_DAY 86400

/* One local day's row: the slots [first, end) whose instants cal_day_of puts on it (the same
 * function the workers use, so SQL and C agree on every boundary). */
static int add_day(db_conn *c, cal_day day, int64_t first, int64_t end, int64_t *workday_no)
{
    bool workday = calendar_workdays(day - 1, day) == 1;
    *workday_no += workday;
    char text[CAL_DATE_BYTES];
    cal_day_format(day, text);
    return local_days_add(c, text, first, end, *workday_no, workday);
}

int local_days_load(db_conn *c, cal_day from, cal_day to)
{
    int rc = local_days_reset(c);
    /* from a UTC day before `from` to one after `to`: every zone's days lie inside */
    int64_t slot = ((int64_t)from - 1) * SECONDS_PER_DAY / LOCAL_SLOT_SECONDS,
            last = ((int64_t)to + 2) * SECONDS_PER_DAY / LOCAL_SLOT_SECONDS, first = slot,
            workday_no = 0;
    cal_day day = cal_day_of(slot * LOCAL_SLOT_SECONDS);
    for (; rc == DB_OK && slot <= last; slot++) {
        cal_day d = cal_day_of(slot * LOCAL_SLOT_SECONDS);
        if (d == day)
            continue;
        if (day >= from && day <= to)
            rc = add_day(c, day, first, slot, &workday_no);
        day = d;
        first = slot;
    }
    if (rc == DB_OK)
        rc = local_days_slots(c);
    return rc;
}
