#include "search/query.h"

#include <stdlib.h>
#include <string.h>

#include <unistr.h>

#include "core/strbuf.h"
#include "search/blob_cache.h"
#include "search/everyday.h"
#include "search/normalize.h"
#include "search/terms.h"

/* Weights of the query's terms by where they come from. */
#define W_QUERY 1.0f
#define W_SYNONYM 0.7f
#define CONCEPT_BOOST 1.5f /* a concept's service against the query's own words (0..1) */
#define MAX_QTERMS 96

typedef struct qterm {
    uint32_t term;
    float weight;
} qterm;

/* A hit without a concept must hold at least half of the query's words (unknown ones
 * included): one shared common word ("登记") is not an answer. */

typedef struct qterms {
    qterm t[MAX_QTERMS];
    size_t n, unknown_en, unknown_cjk;
    const ranked_index *r;
    float weight;
} qterms;

static void add_qterm(qterms *q, uint32_t term, float weight)
{
    for (size_t i = 0; i < q->n; i++)
        if (q->t[i].term == term) {
            if (weight > q->t[i].weight)
                q->t[i].weight = weight;
            return;
        }
    if (q->n < MAX_QTERMS)
        q->t[q->n++] = (qterm){term, weight};
}

static int64_t term_id(const ranked_index *r, const char *s, size_t len)
{
    size_t pos = 0;
    uint32_t id;
    while (u64map_next(&r->term_index, hash_bytes(s, len), &pos, &id))
        if (strcmp(r->pool + r->term_str[id], s) == 0)
            return id;
    return -1;
}

static int on_term(const char *s, size_t len, void *ctx)
{
    qterms *q = ctx;
    /* one hanzi alone ("证", "办") is in too many items to rank by; the literal matching and
     * the concepts still use it */
    if (q->weight == W_QUERY && (unsigned char)s[0] >= 0x80 && len <= 3)
        return 0;
    int64_t id = term_id(q->r, s, len);
    if (id >= 0)
        add_qterm(q, (uint32_t)id, q->weight);
    else if ((unsigned char)s[0] < 0x80)
        q->unknown_en++;
    else
        q->unknown_cjk++;
    return 0;
}

/* The query's hanzi without spaces, and its English words as " stem stem " (stop words kept
 * as they are), the forms the concept patterns are written in. */
static void pattern_forms(const uint32_t *c, size_t n, char *hz, size_t hz_cap, char *en,
                          size_t en_cap)
{
    uint32_t h[SEARCH_MAX_QUERY_CHARS * 2];
    size_t nh = 0, k = 0;
    en[k++] = ' ';
    for (size_t i = 0; i < n;) {
        if (is_hanzi(c[i])) {
            h[nh++] = c[i++];
            continue;
        }
        if (!(c[i] >= 'a' && c[i] <= 'z')) {
            i++;
            continue;
        }
        char word[40], stem[40];
        size_t wl = 0;
        for (; i < n && c[i] >= 'a' && c[i] <= 'z'; i++)
            if (wl < sizeof word - 1)
                word[wl++] = (char)c[i];
        word[wl] = '\0';
        size_t sl = terms_stem(word, wl, stem, sizeof stem);
        const char *w = sl ? stem : word;
        size_t wlen = sl ? sl : wl;
        if (k + wlen + 2 < en_cap) {
            memcpy(en + k, w, wlen);
            k += wlen;
            en[k++] = ' ';
        }
    }
    en[k] = '\0';
    normalize_to_utf8(h, nh, hz, hz_cap);
}

#define MAX_GAP 2

/* A short Chinese situation word also matches with a few characters inside it, as people say
 * it: 打井 in 打口井, 砍树 in 砍几棵树, 买房 in 买了房, 学手艺 in 学门手艺. */
