#include "core/json_guard.h"

#include <stdbool.h>
#include <string.h>
#include <unistr.h>

json_guard_result json_guard_check(const char *text, size_t len, int max_depth)
{
    if (u8_check((const uint8_t *)text, len) != NULL)
        return JSON_GUARD_BAD_UTF8;
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '\0')
            return JSON_GUARD_NUL;
        if (in_string) {
            if (c == '\\') {
                /* Only \u0000 matters: every other escape is one or five more characters. */
                if (i + 5 < len && text[i + 1] == 'u' && memcmp(text + i + 2, "0000", 4) == 0)
                    return JSON_GUARD_NUL;
                i++; /* skip the escaped character (a quote or a backslash included) */
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth)
                return JSON_GUARD_TOO_DEEP;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return JSON_GUARD_OK;
}
