/* A growable string whose memory comes from an arena (so it is never freed by hand). */
#ifndef OW_STRBUF_H
#define OW_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

typedef struct strbuf {
    arena *a;
    char *data;
    size_t len, cap;
    bool failed; /* out of memory at some point: the content is incomplete */
} strbuf;

void sb_init(strbuf *sb, arena *a, size_t cap);
void sb_append(strbuf *sb, const char *s, size_t len);
void sb_puts(strbuf *sb, const char *s);
void sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
