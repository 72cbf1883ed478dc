/* Application numbers and query codes (API.md §5).
 * A number reads "YYYYMMDD-XXXXX-XXXXX": the submission day, then 50 random bits in
 * Crockford's base32 (digits and upper-case letters without I, L, O, U), so that it is
 * unguessable yet easy to read aloud and to type; lookups forgive lower case and the
 * confusables (i, l → 1; o → 0). A query code is eight random digits. */
#ifndef OW_APPLICATION_NO_H
#define OW_APPLICATION_NO_H

#include <stdbool.h>

#include "core/calendar.h"
#include "db/application_store.h"

void application_no_new(cal_day day, char out[APP_NO_BYTES]);
/* The canonical form of what a caller typed, or false when it cannot be a number. */
bool application_no_normalize(const char *in, char out[APP_NO_BYTES]);
void query_code_new(char out[QUERY_CODE_BYTES]);

#endif
