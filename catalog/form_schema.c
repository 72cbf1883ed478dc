#include "catalog/form_schema.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <unistr.h>

#include "core/media_types.h"
#include "core/pattern.h"

static const char *const formats[] = {"date", "phone", "id_number", "credit_code", "address", NULL};

typedef struct why_buf {
    char *buf;
    size_t len;
} why_buf;

static int failf(why_buf *w, const char *path, const char *what)
{
    snprintf(w->buf, w->len, "%s: %s", path, what);
    return -1;
}

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

static size_t chars(const char *s)
{
    return u8_mbsnlen((const uint8_t *)s, strlen(s));
}

static bool text_ok(const cJSON *v, size_t min, size_t max)
{
    if (!cJSON_IsString(v))
        return false;
    size_t n = chars(v->valuestring);
    if (n < min || n > max)
        return false;
    for (const unsigned char *p = (const unsigned char *)v->valuestring; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

static bool whole_in(const cJSON *v, double min, double max)
{
    return cJSON_IsNumber(v) && v->valuedouble >= min && v->valuedouble <= max &&
           v->valuedouble == (double)(long long)v->valuedouble;
}

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > FORM_PROPERTY_NAME_MAX ||
        !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

/* The keywords each type allows (besides type, title, title_en, description). */
static const char *const string_keys[] = {"maxLength", "minLength", "pattern",
                                          "enum",      "format",    NULL};
static const char *const number_keys[] = {"minimum", "maximum", NULL};
static const char *const common_keys[] = {"type", "title", "title_en", "description", NULL};

static int check_string(why_buf *w, const char *at, const cJSON *p)
{
    char path[160];
    const cJSON *max = cJSON_GetObjectItemCaseSensitive(p, "maxLength");
    const cJSON *min = cJSON_GetObjectItemCaseSensitive(p, "minLength");
    snprintf(path, sizeof path, "%s/maxLength", at);
    if (!whole_in(max, 1, FORM_STRING_MAX))
        return failf(w, path, "a string needs maxLength, a whole number 1..2000");
    snprintf(path, sizeof path, "%s/minLength", at);
    if (min && !whole_in(min, 0, max->valuedouble))
        return failf(w, path, "must be a whole number from 0 to maxLength");
    const cJSON *pattern = cJSON_GetObjectItemCaseSensitive(p, "pattern");
    char reason[160];
    snprintf(path, sizeof path, "%s/pattern", at);
    if (pattern && !text_ok(pattern, 1, PATTERN_MAX_BYTES))
        return failf(w, path, "must be a non-empty string of at most 500 characters");
    if (pattern && !pattern_valid(pattern->valuestring, reason, sizeof reason))
        return failf(w, path, reason);
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(p, "format");
    snprintf(path, sizeof path, "%s/format", at);
    if (format && !(cJSON_IsString(format) && in_list(format->valuestring, formats)))
        return failf(w, path, "must be one of date, phone, id_number, credit_code, address");
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(p, "enum"), *v;
    snprintf(path, sizeof path, "%s/enum", at);
    if (en && (!cJSON_IsArray(en) || cJSON_GetArraySize(en) < 1 ||
               cJSON_GetArraySize(en) > FORM_ENUM_MAX))
        return failf(w, path, "must be a list of 1..100 strings");
    cJSON_ArrayForEach(v, en)
    {
        if (!text_ok(v, 1, (size_t)max->valuedouble))
            return failf(w, path, "each value must be a non-empty string within maxLength");
        for (const cJSON *u = en->child; u != v; u = u->next)
            if (strcmp(u->valuestring, v->valuestring) == 0)
                return failf(w, path, "values must be distinct");
    }
    return 0;
}

static int check_number(why_buf *w, const char *at, const cJSON *p)
{
    const cJSON *min = cJSON_GetObjectItemCaseSensitive(p, "minimum");
    const cJSON *max = cJSON_GetObjectItemCaseSensitive(p, "maximum");
    char path[160];
    snprintf(path, sizeof path, "%s/minimum", at);
    if (min && !cJSON_IsNumber(min))
        return failf(w, path, "must be a number");
    snprintf(path, sizeof path, "%s/maximum", at);
    if (max && !cJSON_IsNumber(max))
        return failf(w, path, "must be a number");
    if (min && max && min->valuedouble > max->valuedouble)
        return failf(w, path, "must not be below minimum");
    return 0;
}

static int check_property(why_buf *w, const char *name, const cJSON *p)
{
    char at[128], path[160];
    snprintf(at, sizeof at, "/properties/%s", name);
    if (!name_ok(name))
        return failf(w, at, "property names are 1..64 letters, digits and '_', from a letter");
    if (!cJSON_IsObject(p))
        return failf(w, at, "must be an object");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(p, "type");
    static const char *const types[] = {"string", "integer", "number", "boolean", NULL};
    snprintf(path, sizeof path, "%s/type", at);
    if (!cJSON_IsString(type) || !in_list(type->valuestring, types))
        return failf(w, path, "must be one of string, integer, number, boolean");
    bool is_string = strcmp(type->valuestring, "string") == 0;
    bool is_number = !is_string && strcmp(type->valuestring, "boolean") != 0;
    const cJSON *k;
    cJSON_ArrayForEach(k, p)
    {
        snprintf(path, sizeof path, "%s/%s", at, k->string);
        if (!in_list(k->string, common_keys) && !(is_string && in_list(k->string, string_keys)) &&
            !(is_number && in_list(k->string, number_keys)))
            return failf(w, path, "keyword not supported here (docs/API.md, form schemas)");
    }
    snprintf(path, sizeof path, "%s/title", at);
    if (!text_ok(cJSON_GetObjectItemCaseSensitive(p, "title"), 1, FORM_TITLE_MAX))
        return failf(w, path, "a title of 1..100 characters is required");
    static const char *const texts[] = {"title_en", "description", NULL};
    for (const char *const *t = texts; *t; t++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, *t);
        snprintf(path, sizeof path, "%s/%s", at, *t);
        if (v && !text_ok(v, 1, FORM_DESCRIPTION_MAX))
            return failf(w, path, "must be a string of 1..500 characters");
    }
    return is_string ? check_string(w, at, p) : is_number ? check_number(w, at, p) : 0;
}

static int check_required(why_buf *w, const cJSON *schema, const cJSON *props)
{
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(schema, "required"), *v;
    if (!req)
        return 0;
    if (!cJSON_IsArray(req))
        return failf(w, "/required", "must be a list of property names");
    cJSON_ArrayForEach(v, req)
    {
        if (!cJSON_IsString(v) || !cJSON_GetObjectItemCaseSensitive(props, v->valuestring))
            return failf(w, "/required", "each entry must name a property");
        for (const cJSON *u = req->child; u != v; u = u->next)
            if (strcmp(u->valuestring, v->valuestring) == 0)
                return failf(w, "/required", "entries must be distinct");
    }
    return 0;
}

static int check_schema(why_buf *w, const cJSON *schema)
{
    if (!cJSON_IsObject(schema))
        return failf(w, "", "must be an object");
    static const char *const top_keys[] = {
        "$schema", "type",        "properties", "required", "additionalProperties",
        "title",   "description", NULL};
    const cJSON *k;
    cJSON_ArrayForEach(k, schema)
    {
        char path[96];
        snprintf(path, sizeof path, "/%s", k->string);
        if (!in_list(k->string, top_keys))
            return failf(w, path, "keyword not supported (docs/API.md, form schemas)");
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(schema, "type");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "object") != 0)
        return failf(w, "/type", "must be \"object\"");
    const cJSON *extra = cJSON_GetObjectItemCaseSensitive(schema, "additionalProperties");
    if (extra && !cJSON_IsFalse(extra))
        return failf(w, "/additionalProperties", "only false is supported (the default)");
    const cJSON *dialect = cJSON_GetObjectItemCaseSensitive(schema, "$schema");
    if (dialect &&
        !(cJSON_IsString(dialect) &&
          strcmp(dialect->valuestring, "https://json-schema.org/draft/2020-12/schema") == 0))
        return failf(w, "/$schema", "only the 2020-12 dialect is supported");
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    if (!cJSON_IsObject(props) || cJSON_GetArraySize(props) < 1 ||
        cJSON_GetArraySize(props) > FORM_PROPERTIES_MAX)
        return failf(w, "/properties", "must be an object of 1..100 properties");
    const cJSON *p;
    cJSON_ArrayForEach(p, props) if (check_property(w, p->string, p) != 0) return -1;
    return check_required(w, schema, props);
}

