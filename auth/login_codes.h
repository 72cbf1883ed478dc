/* SMS codes (API.md §3): six digits, five minutes, five tries each, stored as a keyed hash
 * bound to the phone. They log a citizen in, and prove the phone where an account change
 * needs it (a first password). */
#ifndef OW_LOGIN_CODES_H
#define OW_LOGIN_CODES_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/pii.h"
#include "core/arena.h"

#define LOGIN_CODE_DIGITS 6
#define LOGIN_CODE_TTL_S 300
#define LOGIN_CODE_TRIES 5

/* Six ASCII digits (anything else is a sure miss, refused without using a try). */
bool login_code_well_formed(const char *code);
/* The stored form of a phone's code: keyed, and bound to the phone. */
void login_code_hash(const char *phone, const char *code, uint8_t out[PII_INDEX_BYTES]);
/* Checks a code against the phone's live one (phone_bidx its blind index): every try counts,
 * the right one too (five per code, parallel or not), and a right code is used up. DB_OK
 * with *right, or a failure. */
int login_code_check(arena *a, const char *phone, const uint8_t phone_bidx[PII_INDEX_BYTES],
                     const char *code, bool *right);

#endif
