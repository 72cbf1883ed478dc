#include "search/index_build.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/embedded_data.h"
#include "core/grow.h"
#include "core/log.h"
#include "search/build_memo.h"
#include "search/normalize.h"
#include "search/pinyin.h"
#include "search/ranked_build.h"

typedef struct pair {
    uint32_t a, b;
} pair;

/* Memo kinds (search/build_memo.h) of the gram index. */
enum { MEMO_NAME = 1, MEMO_KEYWORD, MEMO_KEYWORDS, MEMO_TOPICS, MEMO_POOL, MEMO_HANZI_RUN };

/* A name's run in the memo: where the item's fields come from, then its gram slots. */
enum {
    NAME_OFF,
    NAME_ID,
    NAME_COMPACT,
    NAME_CHARS,
    NAME_PY_LEN,
    NAME_PY_FULL,
    NAME_PY_INITIALS,
    NAME_SLOTS
};
#define NO_TERM UINT32_MAX

struct search_builder {
    search_index *ix;
    size_t items_cap, pool_cap, depts_cap, topics_cap, synonyms_cap;
    /* the gram postings as slot << 2 | field, item after item (gram_from[item]: the item's
     * first), sorted by slot at the end: one array, not one growing list per gram */
    uint32_t *gram_posts, *gram_from;
    size_t n_gram_posts, gram_posts_cap, gram_from_cap;
    /* per gram slot: 1 + the item that last posted to it, the fields it posted, its postings */
    uint32_t *slot_item, *slot_count;
    uint8_t *slot_fields;
    size_t slot_item_cap, slot_fields_cap, slot_count_cap;
    u64map term_index; /* hash(string) → term id */
    uint32_t n_names;
    size_t terms_cap, term_initials_cap;
    pair *term_pairs; /* (term, posting), in posting order */
    size_t n_term_pairs, term_pairs_cap;
    size_t entries_cap;
    build_memo *memo;
    ranked_builder *ranked;
    bool failed;
    /* scratch of one text */
    uint32_t *run;
    size_t n_run, run_cap;
    pinyin_text py;
    uint32_t text[NORM_MAX_CHARS];
};

/* Copies s into the pool; returns its offset (UINT32_MAX when out of memory). */
static uint32_t pool_add(search_builder *b, const char *s, size_t len)
{
    uint32_t off = pool_append(&b->ix->pool, &b->ix->pool_len, &b->pool_cap, s, len);
    if (off == UINT32_MAX)
        b->failed = true;
    return off;
}

search_builder *search_builder_new(void)
{
    search_builder *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->ix = calloc(1, sizeof *b->ix);
    b->ranked = ranked_builder_new();
    b->memo = build_memo_new();
    if (!b->ix || !b->ranked || !b->memo || u64map_init(&b->ix->grams, 1 << 16) != 0 ||
        u64map_init(&b->term_index, 1 << 12) != 0 ||
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
    if (*n >= max || grow_array((void **)list, cap, *n + 1, sizeof **list) != 0)
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

/* The slot of a gram (a new one when unseen); UINT32_MAX when out of memory. */
static uint32_t gram_slot(search_builder *b, uint64_t key)
{
    search_index *ix = b->ix;
    uint32_t slot;
    if (u64map_get(&ix->grams, key, &slot))
        return slot;
    slot = (uint32_t)ix->n_gram_slots;
    if (slot >= 1u << 30 || /* a posting holds slot << 2 */
        grow_array((void **)&b->slot_item, &b->slot_item_cap, slot + 1, sizeof *b->slot_item) ||
        grow_array((void **)&b->slot_fields, &b->slot_fields_cap, slot + 1, 1) != 0 ||
        grow_array((void **)&b->slot_count, &b->slot_count_cap, slot + 1, sizeof *b->slot_count) ||
        u64map_put(&ix->grams, key, slot) != 0) {
        b->failed = true;
        return UINT32_MAX;
    }
    b->slot_item[slot] = 0;
    b->slot_count[slot] = 0;
    ix->n_gram_slots++;
    return slot;
}

/* Posts item's field to a gram slot once. An item's fields come name, keywords, description,
 * so each slot's postings stay sorted by (item, field) without sorting. */
static void post_gram(search_builder *b, uint32_t slot, uint32_t item, uint32_t field)
{
    if (slot == UINT32_MAX)
        return;
    if (b->slot_item[slot] != item + 1) {
        b->slot_item[slot] = item + 1;
        b->slot_fields[slot] = 0;
    }
    if (b->slot_fields[slot] & (1u << field))
        return;
    b->slot_fields[slot] |= (uint8_t)(1u << field);
    if (b->n_gram_posts == b->gram_posts_cap && /* the call only when full: once per posting */
        grow_array((void **)&b->gram_posts, &b->gram_posts_cap, b->n_gram_posts + 1,
                   sizeof *b->gram_posts) != 0) {
        b->failed = true;
        return;
    }
    b->gram_posts[b->n_gram_posts++] = slot << 2 | field;
    b->slot_count[slot]++;
}

static void run_push(search_builder *b, uint32_t v)
{
    if (grow_array((void **)&b->run, &b->run_cap, b->n_run + 1, sizeof *b->run) != 0)
        b->failed = true;
    else
        b->run[b->n_run++] = v;
}

/* The slots of the bigrams of adjacent hanzi and, with unigrams, of every hanzi alone, onto
 * the run. */
static void run_grams(search_builder *b, const uint32_t *c, size_t n, bool unigrams)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_hanzi(c[i]))
            continue;
        if (unigrams)
            run_push(b, gram_slot(b, gram_unigram(c[i])));
        if (i + 1 < n && is_hanzi(c[i + 1]))
            run_push(b, gram_slot(b, gram_bigram(c[i], c[i + 1])));
    }
}

