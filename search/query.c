#include "search/query.h"

#include <pthread.h>
#include <string.h>

#include <unistr.h>

#include "search/normalize.h"
#include "search/pinyin.h"

/* Filler words of spoken queries ("我要办理…", "…怎么办"): they need not match. */
static const char *const filler_words[] = {
    "怎么办", "在哪里", "怎么", "如何", "怎样", "我要", "我想", "想要", "需要", "办理",
    "在哪",   "哪里",   "去哪", "什么", "一下", "手续", "流程", "请问", "可以", "申请",
    "的",     "了",     "吗",   "呢",   "啊",   "吧",   "办",   "要",   "想",   "去",
};

/* ---- parsing ---- */

#define N_FILLERS (sizeof filler_words / sizeof *filler_words)

/* The filler words as code points, decoded once. */
static uint32_t filler_cps[N_FILLERS][4];
static size_t filler_len[N_FILLERS];
static pthread_once_t filler_once = PTHREAD_ONCE_INIT;

static void decode_fillers(void)
{
    for (size_t w = 0; w < N_FILLERS; w++) {
        const uint8_t *s = (const uint8_t *)filler_words[w];
        while (*s && filler_len[w] < 4) {
            ucs4_t u;
            s += u8_mbtouc(&u, s, 4);
            filler_cps[w][filler_len[w]++] = u;
        }
    }
}

static uint64_t required_chars(const uint32_t *c, size_t n)
{
    pthread_once(&filler_once, decode_fillers);
    uint64_t req = n >= 64 ? ~0ULL : (1ULL << n) - 1;
    uint64_t filler = 0;
    for (size_t w = 0; w < N_FILLERS; w++) {
        size_t fn = filler_len[w];
        for (size_t i = 0; i + fn <= n && i < 64; i++)
            if (c[i] == filler_cps[w][0] && memcmp(c + i, filler_cps[w], fn * sizeof *c) == 0)
                for (size_t k = 0; k < fn && i + k < 64; k++)
                    filler |= 1ULL << (i + k);
    }
    return req & ~filler; /* 0: the token is only filler words */
}

/* Tokens made only of filler words ("我要" in "我要 结婚登记") are dropped; a reading made
 * only of them means them literally. */
static void drop_filler_tokens(alternative *alt)
{
    size_t k = 0;
    for (size_t i = 0; i < alt->n_tok; i++)
        if (alt->tok[i].ascii || alt->tok[i].required != 0)
            alt->tok[k++] = alt->tok[i];
    if (k == 0) {
        for (size_t i = 0; i < alt->n_tok; i++) {
            size_t n = alt->tok[i].n > 64 ? 64 : alt->tok[i].n;
            alt->tok[i].required = n >= 64 ? ~0ULL : (1ULL << n) - 1;
        }
        return;
    }
    alt->n_tok = k;
}

/* Splits normalized text into tokens: runs of hanzi, runs of ASCII letters and digits. */
static void tokenize(const uint32_t *c, size_t n, alternative *alt)
{
    alt->n_tok = 0;
    for (size_t i = 0; i < n;) {
        bool ascii = is_ascii_alnum(c[i]);
        if (!ascii && !is_hanzi(c[i])) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < n && (ascii ? is_ascii_alnum(c[i]) : is_hanzi(c[i])))
            i++;
        size_t len = i - start;
        if (alt->n_tok == MAX_TOKENS || (ascii && len < 2))
            continue; /* one ASCII letter matches too much to mean anything */
        token *t = &alt->tok[alt->n_tok++];
        if (len > sizeof t->c / sizeof *t->c)
            len = sizeof t->c / sizeof *t->c;
        memcpy(t->c, c + start, len * sizeof *c);
        t->n = len;
        t->ascii = ascii;
        t->required = ascii ? 0 : required_chars(t->c, len > 64 ? 64 : len);
    }
    drop_filler_tokens(alt);
}

typedef struct span {
    size_t start, len;
    uint32_t first_entry; /* synonym entry id of the first match */
} span;

static bool synonym_at(const search_index *ix, const uint32_t *c, size_t n, size_t i, size_t len,
                       uint32_t *entry)
{
    if (c[i] == ' ' || c[i + len - 1] == ' ')
        return false;
    bool ascii = c[i] < 0x80;
    if (ascii &&
        ((i > 0 && is_ascii_alnum(c[i - 1])) || (i + len < n && is_ascii_alnum(c[i + len]))))
        return false;
    char utf8[SEARCH_MAX_QUERY_CHARS * 4 + 1];
    size_t blen = normalize_to_utf8(c + i, len, utf8, sizeof utf8);
    size_t pos = 0;
    uint32_t id;
    while (u64map_next(&ix->synonym_index, hash_bytes(utf8, blen), &pos, &id))
        if (strcmp(ix->pool + ix->synonyms[id].term, utf8) == 0) {
            *entry = id;
            return true;
        }
    return false;
}

