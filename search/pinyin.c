#include "search/pinyin.h"

#include <stdlib.h>
#include <string.h>

#include <unistr.h>

#include "core/embedded_data.h"
#include "core/u64map.h"
#include "search/normalize.h"

#define FIRST_HANZI 0x3400
#define LAST_HANZI 0x9FFF
#define MAX_SYLLABLES 1024
#define MAX_WORD_CHARS 8

typedef struct syllable {
    char text[8];
    uint8_t len;
} syllable;

typedef struct word {
    uint32_t text_off; /* into pinyin_words_tsv */
    uint8_t text_len, n_syl;
    uint32_t syl_off; /* into word_syls */
} word;

static syllable syllables[MAX_SYLLABLES];
static size_t n_syllables;
static u64map syllable_index;                           /* hash(text) → index */
static uint16_t char_syl[LAST_HANZI - FIRST_HANZI + 1]; /* index + 1; 0: none */
static word *words;
static size_t n_words;
static uint16_t *word_syls;
static u64map word_index;                                           /* hash(utf8) → index */
static uint8_t starts_word[(LAST_HANZI - FIRST_HANZI + 1) / 8 + 1]; /* first chars */

static int syllable_id(const char *s, size_t len)
{
    uint64_t h = hash_bytes(s, len);
    size_t pos = 0;
    uint32_t id;
    while (u64map_next(&syllable_index, h, &pos, &id))
        if (syllables[id].len == len && memcmp(syllables[id].text, s, len) == 0)
            return (int)id;
    if (len == 0 || len >= sizeof syllables[0].text || n_syllables == MAX_SYLLABLES)
        return -1;
    for (size_t i = 0; i < len; i++)
        if (s[i] < 'a' || s[i] > 'z')
            return -1;
    memcpy(syllables[n_syllables].text, s, len);
    syllables[n_syllables].len = (uint8_t)len;
    if (u64map_put(&syllable_index, h, (uint32_t)n_syllables) != 0)
        return -1;
    return (int)n_syllables++;
}

/* Calls fn(line, len) for each line that is not empty or a comment. */
static int each_line(const char *text, size_t len, int (*fn)(const char *, size_t))
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        if (n > 0 && p[0] != '#' && fn(p, n) != 0)
            return -1;
        p += n + 1;
    }
    return 0;
}

static int add_char(const char *line, size_t len)
{
    const char *tab = memchr(line, '\t', len);
    ucs4_t c;
    if (!tab || u8_mbtouc(&c, (const uint8_t *)line, (size_t)(tab - line)) != tab - line ||
        c < FIRST_HANZI || c > LAST_HANZI)
        return -1;
    int id = syllable_id(tab + 1, (size_t)(line + len - tab - 1));
    if (id < 0)
        return -1;
    char_syl[c - FIRST_HANZI] = (uint16_t)(id + 1);
    return 0;
}

static size_t words_cap, word_syls_len, word_syls_cap;

static int push_word_syllable(int id)
{
    if (word_syls_len == word_syls_cap) {
        word_syls_cap = word_syls_cap ? word_syls_cap * 2 : 4096;
        uint16_t *n = realloc(word_syls, word_syls_cap * sizeof *n);
        if (!n)
            return -1;
        word_syls = n;
    }
    word_syls[word_syls_len++] = (uint16_t)id;
    return 0;
}

static int add_word(const char *line, size_t len)
{
    const char *tab = memchr(line, '\t', len), *end = line + len;
    if (!tab || tab - line > MAX_WORD_CHARS * 4)
        return -1;
    if (n_words == words_cap) {
        words_cap = words_cap ? words_cap * 2 : 1024;
        word *n = realloc(words, words_cap * sizeof *n);
        if (!n)
            return -1;
        words = n;
    }
    word *w = &words[n_words];
    w->text_off = (uint32_t)(line - pinyin_words_tsv);
    w->text_len = (uint8_t)(tab - line);
    w->syl_off = (uint32_t)word_syls_len;
    w->n_syl = 0;
    for (const char *p = tab + 1; p < end;) {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        size_t n = (size_t)((sp ? sp : end) - p);
        int id = syllable_id(p, n);
        if (id < 0 || push_word_syllable(id) != 0)
            return -1;
        w->n_syl++;
        p += n + 1;
    }
    ucs4_t first;
    u8_mbtouc(&first, (const uint8_t *)line, w->text_len);
    if (first >= FIRST_HANZI && first <= LAST_HANZI)
        starts_word[(first - FIRST_HANZI) / 8] |= (uint8_t)(1u << ((first - FIRST_HANZI) % 8));
    if (u64map_put(&word_index, hash_bytes(line, w->text_len), (uint32_t)n_words) != 0)
        return -1;
    n_words++;
    return 0;
}

