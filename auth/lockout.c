#include "auth/lockout.h"

#include <stdbool.h>
#include <stdio.h>

#include <sodium.h>

#include "auth/password.h"
#include "auth/pii.h"
#include "db/login_failure_store.h"

static const login_policy policy = {LOGIN_FREE_FAILURES, LOGIN_MAX_WAIT_S, LOGIN_FORGET_S};

/* The name's keyed hash: kinds apart, so a phone and a username never share a count. */
static void subject_of(login_kind kind, const char *name, uint8_t out[PII_INDEX_BYTES])
{
    char text[160];
    snprintf(text, sizeof text, "%s:%s", kind == LOGIN_STAFF ? "staff" : "citizen", name);
    pii_index("login-name", text, out);
}

static int try_password(arena *a, login_kind kind, const char *name, const char *client_key,
                        const char *hash, const char *given, password_verdict *verdict,
                        int64_t *wait_s)
{
    int rc = pii_ready();
    if (rc != DB_OK)
        return rc;
    uint8_t subject[PII_INDEX_BYTES], client[PII_INDEX_BYTES];
    subject_of(kind, name, subject);
    pii_index("ip", client_key, client);
    bool known = false;
    rc = login_client_known(db_primary(), a, subject, client, LOGIN_KNOWN_DAYS, &known);
    if (rc == DB_OK)
        rc = login_failure_reserve(db_primary(), a, subject, known, &policy, wait_s);
    if (rc == DB_NOT_FOUND) /* the name waits */
        return DB_OK;
    if (rc != DB_OK)
        return rc;
    if (!hash) { /* no such account (or no password): as slow as a wrong password */
        password_verify_dummy(given);
        *verdict = PASSWORD_WRONG;
        return DB_OK;
    }
    if (!password_verify(hash, given)) {
        *verdict = PASSWORD_WRONG; /* counted already, when the try was taken */
        return DB_OK;
    }
    *verdict = PASSWORD_RIGHT;
    return login_failure_clear(db_primary(), subject, client, LOGIN_KNOWN_DAYS,
                               randombytes_uniform(64) == 0);
}

int lockout_try_password(arena *a, login_kind kind, const char *name, const char *client_key,
                         const char *hash, const char *given, password_verdict *verdict,
                         int64_t *wait_s)
{
    *verdict = PASSWORD_BUSY;
    *wait_s = 0;
    if (!password_slot_take()) /* before the try is taken: a busy server counts nothing */
        return DB_OK;
    *verdict = PASSWORD_WAIT;
    int rc = try_password(a, kind, name, client_key, hash, given, verdict, wait_s);
    password_slot_give();
    return rc;
}

int lockout_forget(login_kind kind, const char *name)
{
    int rc = pii_ready();
    if (rc != DB_OK)
        return rc;
    uint8_t subject[PII_INDEX_BYTES];
    subject_of(kind, name, subject);
    return login_failure_forget(db_primary(), subject);
}
