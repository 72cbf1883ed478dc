/* Our numeric ids as text (path parameters, a token's sub): canonical decimal — digits only,
 * no sign, no leading zero, at most INT64_MAX. Anything else cannot name a row. */
#ifndef OW_DECIMAL_ID_H
#define OW_DECIMAL_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DECIMAL_ID_MAX_DIGITS 19 /* INT64_MAX has 19 */

/* True with *out (when out is not NULL) for a canonical decimal id of len bytes. */
bool decimal_id_parse(const char *s, size_t len, int64_t *out);

#endif
