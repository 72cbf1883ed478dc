/* Unit tests of the per-service definitions: catalog/form_schema.c (the schema subset and
 * the materials list, with the reason of a refusal as a pointer into the schema),
 * workflow/form_check.c (a form against a schema: one JSON Pointer per bad field) and
 * core/pattern.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "catalog/form_schema.h"
#include "core/pattern.h"
#include "workflow/form_check.h"

#define TODAY 20261128L

/* --- form_schema_parse ------------------------------------------------------------------- */

/* The reason a schema (JSON text) is refused, or "" when it is accepted. */
static const char *schema_verdict(const char *json, char *why, size_t len)
{
    cJSON *schema = cJSON_Parse(json);
    assert_non_null(schema);
    arena a;
    arena_init(&a, 1024);
    const char *canonical = NULL;
    int rc = form_schema_parse(schema, &a, &canonical, why, len);
    if (rc == 0) {
        assert_non_null(canonical);
        why[0] = '\0';
    }
    arena_destroy(&a);
    cJSON_Delete(schema);
    return why;
}

#define ACCEPTED(json)                                                                             \
    do {                                                                                           \
        char why_[256];                                                                            \
        assert_string_equal(schema_verdict(json, why_, sizeof why_), "");                          \
    } while (0)

/* Refused, and the reason starts with the pointer into the schema. */
#define REFUSED(json, pointer)                                                                     \
    do {                                                                                           \
        char why_[256];                                                                            \
        schema_verdict(json, why_, sizeof why_);                                                   \
        assert_true(strncmp(why_, pointer ": ", strlen(pointer) + 2) == 0);                        \
    } while (0)

#define NAME_PROP "\"name\":{\"type\":\"string\",\"title\":\"姓名\",\"maxLength\":50}"

static void test_schema_subset_is_accepted(void **state)
{
    (void)state;
    ACCEPTED("{\"type\":\"object\",\"properties\":{" NAME_PROP "}}");
    ACCEPTED("{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
             "\"title\":\"表\",\"description\":\"说明\",\"additionalProperties\":false,"
             "\"required\":[\"name\",\"n\"],\"properties\":{" NAME_PROP ","
             "\"n\":{\"type\":\"integer\",\"title\":\"份数\",\"minimum\":1,\"maximum\":9},"
             "\"x\":{\"type\":\"number\",\"title\":\"面积\",\"title_en\":\"Area\"},"
             "\"ok\":{\"type\":\"boolean\",\"title\":\"同意\",\"description\":\"是否同意\"},"
             "\"d\":{\"type\":\"string\",\"title\":\"日期\",\"maxLength\":10,\"format\":\"date\"},"
             "\"e\":{\"type\":\"string\",\"title\":\"方式\",\"maxLength\":4,\"enum\":[\"邮寄\","
             "\"自取\"]},"
             "\"p\":{\"type\":\"string\",\"title\":\"车牌\",\"maxLength\":8,\"minLength\":7,"
             "\"pattern\":\"^[\\\\u4e00-\\\\u9fa5][A-Z][A-Z0-9]{5,6}$\"}}}");
    for (const char *const *f =
             (const char *const[]){"phone", "id_number", "credit_code", "address", NULL};
         *f; f++) {
        char json[256];
        snprintf(json, sizeof json,
                 "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"string\",\"title\":\"t\","
                 "\"maxLength\":100,\"format\":\"%s\"}}}",
                 *f);
        ACCEPTED(json);
    }
}

