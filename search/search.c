#include "search/search.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>

#include "core/strbuf.h"
#include "search/blob_cache.h"
#include "search/normalize.h"
#include "search/pinyin.h"

#define MAX_TOKENS 12
#define MAX_ALTS 16
#define MAX_GRAMS 130

/* What one token (or a whole reading) matched in an item. */
enum {
    M_NAME = 1,   /* in the name alone */
    M_NAMEKW = 2, /* in name and keywords */
    M_ANY = 4,    /* somewhere, the description included */
    M_PREFIX = 8, /* ASCII: the name's pinyin starts with it */
    M_EXACT = 16, /* ASCII: the name's pinyin is exactly it */
    M_WHOLE = 32, /* ASCII: a whole keyword's pinyin or initials (a bonus, not a tier) */
};

enum { ALT_LITERAL, ALT_SYNONYM, ALT_PINYIN, ALT_TYPO };

/* Tiers (score / 1000). */
enum {
    T_EXACT = 70,
    T_PREFIX = 60,
    T_NAME = 50,
    T_SYN_NAME = 45,
    T_KEYWORD = 40,
    T_SYN_KEYWORD = 35,
    T_DESC = 30,
    T_SYN_DESC = 25,
    T_PINYIN = 20,
    T_TYPO = 10,
};

typedef struct token {
    uint32_t c[SEARCH_MAX_QUERY_CHARS * 2];
    size_t n;
    bool ascii;
    uint64_t required; /* CJK: the characters that must be covered (not filler words) */
} token;

typedef struct alternative {
    token tok[MAX_TOKENS];
    size_t n_tok;
    int kind;
} alternative;

struct search_query {
    alternative alt[MAX_ALTS];
    size_t n_alt;
    char compact[SEARCH_MAX_QUERY_CHARS * 4 + 1]; /* the literal query without spaces */
    size_t compact_len;
};

typedef struct match {
    uint32_t item;
    uint16_t bits;
    uint16_t weight; /* required characters matched (an ASCII token counts 2) */
} match;

typedef struct match_list {
    match *m;
    size_t n;
} match_list;

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

static void parse(const search_index *ix, const char *text, search_query *q)
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

/* ---- matching one token ---- */

typedef struct gram_ref {
    const uint32_t *list;
    size_t n;
    uint64_t cover; /* characters of the token the gram covers */
} gram_ref;

static size_t token_grams(const search_index *ix, const token *t, gram_ref *g)
{
    size_t ng = 0, n = t->n > 64 ? 64 : t->n;
    bool bigram_seen[65] = {false}; /* bigram i..i+1 exists anywhere in the index */
    for (size_t i = 0; i + 1 < n && ng < MAX_GRAMS; i++) {
        g[ng].list = index_gram_postings(ix, gram_bigram(t->c[i], t->c[i + 1]), &g[ng].n);
        g[ng].cover = 3ULL << i;
        if (g[ng].list) {
            bigram_seen[i] = true;
            ng++;
        }
    }
    /* A character whose neighbours form no known bigram is a word of its own ("换" in
     * "换驾照"): it may match alone, in a name or keyword. */
    for (size_t i = 0; i < n && ng < MAX_GRAMS; i++) {
        bool left = i > 0 && bigram_seen[i - 1], right = i + 1 < n && bigram_seen[i];
        if (left || right)
            continue;
        g[ng].list = index_gram_postings(ix, gram_unigram(t->c[i]), &g[ng].n);
        g[ng].cover = 1ULL << i;
        if (g[ng].list)
            ng++;
    }
    return ng;
}

/* A per-thread set of items with bits, dense over the index (a bitmap to list them in
 * order): unions of posting lists cost one pass over the postings, no sorting. */
typedef struct item_set {
    uint16_t *bits;
    uint64_t *words;
    uint32_t *slot; /* item → 1 + its position among the candidates being checked, or 0 */
    size_t cap;
    size_t count; /* distinct items added */
} item_set;

static pthread_key_t set_key;
static pthread_once_t set_once = PTHREAD_ONCE_INIT;

static void set_free(void *p)
{
    item_set *s = p;
    free(s->bits);
    free(s->words);
    free(s->slot);
    free(s);
}

static void set_key_init(void)
{
    pthread_key_create(&set_key, set_free);
}

/* The calling thread's set, empty, for n items (NULL when out of memory). */
static item_set *set_for(size_t n)
{
    pthread_once(&set_once, set_key_init);
    item_set *s = pthread_getspecific(set_key);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s || pthread_setspecific(set_key, s) != 0) {
            free(s);
            return NULL;
        }
    }
    if (s->cap < n) {
        size_t cap = n + n / 4 + 64;
        uint16_t *bits = calloc(cap, sizeof *bits);
        uint64_t *words = calloc(cap / 64 + 1, sizeof *words);
        uint32_t *slot = calloc(cap, sizeof *slot);
        if (!bits || !words || !slot) {
            free(bits);
            free(words);
            free(slot);
            return NULL;
        }
        free(s->bits);
        free(s->words);
        free(s->slot);
        s->bits = bits;
        s->words = words;
        s->slot = slot;
        s->cap = cap;
    }
    return s;
}

