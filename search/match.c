#include "search/query.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "search/blob_cache.h"

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
item_set *set_for(size_t n)
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
    if (!s->words || s->cap < n) { /* an empty index too: set_drain reads a word */
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

int token_weight(const token *t)
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
int match_reading(const search_index *ix, const alternative *alt, bool soft, token_memo *memo,
                  arena *a, match_list *out)
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
