#include "api/request.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistr.h>

#include <sodium.h>

#include "core/percent.h"

const char *req_param(const req *r, const char *name)
{
    if (!r->params_env)
        return NULL;
    size_t n = strlen(name);
    for (char **e = r->params_env; *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

bool req_id_is_sane(const char *id)
{
    size_t n = 0;
    for (; id[n]; n++) {
        unsigned char c = (unsigned char)id[n];
        if (n >= MAX_REQUEST_ID_BYTES || !(isalnum(c) || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return n > 0;
}

/* The id the server made (nginx's $request_id: 32 hex digits), else one of our own. */
static void set_server_request_id(req *r)
{
    const char *id = req_param(r, "SERVER_REQUEST_ID");
    if (id && strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32) {
        memcpy(r->server_request_id, id, 33);
        return;
    }
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(r->server_request_id, sizeof r->server_request_id, raw, sizeof raw);
}

static void set_request_id(req *r)
{
    set_server_request_id(r);
    const char *client = req_param(r, "HTTP_X_REQUEST_ID");
    r->client_request_id = client && req_id_is_sane(client) ? client : NULL;
    /* nginx passes its choice (the client's sane X-Request-Id, else $request_id); the app
     * checks again in case another front end sits before it. */
    const char *candidates[] = {req_param(r, "REQUEST_ID"), req_param(r, "HTTP_X_REQUEST_ID")};
    for (size_t i = 0; i < 2; i++)
        if (candidates[i] && req_id_is_sane(candidates[i])) {
            strcpy(r->request_id, candidates[i]);
            return;
        }
    strcpy(r->request_id, r->server_request_id);
}

static int parse_query(req *r, const char *q)
{
    size_t qlen = strlen(q);
    if (qlen > MAX_QUERY_BYTES) {
        req_add_error(r, "query", "查询参数过长。", "The query string is too long.");
        return -1;
    }
    while (*q) {
        size_t len = strcspn(q, "&");
        const char *eq = memchr(q, '=', len);
        size_t klen = eq ? (size_t)(eq - q) : len;
        if (len > 0) {
            if (r->n_query == MAX_QUERY_PARAMS) {
                req_add_error(r, "query", "查询参数过多。", "Too many query parameters.");
                return -1;
            }
            char *k = percent_decode(&r->arena, q, klen, true);
            char *v = eq ? percent_decode(&r->arena, eq + 1, len - klen - 1, true)
                         : arena_strdup(&r->arena, "");
            if (!k || !v) {
                req_add_error(r, k ? k : "query", "查询参数编码无效。",
                              "A query parameter is not valid percent-encoded UTF-8.");
                return -1;
            }
            r->query[r->n_query++] = (name_value){k, v};
        }
        q += len;
        if (*q == '&')
            q++;
    }
    return 0;
}

const char *req_form_param(req *r, const char *name, int *count)
{
    const char *found = NULL, *p = r->body ? r->body : "";
    size_t nlen = strlen(name);
    *count = 0;
    while (*p) {
        size_t len = strcspn(p, "&");
        const char *eq = memchr(p, '=', len);
        size_t klen = eq ? (size_t)(eq - p) : len;
        char *k = percent_decode(&r->arena, p, klen, true);
        if (!k) {
            *count = -1;
            return NULL;
        }
        if (strlen(k) == nlen && memcmp(k, name, nlen) == 0) {
            found = eq ? percent_decode(&r->arena, eq + 1, len - klen - 1, true) : "";
            if (!found) {
                *count = -1;
                return NULL;
            }
            (*count)++;
        }
        p += len;
        if (*p == '&')
            p++;
    }
    return found;
}

static bool method_is_token(const char *m)
{
    size_t n = 0;
    for (; m[n]; n++)
        if (n >= 16 || !isupper((unsigned char)m[n]))
            return false;
    return n > 0;
}

int req_parse_head(req *r)
{
    set_request_id(r);
    const char *lang = req_param(r, "HTTP_ACCEPT_LANGUAGE");
    /* API.md §1: Chinese by default, English when the client asks for it first. */
    r->lang_en = lang && strncasecmp(lang, "en", 2) == 0;
    const char *m = req_param(r, "REQUEST_METHOD");
    /* Copied: FastCGI parameters die at FCGX_Finish_r, before the access log is written. */
    r->method = arena_strdup(&r->arena, m && method_is_token(m) ? m : "OTHER");
    const char *ip = req_param(r, "REMOTE_ADDR");
    client_key_of(ip ? ip : "", r->client_key, sizeof r->client_key);
    const char *uri = req_param(r, "REQUEST_URI");
    if (!uri || uri[0] != '/')
        uri = "/";
    const char *qmark = strchr(uri, '?');
    size_t plen = qmark ? (size_t)(qmark - uri) : strlen(uri);
    /* No route is this long: an empty path matches none (404). Never cut it shorter, or a
     * truncated path could match a route with a truncated parameter. */
    r->path = arena_strndup(&r->arena, uri, plen > MAX_PATH_BYTES ? 0 : plen);
    if (!r->path)
        return -1;
    return qmark ? parse_query(r, qmark + 1) : 0;
}

const char *req_path_param(const req *r, const char *name)
{
    for (size_t i = 0; i < r->n_path_params; i++)
        if (strcmp(r->path_params[i].name, name) == 0)
            return r->path_params[i].value;
    return NULL;
}

void req_add_error(req *r, const char *field, const char *message_zh, const char *message_en)
{
    if (r->n_errors == MAX_VALIDATION_ERRORS)
        return;
    r->errors[r->n_errors++] = (validation_error){field, r->lang_en ? message_en : message_zh};
}

static const char *query_value(const req *r, const char *name)
{
    for (size_t i = 0; i < r->n_query; i++)
        if (strcmp(r->query[i].name, name) == 0)
            return r->query[i].value;
    return NULL;
}

static bool parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || isspace((unsigned char)*s))
        return false;
    *out = v;
    return true;
}

static void add_range_error(req *r, const char *field, long min, long max)
{
    req_add_error(r, field, arena_printf(&r->arena, "须为 %ld 到 %ld 之间的整数。", min, max),
                  arena_printf(&r->arena, "must be an integer from %ld to %ld.", min, max));
}

static void add_length_error(req *r, const char *field, size_t min, size_t max)
{
    req_add_error(r, field, arena_printf(&r->arena, "长度须为 %zu 到 %zu 个字符。", min, max),
                  arena_printf(&r->arena, "must be %zu to %zu characters long.", min, max));
}

bool req_query_int(req *r, const char *name, long dflt, long min, long max, long *out)
{
    const char *v = query_value(r, name);
    long n;
    if (!v) {
        *out = dflt;
        return true;
    }
    if (!parse_long(v, &n) || n < min || n > max) {
        add_range_error(r, name, min, max);
        return false;
    }
    *out = n;
    return true;
}

bool req_query_string(req *r, const char *name, size_t max_chars, const char **out)
{
    const char *v = query_value(r, name);
    if (v && u8_mbsnlen((const uint8_t *)v, strlen(v)) > max_chars) {
        add_length_error(r, name, 0, max_chars);
        return false;
    }
    *out = v;
    return true;
}

bool req_query_enum(req *r, const char *name, const char *const *allowed, const char **out)
{
    const char *v = query_value(r, name);
    *out = NULL;
    if (!v)
        return true;
    for (const char *const *a = allowed; *a; a++)
        if (strcmp(v, *a) == 0) {
            *out = *a;
            return true;
        }
    req_add_error(r, name, "取值不在允许范围内。", "is not one of the allowed values.");
    return false;
}

bool req_query_bool(req *r, const char *name, bool dflt, bool *out)
{
    const char *v = query_value(r, name);
    if (!v) {
        *out = dflt;
        return true;
    }
    if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
        *out = v[0] == 't';
        return true;
    }
    req_add_error(r, name, "须为 true 或 false。", "must be true or false.");
    return false;
}

static const cJSON *json_field(const cJSON *obj, const char *pointer)
{
    const char *key = strrchr(pointer, '/');
    return cJSON_GetObjectItemCaseSensitive(obj, key ? key + 1 : pointer);
}

static bool missing(req *r, const cJSON *item, const char *pointer, bool required)
{
    if (item && !cJSON_IsNull(item))
        return false;
    if (required)
        req_add_error(r, pointer, "为必填项。", "is required.");
    return true;
}

bool req_json_string(req *r, const cJSON *obj, const char *pointer, size_t min_chars,
                     size_t max_chars, bool required, const char **out)
{
    const cJSON *item = json_field(obj, pointer);
    if (missing(r, item, pointer, required))
        return !required;
    if (!cJSON_IsString(item)) {
        req_add_error(r, pointer, "须为字符串。", "must be a string.");
        return false;
    }
    const char *s = item->valuestring;
    size_t chars = u8_mbsnlen((const uint8_t *)s, strlen(s));
    if (chars < min_chars || chars > max_chars) {
        add_length_error(r, pointer, min_chars, max_chars);
        return false;
    }
    *out = s;
    return true;
}

bool req_json_int(req *r, const cJSON *obj, const char *pointer, long min, long max, bool required,
                  long *out)
{
    const cJSON *item = json_field(obj, pointer);
    if (missing(r, item, pointer, required))
        return !required;
    /* Range first: casting a double outside long's range is undefined. A non-number is NaN,
     * which fails every comparison; bounds near the ends of long round as doubles
     * ((double)LONG_MAX is 2^63), hence the 2^63 limit and the checks again as longs. */
    double d = cJSON_IsNumber(item) ? item->valuedouble : NAN;
    if (!(d >= (double)min && d <= (double)max && d < 0x1p63) || d != (double)(long)d ||
        (long)d < min || (long)d > max) {
        add_range_error(r, pointer, min, max);
        return false;
    }
    *out = (long)d;
    return true;
}

bool req_json_bool(req *r, const cJSON *obj, const char *pointer, bool required, bool *out)
{
    const cJSON *item = json_field(obj, pointer);
    if (missing(r, item, pointer, required))
        return !required;
    if (!cJSON_IsBool(item)) {
        req_add_error(r, pointer, "须为 true 或 false。", "must be true or false.");
        return false;
    }
    *out = cJSON_IsTrue(item);
    return true;
}

const cJSON *req_body_object(req *r)
{
    if (cJSON_IsObject(r->json))
        return r->json;
    req_add_error(r, "", "请求内容须为 JSON 对象。", "The body must be a JSON object.");
    return NULL;
}
