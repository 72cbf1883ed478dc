/* Application numbers and query codes (API.md §5).
 * A number reads "YYYYMMDD-XXXXX-XXXXX": the submission day, then 50 random bits in
 * Crockford's base32 (digits and upper-case letters without I, L, O, U), so that it is
 * unguessable yet easy to read aloud and to type; lookups forgive lower case and the
 * confusables (i, l → 1; o → 0). A query code is eight random digits. */
#ifndef OW_APPLICATION_NO_H
#define OW_APPLICATION_NO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/pii.h"

#include "core/calendar.h"
#include "db/application_store.h"

void application_no_new(cal_day day, char out[APP_NO_BYTES]);
/* The canonical form of what a caller typed, or false when it cannot be a number. */
bool application_no_normalize(const char *in, char out[APP_NO_BYTES]);
void query_code_new(char out[QUERY_CODE_BYTES]);

/* A code as stored: its keyed hash bound to the number (what the progress query compares)
 * and the code sealed under the personal-data key (what the owner sees). The database alone
 * gives it away in neither form. Needs the personal-data key (pii_ready). */
#define QUERY_CODE_SEALED_BYTES (QUERY_CODE_BYTES - 1 + PII_SEAL_OVERHEAD)
typedef struct query_code_stored {
    uint8_t hash[QUERY_CODE_HASH_BYTES], sealed[QUERY_CODE_SEALED_BYTES];
    size_t sealed_len;
} query_code_stored;
void query_code_store(const char *no, const char *code, query_code_stored *out);
/* True when code is the application's (stored, or in clear in a row of an older release),
 * compared in constant time; a NULL row costs the same work and is false. */
bool query_code_matches(const app_row *a, const char *code);
/* The application's code for its owner (out), or false when it does not open. */
bool query_code_of(const app_row *a, char out[QUERY_CODE_BYTES]);

#endif
