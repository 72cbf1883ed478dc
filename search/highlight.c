#include "search/query.h"

#include <string.h>

#include <unistr.h>

#include "search/normalize.h"
#include "search/pinyin.h"
#include "search/terms.h"

/* ---- highlights ---- */

static void mark_cjk(const token *t, const uint32_t *name, size_t n, bool *marked)
{
    for (size_t j = 0; j < n; j++) {
        for (size_t i = 0; i < t->n; i++) {
            bool pair =
                i + 1 < t->n && j + 1 < n && name[j] == t->c[i] && name[j + 1] == t->c[i + 1];
            if (pair)
                marked[j] = marked[j + 1] = true;
            else if (t->n == 1 && name[j] == t->c[0])
                marked[j] = true;
        }
    }
}

static void mark_syllable(const pinyin_text *py, size_t k, size_t n, bool *marked)
{
    for (size_t c = py->syl_char[k]; c < (size_t)py->syl_char[k] + py->syl_span[k] && c < n; c++)
        marked[c] = true;
}

/* Marks the characters that spell the token: in the full pinyin from a syllable start, else
 * in the initials (the first match of either). */
static void mark_ascii(const token *t, const uint32_t *name, size_t n, bool *marked)
{
    static _Thread_local pinyin_text py;
    char s[SEARCH_MAX_QUERY_CHARS * 2 + 1];
    token_ascii(t, s, sizeof s);
    size_t len = strlen(s);
    pinyin_of(name, n, &py);
    for (size_t k = 0; k < py.n_syl; k++) {
        size_t at = py.syl_start[k];
        if (at + len <= py.full_len && memcmp(py.full + at, s, len) == 0) {
            for (size_t j = k; j < py.n_syl && py.syl_start[j] < at + len; j++)
                mark_syllable(&py, j, n, marked);
            return;
        }
    }
    for (size_t k = 0; k < py.n_syl; k++) {
        size_t at = py.syl_ini[k];
        if (at + len <= py.initials_len && memcmp(py.initials + at, s, len) == 0) {
            for (size_t j = k; j < py.n_syl && py.syl_ini[j] < at + len; j++)
                mark_syllable(&py, j, n, marked);
            return;
        }
    }
}

/* English names: the words whose stem is the stem of an English word of the literal query. */
static size_t highlight_en(const search_query *q, const char *name, uint32_t ranges[][2],
                           size_t max)
{
    const alternative *lit = &q->alt[0];
    size_t k = 0, len = strlen(name);
    for (size_t i = 0; i < len && k < max;) {
        while (i < len && !((name[i] | 32) >= 'a' && (name[i] | 32) <= 'z'))
            i++;
        size_t start = i;
        char word[40], stem[40];
        size_t wl = 0;
        for (; i < len && (name[i] | 32) >= 'a' && (name[i] | 32) <= 'z'; i++)
            if (wl < sizeof word - 1)
                word[wl++] = (char)(name[i] | 32);
        if (!terms_stem(word, wl, stem, sizeof stem))
            continue;
        for (size_t t = 0; t < lit->n_tok; t++) {
            char qs[SEARCH_MAX_QUERY_CHARS * 2 + 1], qstem[40];
            if (!lit->tok[t].ascii)
                continue;
            token_ascii(&lit->tok[t], qs, sizeof qs);
            if (terms_stem(qs, strlen(qs), qstem, sizeof qstem) && strcmp(qstem, stem) == 0) {
                ranges[k][0] = (uint32_t)start; /* ASCII: bytes are code points */
                ranges[k++][1] = (uint32_t)i;
                break;
            }
        }
    }
    return k;
}

size_t search_highlight(const search_index *ix, const search_results *res, const search_hit *hit,
                        bool english, uint32_t ranges[][2], size_t max)
{
    if (!res->query || hit->alt >= res->query->n_alt)
        return 0;
    const search_item *it = &ix->items[hit->item];
    if (english && it->name_en)
        return highlight_en(res->query, ix->pool + it->name_en, ranges, max);
    const char *name = ix->pool + ix->items[hit->item].name;
    uint32_t c[256];
    size_t n = normalize_text(name, strlen(name), c, 256, false);
    if (n != u8_mbsnlen((const uint8_t *)name, strlen(name)))
        return 0; /* t2s changed the length: positions would not match the name */
    bool marked[256] = {false};
    const alternative *alt = &res->query->alt[hit->alt];
    for (size_t i = 0; i < alt->n_tok; i++) {
        if (alt->tok[i].ascii)
            mark_ascii(&alt->tok[i], c, n, marked);
        else
            mark_cjk(&alt->tok[i], c, n, marked);
    }
    size_t k = 0;
    for (size_t i = 0; i < n && k < max;) {
        if (!marked[i]) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < n && marked[i])
            i++;
        ranges[k][0] = (uint32_t)start;
        ranges[k++][1] = (uint32_t)i;
    }
    return k;
}