/* ---- pinyin terms ---- */

static int add_entry(search_builder *b, uint32_t term, uint32_t pos)
{
    search_index *ix = b->ix;
    if (grow_array((void **)&ix->entries, &b->entries_cap, ix->n_entries + 1, sizeof *ix->entries))
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
        grow_array((void **)&ix->terms, &b->terms_cap, ix->n_terms + 1, sizeof *ix->terms) != 0)
        return -1;
    if (grow_array((void **)&ix->term_initials, &b->term_initials_cap, ix->n_terms + 1, 1) != 0)
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

static void add_term_posting(search_builder *b, uint32_t term, uint32_t posting)
{
    if (term == NO_TERM)
        return;
    if (grow_array((void **)&b->term_pairs, &b->term_pairs_cap, b->n_term_pairs + 1,
                   sizeof *b->term_pairs) != 0)
        b->failed = true;
    else
        b->term_pairs[b->n_term_pairs++] = (pair){term, posting};
}

static uint32_t term_or_fail(search_builder *b, int64_t id)
{
    if (id < 0)
        b->failed = true;
    return id < 0 ? NO_TERM : (uint32_t)id;
}

/* The pinyin terms of c[0..n) (its full spelling, and its initials when they differ) into
 * full and initials (NO_TERM: none). */
static void pinyin_terms(search_builder *b, const uint32_t *c, size_t n, uint32_t *full,
                         uint32_t *initials)
{
    pinyin_text *py = &b->py;
    pinyin_of(c, n, py);
    *full = *initials = NO_TERM;
    if (py->full_len == 0)
        return;
    *full = term_or_fail(b, term_id(b, py->full, py->full_len, py, false));
    if (py->initials_len >= 2 && strcmp(py->initials, py->full) != 0)
        *initials = term_or_fail(b, term_id(b, py->initials, py->initials_len, py, true));
}

/* ---- items ---- */

/* A text's run from the memo, computed by fn (pushing onto the scratch run) on its first
 * sight; NULL on failure. Valid until the next text is memoized. */
typedef void (*run_fn)(search_builder *b, const char *s);

static const uint32_t *memo_run(search_builder *b, uint32_t kind, const char *s, run_fn fn,
                                size_t *n)
{
    size_t len = strlen(s);
    const uint32_t *run = build_memo_get(b->memo, kind, s, len, n);
    if (run)
        return run;
    size_t from = b->n_run; /* computing a text may memoize others (a list, its elements) */
    fn(b, s);
    run = b->failed ? NULL : build_memo_put(b->memo, kind, s, len, b->run + from, b->n_run - from);
    *n = b->n_run - from;
    b->n_run = from;
    if (!run)
        b->failed = true;
    return run;
}

