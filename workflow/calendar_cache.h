/* The worker's working-day calendar: the table shipped in the binary (data/holidays.tsv),
 * overridden year by year by what operators stored with `set-holidays`, reloaded by the
 * refresher when calendar_state.version moves. Usable at once: until the database answers,
 * the shipped table serves. */
#ifndef OW_CALENDAR_CACHE_H
#define OW_CALENDAR_CACHE_H

#include "core/calendar.h"
#include "core/config.h"

/* Parses the shipped table and registers the refresher task. 0 or -1. */
int calendar_cache_init(const ow_config *cfg);
/* For a command: the shipped table with the stored years over it, once (no refresher). */
int calendar_cache_load(void);
void calendar_cache_free(void);

/* due_date of API.md §5: the promised_days-th working day after the submission day (即办件,
 * 0 days: that day when it works, else the next working day). */
cal_day calendar_due_date(cal_day submitted, int promised_days);
/* The due date after a need_materials pause from paused to resumed: the working days in
 * (paused, resumed] do not count, so it moves on by that many. */
cal_day calendar_resume_due(cal_day due, cal_day paused, cal_day resumed);

/* Working days in (after, upto]: how long an application took (the statistics). */
int calendar_workdays(cal_day after, cal_day upto);

/* The shipped table (for set-holidays' and the tests' use): entries and count. */
int calendar_shipped(cal_exception **days, size_t *n);

#endif
