#include "api/response.h"

#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "core/log.h"
#include "core/strbuf.h"

void resp_header(resp *w, const char *name, const char *value)
{
    if (w->n_headers < MAX_RESPONSE_HEADERS)
        w->headers[w->n_headers++] = (name_value){name, value};
}

const char *resp_header_value(const resp *w, const char *name)
{
    for (size_t i = 0; i < w->n_headers; i++)
        if (strcasecmp(w->headers[i].name, name) == 0)
            return w->headers[i].value;
    return NULL;
}

void resp_body(resp *w, int status, const char *content_type, const char *body, size_t len)
{
    w->status = status;
    w->content_type = content_type;
    w->body = body;
    w->body_len = len;
}

char *resp_json_text(req *r, const cJSON *json)
{
    char *s = cJSON_PrintUnformatted(json);
    if (s)
        arena_defer(&r->arena, cJSON_free, s);
    return s;
}

cJSON *resp_new_object(req *r)
{
    cJSON *o = cJSON_CreateObject();
    if (o)
        arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, o);
    return o;
}

void resp_json(req *r, resp *w, int status, const cJSON *json)
{
    char *s = resp_json_text(r, json);
    if (!s) {
        resp_internal(r, w, "JSON answer", "out of memory");
        return;
    }
    resp_body(w, status, "application/json", s, strlen(s));
}

static cJSON *problem_errors(const req *r)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; list && i < r->n_errors; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddItemToArray(list, e);
        cJSON_AddStringToObject(e, "field", r->errors[i].field);
        cJSON_AddStringToObject(e, "message", r->errors[i].message ? r->errors[i].message : "");
    }
    return list;
}

void resp_problem2(req *r, resp *w, problem_code code, const char *detail_zh, const char *detail_en)
{
    resp_problem_member(r, w, code, detail_zh, detail_en, NULL, NULL);
}

void resp_problem_member(req *r, resp *w, problem_code code, const char *detail_zh,
                         const char *detail_en, const char *member, const char *value)
{
    const problem_info *p = problem_get(code);
    const char *detail = r->lang_en ? (detail_en ? detail_en : p->detail_en)
                                    : (detail_zh ? detail_zh : p->detail_zh);
    cJSON *o = resp_new_object(r);
    cJSON_AddStringToObject(o, "type", "about:blank");
    cJSON_AddStringToObject(o, "title", http_reason(p->status));
    cJSON_AddNumberToObject(o, "status", p->status);
    cJSON_AddStringToObject(o, "detail", detail);
    cJSON_AddStringToObject(o, "code", p->code);
    cJSON_AddStringToObject(o, "request_id", r->request_id);
    if (code == PROBLEM_INVALID_ARGUMENT && r->n_errors)
        cJSON_AddItemToObject(o, "errors", problem_errors(r));
    if (member)
        cJSON_AddStringToObject(o, member, value);
    char *s = o ? resp_json_text(r, o) : NULL;
    int status = p->status;
    if (!s) { /* out of memory: a constant body still tells the client what happened */
        s = "{\"type\":\"about:blank\",\"title\":\"Internal Server Error\",\"status\":500,"
            "\"code\":\"internal\"}";
        status = 500;
    }
    resp_body(w, status, "application/problem+json", s, strlen(s));
}

void resp_problem(req *r, resp *w, problem_code code, const char *detail)
{
    resp_problem2(r, w, code, detail, detail);
}

void resp_invalid(req *r, resp *w)
{
    resp_problem(r, w, PROBLEM_INVALID_ARGUMENT, NULL);
}

char *resp_render_head(req *r, const resp *w, size_t *len)
{
    strbuf sb;
    sb_init(&sb, &r->arena, 256);
    sb_printf(&sb, "Status: %d %s\r\n", w->status, http_reason(w->status));
    if (w->content_type)
        sb_printf(&sb, "Content-Type: %s\r\n", w->content_type);
    sb_printf(&sb, "X-Request-Id: %s\r\n", r->request_id);
    for (size_t i = 0; i < w->n_headers; i++)
        sb_printf(&sb, "%s: %s\r\n", w->headers[i].name, w->headers[i].value);
    sb_puts(&sb, "\r\n");
    *len = sb.len;
    return sb.failed ? NULL : sb.data;
}

void resp_unavailable(req *r, resp *w, const char *what, const char *how)
{
    const ow_config *cfg = config_current();
    log_failure(LOG_WARN, what, how);
    resp_header(w, "Retry-After", arena_printf(&r->arena, "%d", cfg ? cfg->db_retry_after_s : 5));
    resp_problem(r, w, PROBLEM_UNAVAILABLE, NULL);
}

void resp_internal(req *r, resp *w, const char *what, const char *how)
{
    log_failure(LOG_ERROR, what, how);
    resp_problem(r, w, PROBLEM_INTERNAL, NULL);
}
