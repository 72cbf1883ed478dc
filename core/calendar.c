#include "core/calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SECONDS_PER_DAY 86400

int cal_day_parse(const char *text, cal_day *out)
{
    int y, m, d, end = 0;
    if (!text || strlen(text) != 10 || sscanf(text, "%4d-%2d-%2d%n", &y, &m, &d, &end) != 3 ||
        end != 10 || text[4] != '-' || text[7] != '-' || y < 1970 || m < 1 || m > 12 || d < 1 ||
        d > 31)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
    time_t t = timegm(&tm);
    struct tm back;
    if (t == (time_t)-1 || !gmtime_r(&t, &back) || back.tm_mday != d || back.tm_mon != m - 1)
        return -1; /* 2026-02-30 and the like */
    *out = (cal_day)(t / SECONDS_PER_DAY);
    return 0;
}

static void civil(cal_day d, struct tm *tm)
{
    time_t t = (time_t)d * SECONDS_PER_DAY;
    gmtime_r(&t, tm);
}

void cal_day_format(cal_day d, char out[CAL_DATE_BYTES])
{
    struct tm tm;
    civil(d, &tm);
    snprintf(out, CAL_DATE_BYTES, "%04u-%02u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
}

int cal_day_year(cal_day d)
{
    struct tm tm;
    civil(d, &tm);
    return tm.tm_year + 1900;
}

cal_day cal_day_of(int64_t unix_s)
{
    time_t t = (time_t)unix_s;
    struct tm local;
    localtime_r(&t, &local);
    struct tm noon = {
        .tm_year = local.tm_year, .tm_mon = local.tm_mon, .tm_mday = local.tm_mday, .tm_hour = 12};
    return (cal_day)(timegm(&noon) / SECONDS_PER_DAY);
}

void cal_utc_offset(int64_t unix_s, char out[CAL_OFFSET_BYTES])
{
    time_t t = (time_t)unix_s;
    struct tm local;
    localtime_r(&t, &local);
    long off = local.tm_gmtoff, mins = (off < 0 ? -off : off) / 60;
    snprintf(out, CAL_OFFSET_BYTES, "%c%02ld:%02ld", off < 0 ? '-' : '+', mins / 60 % 100,
             mins % 60);
}

cal_day cal_today(void)
{
    return cal_day_of((int64_t)time(NULL));
}

static int by_day(const void *key, const void *elem)
{
    cal_day a = *(const cal_day *)key, b = ((const cal_exception *)elem)->day;
    return (a > b) - (a < b);
}

bool calendar_is_workday(const calendar *c, cal_day d)
{
    const cal_exception *e = c && c->n ? bsearch(&d, c->days, c->n, sizeof *c->days, by_day) : NULL;
    if (e)
        return e->kind == CAL_WORKDAY;
    int wday = (int)(((d % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */
    return wday != 0 && wday != 6;
}

cal_day calendar_add_workdays(const calendar *c, cal_day d, int n)
{
    if (n <= 0) {
        while (!calendar_is_workday(c, d))
            d++;
        return d;
    }
    while (n > 0) {
        d++;
        if (calendar_is_workday(c, d))
            n--;
    }
    return d;
}

int calendar_workdays_between(const calendar *c, cal_day after, cal_day upto)
{
    int n = 0;
    for (cal_day d = after + 1; d <= upto; d++)
        n += calendar_is_workday(c, d);
    return n;
}

int calendar_parse_line(const char *line, size_t len, cal_exception *out, const char **name,
                        size_t *name_len, bool *is_entry)
{
    *is_entry = false;
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
        len--;
    if (len == 0 || line[0] == '#')
        return 0;
    const char *tab1 = memchr(line, '\t', len);
    if (!tab1 || tab1 - line != 10)
        return -1;
    const char *kind = tab1 + 1, *end = line + len;
    const char *tab2 = memchr(kind, '\t', (size_t)(end - kind));
    size_t kind_len = (size_t)((tab2 ? tab2 : end) - kind);
    char date[CAL_DATE_BYTES];
    memcpy(date, line, 10);
    date[10] = '\0';
    if (cal_day_parse(date, &out->day) != 0)
        return -1;
    if (kind_len == 7 && memcmp(kind, "holiday", 7) == 0)
        out->kind = CAL_HOLIDAY;
    else if (kind_len == 7 && memcmp(kind, "workday", 7) == 0)
        out->kind = CAL_WORKDAY;
    else
        return -1;
    *name = tab2 ? tab2 + 1 : end;
    *name_len = (size_t)(end - *name);
    *is_entry = true;
    return 0;
}
