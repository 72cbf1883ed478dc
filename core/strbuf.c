#include "core/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sb_init(strbuf *sb, arena *a, size_t cap)
{
    sb->a = a;
    sb->len = 0;
    sb->failed = false;
    sb->cap = cap ? cap : 256;
    sb->data = arena_alloc(a, sb->cap);
    if (!sb->data) {
        sb->cap = 0;
        sb->failed = true;
    } else {
        sb->data[0] = '\0';
    }
}

static bool sb_reserve(strbuf *sb, size_t extra)
{
    if (sb->failed)
        return false;
    if (sb->len + extra + 1 <= sb->cap)
        return true;
    size_t cap = sb->cap * 2;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    char *d = arena_alloc(sb->a, cap);
    if (!d) {
        sb->failed = true;
        return false;
    }
    memcpy(d, sb->data, sb->len + 1);
    sb->data = d;
    sb->cap = cap;
    return true;
}

void sb_append(strbuf *sb, const char *s, size_t len)
{
    if (!sb_reserve(sb, len))
        return;
    memcpy(sb->data + sb->len, s, len);
    sb->len += len;
    sb->data[sb->len] = '\0';
}

void sb_puts(strbuf *sb, const char *s)
{
    sb_append(sb, s, strlen(s));
}

void sb_printf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !sb_reserve(sb, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}
