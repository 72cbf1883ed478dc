/* Small cJSON helpers that several modules need: a string member that may be NULL (JSON null),
 * and one JSON object printed as a line (the admin commands' JSON-lines output). */
#ifndef OW_JSON_OUT_H
#define OW_JSON_OUT_H

#include <cjson/cJSON.h>

/* name: value, or name: null when value is NULL. */
void json_add_string_or_null(cJSON *o, const char *name, const char *value);
/* Prints o compactly as one line on stdout, then frees it. */
void json_print_line(cJSON *o);

#endif
