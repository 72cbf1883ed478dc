#include "search/build_memo.h"

#include <stdlib.h>

#include <xxhash.h>

#include "core/grow.h"
#include "core/u64map.h"

typedef struct memo_entry {
    uint64_t lo, hi; /* the text's hash */
    uint32_t off, n; /* its run in values */
} memo_entry;

struct build_memo {
    u64map index; /* lo (never 0) → entry */
    memo_entry *entries;
    size_t n_entries, entries_cap;
    uint32_t *values;
    size_t n_values, values_cap;
};

build_memo *build_memo_new(void)
{
    build_memo *m = calloc(1, sizeof *m);
    if (m && u64map_init(&m->index, 1 << 14) != 0) {
        free(m);
        return NULL;
    }
    return m;
}

void build_memo_free(build_memo *m)
{
    if (!m)
        return;
    u64map_free(&m->index);
    free(m->entries);
    free(m->values);
    free(m);
}

static XXH128_hash_t key_of(uint32_t kind, const char *s, size_t len)
{
    XXH128_hash_t h = XXH3_128bits_withSeed(s, len, kind);
    if (h.low64 == 0)
        h.low64 = 1; /* u64map reserves 0 */
    return h;
}

const uint32_t *build_memo_get(build_memo *m, uint32_t kind, const char *s, size_t len, size_t *n)
{
    XXH128_hash_t h = key_of(kind, s, len);
    size_t pos = 0;
    uint32_t at;
    while (u64map_next(&m->index, h.low64, &pos, &at))
        if (m->entries[at].hi == h.high64) {
            *n = m->entries[at].n;
            return m->values + m->entries[at].off;
        }
    return NULL;
}

const uint32_t *build_memo_put(build_memo *m, uint32_t kind, const char *s, size_t len,
                               const uint32_t *v, size_t n)
{
    XXH128_hash_t h = key_of(kind, s, len);
    if (m->n_values + n > UINT32_MAX ||
        grow_array((void **)&m->entries, &m->entries_cap, m->n_entries + 1, sizeof *m->entries) !=
            0 ||
        grow_array((void **)&m->values, &m->values_cap, m->n_values + n, sizeof *m->values) != 0 ||
        u64map_put(&m->index, h.low64, (uint32_t)m->n_entries) != 0)
        return NULL;
    m->entries[m->n_entries++] =
        (memo_entry){h.low64, h.high64, (uint32_t)m->n_values, (uint32_t)n};
    for (size_t i = 0; i < n; i++)
        m->values[m->n_values + i] = v[i];
    m->n_values += n;
    return m->values + m->n_values - n;
}