/* A string in the pool once, however many items hold it. */
static void pool_run(search_builder *b, const char *s)
{
    run_push(b, pool_add(b, s, strlen(s)));
}

static uint32_t pool_shared(search_builder *b, const char *s)
{
    size_t n;
    const uint32_t *run = memo_run(b, MEMO_POOL, s, pool_run, &n);
    return run ? run[0] : 0;
}

/* A name (layout NAME_…): the name and its compact normalized form in the pool, the id
 * shared by the items of that name (type-ahead), its pinyin terms, its grams. */
static void name_run(search_builder *b, const char *name)
{
    uint32_t *c = b->text;
    size_t n = normalize_text(name, strlen(name), c, NORM_MAX_CHARS, true);
    uint32_t compact[NORM_MAX_CHARS];
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (c[i] != ' ')
            compact[k++] = c[i];
    char utf8[NORM_MAX_CHARS * 4 + 1];
    size_t len = normalize_to_utf8(compact, k, utf8, sizeof utf8);
    uint32_t full, initials;
    pinyin_terms(b, c, n, &full, &initials);
    run_push(b, pool_add(b, name, strlen(name)));
    run_push(b, b->n_names++);
    run_push(b, pool_add(b, utf8, len));
    run_push(b, (uint32_t)(k > UINT16_MAX ? UINT16_MAX : k));
    run_push(b, (uint32_t)b->py.full_len);
    run_push(b, full);
    run_push(b, initials);
    run_grams(b, c, n, true);
}

/* One keyword: its pinyin terms (full, initials), then its grams. */
static void keyword_run(search_builder *b, const char *keyword)
{
    size_t n = normalize_text(keyword, strlen(keyword), b->text, NORM_MAX_CHARS, true);
    uint32_t full, initials;
    pinyin_terms(b, b->text, n, &full, &initials);
    run_push(b, full);
    run_push(b, initials);
    run_grams(b, b->text, n, true);
}

/* Keywords (a JSON array): the count of pinyin terms, the terms, then the grams of them all. */
static void keywords_run(search_builder *b, const char *json)
{
    cJSON *arr = cJSON_ParseWithLength(json, strlen(json) + 1);
    const cJSON *k;
    size_t count_at = b->n_run;
    run_push(b, 0);
    for (int pass = 0; pass < 2 && !b->failed; pass++)
        cJSON_ArrayForEach(k, arr)
        {
            size_t n;
            const uint32_t *kw = cJSON_IsString(k)
                                     ? memo_run(b, MEMO_KEYWORD, k->valuestring, keyword_run, &n)
                                     : NULL;
            if (!kw)
                continue;
            size_t from = pass == 0 ? 0 : 2, to = pass == 0 ? 2 : n;
            for (size_t i = from; i < to; i++)
                run_push(b, kw[i]); /* kw lives in the memo: pushing cannot move it */
            if (pass == 0 && !b->failed)
                b->run[count_at] += 2;
        }
    cJSON_Delete(arr);
}

/* Topics (a JSON array of codes): the bitmask of the index's topics, low and high words. */
static void topics_run(search_builder *b, const char *json)
{
    uint64_t mask = 0;
    cJSON *arr = cJSON_ParseWithLength(json, strlen(json) + 1);
    const cJSON *t;
    cJSON_ArrayForEach(t, arr)
    {
        int i = cJSON_IsString(t) ? index_topic(b->ix, t->valuestring) : -1;
        if (i >= 0)
            mask |= 1ULL << i;
    }
    cJSON_Delete(arr);
    run_push(b, (uint32_t)mask);
    run_push(b, (uint32_t)(mask >> 32));
}

