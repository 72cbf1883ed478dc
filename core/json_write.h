/* Writing JSON straight into a strbuf, for the hot list responses (a search page): building
 * a cJSON tree costs a malloc per node, which measured ~30 % of a search request. Values are
 * UTF-8 already validated where they came from. */
#ifndef OW_JSON_WRITE_H
#define OW_JSON_WRITE_H

#include <stdint.h>

#include "core/strbuf.h"

/* A JSON string: quotes, with '"', '\\' and control characters escaped. */
void jw_string(strbuf *sb, const char *s);
void jw_int(strbuf *sb, int64_t v);

#endif
