/* The password lockout of API.md §3, the same for citizens and staff (columns failed_logins
 * and locked_until of their tables): a try is reserved before the hash is checked, so that
 * parallel guesses cannot exceed max_failures per lock window. */
#ifndef OW_LOGIN_LOCK_STORE_H
#define OW_LOGIN_LOCK_STORE_H

#include <stdint.h>

#include "db/db.h"

typedef enum { ACCOUNT_CITIZEN, ACCOUNT_STAFF } login_account;

/* Takes one of the window's tries: DB_OK taken, DB_NOT_FOUND none left (locked, or every try
 * in flight), or a failure. */
int login_lock_reserve(db_conn *c, login_account who, int64_t id, int max_failures);
/* A wrong password: locks for lock_s once max_failures tries are spent (counter reset). */
int login_lock_failed(db_conn *c, login_account who, int64_t id, int max_failures, int lock_s);
/* A right one: the counter and any lock are cleared. */
int login_lock_ok(db_conn *c, login_account who, int64_t id);

#endif
