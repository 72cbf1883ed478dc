#include "auth/gb_ids.h"

#include <stdlib.h>
#include <string.h>

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static long number(const char *s, size_t n)
{
    long v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* The province codes of GB/T 2260 (first two digits of a region code). */
static bool province_exists(long p)
{
    static const long provinces[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34,
                                     35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
                                     53, 54, 61, 62, 63, 64, 65, 71, 81, 82};
    for (size_t i = 0; i < sizeof provinces / sizeof *provinces; i++)
        if (provinces[i] == p)
            return true;
    return false;
}

static bool real_date(long y, long m, long d)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

bool gb11643_valid(const char *id, long today)
{
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char check[] = "10X98765432";
    if (strlen(id) != 18 || !digits(id, 17))
        return false;
    long birth = number(id + 6, 8), y = birth / 10000;
    if (!province_exists(number(id, 2)) || y < 1900 || birth > today ||
        !real_date(y, birth / 100 % 100, birth % 100))
        return false;
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (id[i] - '0') * weights[i];
    char last = id[17] == 'x' ? 'X' : id[17];
    return last == check[sum % 11];
}

bool gb32100_valid(const char *code)
{
    static const char chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY"; /* no I O S V Z */
    static const int weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    if (strlen(code) != 18)
        return false;
    int sum = 0, value[18];
    for (int i = 0; i < 18; i++) {
        const char *p = code[i] ? strchr(chars, code[i]) : NULL;
        if (!p)
            return false;
        value[i] = (int)(p - chars);
    }
    for (int i = 0; i < 17; i++)
        sum += value[i] * weights[i];
    return value[17] == (31 - sum % 31) % 31;
}

bool mobile_valid(const char *phone)
{
    return strlen(phone) == 11 && phone[0] == '1' && phone[1] >= '3' && phone[1] <= '9' &&
           digits(phone, 11);
}
