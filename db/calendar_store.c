#include "db/calendar_store.h"

#include <stdio.h>

int calendar_store_version(db_conn *c, arena *a, int64_t *version)
{
    return db_query_int(c, a, version, "SELECT version FROM calendar_state WHERE id = 1", "");
}

int calendar_store_load(db_conn *c, arena *a, cal_exception **out, size_t *n)
{
    int64_t count = 0;
    int rc = db_query_int(c, a, &count, "SELECT COUNT(*) FROM calendar_days", "");
    if (rc != DB_OK)
        return rc;
    cal_exception *days = arena_alloc(a, sizeof *days * (size_t)(count + 1));
    db_rows rows;
    if (!days)
        return DB_ERROR;
    rc = db_query(c, &rows, a,
                  "SELECT DATE_FORMAT(day, '%Y-%m-%d'), kind FROM calendar_days ORDER BY day", "");
    if (rc != DB_OK)
        return rc;
    size_t got = 0;
    const char *date, *kind;
    while ((rc = db_row_next(&rows, "ss", &date, &kind)) > 0 && got < (size_t)count)
        if (cal_day_parse(date, &days[got].day) == 0) {
            days[got].kind = kind[0] == 'w' ? CAL_WORKDAY : CAL_HOLIDAY;
            got++;
        }
    *out = days;
    *n = got;
    return db_rows_done(&rows, rc);
}

static int replace_in_tx(db_conn *c, const int *years, size_t n_years,
                         const calendar_entry *entries, size_t n)
{
    for (size_t i = 0; i < n_years; i++) {
        int rc =
            db_exec(c, "DELETE FROM calendar_days WHERE YEAR(day) = ?", "i", (int64_t)years[i]);
        if (rc != DB_OK)
            return rc;
    }
    for (size_t i = 0; i < n; i++) {
        char date[CAL_DATE_BYTES];
        cal_day_format(entries[i].day.day, date);
        int rc =
            db_exec(c, "INSERT INTO calendar_days (day, kind, name) VALUES (?, ?, ?)", "sss", date,
                    entries[i].day.kind == CAL_WORKDAY ? "workday" : "holiday", entries[i].name);
        if (rc != DB_OK)
            return rc;
    }
    return db_exec(c, "UPDATE calendar_state SET version = version + 1 WHERE id = 1", "");
}

int calendar_store_replace_years(db_conn *c, const int *years, size_t n_years,
                                 const calendar_entry *entries, size_t n)
{
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    rc = replace_in_tx(c, years, n_years, entries, n);
    if (rc == DB_OK)
        rc = db_commit(c);
    if (rc != DB_OK)
        db_rollback(c);
    return rc;
}
