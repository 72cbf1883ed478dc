#include "search/ranked_build.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/grow.h"
#include "search/build_memo.h"
#include "search/normalize.h"
#include "search/terms.h"

/* Fields with their BM25F weight, the length normalization b and a typical length in terms
 * (measured on the demo catalog; a fixed average keeps the build one pass). */
enum { F_NAME, F_KEYWORD, F_BUNDLE, F_DESC, F_MATERIAL, F_NAME_EN, F_DESC_EN, N_FIELDS };
static const struct {
    float weight, b, avg_len;
} fields[N_FIELDS] = {
    [F_NAME] = {3.0f, 0.3f, 6},     [F_KEYWORD] = {2.5f, 0.3f, 8},   [F_BUNDLE] = {2.0f, 0.2f, 4},
    [F_DESC] = {1.0f, 0.6f, 24},    [F_MATERIAL] = {0.6f, 0.3f, 14}, [F_NAME_EN] = {3.0f, 0.3f, 5},
    [F_DESC_EN] = {1.0f, 0.6f, 18},
};
#define K1 1.2f

typedef struct posting {
    uint32_t term;
    float tfw; /* the field-weighted, length-normalized frequency (at the end: the score) */
} posting;

typedef struct occ {
    uint32_t term;
    uint8_t field;
} occ;

typedef struct pending_concept {
    uint32_t name, services; /* pool offsets: the name and the normalized services */
} pending_concept;

struct ranked_builder {
    ranked_index r;
    size_t pool_cap, terms_cap;
    posting *post; /* item after item: item_from[item] is the item's first */
    size_t n_post, post_cap;
    uint32_t *item_from;
    size_t n_item_from, item_from_cap;
    /* one item's occurrences */
    occ *occ;
    size_t n_occ, occ_cap;
    uint32_t field_len[N_FIELDS];
    /* per term: 1 + the item that last held it, and where in that item's sums */
    uint32_t *stamp, *slot;
    size_t stamp_cap, slot_cap;
    posting *sums;
    size_t sums_cap, stamped;
    /* a field's text → its terms; a chunk of normalized text (between spaces) → its terms:
     * repeated texts and the clauses that descriptions share are segmented once */
    build_memo *memo;
    uint32_t *run;
    size_t n_run, run_cap;
    size_t patterns_cap;
    pending_concept *concepts;
    size_t n_concepts, concepts_cap;
    uint32_t text[NORM_MAX_CHARS];
    bool failed;
};

/* Copies s into the pool; its offset, or 0 (the empty string) when out of memory. */
static uint32_t pool_add(ranked_builder *rb, const char *s, size_t len)
{
    uint32_t off = pool_append(&rb->r.pool, &rb->r.pool_len, &rb->pool_cap, s, len);
    if (off != UINT32_MAX)
        return off;
    rb->failed = true;
    return 0;
}

ranked_builder *ranked_builder_new(void)
{
    ranked_builder *rb = calloc(1, sizeof *rb);
    if (!rb)
        return NULL;
    rb->memo = build_memo_new();
    if (!rb->memo || u64map_init(&rb->r.term_index, 1 << 14) != 0) {
        ranked_builder_abort(rb);
        return NULL;
    }
    pool_add(rb, "", 0);
    return rb;
}

/* The id of a term, added when new (create) or -1 when unknown. */
static int64_t term_lookup(ranked_builder *rb, const char *s, size_t len, bool create)
{
    ranked_index *r = &rb->r;
    uint64_t h = hash_bytes(s, len);
    size_t pos = 0;
    uint32_t id;
    while (u64map_next(&r->term_index, h, &pos, &id))
        if (strcmp(r->pool + r->term_str[id], s) == 0)
            return id;
    if (!create)
        return -1;
    uint32_t off = pool_add(rb, s, len);
    if (rb->failed ||
        grow_array((void **)&r->term_str, &rb->terms_cap, r->n_terms + 1, sizeof *r->term_str) !=
            0 ||
        u64map_put(&r->term_index, h, (uint32_t)r->n_terms) != 0)
        return -1;
    r->term_str[r->n_terms] = off;
    return (int64_t)r->n_terms++;
}