static void test_schema_refusals_name_the_keyword(void **state)
{
    (void)state;
    REFUSED("[]", "");
    REFUSED("{\"type\":\"array\",\"properties\":{" NAME_PROP "}}", "/type");
    REFUSED("{\"properties\":{" NAME_PROP "}}", "/type");
    REFUSED("{\"type\":\"object\",\"properties\":{}}", "/properties");
    REFUSED("{\"type\":\"object\"}", "/properties");
    REFUSED("{\"type\":\"object\",\"oneOf\":[],\"properties\":{" NAME_PROP "}}", "/oneOf");
    REFUSED("{\"type\":\"object\",\"additionalProperties\":true,\"properties\":{" NAME_PROP "}}",
            "/additionalProperties");
    REFUSED("{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"type\":\"object\","
            "\"properties\":{" NAME_PROP "}}",
            "/$schema");
    /* a string needs maxLength (a limit on every input), within 1..2000 */
    REFUSED("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"title\":\"t\"}}}",
            "/properties/a/maxLength");
    REFUSED("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"title\":\"t\","
            "\"maxLength\":2001}}}",
            "/properties/a/maxLength");
    ACCEPTED("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"title\":\"t\","
             "\"maxLength\":2000}}}");
    REFUSED("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"title\":\"t\","
            "\"maxLength\":5,\"minLength\":6}}}",
            "/properties/a/minLength");
    REFUSED("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"title\":\"t\","
            "\"maxLength\":5,\"pattern\":\"([a-z\"}}}",
            "/properties/a/pattern");
    REFUSED("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"title\":\"t\","
            "\"maxLength\":5,\"format\":\"email\"}}}",
            "/properties/a/format");
    REFUSED("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"title\":\"t\","
            "\"maxLength\":2,\"enum\":[\"ab\",\"ab\"]}}}",
            "/properties/a/enum");
    REFUSED("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"title\":\"t\","
            "\"maxLength\":2,\"enum\":[\"abc\"]}}}",
            "/properties/a/enum");
    REFUSED("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"title\":\"t\","
            "\"maxLength\":2,\"enum\":[]}}}",
            "/properties/a/enum");
    /* keywords of another type, unknown types, titles */
    REFUSED("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"title\":\"t\","
            "\"maxLength\":2}}}",
            "/properties/a/maxLength");
    REFUSED("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"boolean\",\"title\":\"t\","
            "\"minimum\":0}}}",
            "/properties/a/minimum");
    REFUSED("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"object\",\"title\":\"t\"}}}",
            "/properties/a/type");
    REFUSED("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}",
            "/properties/a/title");
    REFUSED("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"title\":\"t\","
            "\"minimum\":5,\"maximum\":4}}}",
            "/properties/a/maximum");
    REFUSED("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\",\"title\":\"t\","
            "\"minimum\":\"0\"}}}",
            "/properties/a/minimum");
    /* property names: from a letter, letters, digits and '_' */
    REFUSED("{\"type\":\"object\",\"properties\":{\"1a\":{\"type\":\"boolean\",\"title\":\"t\"}}}",
            "/properties/1a");
    REFUSED("{\"type\":\"object\",\"properties\":{\"a-b\":{\"type\":\"boolean\",\"title\":\"t\"}}}",
            "/properties/a-b");
    /* required names existing properties, once each */
    REFUSED("{\"type\":\"object\",\"required\":[\"b\"],\"properties\":{" NAME_PROP "}}",
            "/required");
    REFUSED("{\"type\":\"object\",\"required\":[\"name\",\"name\"],\"properties\":{" NAME_PROP "}}",
            "/required");
    REFUSED("{\"type\":\"object\",\"required\":\"name\",\"properties\":{" NAME_PROP "}}",
            "/required");
}

static void test_schema_property_count_limit(void **state)
{
    (void)state;
    char json[16384];
    for (int count = FORM_PROPERTIES_MAX; count <= FORM_PROPERTIES_MAX + 1; count++) {
        size_t n = (size_t)snprintf(json, sizeof json, "{\"type\":\"object\",\"properties\":{");
        for (int i = 0; i < count; i++)
            n += (size_t)snprintf(json + n, sizeof json - n,
                                  "%s\"p%d\":{\"type\":\"boolean\",\"title\":\"t\"}", i ? "," : "",
                                  i);
        snprintf(json + n, sizeof json - n, "}}");
        if (count == FORM_PROPERTIES_MAX)
            ACCEPTED(json);
        else
            REFUSED(json, "/properties");
    }
}

/* --- materials_parse --------------------------------------------------------------------- */

static int parse_materials(const char *json, char *canonical, size_t clen, char *why, size_t wlen)
{
    cJSON *list = cJSON_Parse(json);
    assert_non_null(list);
    arena a;
    arena_init(&a, 1024);
    const char *out = NULL;
    int rc = materials_parse(list, &a, &out, why, wlen);
    if (rc == 0)
        snprintf(canonical, clen, "%s", out);
    arena_destroy(&a);
    cJSON_Delete(list);
    return rc;
}

