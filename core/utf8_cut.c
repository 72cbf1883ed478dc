#include "core/utf8_cut.h"

void utf8_cut(char *s, size_t max_chars)
{
    size_t chars = 0;
    for (char *p = s; p && *p; p++)
        if (((unsigned char)*p & 0xC0) != 0x80 && chars++ == max_chars) { /* a lead byte */
            *p = '\0';
            return;
        }
}
