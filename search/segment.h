/* Chinese word segmentation for the ranked search (search/ranked.c): the maximum-probability
 * path through the DAG of dictionary words, the method of jieba, over jieba's dictionary
 * (compiled in from Debian's python3-jieba, MIT; data/README.md). No HMM for unknown words:
 * an unknown run falls apart into single characters, which still match characters.
 * The dictionary is keyed by a 64-bit hash of each word (a collision among its 349 k words
 * is improbable, ~1e-9, and would only merge two words' frequencies). */
#ifndef OW_SEARCH_SEGMENT_H
#define OW_SEARCH_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEGMENT_MAX_WORD 16 /* characters */

typedef struct seg_word {
    uint16_t start, len; /* code points of the input */
} seg_word;

/* Loads the dictionary once per process (before threads); 0, or -1 when out of memory. */
int segment_init(void);

/* The words of a run of hanzi c[0..n), left to right: the best path, and with sub_words also
 * every dictionary word of 2 or 3 characters inside a longer word (jieba's search mode:
 * 最低生活保障 → 最低 生活 保障 最低生活保障). Returns the count (≤ cap). */
size_t segment_run(const uint32_t *c, size_t n, bool sub_words, seg_word *out, size_t cap);

/* True when c[0..n) is a dictionary word. */
bool segment_is_word(const uint32_t *c, size_t n);

#endif
