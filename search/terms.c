#include "search/terms.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>
#include <unistr.h>

#include "core/u64map.h"
#include "search/normalize.h"
#include "search/segment.h"

/* Words that say nothing about which service is meant: function words, and the verbs of
 * every item ("办理", "申请"). Matched as whole segmented words. */
static const char *const cjk_stop[] = {
    "的",   "了",   "和",   "与",   "及",     "或",   "等",     "在",       "是",   "有",   "为",
    "对",   "由",   "向",   "把",   "被",     "从",   "到",     "之",       "其",   "该",   "并",
    "以",   "于",   "我",   "你",   "他",     "她",   "它",     "们",       "吗",   "呢",   "啊",
    "吧",   "呀",   "要",   "想",   "去",     "能",   "会",     "可",       "也",   "都",   "就",
    "还",   "又",   "个",   "一",   "些",     "这",   "那",     "哪",       "给",   "让",   "得",
    "着",   "过",   "很",   "怎么", "如何",   "什么", "怎样",   "哪里",     "哪些", "需要", "可以",
    "办理", "申请", "请问", "一下", "怎么办", "手续", "流程",   "我们",     "我家", "自己", "现在",
    "应该", "是否", "这个", "那个", "或者",   "以及", "相关",   "有关",     "进行", "按照", "规定",
    "所需", "要求", "其他", "我想", "想要",   "我要", "能不能", "可不可以", "办",
};

static const char *const en_stop[] = {
    "a",     "an",       "the",         "and",          "or",   "but",   "if",    "of",     "to",
    "in",    "on",       "at",          "for",          "with", "by",    "from",  "as",     "into",
    "is",    "are",      "was",         "were",         "be",   "been",  "being", "am",     "do",
    "does",  "did",      "done",        "have",         "has",  "had",   "how",   "what",   "where",
    "when",  "which",    "who",         "whom",         "why",  "can",   "could", "should", "would",
    "will",  "shall",    "may",         "might",        "must", "need",  "needs", "want",   "wants",
    "get",   "got",      "getting",     "please",       "help", "about", "this",  "that",   "these",
    "those", "there",    "here",        "some",         "any",  "so",    "just",  "i",      "me",
    "my",    "mine",     "we",          "us",           "our",  "you",   "your",  "he",     "him",
    "his",   "she",      "her",         "it",           "its",  "they",  "them",  "their",  "im",
    "ive",   "id",       "dont",        "cant",         "s",    "t",     "also",  "then",   "than",
    "too",   "very",     "all",         "each",         "per",  "via",   "up",    "out",    "one",
    "apply", "applying", "application", "applications", "go",   "going", "like",  "would",  "let",
    "make",  "now",
};

#define STOP_SLOTS 512
static uint64_t cjk_stop_hash[STOP_SLOTS], en_stop_hash[STOP_SLOTS];
static pthread_once_t stop_once = PTHREAD_ONCE_INIT;

static void put(uint64_t *table, uint64_t h)
{
    size_t i = h & (STOP_SLOTS - 1);
    while (table[i] && table[i] != h)
        i = (i + 1) & (STOP_SLOTS - 1);
    table[i] = h;
}

static bool has(const uint64_t *table, uint64_t h)
{
    for (size_t i = h & (STOP_SLOTS - 1); table[i]; i = (i + 1) & (STOP_SLOTS - 1))
        if (table[i] == h)
            return true;
    return false;
}

static void make_stops(void)
{
    for (size_t w = 0; w < sizeof cjk_stop / sizeof *cjk_stop; w++) {
        uint32_t c[8];
        size_t n = 0;
        for (const uint8_t *s = (const uint8_t *)cjk_stop[w]; *s && n < 8;) {
            ucs4_t u;
            s += u8_mbtouc(&u, s, 4);
            c[n++] = u;
        }
        put(cjk_stop_hash, hash_bytes(c, n * sizeof *c));
    }
    for (size_t w = 0; w < sizeof en_stop / sizeof *en_stop; w++)
        put(en_stop_hash, hash_bytes(en_stop[w], strlen(en_stop[w])));
}

bool terms_cjk_stop(const uint32_t *c, size_t n)
{
    pthread_once(&stop_once, make_stops);
    return has(cjk_stop_hash, hash_bytes(c, n * sizeof *c));
}

/* Snowball stemmers are not thread-safe: one per thread. */
static pthread_key_t stemmer_key;
static pthread_once_t stemmer_once = PTHREAD_ONCE_INIT;

static void stemmer_free(void *p)
{
    sb_stemmer_delete(p);
}

static void stemmer_key_init(void)
{
    pthread_key_create(&stemmer_key, stemmer_free);
}

static struct sb_stemmer *stemmer(void)
{
    pthread_once(&stemmer_once, stemmer_key_init);
    struct sb_stemmer *s = pthread_getspecific(stemmer_key);
    if (!s) {
        s = sb_stemmer_new("english", "UTF_8");
        if (s && pthread_setspecific(stemmer_key, s) != 0) {
            sb_stemmer_delete(s);
            s = NULL;
        }
    }
    return s;
}

size_t terms_stem(const char *word, size_t len, char *out, size_t cap)
{
    pthread_once(&stop_once, make_stops);
    out[0] = '\0';
    if (len == 0 || len >= cap || len > 32 || has(en_stop_hash, hash_bytes(word, len)))
        return 0;
    struct sb_stemmer *s = stemmer();
    const sb_symbol *st = s ? sb_stemmer_stem(s, (const sb_symbol *)word, (int)len) : NULL;
    size_t n = st ? (size_t)sb_stemmer_length(s) : len;
    if (n == 0 || n >= cap)
        return 0;
    memcpy(out, st ? (const char *)st : word, n);
    out[n] = '\0';
    return n;
}

static int cjk_terms(const uint32_t *c, size_t n, term_fn fn, void *ctx)
{
    seg_word words[512];
    for (size_t base = 0; base < n; base += 256) {
        size_t len = n - base < 256 ? n - base : 256;
        size_t nw = segment_run(c + base, len, true, words, 512);
        for (size_t i = 0; i < nw; i++) {
            const uint32_t *w = c + base + words[i].start;
            if (terms_cjk_stop(w, words[i].len))
                continue;
            char utf8[TERM_MAX_BYTES];
            size_t bytes = normalize_to_utf8(w, words[i].len, utf8, sizeof utf8);
            int rc = bytes ? fn(utf8, bytes, ctx) : 0;
            if (rc)
                return rc;
        }
    }
    return 0;
}

int terms_of(const uint32_t *c, size_t n, term_fn fn, void *ctx)
{
    for (size_t i = 0; i < n;) {
        size_t start = i;
        int rc = 0;
        if (is_hanzi(c[i])) {
            while (i < n && is_hanzi(c[i]))
                i++;
            rc = cjk_terms(c + start, i - start, fn, ctx);
        } else if (c[i] >= 'a' && c[i] <= 'z') { /* words; digits are not terms */
            while (i < n && c[i] >= 'a' && c[i] <= 'z')
                i++;
            char word[40], stem[40];
            size_t len = i - start < sizeof word ? i - start : 0;
            for (size_t k = 0; k < len; k++)
                word[k] = (char)c[start + k];
            size_t sl = len >= 2 ? terms_stem(word, len, stem, sizeof stem) : 0;
            rc = sl ? fn(stem, sl, ctx) : 0;
        } else
            i++;
        if (rc)
            return rc;
    }
    return 0;
}
