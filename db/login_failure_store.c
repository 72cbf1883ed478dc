#include "db/login_failure_store.h"

/* The wait after n failures, in SQL (n >= the free ones): 1, 2, 4 … seconds, at most the
 * policy's longest. */
#define WAIT_S "LEAST(?, POW(2, GREATEST(failures - ?, 0)))"
#define FORGOTTEN "last_failure_at < CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND"

int login_failure_reserve(db_conn *c, arena *a, const uint8_t subject[32], bool known,
                          const login_policy *p, int64_t *wait_s)
{
    *wait_s = 0;
    int rc = db_exec(c,
                     "INSERT IGNORE INTO login_failures (subject, failures, last_failure_at) "
                     "VALUES (?, 0, CURRENT_TIMESTAMP(3))",
                     "b", subject, (size_t)32);
    if (rc != DB_OK)
        return rc;
    int64_t free_n = p->free_failures, max_s = p->max_wait_s, forget_s = p->forget_s;
    rc = db_exec_changed(
        c,
        "UPDATE login_failures SET failures = IF(" FORGOTTEN ", 0, failures) + 1, "
        "last_failure_at = CURRENT_TIMESTAMP(3) WHERE subject = ? AND (? OR failures < ? "
        "OR " FORGOTTEN " OR last_failure_at <= CURRENT_TIMESTAMP(3) - INTERVAL " WAIT_S " SECOND)",
        "ibiiiii", forget_s, subject, (size_t)32, (int64_t)known, free_n, forget_s, max_s, free_n);
    if (rc != DB_NOT_FOUND)
        return rc;
    int rc2 = db_query_int(
        c, a, wait_s,
        "SELECT CAST(GREATEST(1, CEIL(TIMESTAMPDIFF(MICROSECOND, CURRENT_TIMESTAMP(3), "
        "last_failure_at + INTERVAL " WAIT_S " SECOND) / 1000000)) AS SIGNED) "
        "FROM login_failures WHERE subject = ?",
        "iib", max_s, free_n, subject, (size_t)32);
    return rc2 == DB_OK ? DB_NOT_FOUND : rc2;
}

int login_failure_clear(db_conn *c, const uint8_t subject[32], const uint8_t client[32],
                        int keep_days, bool prune)
{
    int rc = db_exec(c, "UPDATE login_failures SET failures = 0 WHERE subject = ?", "b", subject,
                     (size_t)32);
    if (rc == DB_OK)
        rc = db_exec(c,
                     "INSERT INTO login_known_clients (subject, client, last_login_at) "
                     "VALUES (?, ?, CURRENT_TIMESTAMP(3)) "
                     "ON DUPLICATE KEY UPDATE last_login_at = CURRENT_TIMESTAMP(3)",
                     "bb", subject, (size_t)32, client, (size_t)32);
    if (rc == DB_OK && prune)
        rc = db_exec(c,
                     "DELETE FROM login_failures WHERE last_failure_at < "
                     "CURRENT_TIMESTAMP(3) - INTERVAL 2 DAY LIMIT 1000",
                     "");
    if (rc == DB_OK && prune)
        rc = db_exec(c,
                     "DELETE FROM login_known_clients WHERE last_login_at < "
                     "CURRENT_TIMESTAMP(3) - INTERVAL ? DAY LIMIT 1000",
                     "i", (int64_t)keep_days);
    return rc;
}

int login_client_known(db_conn *c, arena *a, const uint8_t subject[32], const uint8_t client[32],
                       int keep_days, bool *known)
{
    int64_t n = 0;
    int rc = db_query_int(c, a, &n,
                          "SELECT COUNT(*) FROM login_known_clients WHERE subject = ? "
                          "AND client = ? AND last_login_at > CURRENT_TIMESTAMP(3) - "
                          "INTERVAL ? DAY",
                          "bbi", subject, (size_t)32, client, (size_t)32, (int64_t)keep_days);
    *known = n > 0;
    return rc;
}

int login_failure_forget(db_conn *c, const uint8_t subject[32])
{
    return db_exec(c, "DELETE FROM login_failures WHERE subject = ?", "b", subject, (size_t)32);
}
