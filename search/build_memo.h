/* What the index build computed for a piece of text, by the text. A catalog repeats its
 * texts (one service is listed by the city, each district and each street, under the same
 * name, keywords and materials), so each distinct text is normalized, segmented and looked
 * up once per build and its result (a run of 32-bit values: gram slots, term ids, pool
 * offsets) reused. Keyed by the 128-bit XXH3 of the text seeded with a kind: a false match
 * needs a 128-bit collision (~1e-27 for a million distinct texts). Builder-private (not
 * thread-safe); freed with the builder. */
#ifndef OW_SEARCH_BUILD_MEMO_H
#define OW_SEARCH_BUILD_MEMO_H

#include <stddef.h>
#include <stdint.h>

typedef struct build_memo build_memo;

build_memo *build_memo_new(void);
void build_memo_free(build_memo *m);

/* The run stored for (kind, s[0..len)) and its length in *n, or NULL. The pointer is valid
 * until the next build_memo_put. */
const uint32_t *build_memo_get(build_memo *m, uint32_t kind, const char *s, size_t len, size_t *n);
/* Stores a copy of v[0..n) as the run of (kind, s[0..len)); returns the copy (valid until
 * the next put), or NULL when out of memory. */
const uint32_t *build_memo_put(build_memo *m, uint32_t kind, const char *s, size_t len,
                               const uint32_t *v, size_t n);

#endif