static const char *compact(arena *a, const cJSON *v)
{
    char *text = cJSON_PrintUnformatted(v);
    const char *copy = text ? arena_strdup(a, text) : NULL;
    cJSON_free(text);
    return copy;
}

int form_schema_parse(const cJSON *schema, arena *a, const char **canonical, char *why,
                      size_t whylen)
{
    why_buf w = {why, whylen};
    if (check_schema(&w, schema) != 0)
        return -1;
    *canonical = compact(a, schema);
    return *canonical ? 0 : failf(&w, "", "out of memory");
}

static bool code_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= MATERIAL_CODE_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static cJSON *all_types(void)
{
    cJSON *acc = cJSON_CreateArray();
    for (const char *const *t = media_types; *t; t++)
        cJSON_AddItemToArray(acc, cJSON_CreateString(*t));
    return acc;
}

static cJSON *material_of_name(const cJSON *v, int i, why_buf *w)
{
    char code[32], path[32];
    snprintf(path, sizeof path, "/%d", i);
    if (!text_ok(v, 1, MATERIAL_NAME_MAX)) {
        failf(w, path, "a material name must be 1..100 characters");
        return NULL;
    }
    snprintf(code, sizeof code, "material_%d", i + 1);
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "code", code);
    cJSON_AddStringToObject(m, "name", v->valuestring);
    cJSON_AddBoolToObject(m, "required", 1);
    cJSON_AddItemToObject(m, "accept", all_types());
    cJSON_AddNumberToObject(m, "max_bytes", MATERIAL_BYTES_MAX);
    return m;
}