static bool gapped_in(const char *hz, const char *part)
{
    uint32_t w[4];
    size_t n = 0;
    for (const uint8_t *s = (const uint8_t *)part; *s;) {
        ucs4_t u;
        int len = u8_mbtouc(&u, s, 4);
        if (n == 4)
            return false;
        w[n++] = u;
        s += len > 0 ? len : 1;
    }
    if (n < 2 || n > 3)
        return false;
    uint32_t q[SEARCH_MAX_QUERY_CHARS * 2];
    size_t m = 0;
    for (const uint8_t *s = (const uint8_t *)hz; *s && m < sizeof q / sizeof *q;) {
        ucs4_t u;
        int len = u8_mbtouc(&u, s, 4);
        q[m++] = u;
        s += len > 0 ? len : 1;
    }
    for (size_t i = 0; i < m; i++) {
        if (q[i] != w[0])
            continue;
        size_t at = i, k = 1, gaps = 0;
        for (size_t j = i + 1; j < m && k < n && gaps <= MAX_GAP; j++) {
            if (q[j] == w[k]) {
                k++;
                at = j;
            } else
                gaps++;
        }
        if (k == n && at - i + 1 - n <= MAX_GAP)
            return true;
    }
    return false;
}

static bool pattern_matches(const ranked_index *r, const concept_pattern *p, const char *hz,
                            const char *en)
{
    for (size_t i = 0; i < p->n_parts; i++) {
        const char *part = r->pool + p->part[i];
        bool ascii = (p->ascii >> i) & 1;
        if (!strstr(ascii ? en : hz, part) && (ascii || !gapped_in(hz, part)))
            return false;
    }
    return true;
}

typedef struct concept_hit {
    uint32_t concept;
    float weight; /* by the specificity of the best pattern it matched */
} concept_hit;

#define MAX_CONCEPTS 8

/* The concepts a pattern of which the query holds (the most specific first few). */
static size_t find_concepts(const ranked_index *r, const uint32_t *c, size_t n, concept_hit *out)
{
    char hz[SEARCH_MAX_QUERY_CHARS * 16 + 2], en[SEARCH_MAX_QUERY_CHARS * 4 + 2];
    pattern_forms(c, n, hz, sizeof hz / 2, en, sizeof en);
    /* the query in the concepts' words too, after a space no pattern crosses (盖 → 建) */
    uint32_t rw[SEARCH_MAX_QUERY_CHARS * 2];
    size_t nrw = everyday_rewrite(c, n, rw, sizeof rw / sizeof *rw);
    if (nrw) {
        char en2[8];
        size_t at = strlen(hz);
        hz[at++] = ' ';
        pattern_forms(rw, nrw, hz + at, sizeof hz - at, en2, sizeof en2);
    }
    bool en_any = en[1] != '\0';
    uint64_t sig = 0;
    for (size_t i = 0; i < n; i++)
        sig |= is_hanzi(c[i]) ? hanzi_bit(c[i]) : 0;
    for (size_t i = 0; i < nrw; i++)
        sig |= is_hanzi(rw[i]) ? hanzi_bit(rw[i]) : 0;
    size_t found = 0;
    for (size_t i = 0; i < r->n_patterns; i++) {
        const concept_pattern *p = &r->patterns[i];
        if ((p->chars & ~sig) != 0 || (!hz[0] && p->ascii != (1u << p->n_parts) - 1) ||
            (!en_any && p->ascii) || !pattern_matches(r, p, hz, en))
            continue;
        float spec = p->specificity > 6 ? 6 : p->specificity;
        float w = 0.7f + 0.1f * spec;
        size_t k = 0;
        while (k < found && out[k].concept != p->concept)
            k++;
        if (k < found) {
            if (w > out[k].weight)
                out[k].weight = w;
        } else if (found < MAX_CONCEPTS)
            out[found++] = (concept_hit){p->concept, w};
    }
    return found;
}

static void tokens_terms(const alternative *alt, qterms *q)
{
    for (size_t t = 0; t < alt->n_tok; t++)
        terms_of(alt->tok[t].c, alt->tok[t].n, on_term, q);
}

