#include "search/index_build.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/embedded_data.h"
#include "core/log.h"
#include "search/normalize.h"
#include "search/pinyin.h"
#include "search/ranked_build.h"

typedef struct u32vec {
    uint32_t *v;
    uint32_t n, cap;
} u32vec;

typedef struct pair {
    uint32_t a, b;
} pair;

typedef struct gram {
    uint64_t key;
    uint32_t field;
} gram;

typedef struct gram_list {
    gram *g;
    size_t n, cap;
} gram_list;

struct search_builder {
    search_index *ix;
    size_t items_cap, pool_cap, depts_cap, topics_cap, synonyms_cap;
    u32vec *slots; /* per gram slot, while building */
    size_t slots_cap;
    u64map term_index; /* hash(string) → term id */
    u64map name_index; /* hash(name) → item holding it first */
    uint32_t n_names;
    size_t terms_cap, term_initials_cap;
    pair *term_pairs; /* (term, posting) */
    size_t n_term_pairs, term_pairs_cap;
    size_t entries_cap;
    ranked_builder *ranked;
    bool failed;
    /* scratch of one item */
    gram_list grams;
    pinyin_text py;
    uint32_t text[NORM_MAX_CHARS];
};

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

static int vec_push(u32vec *v, uint32_t x)
{
    if (v->n == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 4;
        uint32_t *n = realloc(v->v, cap * sizeof *n);
        if (!n)
            return -1;
        v->v = n;
        v->cap = cap;
    }
    v->v[v->n++] = x;
    return 0;
}

/* Copies s into the pool; returns its offset (UINT32_MAX when out of memory). */
static uint32_t pool_add(search_builder *b, const char *s, size_t len)
{
    search_index *ix = b->ix;
    if (ix->pool_len + len + 1 > UINT32_MAX ||
        grow((void **)&ix->pool, &b->pool_cap, ix->pool_len + len + 1, 1) != 0) {
        b->failed = true;
        return UINT32_MAX;
    }
    uint32_t off = (uint32_t)ix->pool_len;
    memcpy(ix->pool + off, s, len);
    ix->pool[off + len] = '\0';
    ix->pool_len += len + 1;
    return off;
}

search_builder *search_builder_new(void)
{
    search_builder *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->ix = calloc(1, sizeof *b->ix);
    b->ranked = ranked_builder_new();
    if (!b->ix || !b->ranked || u64map_init(&b->ix->grams, 1 << 16) != 0 ||
        u64map_init(&b->term_index, 1 << 12) != 0 || u64map_init(&b->name_index, 1 << 12) != 0 ||
        u64map_init(&b->ix->synonym_index, 1 << 10) != 0) {
        search_builder_abort(b);
        return NULL;
    }
    pool_add(b, "", 0); /* offset 0: the empty string */
    return b;
}

static int add_code(search_code **list, size_t *n, size_t *cap, const char *code, const char *name,
                    const char *name_en, size_t max)
{
    if (*n >= max || grow((void **)list, cap, *n + 1, sizeof **list) != 0)
        return -1;
    search_code *c = &(*list)[(*n)++];
    memset(c, 0, sizeof *c);
    strncpy(c->code, code, sizeof c->code - 1);
    strncpy(c->name, name, sizeof c->name - 1);
    if (name_en)
        strncpy(c->name_en, name_en, sizeof c->name_en - 1);
    return 0;
}

int search_builder_add_dept(search_builder *b, const char *code, const char *name,
                            const char *name_en)
{
    return add_code(&b->ix->depts, &b->ix->n_depts, &b->depts_cap, code, name, name_en, UINT16_MAX);
}

int search_builder_add_topic(search_builder *b, const char *code, const char *name,
                             const char *name_en)
{
    if (b->ix->n_topics == SEARCH_MAX_TOPICS) {
        /* the per-item bitmask holds 64: a 65th topic is left out of the index (its items
         * stay searchable) rather than stopping every rebuild */
        log_msg(LOG_ERROR, "search: more than %d topics; topic %s is not indexed",
                SEARCH_MAX_TOPICS, code);
        return 0;
    }
    return add_code(&b->ix->topics, &b->ix->n_topics, &b->topics_cap, code, name, name_en,
                    SEARCH_MAX_TOPICS);
}

