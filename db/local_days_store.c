#include "db/local_days_store.h"

int local_days_reset(db_conn *c)
{
    int rc = db_exec(c, "DROP TEMPORARY TABLE IF EXISTS local_days, local_slots", "");
    if (rc == DB_OK)
        rc = db_exec(c,
                     "CREATE TEMPORARY TABLE local_days (day DATE NOT NULL PRIMARY KEY, "
                     "first_slot BIGINT NOT NULL, end_slot BIGINT NOT NULL, "
                     "workday_no INT NOT NULL, workday TINYINT NOT NULL, "
                     "KEY local_days_workday (workday_no, workday))",
                     "");
    if (rc == DB_OK)
        rc = db_exec(c,
                     "CREATE TEMPORARY TABLE local_slots (slot BIGINT NOT NULL PRIMARY KEY, "
                     "day DATE NOT NULL, workday_no INT NOT NULL)",
                     "");
    return rc;
}

int local_days_add(db_conn *c, const char *day, int64_t first_slot, int64_t end_slot,
                   int64_t workday_no, bool workday)
{
    return db_exec(c,
                   "INSERT INTO local_days (day, first_slot, end_slot, workday_no, workday) "
                   "VALUES (?, ?, ?, ?, ?)",
                   "siiii", day, first_slot, end_slot, workday_no, (int64_t)workday);
}

int local_days_slots(db_conn *c)
{
    /* a day has 92 to 100 slots (23 to 25 hours): the numbers 0 … 99 by a recursive CTE
     * (no sequence engine, which the API account cannot read) */
    return db_exec(c,
                   "INSERT INTO local_slots (slot, day, workday_no) "
                   "WITH RECURSIVE k (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 99) "
                   "SELECT d.first_slot + k.i, d.day, d.workday_no FROM local_days d "
                   "JOIN k ON k.i < d.end_slot - d.first_slot",
                   "");
}
