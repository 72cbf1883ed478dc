#include "search/everyday.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>

#include "core/embedded_data.h"

#define WORD_MAX 6
#define MAX_WORDS 512

typedef struct everyday_word {
    uint32_t from[WORD_MAX], to[WORD_MAX];
    uint8_t n_from, n_to;
} everyday_word;

/* Sorted by first character, longer words first, so the first match is the longest. */
static everyday_word words[MAX_WORDS];
static size_t n_words;
static pthread_once_t words_once = PTHREAD_ONCE_INIT;

/* The code points of a word, or 0 for one longer than WORD_MAX (left out, never cut). */
static size_t decode(const char *s, size_t len, uint32_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        if (n == WORD_MAX)
            return 0;
        ucs4_t u;
        int l = u8_mbtouc(&u, (const uint8_t *)s + i, len - i);
        out[n++] = u;
        i += l > 0 ? (size_t)l : 1;
    }
    return n;
}

static int cmp_word(const void *a, const void *b)
{
    const everyday_word *x = a, *y = b;
    if (x->from[0] != y->from[0])
        return x->from[0] < y->from[0] ? -1 : 1;
    return (int)y->n_from - (int)x->n_from;
}

/* data/everyday.tsv: everyday<TAB>official lines; '#' comments. */
static void load_words(void)
{
    const char *p = everyday_tsv, *end = everyday_tsv + everyday_tsv_len;
    while (p < end && n_words < MAX_WORDS) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *tab = memchr(p, '\t', (size_t)(le - p));
        if (*p != '#' && tab && tab > p && le > tab + 1) {
            everyday_word *w = &words[n_words];
            w->n_from = (uint8_t)decode(p, (size_t)(tab - p), w->from);
            w->n_to = (uint8_t)decode(tab + 1, (size_t)(le - tab - 1), w->to);
            if (w->n_from && w->n_to)
                n_words++;
        }
        p = le + 1;
    }
    qsort(words, n_words, sizeof *words, cmp_word);
}

static const everyday_word *longest_at(const uint32_t *c, size_t n)
{
    size_t lo = 0, hi = n_words;
    while (lo < hi) { /* the first word starting with c[0] */
        size_t mid = (lo + hi) / 2;
        if (words[mid].from[0] < c[0])
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < n_words && words[i].from[0] == c[0]; i++)
        if (words[i].n_from <= n && memcmp(words[i].from, c, words[i].n_from * sizeof *c) == 0)
            return &words[i];
    return NULL;
}

size_t everyday_size(void)
{
    pthread_once(&words_once, load_words);
    return n_words;
}

size_t everyday_rewrite(const uint32_t *c, size_t n, uint32_t *out, size_t cap)
{
    pthread_once(&words_once, load_words);
    size_t k = 0;
    bool changed = false;
    for (size_t i = 0; i < n;) {
        const everyday_word *w = longest_at(c + i, n - i);
        if (!w) {
            if (k < cap)
                out[k++] = c[i];
            i++;
            continue;
        }
        for (size_t j = 0; j < w->n_to && k < cap; j++)
            out[k++] = w->to[j];
        i += w->n_from;
        changed = true;
    }
    return changed ? k : 0;
}
