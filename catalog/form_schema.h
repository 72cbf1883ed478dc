/* The per-service definitions of a catalog item (API.md §4): its form_schema, a documented
 * subset of JSON Schema 2020-12 (docs/API.md "Form schemas"), and its structured materials.
 * Both are checked at import and stored in canonical form (compact JSON). */
#ifndef OW_FORM_SCHEMA_H
#define OW_FORM_SCHEMA_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/arena.h"

#define FORM_PROPERTIES_MAX 100
#define FORM_PROPERTY_NAME_MAX 64
#define FORM_STRING_MAX 2000
#define FORM_ENUM_MAX 100
#define FORM_TITLE_MAX 100
#define FORM_DESCRIPTION_MAX 500
#define MATERIAL_CODE_MAX 32
#define MATERIAL_NAME_MAX 100
#define MATERIAL_BYTES_MAX 10485760
#define MATERIAL_LIST_MAX 50

/* Checks a form schema: 0 with *canonical (compact JSON, from the arena), or -1 with the
 * reason in why, naming the keyword by its JSON Pointer inside the schema. */
int form_schema_parse(const cJSON *schema, arena *a, const char **canonical, char *why,
                      size_t whylen);

/* Checks a materials list: structured objects {code, name, required, accept, max_bytes}
 * (accept and max_bytes optional: every type, MATERIAL_BYTES_MAX), or the old list of names
 * (each becomes a required material "material_N" of every type). 0 with *canonical (the
 * structured list, compact JSON), or -1 with the reason in why. */
int materials_parse(const cJSON *list, arena *a, const char **canonical, char *why, size_t whylen);

#endif
