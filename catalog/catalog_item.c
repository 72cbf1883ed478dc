#include "catalog/catalog_item.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>
#include <unistr.h>

#include "catalog/form_schema.h"

typedef struct check {
    char *why;
    size_t len;
    bool failed;
    const char *within; /* the enclosing object's key for a nested field ("handled_by"), or NULL */
} check;

static void fail(check *c, const char *fmt, const char *field)
{
    char path[64];
    if (c->within) { /* the reason names the field's whole path: the API's pointer */
        snprintf(path, sizeof path, "%.20s/%.40s", c->within, field);
        field = path;
    }
    if (!c->failed)
        snprintf(c->why, c->len, fmt, field);
    c->failed = true;
}

static bool text_ok(const char *s, size_t min, size_t max)
{
    size_t n = u8_mbsnlen((const uint8_t *)s, strlen(s));
    if (n < min || n > max)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

static const char *string_field(check *c, const cJSON *obj, const char *key, size_t min, size_t max,
                                const char *dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v && dflt)
        return dflt;
    if (!cJSON_IsString(v)) {
        fail(c, "%s: missing or not a string", key);
        return "";
    }
    if (!text_ok(v->valuestring, min, max)) {
        char msg[96];
        snprintf(msg, sizeof msg, "%%s: must be %zu..%zu characters, no control characters", min,
                 max);
        fail(c, msg, key);
    }
    return v->valuestring;
}

static int64_t int_field(check *c, const cJSON *obj, const char *key, int64_t min, int64_t max)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    /* the range first: casting a double beyond int64_t is undefined */
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= (double)min && v->valuedouble <= (double)max) ||
        v->valuedouble != (double)(int64_t)v->valuedouble) {
        char msg[96];
        snprintf(msg, sizeof msg, "%%s: must be a whole number %lld..%lld", (long long)min,
                 (long long)max);
        fail(c, msg, key);
        return min;
    }
    return (int64_t)v->valuedouble;
}

static const char *one_of(check *c, const cJSON *obj, const char *key, const char *const *allowed)
{
    const char *s = string_field(c, obj, key, 1, 32, NULL);
    for (; *allowed; allowed++)
        if (strcmp(s, *allowed) == 0)
            return *allowed;
    fail(c, "%s: not an allowed value", key);
    return "";
}

/* A code by its code or its name (a string, or an object with "code" or "name"). */
static const char *code_of(const catalog_code *list, size_t n, const cJSON *v)
{
    const char *key = NULL;
    if (cJSON_IsString(v))
        key = v->valuestring;
    else if (cJSON_IsObject(v)) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(v, "code");
        if (!cJSON_IsString(k))
            k = cJSON_GetObjectItemCaseSensitive(v, "name");
        key = cJSON_IsString(k) ? k->valuestring : NULL;
    }
    for (size_t i = 0; key && i < n; i++)
        if (strcmp(list[i].code, key) == 0 || strcmp(list[i].name, key) == 0)
            return list[i].code;
    return NULL;
}

/* A JSON array of strings, checked and re-serialized. */
static const char *string_list(check *c, const cJSON *obj, const char *key, size_t max_items,
                               size_t max_chars, arena *a)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!arr)
        return "[]";
    if (!cJSON_IsArray(arr) || (size_t)cJSON_GetArraySize(arr) > max_items) {
        fail(c, "%s: must be a list of at most the allowed number of strings", key);
        return "[]";
    }
    const cJSON *v;
    cJSON_ArrayForEach(v, arr) if (!cJSON_IsString(v) || !text_ok(v->valuestring, 1, max_chars))
    {
        fail(c, "%s: each entry must be a non-empty string within its length limit", key);
        return "[]";
    }
    char *json = cJSON_PrintUnformatted(arr);
    if (!json || arena_defer(a, cJSON_free, json) != 0)
        return "[]";
    return json;
}

static const char *topic_list(check *c, const cJSON *obj, const catalog_codes *codes, arena *a)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, "topics");
    cJSON *out = cJSON_CreateArray();
    if (!out || arena_defer(a, (void (*)(void *))cJSON_Delete, out) != 0)
        return "[]";
    if (arr && (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > CATALOG_TOPICS_MAX)) {
        fail(c, "%s: must be a list of at most 10 topics", "topics");
        return "[]";
    }
    const cJSON *v;
    cJSON_ArrayForEach(v, arr)
    {
        const char *code = code_of(codes->topics, codes->n_topics, v);
        if (!code) {
            fail(c, "%s: unknown topic", "topics");
            return "[]";
        }
        bool dup = false; /* a topic named once by code and once by name counts once */
        const cJSON *seen;
        cJSON_ArrayForEach(seen, out) dup = dup || strcmp(seen->valuestring, code) == 0;
        if (!dup)
            cJSON_AddItemToArray(out, cJSON_CreateString(code));
    }
    char *json = cJSON_PrintUnformatted(out);
    if (!json || arena_defer(a, cJSON_free, json) != 0)
        return "[]";
    return json;
}

bool catalog_code_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > CATALOG_CODE_MAX)
        return false;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_'))
            return false;
    return true;
}

static void handled_by(check *c, const cJSON *obj, catalog_item *it)
{
    static const char *const types[] = {"department", "organization", NULL};
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(obj, "handled_by");
    it->handled_by_type = "department";
    it->handled_by_name = NULL;
    if (!h)
        return;
    if (!cJSON_IsObject(h)) {
        fail(c, "%s: must be an object {type, name}", "handled_by");
        return;
    }
    c->within = "handled_by";
    it->handled_by_type = one_of(c, h, "type", types);
    it->handled_by_name = string_field(c, h, "name", 1, CATALOG_NAME_MAX, NULL);
    c->within = NULL;
}

