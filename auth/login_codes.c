#include "auth/login_codes.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "db/citizen_store.h"

bool login_code_well_formed(const char *code)
{
    return strlen(code) == LOGIN_CODE_DIGITS && strspn(code, "0123456789") == LOGIN_CODE_DIGITS;
}

void login_code_hash(const char *phone, const char *code, uint8_t out[PII_INDEX_BYTES])
{
    char both[32];
    snprintf(both, sizeof both, "%s:%s", phone, code);
    pii_index("sms-code", both, out);
}

int login_code_check(arena *a, const char *phone, const uint8_t phone_bidx[PII_INDEX_BYTES],
                     const char *code, bool *right)
{
    int64_t id = 0, attempts = 0;
    const void *stored = NULL;
    *right = false;
    int rc = sms_code_live(db_primary(), a, phone_bidx, &id, &stored, &attempts);
    if (rc == DB_OK)
        rc = sms_code_try(db_primary(), id, LOGIN_CODE_TRIES);
    uint8_t want[PII_INDEX_BYTES];
    if (rc == DB_OK) {
        login_code_hash(phone, code, want);
        if (sodium_memcmp(want, stored, sizeof want) != 0)
            return DB_OK;
        rc = sms_code_use(db_primary(), id); /* DB_NOT_FOUND: a parallel request used it first */
    }
    if (rc == DB_OK)
        *right = true;
    return rc == DB_NOT_FOUND ? DB_OK : rc; /* no live code, dead, or used: wrong */
}
