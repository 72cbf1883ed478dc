#include "db/grants.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/strbuf.h"

#define API_DML "SELECT, INSERT, UPDATE, DELETE"

/* Tables the API may not change freely; every other table gets API_DML. */
static const struct {
    const char *table;
    const char *privileges;
} table_rules[] = {
    /* Append-only (README "Audit log"): the API reads and appends, and can neither change
     * nor remove a record, nor touch the triggers that refuse it to everyone else. */
    {"audit_log", "SELECT, INSERT"},
    /* A rating is never deleted (API.md §8): an appeal's decision only excludes it. */
    {"ratings", "SELECT, INSERT, UPDATE"},
    {"bundle_ratings", "SELECT, INSERT, UPDATE"},
    /* A feedback ticket is kept, and a reply stands as written (API.md §8). */
    {"feedback_tickets", "SELECT, INSERT, UPDATE"},
    {"feedback_replies", "SELECT, INSERT"},
    /* A public question is retired, never deleted (its audit lines point at it). */
    {"public_questions", "SELECT, INSERT, UPDATE"},
    /* An appeal and its decision are kept (API.md §8, 申诉复核). */
    {"rating_appeals", "SELECT, INSERT, UPDATE"},
    /* The owner's own bookkeeping: the API neither reads nor writes it. */
    {"schema_migrations", NULL},
    {"schema_migrations_lock", NULL},
};

static const char sql_tables[] = "SELECT table_name FROM information_schema.tables"
                                 " WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'"
                                 " ORDER BY table_name";

const char *grants_for_table(const char *table)
{
    for (size_t i = 0; i < sizeof table_rules / sizeof table_rules[0]; i++)
        if (strcmp(table_rules[i].table, table) == 0)
            return table_rules[i].privileges;
    return API_DML;
}

/* Names spliced into GRANT (it takes no placeholders for them) keep to these characters. */
static bool plain(const char *s, size_t n, const char *extra)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || (c && strchr(extra, c))))
            return false;
    }
    return true;
}

int grants_apply(db_conn *owner, const char *account, int *tables, char *err, size_t errlen)
{
    const char *at = strrchr(account, '@');
    if (!at || !plain(account, (size_t)(at - account), ".-") ||
        !plain(at + 1, strlen(at + 1), ".-%:")) {
        snprintf(err, errlen, "the API account %s has a name grants cannot spell", account);
        return -1;
    }
    arena a;
    arena_init(&a, 4096);
    strbuf script;
    sb_init(&script, &a, 4096);
    db_rows rows;
    const char *table = NULL;
    int n = 0, more = 0;
    int rc = db_query(owner, &rows, &a, sql_tables, "");
    while (rc == DB_OK && (more = db_row_next(&rows, "s", &table)) > 0) {
        const char *privileges = grants_for_table(table);
        if (!privileges)
            continue;
        if (!plain(table, strlen(table), "")) {
            more = DB_ERROR;
            break;
        }
        sb_printf(&script, "GRANT %s ON `%s` TO '%.*s'@'%s';", privileges, table,
                  (int)(at - account), account, at + 1);
        n++;
    }
    if (rc == DB_OK)
        rc = db_rows_done(&rows, more);
    char why[300] = "cannot list the tables";
    if (rc == DB_OK && script.failed)
        rc = DB_ERROR;
    if (rc == DB_OK && n > 0)
        rc = db_exec_script(owner, script.data, why, sizeof why);
    if (rc != DB_OK)
        snprintf(err, errlen, "granting %s its privileges failed: %s", account, why);
    *tables = n;
    arena_destroy(&a);
    return rc == DB_OK ? 0 : -1;
}
