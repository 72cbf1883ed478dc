/* Hanzi → toneless pinyin from the shipped tables (data/pinyin/, generated from
 * @pinyin-pro/data and Unihan: see data/pinyin/SOURCE.md). Polyphonic characters are read
 * by word: the text is cut greedily into the longest words of words.tsv, and any other
 * character takes its most common reading. */
#ifndef OW_SEARCH_PINYIN_H
#define OW_SEARCH_PINYIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PINYIN_MAX_SYLLABLES 128
#define PINYIN_MAX_BYTES 1024

typedef struct pinyin_text {
    char full[PINYIN_MAX_BYTES]; /* "shehuibaozhangka" */
    size_t full_len;
    char initials[PINYIN_MAX_BYTES]; /* "shbzk": first letter of each syllable */
    size_t initials_len;
    size_t n_syl;
    uint16_t syl_start[PINYIN_MAX_SYLLABLES]; /* offset of syllable i in full */
    uint16_t syl_char[PINYIN_MAX_SYLLABLES];  /* index of its first code point in the input */
    uint16_t syl_span[PINYIN_MAX_SYLLABLES];  /* code points it spells (an ASCII run: many) */
    uint16_t syl_ini[PINYIN_MAX_SYLLABLES];   /* offset of its initials in initials */
} pinyin_text;

/* Once per process before threads: parses the embedded tables. 0 or -1. */
int pinyin_init(void);

/* Reads normalized code points. Hanzi give syllables; a run of ASCII letters and digits is
 * kept as one syllable (in full and initials alike); anything else is skipped. */
void pinyin_of(const uint32_t *cps, size_t n, pinyin_text *out);

/* True when s[0..len) is one pinyin syllable of the table ("zhuang", "a"). */
bool pinyin_is_syllable(const char *s, size_t len);

/* Length of the longest syllable that starts s[0..len) (0 if none). */
size_t pinyin_longest_syllable(const char *s, size_t len);

#endif
