#include "search/query.h"

#include <stdlib.h>
#include <string.h>

/* ---- ranking ---- */

bool rank_passes(const search_item *it, const search_filters *f)
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

/* Adds the reading's matches (sorted by item) to the hits (sorted by item, one per item,
 * its best score) with a linear merge. */
int rank_collect(const search_index *ix, const search_query *q, size_t alt_i, const match_list *m,
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
        int tier = rank_passes(&ix->items[x->item], f) ? tier_of(ix, q, alt, x) : 0;
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

int rank_page(const search_index *ix, hit_list *hits, size_t offset, size_t limit,
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