/* Memo kinds: a chunk, or a field's whole text (MEMO_FIELD + field). */
enum { MEMO_CHUNK = 1, MEMO_FIELD = 16 };

static int run_push(ranked_builder *rb, uint32_t v)
{
    if (grow_array((void **)&rb->run, &rb->run_cap, rb->n_run + 1, sizeof *rb->run) != 0)
        return -1;
    rb->run[rb->n_run++] = v;
    return 0;
}

static int run_term(const char *term, size_t len, void *ctx)
{
    ranked_builder *rb = ctx;
    int64_t id = term_lookup(rb, term, len, true);
    return id < 0 || run_push(rb, (uint32_t)id) != 0 ? -1 : 0;
}

/* Appends the term ids of normalized text c[0..n) to the run, chunk by chunk (the text
 * between spaces), each chunk segmented once per build. */
static int run_text(ranked_builder *rb, const uint32_t *c, size_t n)
{
    for (size_t i = 0; i < n;) {
        while (i < n && c[i] == ' ')
            i++;
        size_t start = i;
        while (i < n && c[i] != ' ')
            i++;
        if (i == start)
            continue;
        const char *key = (const char *)(c + start);
        size_t klen = (i - start) * sizeof *c, count;
        const uint32_t *ids = build_memo_get(rb->memo, MEMO_CHUNK, key, klen, &count);
        if (ids) {
            for (size_t k = 0; k < count; k++)
                if (run_push(rb, ids[k]) != 0)
                    return -1;
            continue;
        }
        size_t from = rb->n_run;
        if (terms_of(c + start, i - start, run_term, rb) != 0 ||
            !build_memo_put(rb->memo, MEMO_CHUNK, key, klen, rb->run + from, rb->n_run - from))
            return -1;
    }
    return 0;
}

/* The item's occurrences of the terms of a run, in field. */
static int add_occurrences(ranked_builder *rb, const uint32_t *ids, size_t count, int field)
{
    if (grow_array((void **)&rb->occ, &rb->occ_cap, rb->n_occ + count, sizeof *rb->occ) != 0)
        return -1;
    for (size_t k = 0; k < count; k++)
        rb->occ[rb->n_occ++] = (occ){ids[k], (uint8_t)field};
    rb->field_len[field] += (uint32_t)count;
    return 0;
}

/* An entry of a list field: a string, or an object's "name" (the structured materials
 * {code, name, required, …}); NULL for anything else. */
