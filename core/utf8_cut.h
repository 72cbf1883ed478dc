/* Shortening text for fields counted in characters (a notification body, a WeChat template
 * field): cut on a code-point boundary, never inside a UTF-8 sequence. */
#ifndef OW_UTF8_CUT_H
#define OW_UTF8_CUT_H

#include <stddef.h>

/* Cuts the valid UTF-8 string s, in place, to at most max_chars code points. */
void utf8_cut(char *s, size_t max_chars);

#endif
