#include "workflow/application_no.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void application_no_new(cal_day day, char out[APP_NO_BYTES])
{
    char date[CAL_DATE_BYTES];
    cal_day_format(day, date);
    uint8_t rnd[8];
    randombytes_buf(rnd, sizeof rnd);
    uint64_t bits = 0;
    for (size_t i = 0; i < sizeof rnd; i++)
        bits = bits << 8 | rnd[i];
    char *p = out;
    for (const char *d = date; *d; d++)
        if (*d != '-')
            *p++ = *d;
    for (int i = 0; i < 10; i++) {
        if (i % 5 == 0)
            *p++ = '-';
        *p++ = crockford[bits & 31];
        bits >>= 5;
    }
    *p = '\0';
}

static int symbol(char c)
{
    c = (char)toupper((unsigned char)c);
    if (c == 'I' || c == 'L')
        c = '1';
    else if (c == 'O')
        c = '0';
    const char *at = c ? strchr(crockford, c) : NULL;
    return at ? (int)(at - crockford) : -1;
}

bool application_no_normalize(const char *in, char out[APP_NO_BYTES])
{
    if (!in || strlen(in) != APP_NO_BYTES - 1)
        return false;
    for (int i = 0; i < APP_NO_BYTES - 1; i++) {
        char c = in[i];
        if (i == 8 || i == 14) {
            if (c != '-')
                return false;
            out[i] = '-';
        } else if (i < 8) {
            if (!isdigit((unsigned char)c))
                return false;
            out[i] = c;
        } else {
            int v = symbol(c);
            if (v < 0)
                return false;
            out[i] = crockford[v];
        }
    }
    out[APP_NO_BYTES - 1] = '\0';
    return true;
}

void query_code_new(char out[QUERY_CODE_BYTES])
{
    for (int i = 0; i < QUERY_CODE_BYTES - 1; i++)
        out[i] = (char)('0' + randombytes_uniform(10));
    out[QUERY_CODE_BYTES - 1] = '\0';
}

/* "<number>:<code>": equal codes of two applications hash apart. */
static void code_hash(const char *no, const char *code, uint8_t out[QUERY_CODE_HASH_BYTES])
{
    char both[APP_NO_BYTES + QUERY_CODE_BYTES + 1];
    snprintf(both, sizeof both, "%s:%s", no, code);
    pii_index("query-code", both, out);
}

void query_code_store(const char *no, const char *code, query_code_stored *out)
{
    code_hash(no, code, out->hash);
    pii_encrypt("query-code", code, out->sealed, &out->sealed_len);
}

bool query_code_matches(const app_row *a, const char *code)
{
    uint8_t want[QUERY_CODE_HASH_BYTES], given[QUERY_CODE_HASH_BYTES];
    code_hash(a ? a->no : "", code, given);
    if (a && a->code.hash)
        memcpy(want, a->code.hash, sizeof want);
    else if (a && a->plain_query_code) /* an older release's row, until migrate converts it */
        code_hash(a->no, a->plain_query_code, want);
    else
        sodium_memzero(want, sizeof want);
    return sodium_memcmp(want, given, sizeof want) == 0 && a &&
           (a->code.hash || a->plain_query_code);
}

bool query_code_of(const app_row *a, char out[QUERY_CODE_BYTES])
{
    if (a->code.sealed && pii_ready() == DB_OK)
        return pii_decrypt("query-code", a->code.sealed, a->code.sealed_len, out,
                           QUERY_CODE_BYTES) == 0;
    if (!a->plain_query_code)
        return false;
    snprintf(out, QUERY_CODE_BYTES, "%s", a->plain_query_code);
    return true;
}