/* An optional translation: absent, null or "" is NULL (none). */
static const char *optional_text(check *c, const cJSON *obj, const char *key, size_t max)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return NULL;
    const char *s = string_field(c, obj, key, 0, max, NULL);
    return *s ? s : NULL;
}

/* The form schema and the materials (catalog/form_schema.c), with the reason of a bad one. */
static void definitions(check *c, const cJSON *obj, catalog_item *it, arena *a)
{
    char why[256];
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(obj, "form_schema");
    it->form_schema = NULL;
    if (schema && !cJSON_IsNull(schema) &&
        form_schema_parse(schema, a, &it->form_schema, why, sizeof why) != 0)
        fail(c, "form_schema%s", why);
    if (materials_parse(cJSON_GetObjectItemCaseSensitive(obj, "materials"), a, &it->materials, why,
                        sizeof why) != 0) {
        fail(c, "materials%s", why);
        it->materials = "[]";
    }
}

static void hash_item(catalog_item *it)
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    const char *parts[] = {it->code,
                           it->name,
                           it->department_code,
                           it->audience,
                           it->kind,
                           it->fee,
                           it->description,
                           it->topic_codes,
                           it->materials,
                           it->form_schema ? it->form_schema : "",
                           it->keywords,
                           it->handled_by_type,
                           it->handled_by_name ? it->handled_by_name : ""};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
        crypto_hash_sha256_update(&st, (const unsigned char *)parts[i], strlen(parts[i]) + 1);
    char nums[64];
    int n = snprintf(nums, sizeof nums, "%lld/%lld/%lld", (long long)it->online_level,
                     (long long)it->legal_days, (long long)it->promised_days);
    if (it->min_assurance_level != CATALOG_ASSURANCE_DEFAULT) /* items of before stay unchanged */
        n += snprintf(nums + n, sizeof nums - (size_t)n, "/assurance %lld",
                      (long long)it->min_assurance_level);
    crypto_hash_sha256_update(&st, (const unsigned char *)nums, (unsigned long long)n);
    /* the translations only when present: items imported before them keep their hash */
    if (it->name_en || it->description_en) {
        const char *en[] = {"en", it->name_en ? it->name_en : "",
                            it->description_en ? it->description_en : ""};
        for (size_t i = 0; i < sizeof en / sizeof *en; i++)
            crypto_hash_sha256_update(&st, (const unsigned char *)en[i], strlen(en[i]) + 1);
    }
    crypto_hash_sha256_final(&st, it->hash);
}

int catalog_item_parse(const cJSON *obj, const catalog_codes *codes, arena *a, catalog_item *it,
                       char *why, size_t whylen)
{
    static const char *const audiences[] = {"personal", "enterprise", "both", NULL};
    static const char *const kinds[] = {"即办件", "承诺件", NULL};
    check c = {why, whylen, false, NULL};
    if (!cJSON_IsObject(obj)) {
        snprintf(why, whylen, "not an object");
        return -1;
    }
    it->code = string_field(&c, obj, "code", 1, CATALOG_CODE_MAX, NULL);
    if (!c.failed && !catalog_code_ok(it->code))
        fail(&c, "%s: only letters, digits, '-' and '_', at most 64", "code");
    it->name = string_field(&c, obj, "name", 1, CATALOG_NAME_MAX, NULL);
    it->department_code =
        code_of(codes->depts, codes->n_depts, cJSON_GetObjectItemCaseSensitive(obj, "department"));
    if (!it->department_code) {
        fail(&c, "%s: unknown department", "department");
        it->department_code = "";
    }
    it->topic_codes = topic_list(&c, obj, codes, a);
    it->audience = one_of(&c, obj, "audience", audiences);
    it->kind = one_of(&c, obj, "kind", kinds);
    it->online_level = int_field(&c, obj, "online_level", 1, 4);
    it->legal_days = int_field(&c, obj, "legal_days", 0, CATALOG_DAYS_MAX);
    it->promised_days = int_field(&c, obj, "promised_days", 0, CATALOG_DAYS_MAX);
    it->min_assurance_level = cJSON_GetObjectItemCaseSensitive(obj, "min_assurance_level")
                                  ? int_field(&c, obj, "min_assurance_level", 2, 3)
                                  : CATALOG_ASSURANCE_DEFAULT;
    if (!c.failed && it->promised_days > it->legal_days)
        fail(&c, "%s: must not exceed legal_days", "promised_days");
    it->fee = string_field(&c, obj, "fee", 0, CATALOG_FEE_MAX, "");
    definitions(&c, obj, it, a);
    it->keywords = string_list(&c, obj, "keywords", CATALOG_KEYWORDS_MAX, CATALOG_KEYWORD_MAX, a);
    it->description = string_field(&c, obj, "description", 0, CATALOG_DESCRIPTION_MAX, "");
    handled_by(&c, obj, it);
    it->name_en = optional_text(&c, obj, "name_en", CATALOG_NAME_EN_MAX);
    it->description_en = optional_text(&c, obj, "description_en", CATALOG_DESCRIPTION_MAX);
    if (c.failed)
        return -1;
    hash_item(it);
    return 0;
}