int pinyin_init(void)
{
    if (n_syllables > 0)
        return 0;
    if (u64map_init(&syllable_index, 512) != 0 || u64map_init(&word_index, 8192) != 0)
        return -1;
    if (each_line(pinyin_chars_tsv, pinyin_chars_tsv_len, add_char) != 0 ||
        each_line(pinyin_words_tsv, pinyin_words_tsv_len, add_word) != 0)
        return -1;
    return 0;
}

static int char_syllable(uint32_t c)
{
    if (c < FIRST_HANZI || c > LAST_HANZI)
        return -1;
    return char_syl[c - FIRST_HANZI] - 1;
}

/* The word of the table spelled by cps[0..n), or NULL. */
static const word *find_word(const uint32_t *cps, size_t n)
{
    char utf8[MAX_WORD_CHARS * 4 + 1];
    size_t len = normalize_to_utf8(cps, n, utf8, sizeof utf8);
    uint64_t h = hash_bytes(utf8, len);
    size_t pos = 0;
    uint32_t id;
    while (u64map_next(&word_index, h, &pos, &id))
        if (words[id].text_len == len &&
            memcmp(pinyin_words_tsv + words[id].text_off, utf8, len) == 0)
            return &words[id];
    return NULL;
}

/* The longest word starting at cps[0], or NULL. */
static const word *longest_word(const uint32_t *cps, size_t n)
{
    uint32_t c = cps[0];
    if (c < FIRST_HANZI || c > LAST_HANZI ||
        !(starts_word[(c - FIRST_HANZI) / 8] & (1u << ((c - FIRST_HANZI) % 8))))
        return NULL;
    size_t max = n < MAX_WORD_CHARS ? n : MAX_WORD_CHARS;
    for (size_t k = max; k >= 2; k--) {
        bool all_hanzi = true;
        for (size_t i = 1; i < k && all_hanzi; i++)
            all_hanzi = is_hanzi(cps[i]);
        if (!all_hanzi)
            continue;
        const word *w = find_word(cps, k);
        if (w && w->n_syl == k)
            return w;
    }
    return NULL;
}

static void append(pinyin_text *out, const char *s, size_t len, size_t ini_len, uint16_t ch,
                   uint16_t span)
{
    if (out->n_syl == PINYIN_MAX_SYLLABLES || out->full_len + len >= PINYIN_MAX_BYTES ||
        out->initials_len + ini_len >= PINYIN_MAX_BYTES)
        return;
    out->syl_start[out->n_syl] = (uint16_t)out->full_len;
    out->syl_ini[out->n_syl] = (uint16_t)out->initials_len;
    out->syl_span[out->n_syl] = span;
    out->syl_char[out->n_syl++] = ch;
    memcpy(out->full + out->full_len, s, len);
    out->full_len += len;
    memcpy(out->initials + out->initials_len, s, ini_len);
    out->initials_len += ini_len;
}

void pinyin_of(const uint32_t *cps, size_t n, pinyin_text *out)
{
    out->full_len = out->initials_len = out->n_syl = 0;
    for (size_t i = 0; i < n;) {
        if (is_ascii_alnum(cps[i])) {
            char run[64];
            size_t k = 0, start = i;
            while (i < n && is_ascii_alnum(cps[i]) && k < sizeof run)
                run[k++] = (char)cps[i++];
            append(out, run, k, k, (uint16_t)start, (uint16_t)k);
            continue;
        }
        const word *w = longest_word(cps + i, n - i);
        if (w) {
            for (size_t s = 0; s < w->n_syl; s++) {
                const syllable *y = &syllables[word_syls[w->syl_off + s]];
                append(out, y->text, y->len, 1, (uint16_t)(i + s), 1);
            }
            i += w->n_syl;
            continue;
        }
        int id = char_syllable(cps[i]);
        if (id >= 0)
            append(out, syllables[id].text, syllables[id].len, 1, (uint16_t)i, 1);
        i++;
    }
    out->full[out->full_len] = '\0';
    out->initials[out->initials_len] = '\0';
}

bool pinyin_is_syllable(const char *s, size_t len)
{
    uint64_t h = hash_bytes(s, len);
    size_t pos = 0;
    uint32_t id;
    while (u64map_next(&syllable_index, h, &pos, &id))
        if (syllables[id].len == len && memcmp(syllables[id].text, s, len) == 0)
            return true;
    return false;
}

size_t pinyin_longest_syllable(const char *s, size_t len)
{
    for (size_t k = len < 6 ? len : 6; k > 0; k--)
        if (pinyin_is_syllable(s, k))
            return k;
    return 0;
}