typedef struct acc {
    uint32_t item;
    float lit;      /* BM25F of the query's own terms and synonyms */
    float con;      /* the best concept service phrase it is */
    float tmp;      /* the phrase being scored */
    uint16_t words; /* the query's own words it holds (a synonym reading counts as one) */
    bool synonym;
} acc;

typedef struct accs {
    acc *a;
    size_t n, cap;
    item_set *slots;
    const search_index *ix;
    const search_filters *f;
    bool filtered; /* f excludes some items */
} accs;

/* The accumulator of item (NULL when the filters exclude it). */
static inline acc *acc_of(accs *s, uint32_t item)
{
    uint32_t at = s->slots->slot[item];
    if (at)
        return &s->a[at - 1];
    if (s->n == s->cap || (s->filtered && !rank_passes(&s->ix->items[item], s->f)))
        return NULL;
    s->a[s->n] = (acc){item, 0, 0, 0, 0, false};
    s->slots->slot[item] = (uint32_t)++s->n;
    return &s->a[s->n - 1];
}

static size_t postings_of(const ranked_index *r, uint32_t term)
{
    return r->off[term + 1] - r->off[term];
}

/* The accumulators touched[0..n) in item order into out, through the item set's bitmap
 * (left empty again): O(n + items / 64), no comparisons. */
static void in_item_order(const accs *s, const uint32_t *touched, size_t n, uint32_t *out)
{
    uint64_t *words = s->slots->words;
    for (size_t i = 0; i < n; i++) {
        uint32_t item = s->a[touched[i]].item;
        words[item / 64] |= 1ULL << (item % 64);
    }
    size_t k = 0;
    for (size_t w = 0; w <= s->ix->n_items / 64 && k < n; w++)
        for (uint64_t word = words[w]; word; word &= word - 1)
            out[k++] = s->slots->slot[w * 64 + (size_t)__builtin_ctzll(word)] - 1;
    for (size_t i = 0; i < n; i++)
        words[s->a[touched[i]].item / 64] = 0;
}

/* An item holding less of a phrase than this share of the best holder's is not that service
 * (one common word of it, "生活" of 最低生活保障): the phrase gives it nothing. */
#define PHRASE_MIN_SHARE 0.5f

/* A concept's service phrases: each item scores the share it holds of the phrase (relative to
 * the item holding most of it, squared: the service itself, not one shared word), earlier
 * phrases of the concept more than later ones; an item keeps its best phrase.
 * The phrase's terms come rarest first. Once what the remaining terms could add together
 * (their highest impacts) is below PHRASE_MIN_SHARE of the best sum so far, an item holding
 * none of the terms seen cannot reach that share: the remaining (long) posting lists are only
 * searched for the items already holding some of the phrase (max-score pruning). */
static int score_concept(const ranked_index *r, const concept_hit *ch, accs *s, uint32_t *touched,
                         uint32_t *by_item)
{
    for (uint32_t ph = r->concept_off[ch->concept]; ph < r->concept_off[ch->concept + 1]; ph++) {
        size_t nt = 0;
        float best = 0, rest = 0;
        bool probing = false;
        for (uint32_t k = r->phrase_off[ph]; k < r->phrase_off[ph + 1]; k++)
            rest += r->term_max[r->phrase_terms[k]];
        for (uint32_t k = r->phrase_off[ph]; k < r->phrase_off[ph + 1]; k++) {
            uint32_t t = r->phrase_terms[k], from = r->off[t], to = r->off[t + 1];
            if (!probing && best > 0 && rest < PHRASE_MIN_SHARE * best) {
                probing = true; /* from now on: the items found, in item order */
                in_item_order(s, touched, nt, by_item);
            }
            rest -= r->term_max[t];
            if (probing) {
                size_t at = from;
                for (size_t i = 0; i < nt && at < to; i++) {
                    acc *x = &s->a[by_item[i]];
                    at = index_gallop(r->items, to, at, x->item);
                    if (at < to && r->items[at] == x->item && (x->tmp += r->impact[at]) > best)
                        best = x->tmp;
                }
                continue;
            }
            for (uint32_t p = from; p < to; p++) {
                acc *x = acc_of(s, r->items[p]);
                if (!x)
                    continue;
                if (x->tmp == 0)
                    touched[nt++] = (uint32_t)(x - s->a);
                x->tmp += r->impact[p];
                if (x->tmp > best)
                    best = x->tmp;
            }
        }
        float rank = (float)(ph - r->concept_off[ch->concept]);
        float decay = 1 - 0.06f * rank < 0.6f ? 0.6f : 1 - 0.06f * rank;
        for (size_t i = 0; i < nt; i++) {
            acc *x = &s->a[touched[i]];
            float share = x->tmp / best, v = ch->weight * decay * share * share;
            if (share >= PHRASE_MIN_SHARE && v > x->con)
                x->con = v;
            x->tmp = 0;
        }
    }
    return 0;
}

