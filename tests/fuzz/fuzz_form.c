/* libFuzzer: per-service forms. A schema is checked as the catalog import does
 * (catalog/form_schema.c), and a citizen's form is checked against each schema that passes
 * (workflow/form_check.c: patterns, formats, bounds, JSON Pointers with RFC 6901 escapes);
 * the first line is also read as a materials list. Input: the schema or list (one line of
 * JSON), then the form (JSON). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "catalog/form_schema.h"
#include "workflow/form_check.h"

static void count_error(void *ctx, const char *pointer, const char *zh, const char *en)
{
    (void)pointer;
    (void)zh;
    (void)en;
    (*(int *)ctx)++;
}

static void check_form(const char *canonical, const char *form_text, arena *a)
{
    cJSON *schema = cJSON_Parse(canonical), *form = cJSON_Parse(form_text);
    int errors = 0;
    if (schema && form)
        form_check(schema, form, "/form", 20261207, a, count_error, &errors);
    cJSON_Delete(schema);
    cJSON_Delete(form);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char *nl = strchr(text, '\n');
    const char *form_text = nl ? nl + 1 : "{}";
    if (nl)
        *nl = '\0';
    cJSON *first = cJSON_Parse(text);
    if (first) {
        arena a;
        arena_init(&a, 4096);
        const char *canonical;
        char why[200];
        if (form_schema_parse(first, &a, &canonical, why, sizeof why) == 0)
            check_form(canonical, form_text, &a);
        materials_parse(first, &a, &canonical, why, sizeof why);
        arena_destroy(&a);
        cJSON_Delete(first);
    }
    free(text);
    return 0;
}
