#include "core/json_write.h"

#include <stdio.h>
#include <string.h>

void jw_string(strbuf *sb, const char *s)
{
    sb_append(sb, "\"", 1);
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        sb_append(sb, run, (size_t)(s - run));
        char esc[8];
        int n = c == '"'    ? snprintf(esc, sizeof esc, "\\\"")
                : c == '\\' ? snprintf(esc, sizeof esc, "\\\\")
                            : snprintf(esc, sizeof esc, "\\u%04x", c);
        sb_append(sb, esc, (size_t)n);
        run = s + 1;
    }
    sb_append(sb, run, (size_t)(s - run));
    sb_append(sb, "\"", 1);
}

void jw_int(strbuf *sb, int64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
    sb_append(sb, buf, (size_t)n);
}