static bool ranks_before(const ranked_hit *x, const ranked_hit *y)
{
    return x->score != y->score ? x->score > y->score : x->item < y->item;
}

static int cmp_item(const void *a, const void *b)
{
    const ranked_hit *x = a, *y = b;
    return x->item < y->item ? -1 : x->item > y->item;
}

/* The best RANKED_TOP of hits[0..n) into out (in place), by item: a bounded heap whose root
 * is the worst kept, O(n log k). */
static void keep_best(ranked_hit *hits, size_t n, ranked_list *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        ranked_hit h = hits[i];
        size_t at;
        if (k < RANKED_TOP) {
            for (at = k++; at > 0 && ranks_before(&hits[(at - 1) / 2], &h); at = (at - 1) / 2)
                hits[at] = hits[(at - 1) / 2];
            hits[at] = h;
            continue;
        }
        if (!ranks_before(&h, &hits[0]))
            continue;
        for (at = 0;;) {
            size_t ch = 2 * at + 1;
            if (ch >= k)
                break;
            if (ch + 1 < k && ranks_before(&hits[ch], &hits[ch + 1]))
                ch++;
            if (!ranks_before(&h, &hits[ch]))
                break;
            hits[at] = hits[ch];
            at = ch;
        }
        hits[at] = h;
    }
    out->top = 0;
    for (size_t i = 0; i < k; i++)
        if (hits[i].score > out->top)
            out->top = hits[i].score;
    if (k)
        qsort(hits, k, sizeof *hits, cmp_item);
    out->h = hits;
    out->n = k;
}

static int ranked_compute(const search_index *ix, const search_query *sq, const char *text,
                          const search_filters *f, arena *a, ranked_list *out);

/* Cached in the snapshot's reading cache under the text and the filters (the synonym
 * readings and concepts follow from the text and the snapshot). */
int ranked_run(const search_index *ix, const search_query *sq, const char *text,
               const search_filters *f, arena *a, ranked_list *out)
{
    strbuf key;
    sb_init(&key, a, 128);
    sb_append(&key, "R", 1);
    sb_append(&key, (const char *)f, sizeof *f);
    sb_puts(&key, text);
    void *val;
    size_t vlen;
    if (!key.failed && blob_cache_get(ix->reading_cache, key.data, key.len, a, &val, &vlen) &&
        vlen >= sizeof *out) {
        memcpy(out, val, sizeof *out);
        out->h = (ranked_hit *)((char *)val + sizeof *out);
        return 0;
    }
    if (ranked_compute(ix, sq, text, f, a, out) != 0)
        return -1;
    size_t bytes = sizeof *out + out->n * sizeof *out->h;
    char *blob = key.failed ? NULL : arena_alloc(a, bytes);
    if (blob) {
        memcpy(blob, out, sizeof *out);
        if (out->n)
            memcpy(blob + sizeof *out, out->h, out->n * sizeof *out->h);
        blob_cache_put(ix->reading_cache, key.data, key.len, blob, bytes);
    }
    return 0;
}

