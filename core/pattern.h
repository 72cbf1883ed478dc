/* The `pattern` keyword of form schemas (catalog/form_schema.c, workflow/form_check.c):
 * ECMA-262-like regular expressions through PCRE2, in UTF mode, with \uXXXX escapes (as JSON
 * Schema authors write them), `$` only at the very end, and match limits so that no pattern
 * can make a request spin. */
#ifndef OW_PATTERN_H
#define OW_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#define PATTERN_MAX_BYTES 500

/* Whether the pattern compiles; when not, a one-line reason in why. */
bool pattern_valid(const char *pattern, char *why, size_t whylen);

/* 1 when the text matches anywhere (JSON Schema: patterns are not anchored), 0 when not,
 * -1 when the pattern does not compile or the match ran out of its limits. */
int pattern_match(const char *pattern, const char *text);

#endif
