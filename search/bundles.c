#include "search/bundles.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "search/normalize.h"

#define KEY_MAX_CHARS 256 /* a name is at most 200 characters, a query 64 */
#define STEM_CHARS 5      /* English words match on their first letters: retire ~ retiring */

/* Words that say nothing about which event is meant (shorter words are skipped anyway). */
static const char *const stop_words[] = {"the",  "and",  "for",  "how", "what", "want",  "need",
                                         "with", "from", "your", "can", "get",  "apply", NULL};

static bool is_stop_word(const uint32_t *w, size_t n)
{
    for (size_t i = 0; stop_words[i]; i++) {
        size_t k = 0;
        while (k < n && stop_words[i][k] && (uint32_t)stop_words[i][k] == w[k])
            k++;
        if (k == n && !stop_words[i][k])
            return true;
    }
    return false;
}

static void add_token(uint64_t *set, uint8_t *n, uint64_t t)
{
    for (uint8_t i = 0; i < *n; i++)
        if (set[i] == t)
            return;
    if (*n < BUNDLE_KEY_TOKENS)
        set[(*n)++] = t;
}

/* "一件事" ("one thing") ends every bundle's name and says nothing about it: blanked out. */
static void blank_suffix(uint32_t *cp, size_t n)
{
    static const uint32_t suffix[] = {0x4E00, 0x4EF6, 0x4E8B};
    for (size_t i = 0; i + 3 <= n; i++)
        if (memcmp(cp + i, suffix, sizeof suffix) == 0)
            cp[i] = cp[i + 1] = cp[i + 2] = ' ';
}

/* The tokens of a name or a query: hanzi bigrams, and English words' stems (3+ letters). */
static void tokenize(const char *s, bundle_key *k)
{
    uint32_t cp[KEY_MAX_CHARS];
    size_t n = normalize_text(s, strlen(s), cp, KEY_MAX_CHARS, true);
    memset(k, 0, sizeof *k);
    blank_suffix(cp, n);
    for (size_t i = 0; i < n;) {
        if (is_hanzi(cp[i])) {
            if (i + 1 < n && is_hanzi(cp[i + 1]))
                add_token(k->hanzi, &k->n_hanzi, gram_bigram(cp[i], cp[i + 1]));
            i++;
            continue;
        }
        size_t end = i;
        while (end < n && is_ascii_alnum(cp[end]))
            end++;
        if (end - i >= 3 && !is_stop_word(cp + i, end - i)) {
            uint64_t stem = 0;
            for (size_t j = i; j < end && j < i + STEM_CHARS; j++)
                stem = stem << 8 | cp[j];
            add_token(k->words, &k->n_words, stem);
        }
        i = end > i ? end : i + 1;
    }
}

static size_t shared(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
    size_t k = 0;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            if (a[i] == b[j]) {
                k++;
                break;
            }
    return k;
}

/* How well the query names the bundle, 0 (not well) … 200: well when it holds at least half
 * of the name's tokens, or is two tokens or more all found in the name (新生儿 of
 * 新生儿出生); the sum of both shares in percent. */
static unsigned side_match(const uint64_t *q, size_t nq, const uint64_t *name, size_t nn)
{
    if (!nq || !nn)
        return 0;
    size_t k = shared(q, nq, name, nn);
    unsigned of_name = (unsigned)(100 * k / nn), of_query = (unsigned)(100 * k / nq);
    return of_name >= 50 || (nq >= 2 && of_query == 100) ? of_name + of_query : 0;
}

static unsigned name_match(const bundle_key *q, const bundle_key *name)
{
    unsigned h = side_match(q->hanzi, q->n_hanzi, name->hanzi, name->n_hanzi);
    unsigned w = side_match(q->words, q->n_words, name->words, name->n_words);
    return h > w ? h : w;
}

static bool holds(const search_index *ix, size_t b, uint32_t item)
{
    size_t lo = ix->bundle_off[b], hi = ix->bundle_off[b + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->bundle_items[mid] < item)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ix->bundle_off[b + 1] && ix->bundle_items[lo] == item;
}

size_t search_life_events(const search_index *ix, const char *q, const uint32_t *items,
                          size_t n_items, uint16_t *out, size_t max)
{
    bundle_key qk;
    tokenize(q ? q : "", &qk);
    uint32_t score[SEARCH_LIFE_EVENTS];
    size_t n = 0;
    if (max > SEARCH_LIFE_EVENTS)
        max = SEARCH_LIFE_EVENTS;
    for (size_t b = 0; b < ix->n_bundles && max; b++) {
        /* a name that matches first, then the earliest item the bundle holds */
        uint32_t s = name_match(&qk, &ix->bundle_keys[b]) * 16;
        for (size_t i = 0; i < n_items && i < 15; i++)
            if (holds(ix, b, items[i])) {
                s += (uint32_t)(15 - i);
                break;
            }
        if (s == 0)
            continue;
        size_t at = n; /* insertion below the equal ones: file order breaks ties */
        while (at > 0 && score[at - 1] < s)
            at--;
        if (at >= max)
            continue;
        size_t last = n < max ? n : max - 1;
        memmove(&out[at + 1], &out[at], (last - at) * sizeof out[0]);
        memmove(&score[at + 1], &score[at], (last - at) * sizeof score[0]);
        out[at] = (uint16_t)b;
        score[at] = s;
        if (n < max)
            n++;
    }
    return n;
}

