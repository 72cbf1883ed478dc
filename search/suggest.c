/* Suggestions instead of an empty page: the items the query's words touch in any field
 * (ranked retrieval, no filters), summed by topic and department; then the most used services
 * of the best topic and department. Words that touch nothing: the most used services. */
#include "search/query.h"

#include <string.h>

bool search_needs_suggestions(const search_results *res)
{
    return res->total == 0 || (res->n > 0 && res->hits[0].score < T_DESC * 1000);
}

/* The k best of weights[0..n) (> 0) into out; returns how many. */
static size_t best_of(const float *weights, size_t n, uint16_t *out, size_t k)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (weights[i] <= 0)
            continue;
        size_t at = m < k ? m++ : k;
        if (at == k && weights[i] <= weights[out[k - 1]])
            continue;
        if (at == k)
            at = k - 1;
        while (at > 0 && weights[out[at - 1]] < weights[i]) {
            out[at] = out[at - 1];
            at--;
        }
        out[at] = (uint16_t)i;
    }
    return m;
}

static bool listed(const search_suggestions *s, uint32_t item)
{
    for (size_t i = 0; i < s->n_items; i++)
        if (s->items[i] == item)
            return true;
    return false;
}

/* The most popular items of a browse list (by popularity already) not listed yet. */
static void add_popular(const search_index *ix, const uint32_t *list, size_t n, size_t want,
                        search_suggestions *s)
{
    for (size_t i = 0; i < n && s->n_items < SUGGEST_ITEMS && want > 0; i++)
        if (!listed(s, list[i])) {
            s->items[s->n_items++] = list[i];
            want--;
        }
    (void)ix;
}

int search_suggest(const search_index *ix, const char *text, const search_results *res, arena *a,
                   search_suggestions *out)
{
    memset(out, 0, sizeof *out);
    float *topic_w = arena_alloc(a, (ix->n_topics + 1) * sizeof *topic_w);
    float *dept_w = arena_alloc(a, (ix->n_depts + 1) * sizeof *dept_w);
    if (!topic_w || !dept_w)
        return -1;
    memset(topic_w, 0, (ix->n_topics + 1) * sizeof *topic_w);
    memset(dept_w, 0, (ix->n_depts + 1) * sizeof *dept_w);
    ranked_list rl;
    if (res && res->ranked) /* the search ran it, unfiltered, with the same readings */
        rl = *res->ranked;
    else {
        search_query *q = arena_alloc(a, sizeof *q);
        if (!q)
            return -1;
        query_parse(ix, text, q);
        search_filters none = {-1, -1, -1, 0};
        if (ranked_run(ix, q, text, &none, a, &rl) != 0)
            return -1;
    }
    for (size_t i = 0; i < rl.n; i++) {
        const search_item *it = &ix->items[rl.h[i].item];
        if (it->dept < ix->n_depts)
            dept_w[it->dept] += rl.h[i].score;
        for (size_t t = 0; t < ix->n_topics; t++)
            if (it->topics & (1ULL << t))
                topic_w[t] += rl.h[i].score;
    }
    out->n_topics = best_of(topic_w, ix->n_topics, out->topics, SUGGEST_CODES);
    out->n_depts = best_of(dept_w, ix->n_depts, out->depts, SUGGEST_CODES);
    out->from_words = out->n_topics + out->n_depts > 0;
    if (out->n_topics) {
        size_t t = out->topics[0];
        add_popular(ix, ix->topic_items + ix->topic_off[t], ix->topic_off[t + 1] - ix->topic_off[t],
                    3, out);
    }
    if (out->n_depts) {
        size_t d = out->depts[0];
        add_popular(ix, ix->dept_items + ix->dept_off[d], ix->dept_off[d + 1] - ix->dept_off[d],
                    SUGGEST_ITEMS, out);
    }
    add_popular(ix, ix->by_popularity, ix->n_items, SUGGEST_ITEMS, out);
    return 0;
}