/* Greedy, leftmost-longest occurrences of dictionary terms in the query. */
static size_t find_synonyms(const search_index *ix, const uint32_t *c, size_t n, span *out,
                            size_t max)
{
    size_t found = 0;
    for (size_t i = 0; i < n && found < max;) {
        size_t longest = n - i < ix->synonym_max_chars ? n - i : ix->synonym_max_chars;
        size_t len = longest;
        uint32_t entry = 0;
        for (; len > 0; len--)
            if (synonym_at(ix, c, n, i, len, &entry))
                break;
        if (len == 0) {
            i++;
            continue;
        }
        out[found++] = (span){i, len, entry};
        i += len;
    }
    return found;
}

static bool same_tokens(const alternative *x, const alternative *y)
{
    if (x->n_tok != y->n_tok)
        return false;
    for (size_t i = 0; i < x->n_tok; i++)
        if (x->tok[i].n != y->tok[i].n ||
            memcmp(x->tok[i].c, y->tok[i].c, x->tok[i].n * sizeof *x->tok[i].c) != 0)
            return false;
    return true;
}

/* A reading with each span replaced by its expansion (spaces around, so that it stands
 * as its own tokens: "换驾照" → "换 机动车驾驶证"). */
static void add_rewrite(search_query *q, const uint32_t *c, size_t n, const span *spans,
                        const char *const *expansions, size_t count)
{
    if (q->n_alt == MAX_ALTS)
        return;
    uint32_t buf[SEARCH_MAX_QUERY_CHARS * 4];
    const size_t cap = sizeof buf / sizeof *buf;
    size_t k = 0, at = 0;
    for (size_t s = 0; s < count && k + 2 <= cap; s++) { /* room for the two spaces */
        for (; at < spans[s].start && k + 2 < cap; at++)
            buf[k++] = c[at];
        buf[k++] = ' ';
        const uint8_t *e = (const uint8_t *)expansions[s];
        while (*e && k + 1 < cap) {
            ucs4_t u;
            e += u8_mbtouc(&u, e, 4);
            buf[k++] = u;
        }
        buf[k++] = ' ';
        at = spans[s].start + spans[s].len;
    }
    for (; at < n && k < cap; at++)
        buf[k++] = c[at];
    alternative *alt = &q->alt[q->n_alt];
    tokenize(buf, k, alt);
    if (alt->n_tok == 0)
        return;
    for (size_t i = 0; i < q->n_alt; i++)
        if (same_tokens(&q->alt[i], alt))
            return; /* two entries, one reading: match it once */
    alt->kind = ALT_SYNONYM;
    q->n_alt++;
}

/* One reading per expansion of each term found, and one with every term replaced by its
 * first expansion ("driver license renewal" → "机动车驾驶证 换证"). */
static void add_synonym_readings(const search_index *ix, search_query *q, const uint32_t *c,
                                 size_t n)
{
    span spans[8];
    const char *firsts[8];
    size_t ns = find_synonyms(ix, c, n, spans, 8);
    for (size_t s = 0; s < ns; s++)
        firsts[s] = ix->pool + ix->synonyms[spans[s].first_entry].expansion;
    if (ns > 1)
        add_rewrite(q, c, n, spans, firsts, ns);
    for (size_t s = 0; s < ns; s++) {
        const char *term = ix->pool + ix->synonyms[spans[s].first_entry].term;
        size_t pos = 0;
        uint32_t id;
        while (u64map_next(&ix->synonym_index, hash_bytes(term, strlen(term)), &pos, &id))
            if (strcmp(ix->pool + ix->synonyms[id].term, term) == 0) {
                const char *e = ix->pool + ix->synonyms[id].expansion;
                add_rewrite(q, c, n, &spans[s], &e, 1);
            }
    }
}

void query_parse(const search_index *ix, const char *text, search_query *q)
{
    uint32_t c[SEARCH_MAX_QUERY_CHARS * 2];
    size_t n = normalize_text(text, strlen(text), c, sizeof c / sizeof *c, true);
    q->n_alt = 1;
    q->alt[0].kind = ALT_LITERAL;
    tokenize(c, n, &q->alt[0]);
    uint32_t compact[SEARCH_MAX_QUERY_CHARS * 2];
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (c[i] != ' ')
            compact[k++] = c[i];
    q->compact_len = normalize_to_utf8(compact, k, q->compact, sizeof q->compact);
    add_synonym_readings(ix, q, c, n);
}