/* ---- CJK grams ---- */

static void gram_add(gram_list *l, uint64_t key, uint32_t field)
{
    if (grow((void **)&l->g, &l->cap, l->n + 1, sizeof *l->g) == 0)
        l->g[l->n++] = (gram){key, field};
}

/* Bigrams of adjacent hanzi; with unigrams, every hanzi alone too. */
static void grams_of(gram_list *l, const uint32_t *c, size_t n, uint32_t field, bool unigrams)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_hanzi(c[i]))
            continue;
        if (unigrams)
            gram_add(l, gram_unigram(c[i]), field);
        if (i + 1 < n && is_hanzi(c[i + 1]))
            gram_add(l, gram_bigram(c[i], c[i + 1]), field);
    }
}

static int cmp_gram(const void *a, const void *b)
{
    const gram *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (int)x->field - (int)y->field;
}

static int add_postings(search_builder *b, gram_list *l, uint32_t item)
{
    if (l->n)
        qsort(l->g, l->n, sizeof *l->g, cmp_gram);
    for (size_t i = 0; i < l->n; i++) {
        if (i > 0 && l->g[i].key == l->g[i - 1].key && l->g[i].field == l->g[i - 1].field)
            continue;
        uint32_t slot;
        if (!u64map_get(&b->ix->grams, l->g[i].key, &slot)) {
            slot = (uint32_t)b->ix->n_gram_slots;
            if (grow((void **)&b->slots, &b->slots_cap, slot + 1, sizeof *b->slots) != 0 ||
                u64map_put(&b->ix->grams, l->g[i].key, slot) != 0)
                return -1;
            memset(&b->slots[slot], 0, sizeof b->slots[slot]);
            b->ix->n_gram_slots++;
        }
        if (vec_push(&b->slots[slot], item << 2 | l->g[i].field) != 0)
            return -1;
    }
    return 0;
}

/* ---- pinyin terms ---- */

static int add_entry(search_builder *b, uint32_t term, uint32_t pos)
{
    search_index *ix = b->ix;
    if (grow((void **)&ix->entries, &b->entries_cap, ix->n_entries + 1, sizeof *ix->entries))
        return -1;
    ix->entries[ix->n_entries++] = (search_entry){term, pos};
    return 0;
}

/* The id of the term s (interned; a new term gets its suffix entries: at each syllable
 * start of a full spelling, at every position of initials). */
static int64_t term_id(search_builder *b, const char *s, size_t len, const pinyin_text *py,
                       bool initials)
{
    search_index *ix = b->ix;
    uint64_t h = hash_bytes(s, len) ^ initials; /* a spelling and initials are two terms */
    size_t pos = 0;
    uint32_t id;
    while (u64map_next(&b->term_index, h ? h : 1, &pos, &id))
        if (ix->term_initials[id] == initials && strcmp(ix->pool + ix->terms[id], s) == 0)
            return id;
    uint32_t off = pool_add(b, s, len);
    if (off == UINT32_MAX ||
        grow((void **)&ix->terms, &b->terms_cap, ix->n_terms + 1, sizeof *ix->terms) != 0)
        return -1;
    if (grow((void **)&ix->term_initials, &b->term_initials_cap, ix->n_terms + 1, 1) != 0)
        return -1;
    id = (uint32_t)ix->n_terms++;
    ix->terms[id] = off;
    ix->term_initials[id] = initials;
    if (u64map_put(&b->term_index, h ? h : 1, id) != 0)
        return -1;
    if (initials) {
        for (size_t i = 0; i < len; i++)
            if (add_entry(b, id, (uint32_t)i) != 0)
                return -1;
    } else {
        for (size_t i = 0; i < py->n_syl; i++)
            if (add_entry(b, id, py->syl_start[i]) != 0)
                return -1;
    }
    return id;
}

