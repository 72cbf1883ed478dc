/* The API account's privileges (README "Privileges"): the owner account, after migrating,
 * grants the account of db_dsn DML on each table, less where a table's rule says less. */
#ifndef OW_GRANTS_H
#define OW_GRANTS_H

#include <stddef.h>

#include "db/db.h"

/* Grants account ("user@host") its privileges on every table of the current database.
 * Grants only add: an account with more (a database-wide grant, say) keeps it. Returns 0,
 * or -1 with err set. */
int grants_apply(db_conn *owner, const char *account, int *tables, char *err, size_t errlen);

/* The privileges the API account gets on table: a SQL list, or NULL for none. */
const char *grants_for_table(const char *table);

#endif