static uint64_t topic_mask(search_builder *b, const char *json)
{
    size_t n;
    const uint32_t *run = json ? memo_run(b, MEMO_TOPICS, json, topics_run, &n) : NULL;
    uint64_t mask = run ? run[0] | (uint64_t)run[1] << 32 : 0;
    for (size_t t = 0; t < b->ix->n_topics; t++) /* counted once, as the browse lists are */
        if (mask & (1ULL << t))
            b->ix->topics[t].count++;
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
static void index_name(search_builder *b, search_item *it, uint32_t item, const char *name)
{
    size_t n;
    const uint32_t *run = memo_run(b, MEMO_NAME, name, name_run, &n);
    if (!run)
        return;
    it->name = run[NAME_OFF];
    it->name_id = run[NAME_ID];
    it->name_compact = run[NAME_COMPACT];
    it->name_chars = (uint16_t)run[NAME_CHARS];
    it->name_py_len = (uint16_t)run[NAME_PY_LEN];
    add_term_posting(b, run[NAME_PY_FULL], item << 2 | FIELD_NAME);
    add_term_posting(b, run[NAME_PY_INITIALS], item << 2 | FIELD_NAME);
    for (size_t i = NAME_SLOTS; i < n; i++)
        post_gram(b, run[i], item, FIELD_NAME);
}

static void index_keywords(search_builder *b, uint32_t item, const char *json)
{
    size_t n;
    const uint32_t *run = json ? memo_run(b, MEMO_KEYWORDS, json, keywords_run, &n) : NULL;
    if (!run)
        return;
    for (size_t i = 1; i <= run[0]; i++)
        add_term_posting(b, run[i], item << 2 | FIELD_KEYWORD);
    for (size_t i = 1 + run[0]; i < n; i++)
        post_gram(b, run[i], item, FIELD_KEYWORD);
}

/* The gram slots of the bigrams of the hanzi c[0..n), by the run: descriptions seldom repeat
 * whole, but their clauses do (the same conditions, the same office), so each distinct run
 * of hanzi is looked up once per build. Bigrams never cross a non-hanzi, so this posts what
 * looking up each bigram would. */
static const uint32_t *hanzi_run_slots(search_builder *b, const uint32_t *c, size_t n)
{
    size_t len = n * sizeof *c, got;
    const uint32_t *run = build_memo_get(b->memo, MEMO_HANZI_RUN, (const char *)c, len, &got);
    if (run)
        return run;
    size_t from = b->n_run;
    for (size_t i = 0; i + 1 < n; i++)
        run_push(b, gram_slot(b, gram_bigram(c[i], c[i + 1])));
    run = b->failed ? NULL
                    : build_memo_put(b->memo, MEMO_HANZI_RUN, (const char *)c, len, b->run + from,
                                     b->n_run - from);
    b->n_run = from;
    if (!run)
        b->failed = true;
    return run;
}

/* Description: its bigrams (text the gram index and the ranked build both need). */
static size_t index_description(search_builder *b, uint32_t item, const char *description)
{
    uint32_t *c = b->text;
    size_t n = normalize_text(description, strlen(description), c, NORM_MAX_CHARS, true);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && is_hanzi(c[j]))
            j++;
        const uint32_t *slots = j - i >= 2 ? hanzi_run_slots(b, c + i, j - i) : NULL;
        for (size_t k = 0; slots && k + 1 < j - i; k++)
            post_gram(b, slots[k], item, FIELD_DESCRIPTION);
        i = j > i ? j : i + 1;
    }
    return n;
}

