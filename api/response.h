/* The response a handler builds; api/ writes it (handlers never touch the stream). */
#ifndef OW_RESPONSE_H
#define OW_RESPONSE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "api/problem.h"
#include "api/request.h"

#define MAX_RESPONSE_HEADERS 8

typedef struct resp {
    int status;
    const char *content_type;
    name_value headers[MAX_RESPONSE_HEADERS];
    size_t n_headers;
    const char *body;
    size_t body_len;
} resp;

void resp_header(resp *w, const char *name, const char *value);
/* The value of a header set on w (names compared case-insensitively), or NULL. */
const char *resp_header_value(const resp *w, const char *name);
/* A body whose memory outlives the request (a constant, or from the request's arena). */
void resp_body(resp *w, int status, const char *content_type, const char *body, size_t len);
/* json as compact text, freed with the request's arena; NULL when out of memory. */
char *resp_json_text(req *r, const cJSON *json);
/* A new JSON object freed with the request's arena (NULL when out of memory). */
cJSON *resp_new_object(req *r);
/* Serializes json (owned by the caller) into the request's arena. */
void resp_json(req *r, resp *w, int status, const cJSON *json);
/* An RFC 9457 problem; detail NULL means the code's default sentence. Validation errors
 * recorded on the request are included for invalid_argument. */
void resp_problem(req *r, resp *w, problem_code code, const char *detail);
/* Same, with a detail sentence for each language. */
void resp_problem2(req *r, resp *w, problem_code code, const char *detail_zh,
                   const char *detail_en);
/* Same, with one extension member of RFC 9457 §3.2 (e.g. "current_status"). */
void resp_problem_member(req *r, resp *w, problem_code code, const char *detail_zh,
                         const char *detail_en, const char *member, const char *value);
/* 400 invalid_argument with the errors recorded on the request. */
void resp_invalid(req *r, resp *w);

/* The failures: 503 unavailable with Retry-After (db_retry_after_s: the database or a
 * provider is away), or 500 internal. Each writes the request's one failure line (core/log.h):
 * "<what> failed: <how>" with the cause a lower layer noted; never personal data. */
void resp_unavailable(req *r, resp *w, const char *what, const char *how);
void resp_internal(req *r, resp *w, const char *what, const char *how);

/* Renders the Status line and headers (including X-Request-Id) into the arena. */
char *resp_render_head(req *r, const resp *w, size_t *len);

#endif