static void test_materials_old_and_structured(void **state)
{
    (void)state;
    char out[2048], why[256];
    /* the old list of names: required materials material_N of every type */
    assert_int_equal(parse_materials("[\"身份证\",\"户口簿\"]", out, sizeof out, why, sizeof why),
                     0);
    assert_string_equal(
        out, "[{\"code\":\"material_1\",\"name\":\"身份证\",\"required\":true,\"accept\":"
             "[\"image/jpeg\",\"image/png\",\"application/pdf\"],\"max_bytes\":10485760},"
             "{\"code\":\"material_2\",\"name\":\"户口簿\",\"required\":true,\"accept\":"
             "[\"image/jpeg\",\"image/png\",\"application/pdf\"],\"max_bytes\":10485760}]");
    /* structured, with defaults for accept and max_bytes */
    assert_int_equal(
        parse_materials("[{\"code\":\"photo\",\"name\":\"照片\",\"required\":false,"
                        "\"accept\":[\"image/jpeg\"],\"max_bytes\":1048576},"
                        "{\"code\":\"id_card\",\"name\":\"身份证\",\"required\":true}]",
                        out, sizeof out, why, sizeof why),
        0);
    assert_string_equal(
        out, "[{\"code\":\"photo\",\"name\":\"照片\",\"required\":false,\"accept\":"
             "[\"image/jpeg\"],\"max_bytes\":1048576},{\"code\":\"id_card\",\"name\":\"身份证\","
             "\"required\":true,\"accept\":[\"image/jpeg\",\"image/png\",\"application/pdf\"],"
             "\"max_bytes\":10485760}]");
    assert_int_equal(parse_materials("[]", out, sizeof out, why, sizeof why), 0);
    assert_string_equal(out, "[]");
}

#define MATERIALS_REFUSED(json, pointer)                                                           \
    do {                                                                                           \
        char out_[2048], why_[256];                                                                \
        assert_int_equal(parse_materials(json, out_, sizeof out_, why_, sizeof why_), -1);         \
        assert_true(strncmp(why_, pointer ": ", strlen(pointer) + 2) == 0);                        \
    } while (0)

static void test_materials_refusals(void **state)
{
    (void)state;
    MATERIALS_REFUSED("{}", "");
    MATERIALS_REFUSED("[\"\"]", "/0");
    MATERIALS_REFUSED("[\"a\", 5]", "/1");
    MATERIALS_REFUSED("[{\"name\":\"a\",\"required\":true}]", "/0/code");
    MATERIALS_REFUSED("[{\"code\":\"A\",\"name\":\"a\",\"required\":true}]", "/0/code");
    MATERIALS_REFUSED("[{\"code\":\"abcdefghijabcdefghijabcdefghijabc\",\"name\":\"a\","
                      "\"required\":true}]",
                      "/0/code");
    MATERIALS_REFUSED("[{\"code\":\"a\",\"required\":true}]", "/0/name");
    MATERIALS_REFUSED("[{\"code\":\"a\",\"name\":\"a\"}]", "/0/required");
    MATERIALS_REFUSED("[{\"code\":\"a\",\"name\":\"a\",\"required\":1}]", "/0/required");
    MATERIALS_REFUSED("[{\"code\":\"a\",\"name\":\"a\",\"required\":true,\"max_bytes\":10485761}]",
                      "/0/max_bytes");
    MATERIALS_REFUSED("[{\"code\":\"a\",\"name\":\"a\",\"required\":true,\"max_bytes\":0}]",
                      "/0/max_bytes");
    MATERIALS_REFUSED("[{\"code\":\"a\",\"name\":\"a\",\"required\":true,\"accept\":[]}]",
                      "/0/accept");
    MATERIALS_REFUSED("[{\"code\":\"a\",\"name\":\"a\",\"required\":true,\"accept\":"
                      "[\"image/gif\"]}]",
                      "/0/accept");
    MATERIALS_REFUSED("[{\"code\":\"a\",\"name\":\"a\",\"required\":true,\"accept\":"
                      "[\"image/png\",\"image/png\"]}]",
                      "/0/accept");
    MATERIALS_REFUSED("[{\"code\":\"a\",\"name\":\"a\",\"required\":true,\"size\":1}]", "/0/size");
    MATERIALS_REFUSED("[{\"code\":\"a\",\"name\":\"a\",\"required\":true},"
                      "{\"code\":\"a\",\"name\":\"b\",\"required\":true}]",
                      "/1/code");
    /* an old name that clashes with a structured code made for it */
    MATERIALS_REFUSED("[\"a\",{\"code\":\"material_1\",\"name\":\"b\",\"required\":true}]",
                      "/1/code");
    char json[4096];
    size_t n = (size_t)snprintf(json, sizeof json, "[");
    for (int i = 0; i <= MATERIAL_LIST_MAX; i++)
        n += (size_t)snprintf(json + n, sizeof json - n, "%s\"m%d\"", i ? "," : "", i);
    snprintf(json + n, sizeof json - n, "]");
    MATERIALS_REFUSED(json, "");
}

