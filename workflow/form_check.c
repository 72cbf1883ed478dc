#include "workflow/form_check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <unistr.h>

#include "auth/gb_ids.h"
#include "core/pattern.h"

typedef struct checker {
    const char *base;
    long today;
    arena *a;
    form_error_fn err;
    void *ctx;
    int n;
} checker;

/* RFC 6901: "~" → "~0", "/" → "~1". */
static const char *pointer_of(checker *k, const char *name)
{
    size_t extra = 0;
    for (const char *p = name; *p; p++)
        extra += *p == '~' || *p == '/';
    char *out = arena_alloc(k->a, strlen(k->base) + strlen(name) + extra + 2);
    if (!out)
        return k->base;
    char *o = out + sprintf(out, "%s/", k->base);
    for (const char *p = name; *p; p++) {
        if (*p == '~' || *p == '/') {
            *o++ = '~';
            *o++ = *p == '~' ? '0' : '1';
        } else
            *o++ = *p;
    }
    *o = '\0';
    return out;
}

static void report(checker *k, const char *name, const char *zh, const char *en)
{
    k->n++;
    k->err(k->ctx, name ? pointer_of(k, name) : k->base, zh, en);
}

bool form_date_valid(const char *s)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1000 || m < 1 || m > 12 || d < 1)
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

/* A landline (area code, optional '-', 7..8 digits, optional extension) or a mobile. */
static bool phone_valid(const char *s)
{
    if (mobile_valid(s))
        return true;
    return pattern_match("^0[1-9][0-9]{1,2}-?[2-9][0-9]{6,7}(-[0-9]{1,6})?$", s) == 1;
}

/* A postal address: at least 5 characters, at least one of them a Chinese character or a
 * letter (not only digits and punctuation). */
static bool address_valid(const char *s)
{
    return u8_mbsnlen((const uint8_t *)s, strlen(s)) >= 5 &&
           pattern_match("[\\p{Han}A-Za-z]", s) == 1;
}

static bool format_ok(checker *k, const char *format, const char *s)
{
    if (strcmp(format, "date") == 0)
        return form_date_valid(s);
    if (strcmp(format, "phone") == 0)
        return phone_valid(s);
    if (strcmp(format, "id_number") == 0)
        return gb11643_valid(s, k->today);
    if (strcmp(format, "credit_code") == 0)
        return gb32100_valid(s);
    if (strcmp(format, "address") == 0)
        return address_valid(s);
    return false;
}

static void format_error(checker *k, const char *name, const char *format)
{
    static const struct {
        const char *format, *zh, *en;
    } messages[] = {
        {"date", "须为有效日期（YYYY-MM-DD）。", "must be a real date (YYYY-MM-DD)."},
        {"phone", "须为有效的手机或固定电话号码。", "must be a valid mobile or landline number."},
        {"id_number", "须为有效的 18 位居民身份证号码。",
         "must be a valid 18-character resident ID number."},
        {"credit_code", "须为有效的统一社会信用代码。",
         "must be a valid unified social credit code."},
        {"address", "须为完整的地址。", "must be a full address."},
    };
    for (size_t i = 0; i < sizeof messages / sizeof *messages; i++)
        if (strcmp(messages[i].format, format) == 0)
            report(k, name, messages[i].zh, messages[i].en);
}

static bool has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
            return true;
    return false;
}

