#include "auth/lockout.h"

#include <stddef.h>

#include "auth/password.h"

int lockout_try_password(login_account who, int64_t id, const char *hash, const char *given,
                         password_verdict *verdict)
{
    *verdict = PASSWORD_LOCKED;
    int rc = login_lock_reserve(db_primary(), who, id, LOGIN_MAX_FAILURES);
    if (rc == DB_NOT_FOUND) /* locked meanwhile, or every try of the window is in flight */
        return DB_OK;
    if (rc != DB_OK)
        return rc;
    if (!given || !password_verify(hash, given)) {
        *verdict = PASSWORD_WRONG;
        return login_lock_failed(db_primary(), who, id, LOGIN_MAX_FAILURES, LOGIN_LOCK_S);
    }
    *verdict = PASSWORD_RIGHT;
    return login_lock_ok(db_primary(), who, id);
}
