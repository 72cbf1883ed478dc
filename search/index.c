#include "search/index.h"

#include "search/blob_cache.h"
#include "search/ranked_build.h"

#include <stdlib.h>
#include <string.h>

const uint32_t *index_gram_postings(const search_index *ix, uint64_t key, size_t *n)
{
    uint32_t slot;
    if (!u64map_get(&ix->grams, key, &slot)) {
        *n = 0;
        return NULL;
    }
    *n = ix->gram_off[slot + 1] - ix->gram_off[slot];
    return ix->postings + ix->gram_off[slot];
}

size_t index_gallop(const uint32_t *list, size_t n, size_t from, uint32_t value)
{
    size_t lo = from, step = 1, hi = lo;
    while (hi < n && list[hi] < value) {
        lo = hi + 1;
        hi += step;
        step *= 2;
    }
    if (hi > n)
        hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (list[mid] < value)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

unsigned index_fields_from(const uint32_t *list, size_t n, size_t *pos, uint32_t item)
{
    size_t lo = index_gallop(list, n, *pos, item << 2);
    *pos = lo;
    unsigned fields = 0;
    for (size_t i = lo; i < n && list[i] >> 2 == item; i++)
        fields |= 1u << (list[i] & 3);
    return fields;
}

static int find(const search_code *list, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].code, code) == 0)
            return (int)i;
    return -1;
}

int index_dept(const search_index *ix, const char *code)
{
    return find(ix->depts, ix->n_depts, code);
}

int index_topic(const search_index *ix, const char *code)
{
    return find(ix->topics, ix->n_topics, code);
}

void search_index_free(search_index *ix)
{
    if (!ix)
        return;
    free(ix->items);
    free(ix->pool);
    free(ix->depts);
    free(ix->topics);
    u64map_free(&ix->grams);
    free(ix->gram_off);
    free(ix->postings);
    free(ix->terms);
    free(ix->term_initials);
    free(ix->term_off);
    free(ix->term_postings);
    free(ix->entries);
    free(ix->synonyms);
    u64map_free(&ix->synonym_index);
    free(ix->by_popularity);
    free(ix->dept_items);
    free(ix->dept_off);
    free(ix->topic_items);
    free(ix->topic_off);
    ranked_index_free(&ix->ranked);
    free(ix->bundles);
    free(ix->bundle_keys);
    free(ix->bundle_off);
    free(ix->bundle_items);
    blob_cache_free(ix->reading_cache);
    free(ix);
}