static int add_term_posting(search_builder *b, int64_t term, uint32_t posting)
{
    if (term < 0 || grow((void **)&b->term_pairs, &b->term_pairs_cap, b->n_term_pairs + 1,
                         sizeof *b->term_pairs) != 0)
        return -1;
    b->term_pairs[b->n_term_pairs++] = (pair){(uint32_t)term, posting};
    return 0;
}

static int add_pinyin(search_builder *b, const uint32_t *c, size_t n, uint32_t item, uint32_t field)
{
    pinyin_text *py = &b->py;
    pinyin_of(c, n, py);
    if (py->full_len == 0)
        return 0;
    uint32_t posting = item << 2 | field;
    if (add_term_posting(b, term_id(b, py->full, py->full_len, py, false), posting) != 0)
        return -1;
    if (py->initials_len >= 2 && strcmp(py->initials, py->full) != 0 &&
        add_term_posting(b, term_id(b, py->initials, py->initials_len, py, true), posting) != 0)
        return -1;
    return 0;
}

/* ---- items ---- */

/* The id shared by every item of this name (the first such item's index). */
static uint32_t name_id(search_builder *b, const char *name, uint32_t item)
{
    uint64_t h = hash_bytes(name, strlen(name));
    size_t pos = 0;
    uint32_t other;
    while (u64map_next(&b->name_index, h, &pos, &other))
        if (strcmp(b->ix->pool + b->ix->items[other].name, name) == 0)
            return b->ix->items[other].name_id;
    if (u64map_put(&b->name_index, h, item) != 0)
        b->failed = true;
    return b->n_names++;
}

static uint64_t topic_mask(search_builder *b, const char *json)
{
    uint64_t mask = 0;
    cJSON *arr = json ? cJSON_ParseWithLength(json, strlen(json) + 1) : NULL;
    const cJSON *t;
    cJSON_ArrayForEach(t, arr)
    {
        int i = cJSON_IsString(t) ? index_topic(b->ix, t->valuestring) : -1;
        if (i >= 0 && !(mask & (1ULL << i))) { /* counted once, as the browse lists are */
            mask |= 1ULL << i;
            b->ix->topics[i].count++;
        }
    }
    cJSON_Delete(arr);
    return mask;
}

static uint8_t audience_of(const char *s)
{
    if (strcmp(s, "enterprise") == 0)
        return AUDIENCE_ENTERPRISE;
    return strcmp(s, "both") == 0 ? AUDIENCE_BOTH : AUDIENCE_PERSONAL;
}