static inline void set_add(item_set *s, uint32_t item, uint16_t bits)
{
    uint64_t bit = 1ULL << (item % 64);
    s->count += !(s->words[item / 64] & bit);
    s->words[item / 64] |= bit;
    s->bits[item] |= bits;
}

/* Moves the set into out (sorted by item, each with weight w) and leaves it empty. */
static int set_drain(item_set *s, size_t n_items, uint16_t w, arena *a, match_list *out)
{
    size_t n_words = n_items / 64 + 1;
    out->m = arena_alloc(a, (s->count + 1) * sizeof *out->m);
    s->count = 0;
    out->n = 0;
    for (size_t i = 0; i < n_words; i++) {
        uint64_t word = s->words[i];
        s->words[i] = 0;
        while (word) {
            uint32_t item = (uint32_t)(i * 64 + (size_t)__builtin_ctzll(word));
            word &= word - 1;
            if (out->m)
                out->m[out->n++] = (match){item, s->bits[item], w};
            s->bits[item] = 0;
        }
    }
    return out->m ? 0 : -1;
}

/* The characters of a token each field group of one item covers. */
typedef struct cover {
    uint64_t name, namekw, any;
} cover;

static void cover_add(cover *c, unsigned fields, uint64_t mask)
{
    if (fields & (1u << FIELD_NAME))
        c->name |= mask;
    if (fields & (1u << FIELD_NAME | 1u << FIELD_KEYWORD))
        c->namekw |= mask;
    if (fields)
        c->any |= mask;
}

/* Fills cov[i] for the candidates (sorted items). A gram whose list is short next to the
 * candidates is walked once against a slot table; a long one is probed per candidate. */
static int cover_candidates(const search_index *ix, const gram_ref *g, size_t ng, const match *cand,
                            size_t n, cover *cov)
{
    item_set *s = set_for(ix->n_items);
    if (!s)
        return -1;
    memset(cov, 0, n * sizeof *cov);
    for (size_t i = 0; i < n; i++)
        s->slot[cand[i].item] = (uint32_t)i + 1;
    for (size_t k = 0; k < ng; k++) {
        if (g[k].n <= 8 * n) {
            for (size_t j = 0; j < g[k].n; j++) {
                uint32_t at = s->slot[g[k].list[j] >> 2];
                if (at)
                    cover_add(&cov[at - 1], 1u << (g[k].list[j] & 3), g[k].cover);
            }
            continue;
        }
        size_t cursor = 0;
        for (size_t i = 0; i < n; i++)
            cover_add(&cov[i], index_fields_from(g[k].list, g[k].n, &cursor, cand[i].item),
                      g[k].cover);
    }
    for (size_t i = 0; i < n; i++)
        s->slot[cand[i].item] = 0;
    return 0;
}

static unsigned coverage_bits(const cover *c, uint64_t required, int *missing)
{
    uint64_t lacking = required & ~c->namekw;
    if (missing) /* only the forgiving mode counts what is missing */
        *missing = lacking ? __builtin_popcountll(lacking) : 0;
    unsigned bits = 0;
    if ((c->name & required) == required)
        bits |= M_NAME;
    if (!lacking)
        bits |= M_NAMEKW;
    if ((c->any & required) == required)
        bits |= M_ANY;
    return bits;
}

/* Sorted distinct items of the union of posting lists. */
static int union_items(const search_index *ix, const gram_ref **lists, size_t nl, arena *a,
                       match_list *out)
{
    item_set *s = set_for(ix->n_items);
    if (!s)
        return -1;
    for (size_t i = 0; i < nl; i++)
        for (size_t j = 0; j < lists[i]->n; j++)
            set_add(s, lists[i]->list[j] >> 2, 1);
    return set_drain(s, ix->n_items, 0, a, out);
}

/* The grams that can cover character i. */
static size_t grams_covering(const gram_ref *g, size_t ng, size_t i, const gram_ref **out)
{
    size_t k = 0;
    for (size_t j = 0; j < ng; j++)
        if (g[j].cover & (1ULL << i))
            out[k++] = &g[j];
    return k;
}

static size_t cost_of(const gram_ref *const *l, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += l[i]->n;
    return c;
}

/* How many required characters a token may miss: none normally; in the forgiving mode,
 * up to half of them (one wrong or missing character, or a longer spoken phrase of which
 * the words that matter match). */
static int allowed_missing(int need, bool soft)
{
    return soft && need >= 3 ? need / 2 : 0;
}

/* CJK token: an item missing at most k required characters holds one of any k + 1 of them,
 * so the candidates are the items of the k + 1 rarest; each is then checked gram by gram. */
