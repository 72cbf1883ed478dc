#include "db/login_lock_store.h"

/* The same statements on either table (a table name cannot be a bound parameter). */
static const char *const sql_reserve[] = {
    "UPDATE citizens SET failed_logins = failed_logins + 1 WHERE id = ? AND failed_logins < ? "
    "AND (locked_until IS NULL OR locked_until <= CURRENT_TIMESTAMP(3))",
    "UPDATE staff SET failed_logins = failed_logins + 1 WHERE id = ? AND failed_logins < ? "
    "AND (locked_until IS NULL OR locked_until <= CURRENT_TIMESTAMP(3))",
};
static const char *const sql_failed[] = {
    "UPDATE citizens SET locked_until = CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND, "
    "failed_logins = 0 WHERE id = ? AND failed_logins >= ?",
    "UPDATE staff SET locked_until = CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND, "
    "failed_logins = 0 WHERE id = ? AND failed_logins >= ?",
};
static const char *const sql_ok[] = {
    "UPDATE citizens SET failed_logins = 0, locked_until = NULL WHERE id = ?",
    "UPDATE staff SET failed_logins = 0, locked_until = NULL WHERE id = ?",
};

int login_lock_reserve(db_conn *c, login_account who, int64_t id, int max_failures)
{
    return db_exec_changed(c, sql_reserve[who], "ii", id, (int64_t)max_failures);
}

int login_lock_failed(db_conn *c, login_account who, int64_t id, int max_failures, int lock_s)
{
    return db_exec(c, sql_failed[who], "iii", (int64_t)lock_s, id, (int64_t)max_failures);
}

int login_lock_ok(db_conn *c, login_account who, int64_t id)
{
    return db_exec(c, sql_ok[who], "i", id);
}