static uint32_t clamp_u32(int64_t v)
{
    return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Name: unigrams, bigrams, pinyin; its compact normalized form for exact/prefix ranking. */
static int index_name(search_builder *b, search_item *it, const char *name, gram_list *g)
{
    uint32_t *c = b->text;
    size_t n = normalize_text(name, strlen(name), c, NORM_MAX_CHARS, true);
    grams_of(g, c, n, FIELD_NAME, true);
    uint32_t compact[NORM_MAX_CHARS];
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (c[i] != ' ')
            compact[k++] = c[i];
    char utf8[NORM_MAX_CHARS * 4 + 1];
    size_t len = normalize_to_utf8(compact, k, utf8, sizeof utf8);
    it->name_compact = pool_add(b, utf8, len);
    it->name_chars = (uint16_t)(k > UINT16_MAX ? UINT16_MAX : k);
    int rc = add_pinyin(b, c, n, (uint32_t)(it - b->ix->items), FIELD_NAME);
    it->name_py_len = (uint16_t)b->py.full_len;
    return rc;
}

static int index_keywords(search_builder *b, uint32_t item, const char *json, gram_list *g)
{
    uint32_t *c = b->text;
    cJSON *arr = json ? cJSON_ParseWithLength(json, strlen(json) + 1) : NULL;
    const cJSON *k;
    int rc = 0;
    cJSON_ArrayForEach(k, arr)
    {
        if (!cJSON_IsString(k))
            continue;
        size_t n = normalize_text(k->valuestring, strlen(k->valuestring), c, NORM_MAX_CHARS, true);
        grams_of(g, c, n, FIELD_KEYWORD, true);
        if (add_pinyin(b, c, n, item, FIELD_KEYWORD) != 0)
            rc = -1;
    }
    cJSON_Delete(arr);
    return rc;
}

int search_builder_add_item(search_builder *b, const search_doc *row)
{
    search_index *ix = b->ix;
    if (b->failed || ix->n_items >= (1u << 30) ||
        grow((void **)&ix->items, &b->items_cap, ix->n_items + 1, sizeof *ix->items) != 0)
        return -1;
    uint32_t item = (uint32_t)ix->n_items;
    search_item *it = &ix->items[item];
    memset(it, 0, sizeof *it);
    it->service_id = clamp_u32(row->service_id);
    it->code = pool_add(b, row->code, strlen(row->code));
    it->name = pool_add(b, row->name, strlen(row->name));
    it->name_en = row->name_en ? pool_add(b, row->name_en, strlen(row->name_en)) : 0;
    it->description_en =
        row->description_en ? pool_add(b, row->description_en, strlen(row->description_en)) : 0;
    it->name_id = name_id(b, row->name, item);
    int d = index_dept(ix, row->department_code);
    it->dept = (uint16_t)(d < 0 ? 0 : d);
    if (d >= 0)
        ix->depts[d].count++;
    it->topics = topic_mask(b, row->topic_codes);
    it->audience = audience_of(row->audience);
    it->kind = strcmp(row->kind, "即办件") == 0 ? 0 : 1;
    it->online_level =
        (uint8_t)(row->online_level >= 1 && row->online_level <= 4 ? row->online_level : 1);
    ix->audience_level_count[it->audience][it->online_level]++;
    it->promised_days = (uint16_t)row->promised_days;
    it->popularity = clamp_u32(row->popularity);
    double boost = 6.0 * log2(1.0 + it->popularity);
    it->boost = (uint8_t)(boost > 60 ? 60 : boost);
    ix->n_items++;

    gram_list *g = &b->grams;
    g->n = 0;
    int rc = index_name(b, it, row->name, g);
    rc |= index_keywords(b, item, row->keywords, g);
    size_t n =
        normalize_text(row->description, strlen(row->description), b->text, NORM_MAX_CHARS, true);
    grams_of(g, b->text, n, FIELD_DESCRIPTION, false);
    rc |= add_postings(b, g, item);
    rc |= ranked_builder_add_item(b->ranked, item, row);
    if (rc != 0 || b->failed)
        return -1;
    return 0;
}

/* ---- synonyms ---- */

int search_builder_add_synonym(search_builder *b, const char *term, const char *expansion)
{
    search_index *ix = b->ix;
    uint32_t c[64];
    char t[64 * 4 + 1], e[128 * 4 + 1];
    size_t n = normalize_text(term, strlen(term), c, 64, true);
    size_t tlen = normalize_to_utf8(c, n, t, sizeof t);
    uint32_t ec[128];
    size_t en = normalize_text(expansion, strlen(expansion), ec, 128, true);
    size_t elen = normalize_to_utf8(ec, en, e, sizeof e);
    if (n == 0 || en == 0 || (tlen == elen && memcmp(t, e, tlen) == 0))
        return 0; /* nothing to add */
    if (grow((void **)&ix->synonyms, &b->synonyms_cap, ix->n_synonyms + 1, sizeof *ix->synonyms))
        return -1;
    synonym_entry *s = &ix->synonyms[ix->n_synonyms];
    s->term = pool_add(b, t, tlen);
    s->expansion = pool_add(b, e, elen);
    s->ascii = c[0] < 0x80;
    if (b->failed || u64map_put(&ix->synonym_index, hash_bytes(t, tlen), (uint32_t)ix->n_synonyms))
        return -1;
    ix->n_synonyms++;
    if (n > ix->synonym_max_chars)
        ix->synonym_max_chars = (uint16_t)n;
    return 0;
}

int search_builder_add_shipped_synonyms(search_builder *b)
{
    const char *p = synonyms_tsv, *end = synonyms_tsv + synonyms_tsv_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        const char *tab = memchr(p, '\t', n);
        if (n > 0 && p[0] != '#' && tab && n < 256) {
            char term[256], exp[256];
            memcpy(term, p, (size_t)(tab - p));
            term[tab - p] = '\0';
            memcpy(exp, tab + 1, n - (size_t)(tab - p) - 1);
            exp[n - (size_t)(tab - p) - 1] = '\0';
            if (search_builder_add_synonym(b, term, exp) != 0)
                return -1;
        }
        p += n + 1;
    }
    return 0;
}