static int match_cjk(const search_index *ix, const token *t, bool soft, arena *a, match_list *out)
{
    gram_ref g[MAX_GRAMS];
    size_t ng = token_grams(ix, t, g);
    out->n = 0;
    int need = __builtin_popcountll(t->required), k = allowed_missing(need, soft);
    size_t cost[64], order[64], n_req = 0;
    for (size_t i = 0; i < t->n && i < 64; i++) {
        if (!(t->required & (1ULL << i)))
            continue;
        const gram_ref *l[MAX_GRAMS];
        size_t nl = grams_covering(g, ng, i, l);
        cost[i] = nl ? cost_of(l, nl) : 0;
        if (nl == 0 && k == 0)
            return 0; /* a character found nowhere */
        size_t at = n_req++;
        while (at > 0 && cost[order[at - 1]] > cost[i]) {
            order[at] = order[at - 1];
            at--;
        }
        order[at] = i;
    }
    const gram_ref *src[2 * MAX_GRAMS];
    size_t ns = 0;
    for (size_t r = 0; r < n_req && r <= (size_t)k; r++) {
        const gram_ref *l[MAX_GRAMS];
        size_t nl = grams_covering(g, ng, order[r], l);
        for (size_t j = 0; j < nl && ns < 2 * MAX_GRAMS; j++)
            src[ns++] = l[j];
    }
    if (ns == 0)
        return 0;
    match_list cand;
    if (union_items(ix, src, ns, a, &cand) != 0)
        return -1;
    cover *cov = arena_alloc(a, (cand.n + 1) * sizeof *cov);
    if (!cov || cover_candidates(ix, g, ng, cand.m, cand.n, cov) != 0)
        return -1;
    out->m = cand.m; /* filtered in place */
    for (size_t i = 0; i < cand.n; i++) {
        int missing = 0;
        uint32_t item = cand.m[i].item;
        unsigned bits = coverage_bits(&cov[i], t->required, k > 0 ? &missing : NULL);
        int weight = need;
        if (!bits && k > 0 && missing <= k) { /* forgiving: most of it, in name or keywords */
            bits = M_NAMEKW | M_ANY;
            weight = need - missing;
        }
        if (bits)
            out->m[out->n++] = (match){item, (uint16_t)bits, (uint16_t)weight};
    }
    return 0;
}

