#include "search/query.h"

#include <string.h>

#include "search/normalize.h"

static int run_readings(const search_index *ix, const search_query *q, size_t from, size_t to,
                        const search_filters *f, arena *a, hit_list *hits)
{
    token_memo memo = {.n = 0};
    for (size_t i = from; i < to; i++) {
        match_list m = {NULL, 0};
        if (match_reading(ix, &q->alt[i], q->alt[i].kind == ALT_TYPO, &memo, a, &m) != 0 ||
            rank_collect(ix, q, i, &m, f, a, hits) != 0)
            return -1;
    }
    return 0;
}

/* The ranked retrieval's best hits merged into the hits (both by item). A ranked hit scores
 * in [lo, hi) tiers by its share of the best ranked score; an item found both ways keeps the
 * better of the two plus a little. */
static int merge_ranked(const ranked_list *rl, int lo, int hi, arena *a, hit_list *hits)
{
    search_hit *merged = arena_alloc(a, (hits->n + rl->n + 1) * sizeof *merged);
    if (!merged)
        return -1;
    size_t i = 0, j = 0, k = 0;
    uint32_t base = (uint32_t)lo * 1000, span = (uint32_t)(hi - lo) * 1000 - 1;
    while (i < hits->n || j < rl->n) {
        if (j == rl->n || (i < hits->n && hits->h[i].item < rl->h[j].item)) {
            merged[k++] = hits->h[i++];
            continue;
        }
        const ranked_hit *x = &rl->h[j++];
        uint32_t score = base + (uint32_t)(span * (x->score / rl->top));
        search_hit h = {x->item, score, 0};
        if (i < hits->n && hits->h[i].item == x->item) {
            h = hits->h[i++];
            if (h.score < base + span) {
                uint32_t both = (score > h.score ? score : h.score) + 300;
                h.score = both < base + span ? both : base + span;
            }
        }
        merged[k++] = h;
    }
    hits->h = merged;
    hits->n = k;
    hits->cap = k;
    return 0;
}

static uint32_t best_score(const hit_list *hits)
{
    uint32_t best = 0;
    for (size_t i = 0; i < hits->n; i++)
        if (hits->h[i].score > best)
            best = hits->h[i].score;
    return best;
}

int search_run(const search_index *ix, const char *text, const search_filters *f, size_t offset,
               size_t limit, bool distinct_names, arena *a, search_results *out)
{
    search_query *q = arena_alloc(a, sizeof *q); /* query_parse sets what is read */
    if (!q)
        return -1;
    out->query = q;
    out->ranked = NULL;
    query_parse(ix, text, q);
    size_t parsed = q->n_alt; /* the readings suggestions parse too (search_suggest) */
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
    size_t literal_hits = hits.n;
    if (hits.n < 3 && !exact) { /* nothing good enough: misspelt English, homophones */
        size_t from = q->n_alt;
        query_add_near_synonyms(ix, q);
        query_add_pinyin_reading(q);
        if (run_readings(ix, q, from, q->n_alt, f, a, &hits) != 0)
            return -1;
    }
    if (hits.n < 3 && !exact) { /* still nothing: a wrong character, or only most of the words */
        size_t from = q->n_alt;
        query_add_soft_readings(q, q->n_alt);
        if (run_readings(ix, q, from, q->n_alt, f, a, &hits) != 0)
            return -1;
    }
    /* Not named well enough: rank every field by its words, synonyms and concepts. When
     * only a misspelling's readings found something (a typo of a name), they go first. */
    if (!exact && best_score(&hits) < T_NAME * 1000) {
        ranked_list *rl_kept = arena_alloc(a, sizeof *rl_kept);
        if (!rl_kept || ranked_run(ix, q, text, f, a, rl_kept) != 0)
            return -1;
        const ranked_list rl = *rl_kept;
        if (q->n_alt == parsed && f->dept < 0 && f->topic < 0 && f->audience < 0 &&
            f->online_level_min <= 1)
            out->ranked = rl_kept; /* what suggestions would compute (search_suggest) */
        bool typo_like = literal_hits == 0 && hits.n > 0 && rl.n_concepts == 0 &&
                         (rl.has_cjk || rl.n_unknown_en > 0);
        if (rl.n && merge_ranked(&rl, typo_like ? 1 : T_DESC, typo_like ? T_TYPO : T_SYN_NAME, a,
                                 &hits) != 0)
            return -1;
    }
    return rank_page(ix, &hits, offset, limit, distinct_names, a, out);
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
            if (rank_passes(&probe, &only))
                total += ix->audience_level_count[aud][level];
        }
    }
    return total;
}

int search_browse(const search_index *ix, const search_filters *f, size_t offset, size_t limit,
                  arena *a, search_results *out)
{
    out->query = NULL;
    out->ranked = NULL;
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
            if (!rank_passes(&ix->items[list[i]], f) || seen++ < offset)
                continue;
            out->hits[out->n++] = (search_hit){list[i], 0, 0};
        }
        return 0;
    }
    for (size_t i = 0; i < n; i++) { /* one department's or topic's list */
        if (!rank_passes(&ix->items[list[i]], f))
            continue;
        if (out->total >= offset && out->n < limit)
            out->hits[out->n++] = (search_hit){list[i], 0, 0};
        out->total++;
    }
    return 0;
}