static int ranked_compute(const search_index *ix, const search_query *sq, const char *text,
                          const search_filters *f, arena *a, ranked_list *out)
{
    const ranked_index *r = &ix->ranked;
    memset(out, 0, sizeof *out);
    if (r->n_terms == 0)
        return 0;
    uint32_t c[SEARCH_MAX_QUERY_CHARS * 2];
    size_t n = normalize_text(text, strlen(text), c, sizeof c / sizeof *c, true);
    qterms *q = arena_alloc(a, sizeof *q);
    if (!q)
        return -1;
    q->n = q->unknown_en = q->unknown_cjk = 0;
    q->r = r;
    q->weight = W_QUERY;
    terms_of(c, n, on_term, q);
    out->n_terms = q->n;
    out->n_unknown_en = q->unknown_en;
    out->has_cjk = false;
    for (size_t i = 0; i < n && !out->has_cjk; i++)
        out->has_cjk = is_hanzi(c[i]);
    q->weight = W_SYNONYM;
    for (size_t i = 1; i < sq->n_alt; i++)
        if (sq->alt[i].kind == ALT_SYNONYM)
            tokens_terms(&sq->alt[i], q);
    concept_hit concepts[MAX_CONCEPTS];
    out->n_concepts = find_concepts(r, c, n, concepts);
    size_t sum = 0;
    for (size_t i = 0; i < q->n; i++)
        sum += postings_of(r, q->t[i].term);
    for (size_t i = 0; i < out->n_concepts; i++)
        for (uint32_t ph = r->concept_off[concepts[i].concept];
             ph < r->concept_off[concepts[i].concept + 1]; ph++)
            for (uint32_t k = r->phrase_off[ph]; k < r->phrase_off[ph + 1]; k++)
                sum += postings_of(r, r->phrase_terms[k]);
    if (sum == 0)
        return 0;
    accs s = {NULL,
              0,
              sum < ix->n_items ? sum : ix->n_items,
              set_for(ix->n_items),
              ix,
              f,
              f->dept >= 0 || f->topic >= 0 || f->audience >= 0 || f->online_level_min > 1};
    s.a = arena_alloc(a, (s.cap + 1) * sizeof *s.a);
    uint32_t *touched = arena_alloc(a, (s.cap + 1) * sizeof *touched);
    uint32_t *by_item = arena_alloc(a, (s.cap + 1) * sizeof *by_item);
    if (!s.a || !touched || !by_item || !s.slots)
        return -1;
    for (size_t i = 0; i < q->n; i++)
        for (uint32_t p = r->off[q->t[i].term]; p < r->off[q->t[i].term + 1]; p++) {
            acc *x = acc_of(&s, r->items[p]);
            if (!x)
                continue;
            x->lit += q->t[i].weight * r->impact[p];
            if (q->t[i].weight == W_QUERY)
                x->words++;
            else if (!x->synonym) {
                x->synonym = true;
                x->words++;
            }
        }
    for (size_t i = 0; i < out->n_concepts; i++)
        score_concept(r, &concepts[i], &s, touched, by_item);
    float max_lit = 0;
    for (size_t i = 0; i < s.n; i++)
        if (s.a[i].lit > max_lit)
            max_lit = s.a[i].lit;
    ranked_hit *hits = arena_alloc(a, (s.n + 1) * sizeof *hits);
    if (!hits)
        return -1;
    size_t words = out->n_terms + q->unknown_cjk + q->unknown_en, nh = 0;
    for (size_t i = 0; i < s.n; i++) {
        s.slots->slot[s.a[i].item] = 0;
        /* no concept: its words must be, and at least half of the query's */
        if (s.a[i].con <= 0 && (s.a[i].lit <= 0 || (size_t)s.a[i].words * 2 < words))
            continue;
        float lit = max_lit > 0 ? s.a[i].lit / max_lit : 0;
        hits[nh++] = (ranked_hit){s.a[i].item, lit + CONCEPT_BOOST * s.a[i].con};
    }
    keep_best(hits, nh, out);
    return 0;
}