/* ---- concepts ---- */

int search_builder_add_concept(search_builder *b, const char *name, const char *situations,
                               const char *services)
{
    return ranked_builder_add_concept(b->ranked, name, situations, services);
}

/* data/concepts.tsv: name<TAB>situations<TAB>services lines; '#' comments. */
int search_builder_add_shipped_concepts(search_builder *b)
{
    const char *p = concepts_tsv, *end = concepts_tsv + concepts_tsv_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        const char *t1 = memchr(p, '\t', n);
        const char *t2 = t1 ? memchr(t1 + 1, '\t', n - (size_t)(t1 + 1 - p)) : NULL;
        if (n > 0 && p[0] != '#' && t2 && n < 4096) {
            char line[4096];
            memcpy(line, p, n);
            line[n] = '\0';
            line[t1 - p] = line[t2 - p] = '\0';
            if (search_builder_add_concept(b, line, line + (t1 - p) + 1, line + (t2 - p) + 1))
                return -1;
        }
        p += n + 1;
    }
    return 0;
}

/* ---- finish ---- */

static int compact_grams(search_builder *b)
{
    search_index *ix = b->ix;
    size_t total = 0;
    for (size_t s = 0; s < ix->n_gram_slots; s++)
        total += b->slots[s].n;
    ix->gram_off = malloc((ix->n_gram_slots + 1) * sizeof *ix->gram_off);
    ix->postings = malloc((total ? total : 1) * sizeof *ix->postings);
    if (!ix->gram_off || !ix->postings || total > UINT32_MAX)
        return -1;
    size_t at = 0;
    for (size_t s = 0; s < ix->n_gram_slots; s++) {
        ix->gram_off[s] = (uint32_t)at;
        memcpy(ix->postings + at, b->slots[s].v, b->slots[s].n * sizeof *ix->postings);
        at += b->slots[s].n;
        free(b->slots[s].v);
        b->slots[s].v = NULL;
    }
    ix->gram_off[ix->n_gram_slots] = (uint32_t)at;
    return 0;
}

static int cmp_pair(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    if (x->a != y->a)
        return x->a < y->a ? -1 : 1;
    return x->b < y->b ? -1 : x->b > y->b;
}

static int compact_terms(search_builder *b)
{
    search_index *ix = b->ix;
    if (b->n_term_pairs > UINT32_MAX)
        return -1;
    if (b->n_term_pairs) /* qsort with no array is undefined */
        qsort(b->term_pairs, b->n_term_pairs, sizeof *b->term_pairs, cmp_pair);
    ix->term_off = malloc((ix->n_terms + 1) * sizeof *ix->term_off);
    ix->term_postings = malloc((b->n_term_pairs + 1) * sizeof *ix->term_postings);
    if (!ix->term_off || !ix->term_postings)
        return -1;
    size_t at = 0, n = 0;
    for (size_t t = 0; t < ix->n_terms; t++) {
        ix->term_off[t] = (uint32_t)n;
        for (; at < b->n_term_pairs && b->term_pairs[at].a == t; at++)
            if (n == ix->term_off[t] || ix->term_postings[n - 1] != b->term_pairs[at].b)
                ix->term_postings[n++] = b->term_pairs[at].b;
    }
    ix->term_off[ix->n_terms] = (uint32_t)n;
    return 0;
}

static int cmp_entry(const void *a, const void *b, void *ctx)
{
    const search_index *ix = ctx;
    const search_entry *x = a, *y = b;
    int c = strcmp(ix->pool + ix->terms[x->term] + x->pos, ix->pool + ix->terms[y->term] + y->pos);
    if (c != 0)
        return c;
    return x->term != y->term ? (x->term < y->term ? -1 : 1) : (int)x->pos - (int)y->pos;
}