typedef struct by_service {
    const char *code;
    uint32_t bundle;
} by_service;

static int cmp_service(const void *a, const void *b)
{
    return strcmp(((const by_service *)a)->code, ((const by_service *)b)->code);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The bundles (code, name, key) in order; members' bundle numbers into svc. */
static int add_bundles(search_index *ix, const bundle_member *m, size_t n, by_service *svc,
                       size_t *n_svc)
{
    size_t cap = 0;
    *n_svc = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(m[i].code, m[i - 1].code) != 0) {
            if (ix->n_bundles >= UINT16_MAX ||
                grow_array((void **)&ix->bundles, &cap, ix->n_bundles + 1, sizeof ix->bundles[0]))
                return -1;
            search_code *c = &ix->bundles[ix->n_bundles++];
            memset(c, 0, sizeof *c);
            strncpy(c->code, m[i].code, sizeof c->code - 1);
            strncpy(c->name, m[i].name, sizeof c->name - 1);
            if (m[i].name_en)
                strncpy(c->name_en, m[i].name_en, sizeof c->name_en - 1);
        }
        if (m[i].service_code)
            svc[(*n_svc)++] = (by_service){m[i].service_code, (uint32_t)ix->n_bundles - 1};
    }
    ix->bundle_keys = calloc(ix->n_bundles + 1, sizeof ix->bundle_keys[0]);
    if (!ix->bundle_keys)
        return -1;
    for (size_t b = 0; b < ix->n_bundles; b++) {
        bundle_key en;
        tokenize(ix->bundles[b].name, &ix->bundle_keys[b]);
        tokenize(ix->bundles[b].name_en, &en);
        memcpy(ix->bundle_keys[b].words, en.words, sizeof en.words);
        ix->bundle_keys[b].n_words = en.n_words;
    }
    return 0;
}

/* Each bundle's items: every item looked up among the services (sorted by code), the
 * (bundle, item) pairs sorted and counted per bundle. */
static int group_items(search_index *ix, by_service *svc, size_t n_svc)
{
    qsort(svc, n_svc, sizeof svc[0], cmp_service);
    uint64_t *pairs = malloc((n_svc + 1) * sizeof *pairs);
    ix->bundle_off = calloc(ix->n_bundles + 1, sizeof ix->bundle_off[0]);
    ix->bundle_items = malloc((n_svc + 1) * sizeof ix->bundle_items[0]);
    if (!pairs || !ix->bundle_off || !ix->bundle_items) {
        free(pairs);
        return -1;
    }
    size_t n_pairs = 0;
    for (uint32_t it = 0; it < ix->n_items && n_svc; it++) {
        by_service key = {ix->pool + ix->items[it].code, 0};
        const by_service *hit = bsearch(&key, svc, n_svc, sizeof svc[0], cmp_service);
        while (hit && hit > svc && strcmp(hit[-1].code, key.code) == 0)
            hit--;
        for (; hit && hit < svc + n_svc && strcmp(hit->code, key.code) == 0; hit++)
            pairs[n_pairs++] = (uint64_t)hit->bundle << 32 | it;
    }
    qsort(pairs, n_pairs, sizeof pairs[0], cmp_u64);
    size_t n = 0;
    for (size_t i = 0; i < n_pairs; i++)
        if (i == 0 || pairs[i] != pairs[i - 1]) { /* a service listed twice counts once */
            ix->bundle_items[n++] = (uint32_t)pairs[i];
            ix->bundle_off[(pairs[i] >> 32) + 1]++;
        }
    for (size_t b = 0; b < ix->n_bundles; b++)
        ix->bundle_off[b + 1] += ix->bundle_off[b];
    free(pairs);
    return 0;
}

int search_bundles_attach(search_index *ix, const bundle_member *members, size_t n)
{
    by_service *svc = malloc((n + 1) * sizeof *svc);
    size_t n_svc = 0;
    int rc = svc ? add_bundles(ix, members, n, svc, &n_svc) : -1;
    if (rc == 0)
        rc = group_items(ix, svc, n_svc);
    free(svc);
    return rc;
}