static void check_string(checker *k, const char *name, const cJSON *p, const cJSON *v)
{
    if (!cJSON_IsString(v)) {
        report(k, name, "须为文本。", "must be a string.");
        return;
    }
    const char *s = v->valuestring;
    if (!*s)
        return; /* empty is absent: "required" says whether that is allowed */
    size_t n = u8_mbsnlen((const uint8_t *)s, strlen(s));
    const cJSON *max = cJSON_GetObjectItemCaseSensitive(p, "maxLength");
    const cJSON *min = cJSON_GetObjectItemCaseSensitive(p, "minLength");
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(p, "enum");
    const cJSON *pattern = cJSON_GetObjectItemCaseSensitive(p, "pattern");
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(p, "format");
    if (max && n > (size_t)max->valuedouble) {
        report(k, name, arena_printf(k->a, "不能超过 %d 个字。", (int)max->valuedouble),
               arena_printf(k->a, "must be at most %d characters.", (int)max->valuedouble));
        return;
    }
    if (min && n < (size_t)min->valuedouble) {
        report(k, name, arena_printf(k->a, "至少 %d 个字。", (int)min->valuedouble),
               arena_printf(k->a, "must be at least %d characters.", (int)min->valuedouble));
        return;
    }
    if (has_control(s)) {
        report(k, name, "不能包含控制字符。", "must not contain control characters.");
        return;
    }
    if (en) {
        const cJSON *e;
        bool found = false;
        cJSON_ArrayForEach(e, en) found = found || strcmp(e->valuestring, s) == 0;
        if (!found)
            report(k, name, "不是可选的值之一。", "is not one of the allowed values.");
        return;
    }
    if (pattern && pattern_match(pattern->valuestring, s) != 1) {
        report(k, name, "格式不正确。", "does not have the required form.");
        return;
    }
    if (format && !format_ok(k, format->valuestring, s))
        format_error(k, name, format->valuestring);
}

static void check_number(checker *k, const char *name, const cJSON *p, const cJSON *v, bool integer)
{
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
        (integer && v->valuedouble != floor(v->valuedouble))) {
        report(k, name, integer ? "须为整数。" : "须为数字。",
               integer ? "must be a whole number." : "must be a number.");
        return;
    }
    const cJSON *min = cJSON_GetObjectItemCaseSensitive(p, "minimum");
    const cJSON *max = cJSON_GetObjectItemCaseSensitive(p, "maximum");
    if (min && v->valuedouble < min->valuedouble)
        report(k, name, arena_printf(k->a, "不能小于 %g。", min->valuedouble),
               arena_printf(k->a, "must be at least %g.", min->valuedouble));
    else if (max && v->valuedouble > max->valuedouble)
        report(k, name, arena_printf(k->a, "不能大于 %g。", max->valuedouble),
               arena_printf(k->a, "must be at most %g.", max->valuedouble));
}

static void check_value(checker *k, const char *name, const cJSON *p, const cJSON *v)
{
    const char *type = cJSON_GetObjectItemCaseSensitive(p, "type")->valuestring;
    if (strcmp(type, "string") == 0)
        check_string(k, name, p, v);
    else if (strcmp(type, "integer") == 0 || strcmp(type, "number") == 0)
        check_number(k, name, p, v, type[0] == 'i');
    else if (!cJSON_IsBool(v))
        report(k, name, "须为 true 或 false。", "must be true or false.");
}

int form_check(const cJSON *schema, const cJSON *form, const char *base, long today, arena *a,
               form_error_fn err, void *ctx)
{
    checker k = {base, today, a, err, ctx, 0};
    if (!cJSON_IsObject(form)) {
        report(&k, NULL, "表单须为 JSON 对象。", "form must be a JSON object.");
        return k.n;
    }
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    const cJSON *v;
    cJSON_ArrayForEach(v, form)
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(props, v->string);
        if (!p)
            report(&k, v->string, "不是这个事项表单中的字段。",
                   "is not a field of this service's form.");
        else if (!cJSON_IsNull(v))
            check_value(&k, v->string, p, v);
    }
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(schema, "required");
    cJSON_ArrayForEach(v, req)
    {
        const cJSON *given = cJSON_GetObjectItemCaseSensitive(form, v->valuestring);
        bool empty = !given || cJSON_IsNull(given) ||
                     (cJSON_IsString(given) && given->valuestring[0] == '\0');
        if (empty)
            report(&k, v->valuestring, "必填。", "is required.");
    }
    return k.n;
}