/* True when a[0..la) and b[0..lb) differ by at most one substitution, insertion or deletion. */
bool within_one_edit(const char *a, size_t la, const char *b, size_t lb)
{
    if (la > lb + 1 || lb > la + 1)
        return false;
    size_t i = 0;
    while (i < la && i < lb && a[i] == b[i])
        i++;
    if (la == lb)
        return i == la || memcmp(a + i + 1, b + i + 1, la - i - 1) == 0;
    if (la > lb)
        return memcmp(a + i + 1, b + i, la - i - 1) == 0;
    return memcmp(a + i, b + i + 1, lb - i - 1) == 0;
}

void token_ascii(const token *t, char *s, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n && k + 1 < cap; i++)
        s[k++] = (char)t->c[i];
    s[k] = '\0';
}

/* The literal reading with every hanzi token spelled in pinyin: finds homophone typos
 * ("社报卡" → shebaoka → 社保卡). Filler characters at the ends are left out. */
void query_add_pinyin_reading(search_query *q)
{
    if (q->n_alt == MAX_ALTS)
        return;
    const alternative *lit = &q->alt[0];
    alternative *alt = &q->alt[q->n_alt];
    bool changed = false;
    alt->n_tok = 0;
    alt->kind = ALT_PINYIN;
    for (size_t i = 0; i < lit->n_tok; i++) {
        token *t = &alt->tok[alt->n_tok];
        *t = lit->tok[i];
        if (!t->ascii) {
            size_t lo = 0, hi = t->n < 64 ? t->n : 64;
            while (lo < hi && !(t->required & (1ULL << lo)))
                lo++;
            while (hi > lo && !(t->required & (1ULL << (hi - 1))))
                hi--;
            static _Thread_local pinyin_text py;
            pinyin_of(lit->tok[i].c + lo, hi - lo, &py);
            if (py.full_len < 2)
                continue;
            size_t n =
                py.full_len < sizeof t->c / sizeof *t->c ? py.full_len : sizeof t->c / sizeof *t->c;
            for (size_t k = 0; k < n; k++)
                t->c[k] = (uint8_t)py.full[k];
            t->n = n;
            t->ascii = true;
            t->required = 0;
            changed = true;
        }
        alt->n_tok++;
    }
    if (changed && alt->n_tok > 0)
        q->n_alt++;
}

/* Forgiving copies of every reading so far (see allowed_missing, soft_and);
 * only where forgiving can change anything. */
void query_add_soft_readings(search_query *q, size_t n_strict)
{
    for (size_t i = 0; i < n_strict && q->n_alt < MAX_ALTS; i++) {
        const alternative *alt = &q->alt[i];
        bool differs = alt->n_tok > 1;
        for (size_t t = 0; t < alt->n_tok && !differs; t++)
            differs = alt->tok[t].ascii ? alt->tok[t].n >= 4
                                        : __builtin_popcountll(alt->tok[t].required) >= 3;
        if (!differs)
            continue;
        q->alt[q->n_alt] = *alt;
        q->alt[q->n_alt++].kind = ALT_TYPO;
    }
}

/* English or pinyin one letter off a dictionary term ("pasport"): its rewrites. */
void query_add_near_synonyms(const search_index *ix, search_query *q)
{
    const alternative *lit = &q->alt[0];
    for (size_t i = 0; i < lit->n_tok && q->n_alt < MAX_ALTS; i++) {
        const token *t = &lit->tok[i];
        if (!t->ascii || t->n < 4)
            continue;
        char s[SEARCH_MAX_QUERY_CHARS * 2 + 1];
        token_ascii(t, s, sizeof s);
        for (size_t k = 0; k < ix->n_synonyms && q->n_alt < MAX_ALTS; k++) {
            const synonym_entry *e = &ix->synonyms[k];
            const char *term = ix->pool + e->term;
            if (!e->ascii || strcmp(term, s) == 0 || !within_one_edit(s, t->n, term, strlen(term)))
                continue;
            alternative *alt = &q->alt[q->n_alt];
            *alt = *lit;
            alt->kind = ALT_SYNONYM;
            uint32_t c[SEARCH_MAX_QUERY_CHARS * 2];
            const char *x = ix->pool + e->expansion;
            size_t n = normalize_text(x, strlen(x), c, sizeof c / sizeof *c, true);
            alternative tmp;
            tokenize(c, n, &tmp);
            if (tmp.n_tok == 0)
                continue;
            /* the misspelt token becomes the expansion's tokens */
            size_t room = MAX_TOKENS - alt->n_tok + 1;
            size_t take = tmp.n_tok < room ? tmp.n_tok : room;
            alt->tok[i] = tmp.tok[0];
            for (size_t j = 1; j < take; j++)
                alt->tok[alt->n_tok++] = tmp.tok[j];
            q->n_alt++;
        }
    }
}
