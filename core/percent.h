/* Percent-decoding of URL paths and query strings (RFC 3986; '+' as space in queries). */
#ifndef OW_PERCENT_H
#define OW_PERCENT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

/* Decodes s[0..len) into the arena. NULL when an escape is malformed or when the result
 * holds a NUL or invalid UTF-8: no handler ever sees such text. */
char *percent_decode(arena *a, const char *s, size_t len, bool plus_is_space);

#endif