/* --- form_check --------------------------------------------------------------------------- */

#define MAX_PROBLEMS 32

typedef struct problems {
    char pointers[MAX_PROBLEMS][128];
    int n;
} problems;

static void collect(void *ctx, const char *pointer, const char *zh, const char *en)
{
    problems *p = ctx;
    assert_non_null(zh);
    assert_non_null(en);
    assert_true(*zh && *en);
    if (p->n < MAX_PROBLEMS)
        snprintf(p->pointers[p->n++], sizeof p->pointers[0], "%s", pointer);
}

static const char *const SCHEMA =
    "{\"type\":\"object\",\"required\":[\"name\",\"id\",\"copies\",\"way\"],\"properties\":{"
    "\"name\":{\"type\":\"string\",\"title\":\"姓名\",\"maxLength\":4,\"minLength\":2},"
    "\"id\":{\"type\":\"string\",\"title\":\"身份证号\",\"maxLength\":18,\"format\":\"id_number\"},"
    "\"code\":{\"type\":\"string\",\"title\":\"信用代码\",\"maxLength\":18,"
    "\"format\":\"credit_code\"},"
    "\"phone\":{\"type\":\"string\",\"title\":\"电话\",\"maxLength\":20,\"format\":\"phone\"},"
    "\"addr\":{\"type\":\"string\",\"title\":\"地址\",\"maxLength\":100,\"format\":\"address\"},"
    "\"day\":{\"type\":\"string\",\"title\":\"日期\",\"maxLength\":10,\"format\":\"date\"},"
    "\"plate\":{\"type\":\"string\",\"title\":\"车牌\",\"maxLength\":8,"
    "\"pattern\":\"^[\\\\u4e00-\\\\u9fa5][A-Z][A-Z0-9]{5,6}$\"},"
    "\"copies\":{\"type\":\"integer\",\"title\":\"份数\",\"minimum\":1,\"maximum\":5},"
    "\"area\":{\"type\":\"number\",\"title\":\"面积\",\"minimum\":0.5},"
    "\"agree\":{\"type\":\"boolean\",\"title\":\"同意\"},"
    "\"way\":{\"type\":\"string\",\"title\":\"方式\",\"maxLength\":2,\"enum\":[\"邮寄\",\"自取\"]}}"
    "}";

/* The pointers of the problems of a form (JSON text), joined by spaces. */
static const char *form_problems(const char *form_json, char *out, size_t len)
{
    cJSON *schema = cJSON_Parse(SCHEMA), *form = cJSON_Parse(form_json);
    assert_non_null(schema);
    assert_non_null(form);
    arena a;
    arena_init(&a, 1024);
    problems p = {.n = 0};
    int n = form_check(schema, form, "/form", TODAY, &a, collect, &p);
    assert_int_equal(n, p.n);
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < p.n; i++)
        o += (size_t)snprintf(out + o, len - o, "%s%s", i ? " " : "", p.pointers[i]);
    arena_destroy(&a);
    cJSON_Delete(schema);
    cJSON_Delete(form);
    return out;
}

#define VALID "\"name\":\"张三\",\"id\":\"11010519491231002X\",\"copies\":1,\"way\":\"邮寄\""

static void test_form_valid(void **state)
{
    (void)state;
    char out[1024];
    assert_string_equal(form_problems("{" VALID "}", out, sizeof out), "");
    assert_string_equal(
        form_problems("{" VALID ",\"code\":\"91350100M000100Y43\",\"phone\":\"0571-87654321\","
                      "\"addr\":\"浙江省杭州市西湖区文三路100号\",\"day\":\"2024-02-29\","
                      "\"plate\":\"浙A12345\",\"area\":0.5,\"agree\":false}",
                      out, sizeof out),
        "");
    /* a mobile number, a landline without the dash, null and "" for optional fields */
    assert_string_equal(form_problems("{" VALID ",\"phone\":\"13800138000\",\"day\":null,"
                                      "\"plate\":\"\"}",
                                      out, sizeof out),
                        "");
    assert_string_equal(form_problems("{" VALID ",\"phone\":\"057187654321\"}", out, sizeof out),
                        "");
}