static cJSON *accept_list(const cJSON *acc, const char *at, why_buf *w)
{
    char path[96];
    snprintf(path, sizeof path, "%s/accept", at);
    if (!acc)
        return all_types();
    if (!cJSON_IsArray(acc) || !acc->child) {
        failf(w, path, "must be a non-empty list of media types");
        return NULL;
    }
    const cJSON *v;
    cJSON_ArrayForEach(v, acc)
    {
        if (!cJSON_IsString(v) || !in_list(v->valuestring, media_types)) {
            failf(w, path, "each entry must be image/jpeg, image/png or application/pdf");
            return NULL;
        }
        for (const cJSON *u = acc->child; u != v; u = u->next)
            if (strcmp(u->valuestring, v->valuestring) == 0) {
                failf(w, path, "entries must be distinct");
                return NULL;
            }
    }
    return cJSON_Duplicate(acc, 1);
}

static cJSON *material_of_object(const cJSON *v, int i, why_buf *w)
{
    char at[32], path[96];
    snprintf(at, sizeof at, "/%d", i);
    static const char *const keys[] = {"code", "name", "required", "accept", "max_bytes", NULL};
    const cJSON *k;
    cJSON_ArrayForEach(k, v) if (!in_list(k->string, keys))
    {
        snprintf(path, sizeof path, "%s/%s", at, k->string);
        failf(w, path, "not a material field (code, name, required, accept, max_bytes)");
        return NULL;
    }
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(v, "code");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(v, "required");
    const cJSON *max = cJSON_GetObjectItemCaseSensitive(v, "max_bytes");
    snprintf(path, sizeof path, "%s/code", at);
    if (!cJSON_IsString(code) || !code_ok(code->valuestring)) {
        failf(w, path, "a code of 1..32 of a-z, 0-9 and '_' is required");
        return NULL;
    }
    snprintf(path, sizeof path, "%s/name", at);
    if (!text_ok(cJSON_GetObjectItemCaseSensitive(v, "name"), 1, MATERIAL_NAME_MAX)) {
        failf(w, path, "a name of 1..100 characters is required");
        return NULL;
    }
    snprintf(path, sizeof path, "%s/required", at);
    if (!cJSON_IsBool(req)) {
        failf(w, path, "required must be true or false");
        return NULL;
    }
    snprintf(path, sizeof path, "%s/max_bytes", at);
    if (max && !whole_in(max, 1, MATERIAL_BYTES_MAX)) {
        failf(w, path, "must be a whole number 1..10485760");
        return NULL;
    }
    cJSON *acc = accept_list(cJSON_GetObjectItemCaseSensitive(v, "accept"), at, w);
    if (!acc)
        return NULL;
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "code", code->valuestring);
    cJSON_AddStringToObject(m, "name", cJSON_GetObjectItemCaseSensitive(v, "name")->valuestring);
    cJSON_AddBoolToObject(m, "required", cJSON_IsTrue(req));
    cJSON_AddItemToObject(m, "accept", acc);
    cJSON_AddNumberToObject(m, "max_bytes", max ? max->valuedouble : MATERIAL_BYTES_MAX);
    return m;
}

static bool code_taken(const cJSON *out, const cJSON *m)
{
    const char *code = cJSON_GetObjectItemCaseSensitive(m, "code")->valuestring;
    const cJSON *o;
    cJSON_ArrayForEach(o, out) if (o != m &&
                                   strcmp(cJSON_GetObjectItemCaseSensitive(o, "code")->valuestring,
                                          code) == 0) return true;
    return false;
}

int materials_parse(const cJSON *list, arena *a, const char **canonical, char *why, size_t whylen)
{
    why_buf w = {why, whylen};
    if (!list) {
        *canonical = "[]";
        return 0;
    }
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) > MATERIAL_LIST_MAX)
        return failf(&w, "", "must be a list of at most 50 materials");
    cJSON *out = cJSON_CreateArray();
    int i = 0, rc = 0;
    for (const cJSON *v = list->child; v && rc == 0; v = v->next, i++) {
        cJSON *m = cJSON_IsObject(v) ? material_of_object(v, i, &w) : material_of_name(v, i, &w);
        if (!m)
            rc = -1;
        else {
            cJSON_AddItemToArray(out, m);
            if (code_taken(out, m)) {
                char path[32];
                snprintf(path, sizeof path, "/%d/code", i);
                rc = failf(&w, path, "codes must be distinct");
            }
        }
    }
    if (rc == 0 && !(*canonical = compact(a, out)))
        rc = failf(&w, "", "out of memory");
    cJSON_Delete(out);
    return rc;
}