static const char *entry_text(const cJSON *v)
{
    if (cJSON_IsObject(v))
        v = cJSON_GetObjectItemCaseSensitive(v, "name");
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The terms of a field's text (list: a JSON array of strings or of objects with a name),
 * from the memo when the text was seen before. */
static int add_field(ranked_builder *rb, const char *s, int field, bool list)
{
    if (!s || !*s)
        return 0;
    size_t len = strlen(s), count;
    const uint32_t *ids = build_memo_get(rb->memo, MEMO_FIELD + (uint32_t)field, s, len, &count);
    if (ids)
        return add_occurrences(rb, ids, count, field);
    rb->n_run = 0;
    int rc = 0;
    if (list) {
        cJSON *arr = cJSON_ParseWithLength(s, len + 1);
        const cJSON *v;
        cJSON_ArrayForEach(v, arr)
        {
            const char *t = entry_text(v);
            if (!t || rc != 0)
                continue;
            size_t n = normalize_text(t, strlen(t), rb->text, NORM_MAX_CHARS, true);
            rc = run_text(rb, rb->text, n);
        }
        cJSON_Delete(arr);
    } else {
        size_t n = normalize_text(s, len, rb->text, NORM_MAX_CHARS, true);
        rc = run_text(rb, rb->text, n);
    }
    if (rc != 0 ||
        !build_memo_put(rb->memo, MEMO_FIELD + (uint32_t)field, s, len, rb->run, rb->n_run))
        return -1;
    return add_occurrences(rb, rb->run, rb->n_run, field);
}

int ranked_builder_add_item(ranked_builder *rb, uint32_t item, const search_doc *d,
                            const uint32_t *description, size_t description_len)
{
    if (rb->failed)
        return -1;
    if (rb->n_post > UINT32_MAX || grow_array((void **)&rb->item_from, &rb->item_from_cap,
                                              (size_t)item + 2, sizeof *rb->item_from) != 0)
        return -1;
    while (rb->n_item_from <= item)
        rb->item_from[rb->n_item_from++] = (uint32_t)rb->n_post;
    rb->n_occ = 0;
    memset(rb->field_len, 0, sizeof rb->field_len);
    int rc = add_field(rb, d->name, F_NAME, false);
    rc |= add_field(rb, d->keywords, F_KEYWORD, true);
    rc |= add_field(rb, d->bundles, F_BUNDLE, true);
    /* descriptions seldom repeat whole: their clauses do (the chunk memo) */
    rb->n_run = 0;
    rc |= run_text(rb, description, description_len);
    rc |= add_occurrences(rb, rb->run, rb->n_run, F_DESC);
    rc |= add_field(rb, d->materials, F_MATERIAL, true);
    rc |= add_field(rb, d->name_en, F_NAME_EN, false);
    rc |= add_field(rb, d->description_en, F_DESC_EN, false);
    if (rc != 0)
        return -1;
    float norm[N_FIELDS];
    for (int f = 0; f < N_FIELDS; f++)
        norm[f] = fields[f].weight /
                  (1 - fields[f].b + fields[f].b * (float)rb->field_len[f] / fields[f].avg_len);
    /* sums per term without sorting: a stamp per term says whether this item has one yet */
    size_t n_terms = rb->r.n_terms;
    if (grow_array((void **)&rb->stamp, &rb->stamp_cap, n_terms, sizeof *rb->stamp) != 0 ||
        grow_array((void **)&rb->slot, &rb->slot_cap, n_terms, sizeof *rb->slot) != 0 ||
        grow_array((void **)&rb->sums, &rb->sums_cap, rb->n_occ + 1, sizeof *rb->sums) != 0)
        return -1;
    for (size_t t = rb->stamped; t < n_terms; t++)
        rb->stamp[t] = 0;
    rb->stamped = n_terms;
    size_t n_sums = 0;
    for (size_t i = 0; i < rb->n_occ; i++) {
        uint32_t term = rb->occ[i].term;
        if (rb->stamp[term] != item + 1) {
            rb->stamp[term] = item + 1;
            rb->slot[term] = (uint32_t)n_sums;
            rb->sums[n_sums++] = (posting){term, 0};
        }
        rb->sums[rb->slot[term]].tfw += norm[rb->occ[i].field];
    }
    if (grow_array((void **)&rb->post, &rb->post_cap, rb->n_post + n_sums, sizeof *rb->post) != 0)
        return -1;
    memcpy(rb->post + rb->n_post, rb->sums, n_sums * sizeof *rb->sums);
    rb->n_post += n_sums;
    return 0;
}

/* ---- concepts ---- */

/* A situation part normalized: hanzi compact, or English " stem stem ". */
static uint32_t part_of(ranked_builder *rb, const char *s, size_t len, bool *ascii, size_t *chars,
                        uint64_t *sig)
{
    uint32_t c[128];
    char buf[512];
    size_t n = normalize_text(s, len, c, 128, true), k = 0;
    *ascii = n > 0 && c[0] < 0x80;
    if (*ascii) {
        buf[k++] = ' ';
        for (size_t i = 0; i < n;) {
            while (i < n && c[i] == ' ')
                i++;
            char word[40], stem[40];
            size_t wl = 0;
            for (; i < n && c[i] != ' '; i++)
                if (wl < sizeof word - 1)
                    word[wl++] = (char)c[i];
            word[wl] = '\0';
            size_t sl = terms_stem(word, wl, stem, sizeof stem);
            if (!sl) { /* a stop word inside a phrase stays as it is */
                memcpy(stem, word, wl + 1);
                sl = wl;
            }
            if (sl && k + sl + 2 < sizeof buf) {
                memcpy(buf + k, stem, sl);
                k += sl;
                buf[k++] = ' ';
            }
        }
        buf[k] = '\0';
        for (size_t i = 1; i < k; i++)
            *chars += buf[i] == ' ' ? 2 : 0;
        return k > 1 ? pool_add(rb, buf, k) : 0;
    }
    uint32_t compact[128];
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (c[i] != ' ') {
            compact[m++] = c[i];
            *sig |= is_hanzi(c[i]) ? hanzi_bit(c[i]) : 0;
        }
    k = normalize_to_utf8(compact, m, buf, sizeof buf);
    *chars += m;
    return k ? pool_add(rb, buf, k) : 0;
}

static int add_pattern(ranked_builder *rb, const char *s, size_t len, uint32_t concept)
{
    concept_pattern p = {{0, 0, 0}, 0, 0, 0, concept, 0};
    size_t chars = 0;
    for (size_t i = 0; i < len && p.n_parts < 3;) {
        const char *plus = memchr(s + i, '+', len - i);
        size_t end = plus ? (size_t)(plus - s) : len;
        bool ascii = false;
        uint32_t off = end > i ? part_of(rb, s + i, end - i, &ascii, &chars, &p.chars) : 0;
        if (off) {
            p.ascii |= (uint8_t)(ascii << p.n_parts);
            p.part[p.n_parts++] = off;
        }
        i = end + 1;
    }
    ranked_index *r = &rb->r;
    if (p.n_parts == 0)
        return 0;
    p.specificity = (uint8_t)(chars > 255 ? 255 : chars);
    if (grow_array((void **)&r->patterns, &rb->patterns_cap, r->n_patterns + 1,
                   sizeof *r->patterns))
        return -1;
    r->patterns[r->n_patterns++] = p;
    return 0;
}

int ranked_builder_add_concept(ranked_builder *rb, const char *name, const char *situations,
                               const char *services)
{
    if (grow_array((void **)&rb->concepts, &rb->concepts_cap, rb->n_concepts + 1,
                   sizeof *rb->concepts))
        return -1;
    uint32_t id = (uint32_t)rb->n_concepts;
    rb->concepts[id].name = pool_add(rb, name, strlen(name));
    rb->concepts[id].services = pool_add(rb, services, strlen(services));
    rb->n_concepts++;
    size_t len = strlen(situations);
    for (size_t i = 0; i < len;) {
        const char *bar = memchr(situations + i, '|', len - i);
        size_t end = bar ? (size_t)(bar - situations) : len;
        if (end > i && add_pattern(rb, situations + i, end - i, id) != 0)
            return -1;
        i = end + 1;
    }
    return rb->failed ? -1 : 0;
}

typedef struct id_list {
    uint32_t *v;
    size_t n, cap, from; /* from: the first id of the phrase being read */
    ranked_builder *rb;
} id_list;

static int known_term(const char *term, size_t len, void *ctx)
{
    id_list *l = ctx;
    int64_t id = term_lookup(l->rb, term, len, false);
    if (id < 0)
        return 0; /* a word no item holds cannot find anything */
    for (size_t i = l->from; i < l->n; i++)
        if (l->v[i] == (uint32_t)id)
            return 0;
    if (grow_array((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v) != 0)
        return -1;
    l->v[l->n++] = (uint32_t)id;
    return 0;
}

/* Each concept's service phrases as term ids of the catalog (known once items are in). */
static int resolve_concepts(ranked_builder *rb)
{
    ranked_index *r = &rb->r;
    r->n_concepts = rb->n_concepts;
    r->concept_name = malloc((rb->n_concepts + 1) * sizeof *r->concept_name);
    r->concept_off = malloc((rb->n_concepts + 1) * sizeof *r->concept_off);
    id_list l = {NULL, 0, 0, 0, rb};
    uint32_t *phrase_off = NULL;
    size_t n_phrases = 0, phrases_cap = 0;
    if (!r->concept_name || !r->concept_off)
        return -1;
    for (size_t i = 0; i < rb->n_concepts; i++) {
        r->concept_name[i] = rb->concepts[i].name;
        r->concept_off[i] = (uint32_t)n_phrases;
        const char *s = r->pool + rb->concepts[i].services;
        size_t len = strlen(s);
        for (size_t at = 0; at < len;) {
            const char *bar = memchr(s + at, '|', len - at);
            size_t end = bar ? (size_t)(bar - s) : len;
            size_t n = normalize_text(s + at, end - at, rb->text, NORM_MAX_CHARS, true);
            l.from = l.n;
            if (terms_of(rb->text, n, known_term, &l) != 0 ||
                grow_array((void **)&phrase_off, &phrases_cap, n_phrases + 2, sizeof *phrase_off)) {
                free(l.v);
                free(phrase_off);
                return -1;
            }
            if (l.n > l.from) /* a phrase the catalog knows */
                phrase_off[n_phrases++] = (uint32_t)l.from;
            at = end + 1;
        }
    }
    r->concept_off[rb->n_concepts] = (uint32_t)n_phrases;
    if (!phrase_off && !(phrase_off = malloc(sizeof *phrase_off))) {
        free(l.v);
        return -1;
    }
    phrase_off[n_phrases] = (uint32_t)l.n;
    r->phrase_off = phrase_off;
    r->n_phrases = n_phrases;
    r->phrase_terms = l.v ? l.v : malloc(sizeof *r->phrase_terms);
    return r->phrase_terms ? 0 : -1;
}

/* ---- finish ---- */

/* The postings by term: a counting sort of the items' postings, which came in item order, so
 * each term's items stay ascending; each posting's score quantized to the largest one. */
static int compact_postings(ranked_builder *rb, size_t n_items)
{
    ranked_index *r = &rb->r;
    r->off = calloc(r->n_terms + 2, sizeof *r->off);
    uint32_t *fill = calloc(r->n_terms + 1, sizeof *fill);
    double *idf = malloc((r->n_terms + 1) * sizeof *idf);
    if (!r->off || !fill || !idf || rb->n_post > UINT32_MAX) {
        free(fill);
        free(idf);
        return -1;
    }
    for (size_t i = 0; i < rb->n_post; i++)
        r->off[rb->post[i].term + 1]++;
    for (size_t t = 0; t < r->n_terms; t++)
        r->off[t + 1] += r->off[t];
    for (size_t t = 0; t < r->n_terms; t++) {
        double df = r->off[t + 1] - r->off[t];
        idf[t] = log(1.0 + ((double)n_items - df + 0.5) / (df + 0.5));
    }
    float max = 0;
    for (size_t i = 0; i < rb->n_post; i++) { /* the score in place of the frequency */
        posting *p = &rb->post[i];
        float s = (float)(idf[p->term] * p->tfw * (K1 + 1) / (p->tfw + K1));
        p->tfw = s;
        if (s > max)
            max = s;
    }
    free(idf);
    r->scale = max > 0 ? max / 65535.0f : 1;
    r->items = malloc((rb->n_post + 1) * sizeof *r->items);
    r->impact = malloc((rb->n_post + 1) * sizeof *r->impact);
    if (!r->items || !r->impact) {
        free(fill);
        return -1;
    }
    for (uint32_t item = 0; item < rb->n_item_from; item++) {
        size_t end = item + 1 < rb->n_item_from ? rb->item_from[item + 1] : rb->n_post;
        for (size_t i = rb->item_from[item]; i < end; i++) {
            const posting *p = &rb->post[i];
            uint32_t at = r->off[p->term] + fill[p->term]++;
            float q = p->tfw / r->scale + 0.5f;
            r->items[at] = item;
            r->impact[at] = (uint16_t)(q < 1 ? 1 : q > 65535 ? 65535 : q);
        }
    }
    free(fill);
    free(rb->post);
    rb->post = NULL;
    r->term_max = calloc(r->n_terms + 1, sizeof *r->term_max);
    if (!r->term_max)
        return -1;
    for (size_t t = 0; t < r->n_terms; t++)
        for (uint32_t p = r->off[t]; p < r->off[t + 1]; p++)
            if (r->impact[p] > r->term_max[t])
                r->term_max[t] = r->impact[p];
    return 0;
}

/* Each phrase's terms, the rarest (fewest postings) first: a query scores them in this
 * order and can stop scanning the common ones (search/ranked.c score_concept). */
static void order_phrase_terms(ranked_index *r)
{
    for (size_t ph = 0; ph < r->n_phrases; ph++)
        for (uint32_t i = r->phrase_off[ph] + 1; i < r->phrase_off[ph + 1]; i++) {
            uint32_t t = r->phrase_terms[i], n = r->off[t + 1] - r->off[t], j = i;
            for (; j > r->phrase_off[ph]; j--) {
                uint32_t u = r->phrase_terms[j - 1];
                if (r->off[u + 1] - r->off[u] <= n)
                    break;
                r->phrase_terms[j] = u;
            }
            r->phrase_terms[j] = t;
        }
}

/* What only the adding of items needed, freed before the postings are sorted (the build's
 * peak of memory, with the old snapshot still serving). */
static void release_working_set(ranked_builder *rb)
{
    build_memo_free(rb->memo);
    rb->memo = NULL;
    free(rb->occ);
    free(rb->stamp);
    free(rb->slot);
    free(rb->sums);
    free(rb->run);
    rb->occ = NULL;
    rb->stamp = rb->slot = rb->run = NULL;
    rb->sums = NULL;
    rb->occ_cap = rb->stamp_cap = rb->slot_cap = rb->sums_cap = rb->run_cap = 0;
    rb->n_occ = rb->n_run = rb->stamped = 0;
}

int ranked_builder_finish(ranked_builder *rb, size_t n_items, ranked_index *out)
{
    release_working_set(rb);
    int rc = rb->failed || resolve_concepts(rb) != 0 || compact_postings(rb, n_items) != 0 ? -1 : 0;
    if (rc == 0) {
        order_phrase_terms(&rb->r);
        *out = rb->r;
        memset(&rb->r, 0, sizeof rb->r);
    }
    ranked_builder_abort(rb);
    return rc;
}

void ranked_index_free(ranked_index *r)
{
    free(r->pool);
    u64map_free(&r->term_index);
    free(r->term_str);
    free(r->off);
    free(r->items);
    free(r->impact);
    free(r->term_max);
    free(r->patterns);
    free(r->concept_name);
    free(r->concept_off);
    free(r->phrase_off);
    free(r->phrase_terms);
    memset(r, 0, sizeof *r);
}

void ranked_builder_abort(ranked_builder *rb)
{
    if (!rb)
        return;
    ranked_index_free(&rb->r);
    free(rb->post);
    free(rb->item_from);
    free(rb->occ);
    free(rb->stamp);
    free(rb->slot);
    free(rb->sums);
    build_memo_free(rb->memo);
    free(rb->run);
    free(rb->concepts);
    free(rb);
}
