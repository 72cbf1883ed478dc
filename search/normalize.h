/* Text normalization shared by the search index and the queries, so that both sides meet
 * in one form: traditional → simplified (OpenCC t2s), full-width → half-width, ASCII lower
 * case, and every character that is not a letter or a digit → a space. */
#ifndef OW_SEARCH_NORMALIZE_H
#define OW_SEARCH_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NORM_MAX_CHARS 2048 /* longer text is cut (descriptions are ≤ 2000) */

/* Once per process before threads; returns 0 or -1 when OpenCC's t2s is missing. */
int normalize_init(void);

/* Normalizes UTF-8 text into code points. With collapse, runs of spaces become one and the
 * ends are trimmed (queries); without, position i of the result is code point i of the
 * input whenever t2s kept the length (names, for highlights). Returns the count (≤ cap). */
size_t normalize_text(const char *utf8, size_t len, uint32_t *out, size_t cap, bool collapse);

/* True for the CJK unified ideographs the index knows (basic block and extension A). */
static inline bool is_hanzi(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
}

/* True for the ASCII letters and digits that survive normalization (lower case). */
static inline bool is_ascii_alnum(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Encodes code points as UTF-8 into out (NUL-terminated); returns the byte length. */
size_t normalize_to_utf8(const uint32_t *cps, size_t n, char *out, size_t cap);

#endif
