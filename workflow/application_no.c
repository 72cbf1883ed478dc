#include "workflow/application_no.h"

#include <ctype.h>
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
