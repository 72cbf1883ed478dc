#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/pattern.h"

#include <stdio.h>
#include <string.h>

#include <pcre2.h>

#define MATCH_LIMIT 100000
#define DEPTH_LIMIT 1000

static pcre2_code *compile(const char *pattern, int *err, PCRE2_SIZE *at)
{
    if (strlen(pattern) > PATTERN_MAX_BYTES) {
        *err = 0;
        *at = 0;
        return NULL;
    }
    return pcre2_compile(
        (PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
        PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_BACKSLASH_C, err, at, NULL);
}

bool pattern_valid(const char *pattern, char *why, size_t whylen)
{
    int err;
    PCRE2_SIZE at;
    pcre2_code *re = compile(pattern, &err, &at);
    if (re) {
        pcre2_code_free(re);
        return true;
    }
    if (err == 0) {
        snprintf(why, whylen, "longer than %d bytes", PATTERN_MAX_BYTES);
        return false;
    }
    PCRE2_UCHAR msg[120];
    pcre2_get_error_message(err, msg, sizeof msg);
    snprintf(why, whylen, "%s at offset %zu", (const char *)msg, (size_t)at);
    return false;
}

int pattern_match(const char *pattern, const char *text)
{
    int err;
    PCRE2_SIZE at;
    pcre2_code *re = compile(pattern, &err, &at);
    if (!re)
        return -1;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    pcre2_match_context *mc = pcre2_match_context_create(NULL);
    int rc = -1;
    if (md && mc) {
        pcre2_set_match_limit(mc, MATCH_LIMIT);
        pcre2_set_depth_limit(mc, DEPTH_LIMIT);
        int n = pcre2_match(re, (PCRE2_SPTR)text, strlen(text), 0, 0, md, mc);
        rc = n >= 0 ? 1 : n == PCRE2_ERROR_NOMATCH ? 0 : -1;
    }
    pcre2_match_context_free(mc);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return rc;
}
