#include "search/segment.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>

#include "core/embedded_data.h"
#include "core/u64map.h"

/* word hash → index in freqs; every proper prefix of a word is present too with frequency
 * 0, so that the DAG stops extending a word as soon as no dictionary word starts that way */
static u64map dict;
static uint32_t *freqs;
static size_t n_freqs, freqs_cap;
static double log_total;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_rc = -1;

static uint64_t key_of(const uint32_t *c, size_t n)
{
    return hash_bytes(c, n * sizeof *c);
}

/* The frequency of c[0..n): > 0 a word, 0 only a prefix of words, -1 neither. */
static int64_t lookup(const uint32_t *c, size_t n)
{
    uint32_t v;
    return u64map_get(&dict, key_of(c, n), &v) ? (int64_t)freqs[v] : -1;
}

static int new_entry(uint64_t key, uint32_t freq)
{
    if (n_freqs == freqs_cap) {
        size_t cap = freqs_cap ? freqs_cap * 2 : 1 << 19;
        uint32_t *f = realloc(freqs, cap * sizeof *f);
        if (!f)
            return -1;
        freqs = f;
        freqs_cap = cap;
    }
    freqs[n_freqs] = freq;
    return u64map_put(&dict, key, (uint32_t)n_freqs++);
}

static int add_word(const uint32_t *c, size_t n, uint32_t freq)
{
    for (size_t k = 1; k <= n; k++) {
        uint64_t key = key_of(c, k);
        uint32_t at;
        bool found = u64map_get(&dict, key, &at);
        if (k < n) {
            if (!found && new_entry(key, 0) != 0)
                return -1;
        } else if (!found) {
            if (new_entry(key, freq) != 0)
                return -1;
        } else if (freq > freqs[at]) /* a prefix of another word, or a repeat */
            freqs[at] = freq;
    }
    return 0;
}

static void load(void)
{
    /* the dictionary's words and their prefixes (about 500 k) fill 2^20 slots to half: 12 MiB
     * for the life of the process, where 2^21 slots took 25 MiB (the map grows if ever
     * needed) */
    if (u64map_init(&dict, 1 << 19) != 0)
        return;
    double total = 0;
    const char *p = jieba_dict_txt, *end = jieba_dict_txt + jieba_dict_txt_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        const char *tab = memchr(p, '\t', (size_t)(line_end - p));
        if (tab) {
            uint32_t c[SEGMENT_MAX_WORD];
            size_t n = 0;
            for (const uint8_t *s = (const uint8_t *)p;
                 s < (const uint8_t *)tab && n < SEGMENT_MAX_WORD;) {
                ucs4_t u;
                int len = u8_mbtouc(&u, s, (size_t)((const uint8_t *)tab - s));
                c[n++] = u;
                s += len > 0 ? len : 1;
            }
            uint32_t freq = (uint32_t)strtoul(tab + 1, NULL, 10);
            if (n > 0 && freq > 0) {
                if (add_word(c, n, freq) != 0)
                    return;
                total += freq;
            }
        }
        p = line_end + 1;
    }
    log_total = log(total > 0 ? total : 1);
    init_rc = 0;
}

int segment_init(void)
{
    pthread_once(&once, load);
    return init_rc;
}

bool segment_is_word(const uint32_t *c, size_t n)
{
    return n > 0 && n <= SEGMENT_MAX_WORD && lookup(c, n) > 0;
}

#define RUN_MAX 256 /* longer runs are cut into pieces of this size */

/* The best path of c[0..n) (n ≤ RUN_MAX) as word lengths from each start: next[i]. */
static void best_path(const uint32_t *c, size_t n, uint8_t *next)
{
    double route[RUN_MAX + 1];
    route[n] = 0;
    for (size_t i = n; i-- > 0;) {
        /* a character alone always works (frequency 1 when the dictionary lacks it) */
        int64_t f1 = lookup(c + i, 1);
        double best = log(f1 > 0 ? (double)f1 : 1.0) - log_total + route[i + 1];
        size_t best_len = 1;
        for (size_t k = 2; k <= SEGMENT_MAX_WORD && i + k <= n; k++) {
            int64_t f = lookup(c + i, k);
            if (f < 0)
                break; /* no word starts this way */
            if (f == 0)
                continue;
            double score = log((double)f) - log_total + route[i + k];
            if (score > best) {
                best = score;
                best_len = k;
            }
        }
        route[i] = best;
        next[i] = (uint8_t)best_len;
    }
}

size_t segment_run(const uint32_t *c, size_t n, bool sub_words, seg_word *out, size_t cap)
{
    size_t k = 0;
    for (size_t base = 0; base < n; base += RUN_MAX) {
        size_t len = n - base < RUN_MAX ? n - base : RUN_MAX;
        uint8_t next[RUN_MAX];
        best_path(c + base, len, next);
        for (size_t i = 0; i < len && k < cap; i += next[i]) {
            size_t w = next[i];
            if (sub_words && w > 2)
                for (size_t sub = 2; sub <= 3 && sub < w; sub++)
                    for (size_t j = 0; j + sub <= w && k < cap; j++)
                        if (lookup(c + base + i + j, sub) > 0)
                            out[k++] = (seg_word){(uint16_t)(base + i + j), (uint16_t)sub};
            if (k < cap)
                out[k++] = (seg_word){(uint16_t)(base + i), (uint16_t)w};
        }
    }
    return k;
}
