#include "core/decimal_id.h"

#include <string.h>

bool decimal_id_parse(const char *s, size_t len, int64_t *out)
{
    if (!s || len == 0 || len > DECIMAL_ID_MAX_DIGITS || s[0] < '1' || s[0] > '9')
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0'); /* 19 digits fit in 64 bits unsigned */
    }
    if (v > INT64_MAX)
        return false;
    if (out)
        *out = (int64_t)v;
    return true;
}
