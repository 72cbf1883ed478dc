/* The login throttle of API.md §3, the same for citizens and staff: wrong passwords slow a
 * login name down (a citizen's phone, a staff username); they never lock it, and they say
 * nothing about whether an account has that name.
 *
 * - Failures are counted per name whether an account has it or not (no enumeration).
 * - The first LOGIN_FREE_FAILURES cost nothing; after n failures the next try waits
 *   2^(n - LOGIN_FREE_FAILURES) s, at most LOGIN_MAX_WAIT_S (429 with Retry-After; the right
 *   password too). A try is taken before the hash is checked (db/login_failure_store.c), so
 *   parallel guesses cannot beat the waits.
 * - A known client -- an address (keyed hash) that logged in to the name within
 *   LOGIN_KNOWN_DAYS -- is never made to wait: failures elsewhere cannot keep the owner out.
 * - Failures are forgotten at a right password, or LOGIN_FORGET_S after the last one; an
 *   operator clears a staff name with onewindow-admin unlock-staff. */
#ifndef OW_LOCKOUT_H
#define OW_LOCKOUT_H

#include <stdint.h>

#include "core/arena.h"

#define LOGIN_FREE_FAILURES 5
#define LOGIN_MAX_WAIT_S (15 * 60)
#define LOGIN_FORGET_S 86400
#define LOGIN_KNOWN_DAYS 90

typedef enum { LOGIN_CITIZEN, LOGIN_STAFF } login_kind;

typedef enum {
    PASSWORD_WRONG,
    PASSWORD_RIGHT,
    PASSWORD_WAIT, /* the name must wait (429) */
    PASSWORD_BUSY, /* every argon2 slot of the process is taken (503; the try is not counted) */
} password_verdict;

/* Checks the password given for a login name under the throttle. hash is the account's
 * (NULL when no account has the name, or it has no password: the try counts and takes the
 * time of a check all the same). client_key is the caller's (api/request.h: an address, or
 * its IPv6 /64). DB_OK with *verdict (PASSWORD_WAIT: *wait_s seconds more), or a failure.
 * The check runs under an argon2 slot (auth/password.h). */
int lockout_try_password(arena *a, login_kind kind, const char *name, const char *client_key,
                         const char *hash, const char *given, password_verdict *verdict,
                         int64_t *wait_s);

/* Clears a name's failures (an operator's unlock). DB_OK or a failure. */
int lockout_forget(login_kind kind, const char *name);

#endif