static int cmp_popularity(const void *a, const void *b, void *ctx)
{
    const search_index *ix = ctx;
    const search_item *x = &ix->items[*(const uint32_t *)a], *y = &ix->items[*(const uint32_t *)b];
    if (x->popularity != y->popularity)
        return x->popularity > y->popularity ? -1 : 1;
    return strcmp(ix->pool + x->code, ix->pool + y->code);
}

/* Browse lists: the popularity order grouped by department and by topic. */
static int group_lists(search_index *ix)
{
    size_t n_topic_entries = 0;
    for (size_t t = 0; t < ix->n_topics; t++)
        n_topic_entries += ix->topics[t].count;
    ix->dept_off = calloc(ix->n_depts + 2, sizeof *ix->dept_off);
    ix->topic_off = calloc(ix->n_topics + 2, sizeof *ix->topic_off);
    ix->dept_items = malloc((ix->n_items + 1) * sizeof *ix->dept_items);
    ix->topic_items = malloc((n_topic_entries + 1) * sizeof *ix->topic_items);
    if (!ix->dept_off || !ix->topic_off || !ix->dept_items || !ix->topic_items)
        return -1;
    for (size_t d = 0; d < ix->n_depts; d++)
        ix->dept_off[d + 1] = ix->dept_off[d] + ix->depts[d].count;
    for (size_t t = 0; t < ix->n_topics; t++)
        ix->topic_off[t + 1] = ix->topic_off[t] + ix->topics[t].count;
    uint32_t *dfill = calloc(ix->n_depts + 1, sizeof *dfill);
    uint32_t *tfill = calloc(ix->n_topics + 1, sizeof *tfill);
    if (!dfill || !tfill) {
        free(dfill);
        free(tfill);
        return -1;
    }
    for (size_t i = 0; i < ix->n_items; i++) {
        uint32_t item = ix->by_popularity[i];
        const search_item *it = &ix->items[item];
        if (it->dept < ix->n_depts && dfill[it->dept] < ix->depts[it->dept].count)
            ix->dept_items[ix->dept_off[it->dept] + dfill[it->dept]++] = item;
        for (size_t t = 0; t < ix->n_topics; t++)
            if (it->topics & (1ULL << t))
                ix->topic_items[ix->topic_off[t] + tfill[t]++] = item;
    }
    free(dfill);
    free(tfill);
    return 0;
}

search_index *search_builder_finish(search_builder *b, uint64_t version)
{
    search_index *ix = b->ix;
    if (b->failed || compact_grams(b) != 0 || compact_terms(b) != 0)
        goto fail;
    int rrc = ranked_builder_finish(b->ranked, ix->n_items, &ix->ranked);
    b->ranked = NULL;
    if (rrc != 0)
        goto fail;
    if (ix->n_entries)
        qsort_r(ix->entries, ix->n_entries, sizeof *ix->entries, cmp_entry, ix);
    ix->by_popularity = malloc((ix->n_items + 1) * sizeof *ix->by_popularity);
    if (!ix->by_popularity)
        goto fail;
    for (size_t i = 0; i < ix->n_items; i++)
        ix->by_popularity[i] = (uint32_t)i;
    if (ix->n_items)
        qsort_r(ix->by_popularity, ix->n_items, sizeof *ix->by_popularity, cmp_popularity, ix);
    if (group_lists(ix) != 0)
        goto fail;
    ix->version = version;
    b->ix = NULL;
    search_builder_abort(b);
    return ix;
fail:
    search_builder_abort(b);
    return NULL;
}

void search_builder_abort(search_builder *b)
{
    if (!b)
        return;
    if (b->ix) {
        for (size_t s = 0; s < b->ix->n_gram_slots && b->slots; s++)
            free(b->slots[s].v);
        search_index_free(b->ix);
    }
    ranked_builder_abort(b->ranked);
    free(b->slots);
    free(b->term_pairs);
    free(b->grams.g);
    u64map_free(&b->term_index);
    u64map_free(&b->name_index);
    free(b);
}