static void test_form_one_pointer_per_bad_field(void **state)
{
    (void)state;
    char out[1024];
    /* every required field missing, null or empty */
    assert_string_equal(form_problems("{}", out, sizeof out),
                        "/form/name /form/id /form/copies /form/way");
    assert_string_equal(
        form_problems("{\"name\":null,\"id\":\"\",\"copies\":1,\"way\":\"自取\"}", out, sizeof out),
        "/form/name /form/id");
    /* each kind of bad value, each reported once under its own pointer */
    assert_string_equal(
        form_problems("{\"name\":\"张三李四王\",\"id\":\"110105194912310021\",\"copies\":0,"
                      "\"way\":\"快递\",\"code\":\"91350100M000100Y44\",\"phone\":\"12345\","
                      "\"addr\":\"1234567\",\"day\":\"2023-02-29\",\"plate\":\"AB12345\","
                      "\"area\":0.4,\"agree\":\"yes\",\"extra\":1}",
                      out, sizeof out),
        "/form/name /form/id /form/copies /form/way /form/code /form/phone /form/addr "
        "/form/day /form/plate /form/area /form/agree /form/extra");
    /* types */
    assert_string_equal(form_problems("{\"name\":5,\"id\":true,\"copies\":1.5,\"way\":[],"
                                      "\"area\":\"1\",\"agree\":0}",
                                      out, sizeof out),
                        "/form/name /form/id /form/copies /form/way /form/area /form/agree");
    /* bounds: maxLength counts characters, not bytes; minLength; maximum */
    assert_string_equal(form_problems("{" VALID ",\"name\":\"张\"}", out, sizeof out),
                        "/form/name");
    assert_string_equal(form_problems("{\"name\":\"张三李四\",\"id\":\"11010519491231002X\","
                                      "\"copies\":6,\"way\":\"邮寄\"}",
                                      out, sizeof out),
                        "/form/copies");
    /* control characters; a field name that needs escaping in a pointer (RFC 6901) */
    assert_string_equal(
        form_problems("{" VALID ",\"addr\":\"浙江省杭州市\\u0001\"}", out, sizeof out),
        "/form/addr");
    assert_string_equal(form_problems("{" VALID ",\"a/b~c\":1}", out, sizeof out), "/form/a~1b~0c");
    /* not an object at all */
    assert_string_equal(form_problems("[]", out, sizeof out), "/form");
}

static void test_dates_and_patterns(void **state)
{
    (void)state;
    assert_true(form_date_valid("2024-02-29"));
    assert_true(form_date_valid("2000-02-29"));
    assert_false(form_date_valid("1900-02-29"));
    assert_false(form_date_valid("2026-04-31"));
    assert_false(form_date_valid("2026-13-01"));
    assert_false(form_date_valid("2026-00-10"));
    assert_false(form_date_valid("0999-01-01"));
    assert_false(form_date_valid("2026-1-01"));
    assert_false(form_date_valid("2026-01-01T"));
    assert_false(form_date_valid("2026/01/01"));
    assert_false(form_date_valid("+026-01-01"));
    char why[160];
    assert_true(pattern_valid("^[0-9]{6}$", why, sizeof why));
    assert_false(pattern_valid("(", why, sizeof why));
    assert_true(why[0] != '\0');
    /* not anchored unless the pattern says so; $ is the very end (no newline before it) */
    assert_int_equal(pattern_match("[0-9]{3}", "ab123cd"), 1);
    assert_int_equal(pattern_match("^[0-9]{3}$", "123\n"), 0);
    assert_int_equal(pattern_match("^\\u4e00", "一二"), 1);
    /* catastrophic backtracking is cut off, not spun on */
    char evil[64];
    memset(evil, 'a', 40);
    strcpy(evil + 40, "!");
    assert_true(pattern_match("^(a+)+$", evil) <= 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_subset_is_accepted),
        cmocka_unit_test(test_schema_refusals_name_the_keyword),
        cmocka_unit_test(test_schema_property_count_limit),
        cmocka_unit_test(test_materials_old_and_structured),
        cmocka_unit_test(test_materials_refusals),
        cmocka_unit_test(test_form_valid),
        cmocka_unit_test(test_form_one_pointer_per_bad_field),
        cmocka_unit_test(test_dates_and_patterns),
    };
    return cmocka_run_group_tests_name("forms", tests, NULL, NULL);
}
