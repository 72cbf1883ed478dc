#include "search/normalize.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <opencc/opencc.h>
#include <unistr.h>
#include <unictype.h>

/* OpenCC converters are not documented as thread-safe: one handle behind a mutex. Only
 * text holding a character that t2s changes goes through it (a bitmap made once), so the
 * catalog, written in simplified characters, never pays for it. */
static opencc_t t2s = (opencc_t)-1;
static pthread_mutex_t t2s_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t t2s_changes[(0xA000 - 0x3400) / 8];

static bool changed_by_t2s(uint32_t c)
{
    if (c < 0x3400 || c >= 0xA000)
        return false;
    c -= 0x3400;
    return t2s_changes[c / 8] & (1u << (c % 8));
}

int normalize_init(void)
{
    if (t2s != (opencc_t)-1)
        return 0;
    t2s = opencc_open("t2s.json");
    if (t2s == (opencc_t)-1)
        return -1;
    for (uint32_t c = 0x3400; c < 0xA000; c++) {
        uint8_t in[8], out[64];
        size_t n = (size_t)u8_uctomb(in, c, 4);
        in[n] = 0;
        if (opencc_convert_utf8_to_buffer(t2s, (const char *)in, n, (char *)out) == (size_t)-1)
            continue;
        if (strcmp((const char *)in, (const char *)out) != 0)
            t2s_changes[(c - 0x3400) / 8] |= (uint8_t)(1u << ((c - 0x3400) % 8));
    }
    return 0;
}

/* Full-width forms (U+FF01..U+FF5E) and the ideographic space map to ASCII. */
static uint32_t half_width(uint32_t c)
{
    if (c >= 0xFF01 && c <= 0xFF5E)
        return c - 0xFF01 + 0x21;
    if (c == 0x3000)
        return ' ';
    return c;
}

static uint32_t fold(uint32_t c)
{
    c = half_width(c);
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c < 0x80)
        return ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) ? c : ' ';
    if (is_hanzi(c) || uc_is_alnum(c))
        return c;
    return ' ';
}

/* One code point of s[0..n) (n ≥ 1) into *c; returns its length. ASCII and the well-formed
 * two- and three-byte forms (nearly all Chinese text) inline; anything else, malformed input
 * included, through libunistring, whose answers these match. */
static inline int decode(const uint8_t *s, size_t n, ucs4_t *c)
{
    uint8_t b0 = s[0];
    if (b0 < 0x80) {
        *c = b0;
        return 1;
    }
    if (b0 >= 0xE0 && b0 <= 0xEF && n >= 3 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 &&
        (b0 != 0xE0 || s[1] >= 0xA0) && (b0 != 0xED || s[1] < 0xA0)) {
        *c = (ucs4_t)(b0 & 0x0F) << 12 | (ucs4_t)(s[1] & 0x3F) << 6 | (ucs4_t)(s[2] & 0x3F);
        return 3;
    }
    if (b0 >= 0xC2 && b0 <= 0xDF && n >= 2 && (s[1] & 0xC0) == 0x80) {
        *c = (ucs4_t)(b0 & 0x1F) << 6 | (ucs4_t)(s[1] & 0x3F);
        return 2;
    }
    int k = u8_mbtouc(c, s, n);
    return k > 0 ? k : 1;
}

/* Folds s[0..len) into out. With check, stops and returns SIZE_MAX at a character that t2s
 * changes (the text must be converted first). */
static size_t fold_text(const uint8_t *s, size_t len, uint32_t *out, size_t cap, bool collapse,
                        bool check)
{
    const uint8_t *end = s + len;
    size_t n = 0;
    while (s < end) {
        ucs4_t c;
        s += decode(s, (size_t)(end - s), &c);
        if (check && changed_by_t2s(c))
            return SIZE_MAX;
        if (n == cap) {
            if (!check)
                break;
            continue; /* full: only look on for characters to convert */
        }
        uint32_t f = fold(c);
        if (collapse && f == ' ' && (n == 0 || out[n - 1] == ' '))
            continue;
        out[n++] = f;
    }
    if (collapse && n > 0 && out[n - 1] == ' ')
        n--;
    return n;
}

size_t normalize_text(const char *utf8, size_t len, uint32_t *out, size_t cap, bool collapse)
{
    static _Thread_local char buf[NORM_MAX_CHARS * 4 * 4 + 1];
    if (len > NORM_MAX_CHARS * 4) { /* cut on a character boundary */
        len = NORM_MAX_CHARS * 4;
        while (len > 0 && ((unsigned char)utf8[len] & 0xC0) == 0x80)
            len--;
    }
    /* the catalog is written in simplified characters: one pass, OpenCC never called */
    size_t n = fold_text((const uint8_t *)utf8, len, out, cap, collapse, true);
    if (n != SIZE_MAX)
        return n;
    const char *text = utf8;
    /* Only valid UTF-8 without NUL reaches OpenCC: 1.1.6 reads past the end of a truncated
     * sequence (a heap-buffer-overflow tests/fuzz/fuzz_search.c found). The API checks
     * queries and bodies before; this keeps the library safe for any other caller. */
    if (t2s != (opencc_t)-1 && len * 4 + 1 <= sizeof buf && !u8_check((const uint8_t *)utf8, len) &&
        !memchr(utf8, '\0', len)) {
        pthread_mutex_lock(&t2s_lock);
        size_t converted = opencc_convert_utf8_to_buffer(t2s, utf8, len, buf);
        pthread_mutex_unlock(&t2s_lock);
        if (converted != (size_t)-1) {
            text = buf;
            len = converted;
        }
    }
    return fold_text((const uint8_t *)text, len, out, cap, collapse, false);
}

size_t normalize_to_utf8(const uint32_t *cps, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    for (size_t i = 0; i < n && len + 5 < cap; i++) {
        int k = u8_uctomb((uint8_t *)out + len, cps[i], (int)(cap - len - 1));
        if (k > 0)
            len += (size_t)k;
    }
    out[len] = '\0';
    return len;
}