int search_builder_add_item(search_builder *b, const search_doc *row)
{
    search_index *ix = b->ix;
    if (b->failed || ix->n_items >= (1u << 30) || b->n_gram_posts > UINT32_MAX ||
        grow_array((void **)&ix->items, &b->items_cap, ix->n_items + 1, sizeof *ix->items) != 0 ||
        grow_array((void **)&b->gram_from, &b->gram_from_cap, ix->n_items + 1,
                   sizeof *b->gram_from) != 0)
        return -1;
    uint32_t item = (uint32_t)ix->n_items;
    search_item *it = &ix->items[item];
    memset(it, 0, sizeof *it);
    b->gram_from[item] = (uint32_t)b->n_gram_posts;
    it->service_id = clamp_u32(row->service_id);
    it->code = pool_add(b, row->code, strlen(row->code));
    it->name_en = row->name_en ? pool_shared(b, row->name_en) : 0;
    it->description_en = row->description_en ? pool_shared(b, row->description_en) : 0;
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

    index_name(b, it, item, row->name);
    index_keywords(b, item, row->keywords);
    size_t n = index_description(b, item, row->description);
    if (b->failed || ranked_builder_add_item(b->ranked, item, row, b->text, n) != 0)
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
    if (grow_array((void **)&ix->synonyms, &b->synonyms_cap, ix->n_synonyms + 1,
                   sizeof *ix->synonyms))
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

/* The gram postings by slot: a counting sort (the slots' counts kept while posting) of the
 * items' postings, which came in item order, so each slot's postings stay ascending by
 * (item, field). */
static int compact_grams(search_builder *b)
{
    search_index *ix = b->ix;
    size_t n_slots = ix->n_gram_slots, total = b->n_gram_posts;
    /* one entry past the slots: while filling, off[slot + 1] is the slot's next place, which
     * leaves off[slot] its first posting */
    uint32_t *off = ix->gram_off = malloc((n_slots + 2) * sizeof *ix->gram_off);
    uint32_t *out = ix->postings = malloc((total ? total : 1) * sizeof *ix->postings);
    if (!off || !out)
        return -1;
    uint32_t at = 0;
    off[0] = 0;
    for (size_t s = 0; s < n_slots; s++) {
        off[s + 1] = at;
        at += b->slot_count[s];
    }
    const uint32_t *in = b->gram_posts, *from = b->gram_from;
    for (uint32_t item = 0; item < ix->n_items; item++) {
        uint32_t end = item + 1 < ix->n_items ? from[item + 1] : (uint32_t)total;
        for (uint32_t i = from[item]; i < end; i++) {
            uint32_t p = in[i];
            out[off[(p >> 2) + 1]++] = item << 2 | (p & 3);
        }
    }
    return 0;
}

/* The pinyin postings by term: a counting sort of the pairs, which came in posting order,
 * so each term's postings are ascending; repeats (two keywords spelled alike) go. */
static int compact_terms(search_builder *b)
{
    search_index *ix = b->ix;
    if (b->n_term_pairs > UINT32_MAX)
        return -1;
    ix->term_off = calloc(ix->n_terms + 2, sizeof *ix->term_off);
    ix->term_postings = malloc((b->n_term_pairs + 1) * sizeof *ix->term_postings);
    uint32_t *fill = calloc(ix->n_terms + 1, sizeof *fill);
    if (!ix->term_off || !ix->term_postings || !fill) {
        free(fill);
        return -1;
    }
    for (size_t i = 0; i < b->n_term_pairs; i++)
        ix->term_off[b->term_pairs[i].a + 1]++;
    for (size_t t = 0; t < ix->n_terms; t++)
        ix->term_off[t + 1] += ix->term_off[t];
    for (size_t i = 0; i < b->n_term_pairs; i++) {
        uint32_t t = b->term_pairs[i].a, at = ix->term_off[t] + fill[t];
        if (fill[t] == 0 || ix->term_postings[at - 1] != b->term_pairs[i].b) {
            ix->term_postings[at] = b->term_pairs[i].b;
            fill[t]++;
        }
    }
    /* close the gaps the repeats left */
    size_t n = 0;
    for (size_t t = 0; t < ix->n_terms; t++) {
        uint32_t from = ix->term_off[t];
        ix->term_off[t] = (uint32_t)n;
        memmove(ix->term_postings + n, ix->term_postings + from,
                fill[t] * sizeof *ix->term_postings);
        n += fill[t];
    }
    ix->term_off[ix->n_terms] = (uint32_t)n;
    free(fill);
    return 0;
}

/* Sorting by strings, fast: each element carries the first bytes of its string as numbers
 * that compare as strcmp compares them (big-endian, zeros after the end), so most comparisons
 * are of integers; equal prefixes fall back to strcmp of the rest, then to a and b. */
typedef struct keyed {
    uint64_t k[3];
    const char *rest;
    uint32_t a, b;
} keyed;

/* The next 8 bytes of *s as such a number; *s moves past them (or stops at its end). */
static uint64_t prefix8(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    uint64_t k = 0;
    int i = 0;
    for (; i < 8 && p[i]; i++)
        k = k << 8 | p[i];
    *s += i;
    if (i == 0)
        return 0; /* at the end (a shift by 64 is undefined) */
    return i == 8 ? k : k << (8 * (8 - i));
}

static int cmp_keyed(const void *x, const void *y)
{
    const keyed *a = x, *b = y;
    for (int i = 0; i < 3; i++)
        if (a->k[i] != b->k[i])
            return a->k[i] < b->k[i] ? -1 : 1;
    int c = strcmp(a->rest, b->rest);
    if (c != 0)
        return c;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

/* Pinyin entries by the suffix they point at (then term, position). */
static int sort_entries(search_index *ix)
{
    keyed *k = malloc((ix->n_entries + 1) * sizeof *k);
    if (!k)
        return -1;
    for (size_t i = 0; i < ix->n_entries; i++) {
        const search_entry *e = &ix->entries[i];
        const char *s = ix->pool + ix->terms[e->term] + e->pos;
        k[i].k[0] = prefix8(&s);
        k[i].k[1] = prefix8(&s);
        k[i].k[2] = prefix8(&s);
        k[i].rest = s;
        k[i].a = e->term;
        k[i].b = e->pos;
    }
    qsort(k, ix->n_entries, sizeof *k, cmp_keyed);
    for (size_t i = 0; i < ix->n_entries; i++)
        ix->entries[i] = (search_entry){k[i].a, k[i].b};
    free(k);
    return 0;
}

/* Items by popularity, most used first, then by code. */
static int sort_by_popularity(search_index *ix)
{
    ix->by_popularity = malloc((ix->n_items + 1) * sizeof *ix->by_popularity);
    keyed *k = malloc((ix->n_items + 1) * sizeof *k);
    if (!ix->by_popularity || !k) {
        free(k);
        return -1;
    }
    for (size_t i = 0; i < ix->n_items; i++) {
        const char *code = ix->pool + ix->items[i].code;
        k[i].k[0] = UINT32_MAX - ix->items[i].popularity;
        k[i].k[1] = prefix8(&code);
        k[i].k[2] = prefix8(&code);
        k[i].rest = code;
        k[i].a = k[i].b = (uint32_t)i;
    }
    qsort(k, ix->n_items, sizeof *k, cmp_keyed);
    for (size_t i = 0; i < ix->n_items; i++)
        ix->by_popularity[i] = k[i].a;
    free(k);
    return 0;
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

/* Frees an array of the build once it is no longer needed (the build's peak of memory comes
 * in the finish, with the old snapshot still serving). */
static void release(void *p, size_t *cap)
{
    free(*(void **)p);
    *(void **)p = NULL;
    *cap = 0;
}

/* The pinyin postings (the smallest), the ranked index, then the gram postings: each one's
 * working set is gone before the next one's is made. */
search_index *search_builder_finish(search_builder *b, uint64_t version)
{
    search_index *ix = b->ix;
    if (b->failed)
        goto fail;
    build_memo_free(b->memo);
    b->memo = NULL;
    release(&b->slot_item, &b->slot_item_cap);
    release(&b->slot_fields, &b->slot_fields_cap);
    release(&b->run, &b->run_cap);
    if (compact_terms(b) != 0)
        goto fail;
    release(&b->term_pairs, &b->term_pairs_cap);
    int rrc = ranked_builder_finish(b->ranked, ix->n_items, &ix->ranked);
    b->ranked = NULL;
    if (rrc != 0 || compact_grams(b) != 0)
        goto fail;
    release(&b->gram_posts, &b->gram_posts_cap);
    release(&b->gram_from, &b->gram_from_cap);
    release(&b->slot_count, &b->slot_count_cap);
    if (sort_entries(ix) != 0 || sort_by_popularity(ix) != 0 || group_lists(ix) != 0)
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
    if (b->ix)
        search_index_free(b->ix);
    ranked_builder_abort(b->ranked);
    build_memo_free(b->memo);
    free(b->gram_posts);
    free(b->gram_from);
    free(b->slot_item);
    free(b->slot_count);
    free(b->slot_fields);
    free(b->term_pairs);
    free(b->run);
    u64map_free(&b->term_index);
    free(b);
}