/* First entry whose suffix is ≥ s (strcmp order). */
static size_t entries_lower(const search_index *ix, const char *s)
{
    size_t lo = 0, hi = ix->n_entries;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const search_entry *e = &ix->entries[mid];
        if (strcmp(ix->pool + ix->terms[e->term] + e->pos, s) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* First entry at or after lo whose suffix does not start with s[0..len). */
static size_t entries_past_prefix(const search_index *ix, const char *s, size_t len, size_t lo)
{
    size_t hi = ix->n_entries;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const search_entry *e = &ix->entries[mid];
        if (strncmp(ix->pool + ix->terms[e->term] + e->pos, s, len) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

typedef struct term_hit {
    uint32_t term;
    uint32_t bits; /* M_PREFIX / M_EXACT */
} term_hit;

#define ASCII_WEIGHT 2

static int cmp_match(const void *a, const void *b)
{
    const match *x = a, *y = b;
    return x->item < y->item ? -1 : x->item > y->item;
}

/* Items whose terms hold the given term hits: bits from the field, plus prefix/exact. */
static int items_of_terms(const search_index *ix, const term_hit *th, size_t nt, arena *a,
                          match_list *out)
{
    item_set *s = set_for(ix->n_items);
    if (!s)
        return -1;
    for (size_t i = 0; i < nt; i++)
        for (uint32_t x = ix->term_off[th[i].term]; x < ix->term_off[th[i].term + 1]; x++) {
            uint32_t posting = ix->term_postings[x];
            /* initials are weak evidence: never a name match, at best a keyword one */
            bool name = (posting & 3) == FIELD_NAME && !ix->term_initials[th[i].term];
            uint32_t bits = M_NAMEKW | M_ANY |
                            (name ? M_NAME | th[i].bits : (th[i].bits & M_EXACT ? M_WHOLE : 0));
            set_add(s, posting >> 2, (uint16_t)bits);
        }
    return set_drain(s, ix->n_items, ASCII_WEIGHT, a, out);
}

/* ASCII token: every term suffix (at a syllable, or anywhere in initials) starting with it. */
static int match_ascii(const search_index *ix, const char *s, size_t len, arena *a, match_list *out)
{
    size_t lo = entries_lower(ix, s), hi = entries_past_prefix(ix, s, len, lo);
    term_hit *th = arena_alloc(a, (hi - lo + 1) * sizeof *th);
    if (!th)
        return -1;
    size_t nt = 0;
    for (size_t i = lo; i < hi; i++) {
        const search_entry *e = &ix->entries[i];
        uint32_t bits = 0;
        if (e->pos == 0)
            bits = M_PREFIX | (ix->pool[ix->terms[e->term] + len] == '\0' ? M_EXACT : 0);
        th[nt++] = (term_hit){e->term, bits};
    }
    return items_of_terms(ix, th, nt, a, out);
}

/* True when a[0..la) and b[0..lb) differ by at most one substitution, insertion or deletion. */
static bool within_one_edit(const char *a, size_t la, const char *b, size_t lb)
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

#define TYPO_SCAN_LIMIT 50000

/* ASCII token with one typo (4+ letters, the first two right): the suffixes starting with its
 * first two letters whose beginning is one edit away. */
static int match_ascii_typo(const search_index *ix, const char *s, size_t len, arena *a,
                            match_list *out)
{
    out->n = 0;
    if (len < 4)
        return 0;
    size_t head_len = len >= 5 ? 3 : 2; /* the first letters are rarely the wrong ones */
    char head[4] = {s[0], s[1], head_len == 3 ? s[2] : '\0', '\0'};
    size_t lo = entries_lower(ix, head), hi = entries_past_prefix(ix, head, head_len, lo);
    term_hit *th = arena_alloc(a, 1024 * sizeof *th);
    if (!th)
        return -1;
    size_t nt = 0;
    for (size_t i = lo; i < hi && i < lo + TYPO_SCAN_LIMIT && nt < 1024; i++) {
        const search_entry *e = &ix->entries[i];
        const char *suffix = ix->pool + ix->terms[e->term] + e->pos;
        size_t sl = strlen(suffix);
        for (size_t l = len - 1; l <= len + 1; l++)
            if (l <= sl && within_one_edit(s, len, suffix, l)) {
                th[nt++] = (term_hit){e->term, 0};
                break;
            }
    }
    return items_of_terms(ix, th, nt, a, out);
}

static void token_ascii(const token *t, char *s, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n && k + 1 < cap; i++)
        s[k++] = (char)t->c[i];
    s[k] = '\0';
}

static int match_token(const search_index *ix, const token *t, bool typo, arena *a, match_list *out)
{
    if (!t->ascii)
        return match_cjk(ix, t, typo, a, out);
    char s[SEARCH_MAX_QUERY_CHARS * 2 + 1];
    token_ascii(t, s, sizeof s);
    out->n = 0;
    return typo ? match_ascii_typo(ix, s, strlen(s), a, out)
                : match_ascii(ix, s, strlen(s), a, out);
}

/* AND of two sorted match lists (in place into x). */
static void intersect(match_list *x, const match_list *y)
{
    size_t i = 0, j = 0, k = 0;
    while (i < x->n && j < y->n) {
        if (x->m[i].item < y->m[j].item)
            i++;
        else if (x->m[i].item > y->m[j].item)
            j++;
        else {
            x->m[k] = x->m[i];
            x->m[k].weight += y->m[j].weight;
            x->m[k++].bits &= y->m[j].bits;
            i++;
            j++;
        }
    }
    x->n = k;
}

static int token_weight(const token *t)
{
    return t->ascii ? ASCII_WEIGHT : __builtin_popcountll(t->required);
}

/* Forgiving AND: the items that match tokens worth at least half of the reading, the
 * field bits of the tokens they match (a word the catalog does not know is skipped). */
static int soft_and(const match_list *lists, size_t n, int total, arena *a, match_list *out)
{
    size_t all = 0;
    for (size_t i = 0; i < n; i++)
        all += lists[i].n;
    match *m = arena_alloc(a, (all + 1) * sizeof *m);
    out->m = arena_alloc(a, (all + 1) * sizeof *out->m);
    out->n = 0;
    if (!m || !out->m)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < lists[i].n; j++)
            m[k++] = lists[i].m[j];
    if (k)
        qsort(m, k, sizeof *m, cmp_match);
    for (size_t i = 0; i < k;) {
        match sum = m[i];
        for (i++; i < k && m[i].item == sum.item; i++) {
            sum.bits &= m[i].bits;
            sum.weight += m[i].weight;
        }
        if (sum.weight * 2 >= total)
            out->m[out->n++] = sum;
    }
    return 0;
}

/* Match lists of tokens already matched in this query: readings share tokens ("公积金" in
 * the literal and in each synonym rewrite of "提取"), so each is matched once. */
#define MEMO_SLOTS 16
typedef struct token_memo {
    const token *tok[MEMO_SLOTS];
    match_list list[MEMO_SLOTS];
    size_t n;
} token_memo;

static bool same_token(const token *x, const token *y)
{
    return x->n == y->n && x->ascii == y->ascii && x->required == y->required &&
           memcmp(x->c, y->c, x->n * sizeof *x->c) == 0;
}

/* The token's strict matches, as a copy the caller may filter in place. */
static int memo_match(const search_index *ix, token_memo *memo, const token *t, arena *a,
                      match_list *out)
{
    const match_list *known = NULL;
    for (size_t i = 0; i < memo->n && !known; i++)
        if (same_token(memo->tok[i], t))
            known = &memo->list[i];
    match_list fresh = {NULL, 0};
    if (!known) {
        if (match_token(ix, t, false, a, &fresh) != 0)
            return -1;
        if (memo->n < MEMO_SLOTS) {
            memo->tok[memo->n] = t;
            memo->list[memo->n++] = fresh;
        }
        known = &fresh;
    }
    out->n = known->n;
    out->m = arena_alloc(a, (known->n + 1) * sizeof *out->m);
    if (!out->m)
        return -1;
    if (known->n) /* an empty list may have no array */
        memcpy(out->m, known->m, known->n * sizeof *out->m);
    return 0;
}

/* Keeps the matches whose item also holds the CJK token (strictly): a probe per item, in
 * item order, instead of the token's own (maybe huge) list. */
static int filter_cjk(const search_index *ix, const token *t, arena *a, match_list *cur)
{
    gram_ref g[MAX_GRAMS];
    size_t ng = token_grams(ix, t, g), k = 0;
    int need = __builtin_popcountll(t->required);
    cover *cov = arena_alloc(a, (cur->n + 1) * sizeof *cov);
    if (!cov || cover_candidates(ix, g, ng, cur->m, cur->n, cov) != 0)
        return -1;
    for (size_t i = 0; i < cur->n; i++) {
        unsigned bits = coverage_bits(&cov[i], t->required, NULL);
        if (!bits)
            continue;
        cur->m[k] = cur->m[i];
        cur->m[k].bits &= (uint16_t)bits;
        cur->m[k++].weight += (uint16_t)need;
    }
    cur->n = k;
    return 0;
}

/* A rough size of the token's match list, to start a reading with its rarest token. */
static size_t token_cost(const search_index *ix, const token *t)
{
    if (t->ascii) { /* the postings of the first terms in its range, extrapolated */
        char s[SEARCH_MAX_QUERY_CHARS * 2 + 1];
        token_ascii(t, s, sizeof s);
        size_t len = strlen(s), lo = entries_lower(ix, s), hi = entries_past_prefix(ix, s, len, lo);
        size_t cost = 0, walked = 0;
        for (size_t i = lo; i < hi && walked < 64; i++, walked++)
            cost += ix->term_off[ix->entries[i].term + 1] - ix->term_off[ix->entries[i].term];
        return walked ? cost * (hi - lo) / walked : 0;
    }
    gram_ref g[MAX_GRAMS];
    size_t ng = token_grams(ix, t, g), best = SIZE_MAX;
    for (size_t i = 0; i < t->n && i < 64; i++) {
        if (!(t->required & (1ULL << i)))
            continue;
        const gram_ref *l[MAX_GRAMS];
        size_t nl = grams_covering(g, ng, i, l), c = cost_of(l, nl);
        if (c < best)
            best = c;
    }
    return best;
}

static int match_reading_soft(const search_index *ix, const alternative *alt, arena *a,
                              match_list *out)
{
    match_list lists[MAX_TOKENS] = {{NULL, 0}};
    int total = 0;
    for (size_t i = 0; i < alt->n_tok; i++) {
        if (match_token(ix, &alt->tok[i], true, a, &lists[i]) != 0)
            return -1;
        /* an English word the catalog and the dictionary do not know is noise */
        if (!(alt->tok[i].ascii && lists[i].n == 0))
            total += token_weight(&alt->tok[i]);
    }
    if (alt->n_tok > 1)
        return soft_and(lists, alt->n_tok, total, a, out);
    *out = lists[0];
    return 0;
}

/* The cache key of a reading: its tokens, each with what decides its matches. */
static void reading_key(const alternative *alt, bool soft, arena *a, strbuf *key)
{
    sb_init(key, a, 256);
    sb_append(key, soft ? "S" : "=", 1);
    for (size_t i = 0; i < alt->n_tok; i++) {
        const token *t = &alt->tok[i];
        uint32_t n = (uint32_t)t->n, ascii = t->ascii;
        sb_append(key, (const char *)&n, sizeof n);
        sb_append(key, (const char *)&ascii, sizeof ascii);
        sb_append(key, (const char *)&t->required, sizeof t->required);
        sb_append(key, (const char *)t->c, t->n * sizeof *t->c);
    }
}

static int match_reading_strict(const search_index *ix, const alternative *alt, token_memo *memo,
                                arena *a, match_list *out);

/* The items matching every token of a reading (soft: see allowed_missing and soft_and);
 * results are cached in the snapshot (shared by the worker's threads). */
static int match_reading(const search_index *ix, const alternative *alt, bool soft,
                         token_memo *memo, arena *a, match_list *out)
{
    out->n = 0;
    out->m = NULL;
    if (alt->n_tok == 0)
        return 0;
    strbuf key;
    reading_key(alt, soft, a, &key);
    void *val;
    size_t vlen;
    if (!key.failed && blob_cache_get(ix->reading_cache, key.data, key.len, a, &val, &vlen)) {
        out->m = val;
        out->n = vlen / sizeof *out->m;
        return 0;
    }
    int rc =
        soft ? match_reading_soft(ix, alt, a, out) : match_reading_strict(ix, alt, memo, a, out);
    if (rc != 0)
        return -1;
    if (!key.failed)
        blob_cache_put(ix->reading_cache, key.data, key.len, out->m, out->n * sizeof *out->m);
    return 0;
}

/* Strict: the rarest token gives the candidates and the others only probe them. */
static int match_reading_strict(const search_index *ix, const alternative *alt, token_memo *memo,
                                arena *a, match_list *out)
{
    size_t order[MAX_TOKENS], cost[MAX_TOKENS];
    for (size_t i = 0; i < alt->n_tok; i++) {
        cost[i] = token_cost(ix, &alt->tok[i]);
        size_t at = i;
        while (at > 0 && cost[order[at - 1]] > cost[i]) {
            order[at] = order[at - 1];
            at--;
        }
        order[at] = i;
    }
    if (memo_match(ix, memo, &alt->tok[order[0]], a, out) != 0)
        return -1;
    for (size_t r = 1; r < alt->n_tok && out->n > 0; r++) {
        const token *t = &alt->tok[order[r]];
        if (!t->ascii) {
            if (filter_cjk(ix, t, a, out) != 0)
                return -1;
            continue;
        }
        match_list m = {NULL, 0};
        if (match_token(ix, t, false, a, &m) != 0)
            return -1;
        intersect(out, &m);
    }
    return 0;
}

/* ---- ranking ---- */

static bool passes(const search_item *it, const search_filters *f)
{
    if (f->dept >= 0 && it->dept != f->dept)
        return false;
    if (f->topic >= 0 && !(it->topics & (1ULL << f->topic)))
        return false;
    /* "both" serves citizens and enterprises alike */
    if (f->audience >= 0 && it->audience != f->audience &&
        !(it->audience == AUDIENCE_BOTH && f->audience != AUDIENCE_BOTH))
        return false;
    return it->online_level >= f->online_level_min;
}

static int tier_of(const search_index *ix, const search_query *q, const alternative *alt,
                   const match *m)
{
    uint32_t bits = m->bits;
    switch (alt->kind) {
    case ALT_LITERAL:
        if (bits & M_NAME) {
            const char *name = ix->pool + ix->items[m->item].name_compact;
            bool single = alt->n_tok == 1;
            if (strcmp(name, q->compact) == 0 || (single && (bits & M_EXACT)))
                return T_EXACT;
            if ((q->compact_len > 0 && strncmp(name, q->compact, q->compact_len) == 0) ||
                (single && (bits & M_PREFIX)))
                return T_PREFIX;
            return T_NAME;
        }
        return bits & M_NAMEKW ? T_KEYWORD : bits & M_ANY ? T_DESC : 0;
    case ALT_SYNONYM:
        return bits & M_NAME     ? T_SYN_NAME
               : bits & M_NAMEKW ? T_SYN_KEYWORD
               : bits & M_ANY    ? T_SYN_DESC
                                 : 0;
    case ALT_PINYIN: return bits & M_NAMEKW ? T_PINYIN : 0;
    default: return bits & M_NAMEKW ? T_TYPO : 0;
    }
}

/* What score_of needs of a reading, computed once per reading. */
typedef struct reading_size {
    double cjk_chars, ascii_letters;
    int weight;
} reading_size;

static reading_size size_of(const alternative *alt)
{
    reading_size z = {0, 0, 0};
    for (size_t i = 0; i < alt->n_tok; i++) {
        const token *t = &alt->tok[i];
        z.weight += token_weight(t);
        if (t->ascii)
            z.ascii_letters += (double)t->n;
        else
            z.cjk_chars += (double)t->n;
    }
    return z;
}

/* Within a tier: how much of the name the query covers (0..100; ASCII letters count by
 * their share of the name's pinyin), scaled by the share of the query matched in forgiving
 * mode, plus a popularity boost (0..60). */
static uint32_t score_of(const search_index *ix, const reading_size *z, int tier, const match *m)
{
    const search_item *it = &ix->items[m->item];
    /* the share of the name only means something when the name is what matched */
    bool by_name = tier >= T_SYN_NAME;
    double coverage = 0.5;
    if (by_name && it->name_chars) {
        double chars = z->cjk_chars;
        if (it->name_py_len > 0) /* letters count by their share of the name's pinyin */
            chars += z->ascii_letters * it->name_chars / it->name_py_len;
        coverage = chars >= it->name_chars ? 1 : chars / it->name_chars;
    } else if (m->bits & M_WHOLE)
        coverage = 0.8; /* a whole keyword, or its whole initials */
    if (z->weight > 0 && m->weight < z->weight)
        coverage *= (double)m->weight / z->weight;
    return (uint32_t)tier * 1000 + (uint32_t)(coverage * 100) + it->boost;
}

typedef struct hit_list {
    search_hit *h;
    size_t n, cap;
} hit_list;

/* Adds the reading's matches (sorted by item) to the hits (sorted by item, one per item,
 * its best score) with a linear merge. */
static int collect(const search_index *ix, const search_query *q, size_t alt_i, const match_list *m,
                   const search_filters *f, arena *a, hit_list *out)
{
    const alternative *alt = &q->alt[alt_i];
    reading_size z = size_of(alt);
    search_hit *merged = arena_alloc(a, (out->n + m->n + 1) * sizeof *merged);
    if (!merged)
        return -1;
    size_t i = 0, j = 0, k = 0;
    while (i < out->n || j < m->n) {
        if (j == m->n || (i < out->n && out->h[i].item < m->m[j].item)) {
            merged[k++] = out->h[i++];
            continue;
        }
        const match *x = &m->m[j++];
        int tier = passes(&ix->items[x->item], f) ? tier_of(ix, q, alt, x) : 0;
        bool same = i < out->n && out->h[i].item == x->item;
        if (tier == 0) {
            if (same)
                merged[k++] = out->h[i++];
            continue;
        }
        search_hit h = {x->item, score_of(ix, &z, tier, x), (uint16_t)alt_i};
        if (same) {
            if (out->h[i].score >= h.score)
                h = out->h[i];
            i++;
        }
        merged[k++] = h;
    }
    out->h = merged;
    out->n = k;
    out->cap = k;
    return 0;
}

static bool ranks_before(const search_hit *x, const search_hit *y)
{
    return x->score != y->score ? x->score > y->score : x->item < y->item;
}

static int cmp_hit_rank(const void *a, const void *b)
{
    return ranks_before(a, b) ? -1 : ranks_before(b, a) ? 1 : 0;
}

/* Moves the best k hits, in rank order, to the front (a bounded heap: O(n log k)). */
static void top_k(hit_list *l, size_t k, arena *a)
{
    if (k == 0 || l->n == 0)
        return;
    if (l->n <= k) {
        qsort(l->h, l->n, sizeof *l->h, cmp_hit_rank);
        return;
    }
    search_hit *heap = arena_alloc(a, k * sizeof *heap); /* worst of the best at heap[0] */
    if (!heap) {
        qsort(l->h, l->n, sizeof *l->h, cmp_hit_rank);
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        size_t at;
        if (n < k) {
            at = n++;
            while (at > 0 && ranks_before(&heap[(at - 1) / 2], &l->h[i])) {
                heap[at] = heap[(at - 1) / 2];
                at = (at - 1) / 2;
            }
            heap[at] = l->h[i];
            continue;
        }
        if (!ranks_before(&l->h[i], &heap[0]))
            continue;
        at = 0; /* sift the new hit down from the root */
        for (;;) {
            size_t c = 2 * at + 1;
            if (c >= n)
                break;
            if (c + 1 < n && ranks_before(&heap[c], &heap[c + 1]))
                c++;
            if (!ranks_before(&l->h[i], &heap[c]))
                break;
            heap[at] = heap[c];
            at = c;
        }
        heap[at] = l->h[i];
    }
    qsort(heap, n, sizeof *heap, cmp_hit_rank);
    memcpy(l->h, heap, n * sizeof *heap);
}

static int run_readings(const search_index *ix, const search_query *q, size_t from, size_t to,
                        const search_filters *f, arena *a, hit_list *hits)
{
    token_memo memo = {.n = 0};
    for (size_t i = from; i < to; i++) {
        match_list m = {NULL, 0};
        if (match_reading(ix, &q->alt[i], q->alt[i].kind == ALT_TYPO, &memo, a, &m) != 0 ||
            collect(ix, q, i, &m, f, a, hits) != 0)
            return -1;
    }
    return 0;
}

/* The literal reading with every hanzi token spelled in pinyin: finds homophone typos
 * ("社报卡" → shebaoka → 社保卡). Filler characters at the ends are left out. */
static void add_pinyin_reading(search_query *q)
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
static void add_soft_readings(search_query *q, size_t n_strict)
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
static void add_near_synonyms(const search_index *ix, search_query *q)
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

/* Keeps the best hit of each name (district variants share one), in place. */
static int best_per_name(const search_index *ix, hit_list *hits)
{
    item_set *s = set_for(ix->n_items); /* its slot table, indexed by name id here */
    if (!s)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < hits->n; i++) {
        uint32_t id = ix->items[hits->h[i].item].name_id, at = s->slot[id];
        if (!at) {
            hits->h[k++] = hits->h[i];
            s->slot[id] = (uint32_t)k;
        } else if (ranks_before(&hits->h[i], &hits->h[at - 1]))
            hits->h[at - 1] = hits->h[i];
    }
    for (size_t i = 0; i < k; i++)
        s->slot[ix->items[hits->h[i].item].name_id] = 0;
    hits->n = k;
    return 0;
}

static int page_of(const search_index *ix, hit_list *hits, size_t offset, size_t limit,
                   bool distinct_names, arena *a, search_results *out)
{
    out->total = hits->n;
    if (distinct_names && best_per_name(ix, hits) != 0)
        return -1;
    size_t want = offset + limit, n = want < hits->n ? want : hits->n;
    top_k(hits, n, a);
    out->hits = n ? hits->h + (offset < n ? offset : n) : hits->h;
    out->n = offset < n ? (n - offset < limit ? n - offset : limit) : 0;
    return 0;
}

int search_run(const search_index *ix, const char *text, const search_filters *f, size_t offset,
               size_t limit, bool distinct_names, arena *a, search_results *out)
{
    search_query *q = arena_alloc(a, sizeof *q); /* parse sets what is read */
    if (!q)
        return -1;
    out->query = q;
    parse(ix, text, q);
    hit_list hits = {0};
    if (q->alt[0].n_tok == 0) {
        out->n = out->total = 0;
        return 0;
    }
    if (run_readings(ix, q, 0, 1, f, a, &hits) != 0)
        return -1;
    /* An official name typed exactly needs no synonyms: they would only add lower tiers. */
    bool exact = false;
    for (size_t i = 0; i < hits.n && !exact; i++)
        exact = hits.h[i].score >= T_EXACT * 1000;
    if (!exact && run_readings(ix, q, 1, q->n_alt, f, a, &hits) != 0)
        return -1;
    if (hits.n < 3 && !exact) { /* nothing good enough: misspelt English, homophones */
        size_t from = q->n_alt;
        add_near_synonyms(ix, q);
        add_pinyin_reading(q);
        if (run_readings(ix, q, from, q->n_alt, f, a, &hits) != 0)
            return -1;
    }
    if (hits.n < 3 && !exact) { /* still nothing: a wrong character, or only most of the words */
        size_t from = q->n_alt;
        add_soft_readings(q, q->n_alt);
        if (run_readings(ix, q, from, q->n_alt, f, a, &hits) != 0)
            return -1;
    }
    return page_of(ix, &hits, offset, limit, distinct_names, a, out);
}

bool search_text_is_blank(const char *q)
{
    uint32_t c[SEARCH_MAX_QUERY_CHARS * 2];
    return normalize_text(q, strlen(q), c, sizeof c / sizeof *c, true) == 0;
}

/* Items passing the audience and online-level filters, from the index's counts. */
static size_t count_by_audience_level(const search_index *ix, const search_filters *f)
{
    size_t total = 0;
    for (int aud = 0; aud < 3; aud++) {
        search_item probe = {.audience = (uint8_t)aud};
        for (int level = 1; level <= 4; level++) {
            probe.online_level = (uint8_t)level;
            search_filters only = {-1, -1, f->audience, f->online_level_min};
            if (passes(&probe, &only))
                total += ix->audience_level_count[aud][level];
        }
    }
    return total;
}

int search_browse(const search_index *ix, const search_filters *f, size_t offset, size_t limit,
                  arena *a, search_results *out)
{
    out->query = NULL;
    out->total = 0;
    out->n = 0;
    const uint32_t *list = ix->by_popularity;
    size_t n = ix->n_items;
    if (f->dept >= 0) {
        list = ix->dept_items + ix->dept_off[f->dept];
        n = ix->dept_off[f->dept + 1] - ix->dept_off[f->dept];
    } else if (f->topic >= 0) {
        list = ix->topic_items + ix->topic_off[f->topic];
        n = ix->topic_off[f->topic + 1] - ix->topic_off[f->topic];
    }
    out->hits = arena_alloc(a, (limit + 1) * sizeof *out->hits);
    if (!out->hits)
        return -1;
    if (f->dept < 0 && f->topic < 0) {
        /* The whole catalog: the total from counts, and a walk only as far as the page. */
        out->total = count_by_audience_level(ix, f);
        size_t seen = 0;
        for (size_t i = 0; i < n && out->n < limit; i++) {
            if (!passes(&ix->items[list[i]], f) || seen++ < offset)
                continue;
            out->hits[out->n++] = (search_hit){list[i], 0, 0};
        }
        return 0;
    }
    for (size_t i = 0; i < n; i++) { /* one department's or topic's list */
        if (!passes(&ix->items[list[i]], f))
            continue;
        if (out->total >= offset && out->n < limit)
            out->hits[out->n++] = (search_hit){list[i], 0, 0};
        out->total++;
    }
    return 0;
}

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

size_t search_highlight(const search_index *ix, const search_results *res, const search_hit *hit,
                        uint32_t ranges[][2], size_t max)
{
    if (!res->query || hit->alt >= res->query->n_alt)
        return 0;
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
