/* The password lockout of API.md §3, the same for citizens and staff: ten wrong passwords
 * lock an account for 15 minutes (429). A try is reserved before the hash is checked
 * (db/login_lock_store.c), so that parallel guesses cannot exceed the limit per window. */
#ifndef OW_LOCKOUT_H
#define OW_LOCKOUT_H

#include <stdint.h>

#include "db/login_lock_store.h"

/* Wrong passwords before an account is locked, and for how long. */
#define LOGIN_MAX_FAILURES 10
#define LOGIN_LOCK_S (15 * 60)

typedef enum { PASSWORD_WRONG, PASSWORD_RIGHT, PASSWORD_LOCKED } password_verdict;

/* Checks a password of the account under the lockout: reserves one of the window's tries,
 * then clears the counter (right) or counts the failure (wrong; the last one locks). given
 * NULL is a wrong password. DB_OK with *verdict (PASSWORD_LOCKED: locked for LOGIN_LOCK_S,
 * or every try of the window is in flight), or a failure. */
int lockout_try_password(login_account who, int64_t id, const char *hash, const char *given,
                         password_verdict *verdict);

#endif
