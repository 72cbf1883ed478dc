/* The terms of the ranked search (search/ranked.c), the same for the index and the queries:
 * normalized text (search/normalize.h) cut into Chinese words (search/segment.h, with the
 * sub-words of long words) and English words (lower case, Snowball English stems through
 * libstemmer), without stop words ("的", "办理", "the", "how"). */
#ifndef OW_SEARCH_TERMS_H
#define OW_SEARCH_TERMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TERM_MAX_BYTES 64

/* Called with each term (UTF-8, NUL-terminated); a non-zero return stops the walk. */
typedef int (*term_fn)(const char *term, size_t len, void *ctx);

/* Walks the terms of normalized text c[0..n); returns 0 or fn's non-zero return. */
int terms_of(const uint32_t *c, size_t n, term_fn fn, void *ctx);

/* The English stem of a lower-case ASCII word (into out, NUL-terminated); 0 when it is a
 * stop word or too long (then out is empty). */
size_t terms_stem(const char *word, size_t len, char *out, size_t cap);

/* True for a Chinese stop word (c[0..n), normalized). */
bool terms_cjk_stop(const uint32_t *c, size_t n);

#endif
