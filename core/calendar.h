/* The working-day calendar (API.md §5 due dates): Monday to Friday work, except official
 * holidays, plus adjusted workdays (调休上班) that fall on weekends. Days are counted as
 * whole days since 1970-01-01 in the service's time zone; a calendar is an immutable sorted
 * list of the exceptions. Pure: loading and refreshing live in workflow/calendar_cache.c. */
#ifndef OW_CALENDAR_H
#define OW_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int32_t cal_day; /* days since 1970-01-01 */

typedef enum { CAL_HOLIDAY = 1, CAL_WORKDAY = 2 } cal_kind;

typedef struct cal_exception {
    cal_day day;
    cal_kind kind;
} cal_exception;

typedef struct calendar {
    const cal_exception *days; /* sorted by day, one entry per day */
    size_t n;
} calendar;

#define CAL_DATE_BYTES 11 /* "YYYY-MM-DD" and its NUL */

/* "YYYY-MM-DD" of a real date (years 1970..9999): 0 with *out, else -1. */
int cal_day_parse(const char *text, cal_day *out);
void cal_day_format(cal_day d, char out[CAL_DATE_BYTES]);
int cal_day_year(cal_day d);
/* Today in the process's local time zone (TZ is set to the service's at start). */
cal_day cal_today(void);
/* The local day of a Unix time. */
cal_day cal_day_of(int64_t unix_s);
#define CAL_OFFSET_BYTES 7 /* "+08:00" and its NUL */
/* The local time zone's offset from UTC at the Unix time, "+HH:MM" or "-HH:MM" (for SQL's
 * CONVERT_TZ, which knows no zone names without the server's time-zone tables). */
void cal_utc_offset(int64_t unix_s, char out[CAL_OFFSET_BYTES]);

bool calendar_is_workday(const calendar *c, cal_day d);
/* The n-th working day after d (n ≥ 1); d itself when n is 0 and d works, else the next one. */
cal_day calendar_add_workdays(const calendar *c, cal_day d, int n);
/* How many working days lie in (after, upto]: 0 when upto ≤ after. */
int calendar_workdays_between(const calendar *c, cal_day after, cal_day upto);

/* One line of the holiday table ("2026-10-01<TAB>holiday<TAB>国庆节"); blank lines and
 * '#' comments give 0 with *is_entry false. -1: a malformed line. */
int calendar_parse_line(const char *line, size_t len, cal_exception *out, const char **name,
                        size_t *name_len, bool *is_entry);

#endif
