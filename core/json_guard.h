/* Checks raw JSON text for what cJSON lets through (API.md §1): nesting deeper than the
 * limit, invalid UTF-8, raw NUL bytes and \u0000 escapes. Runs before parsing. */
#ifndef OW_JSON_GUARD_H
#define OW_JSON_GUARD_H

#include <stddef.h>

#define MAX_JSON_DEPTH 32

typedef enum {
    JSON_GUARD_OK = 0,
    JSON_GUARD_TOO_DEEP,
    JSON_GUARD_BAD_UTF8,
    JSON_GUARD_NUL,
} json_guard_result;

json_guard_result json_guard_check(const char *text, size_t len, int max_depth);

#endif
