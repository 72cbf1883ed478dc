/* One request value: what a handler may know of the HTTP request, all of it bounded,
 * decoded and validated before the handler runs, with a per-request arena. */
#ifndef OW_REQUEST_H
#define OW_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/arena.h"
#include "core/client_key.h"

#define MAX_PATH_BYTES 2048
#define MAX_QUERY_BYTES 4096
#define MAX_QUERY_PARAMS 32
#define MAX_PATH_PARAMS 4
#define MAX_REQUEST_ID_BYTES 64
#define MAX_VALIDATION_ERRORS 16

typedef struct route route;
typedef struct idempotency_claim idempotency_claim; /* api/idempotency.c */

typedef struct name_value {
    const char *name;
    const char *value;
} name_value;

typedef struct validation_error {
    const char *field;   /* JSON Pointer into the body, or the query parameter's name */
    const char *message; /* in the request's language */
} validation_error;

typedef struct req {
    arena arena;
    char **params_env;  /* FastCGI parameters, "NAME=value" */
    const char *method; /* validated token, e.g. "GET" */
    const char *path;   /* raw path, without the query */
    name_value query[MAX_QUERY_PARAMS];
    size_t n_query;
    name_value path_params[MAX_PATH_PARAMS];
    size_t n_path_params;
    char client_key[CLIENT_KEY_BYTES]; /* per-client limits count this (core/client_key.h) */
    char request_id[MAX_REQUEST_ID_BYTES + 1]; /* echoed: the client's when sane, else ours */
    char server_request_id[33];                /* ours (nginx's $request_id), unique */
    const char *client_request_id;             /* the client's sane X-Request-Id, or NULL */
    bool lang_en;                              /* Accept-Language prefers English */
    const route *route;                        /* matched route, NULL before routing or when none */
    const char *body;                          /* NUL-terminated copy of the body (or NULL) */
    size_t body_len;
    cJSON *json; /* parsed body, when the request had one */
    /* A raw file body (routes with BODY_FILE), in the worker's own spool file (read-write,
     * closed with the request), with its size and SHA-256 (hex); has_body_file false when
     * the request had no body. */
    bool has_body_file;
    int body_fd;
    int64_t body_file_bytes;
    char body_sha256[65];
    validation_error errors[MAX_VALIDATION_ERRORS];
    size_t n_errors;
    int64_t started_us;                /* monotonic clock, for the duration */
    const struct token_claims *claims; /* the verified bearer token (protected routes) */
    idempotency_claim *idem;           /* the request's claimed Idempotency-Key, or NULL */
} req;

/* Parameters from the web server ("HTTP_ACCEPT_LANGUAGE", "REMOTE_ADDR" …) or NULL. */
const char *req_param(const req *r, const char *name);
/* A request header by its CGI name ("HTTP_IDEMPOTENCY_KEY") or NULL. */
#define req_header(r, cgi_name) req_param((r), (cgi_name))

/* Fills method, path, query, client key, request id and language from params_env.
 * Returns 0, or -1 with r->errors set (a query that breaks its limits: 400). */
int req_parse_head(req *r);

/* A sane request id: 1..64 of [A-Za-z0-9._-]. */
bool req_id_is_sane(const char *id);

/* Path parameter by name ("code" for /services/{code}); NULL if the route has none. */
const char *req_path_param(const req *r, const char *name);

/* Records a validation failure; the message is chosen by the request's language. */
void req_add_error(req *r, const char *field, const char *message_zh, const char *message_en);

/* Typed, bounded query accessors: each returns true when the parameter is absent (out =
 * default) or valid, false after recording a validation error. Lengths in code points. */
bool req_query_int(req *r, const char *name, long dflt, long min, long max, long *out);
bool req_query_string(req *r, const char *name, size_t max_chars, const char **out);
bool req_query_enum(req *r, const char *name, const char *const *allowed, const char **out);
bool req_query_bool(req *r, const char *name, bool dflt, bool *out);

/* Typed, bounded JSON accessors on an object of the body. `pointer` is the field's JSON
 * Pointer from the body root ("/form/name"); its last segment is the key looked up in obj.
 * Each returns true when the field is absent and not required (out untouched) or valid. */
bool req_json_string(req *r, const cJSON *obj, const char *pointer, size_t min_chars,
                     size_t max_chars, bool required, const char **out);
bool req_json_int(req *r, const cJSON *obj, const char *pointer, long min, long max, bool required,
                  long *out);
bool req_json_bool(req *r, const cJSON *obj, const char *pointer, bool required, bool *out);
/* A parameter of an application/x-www-form-urlencoded body (POST /oauth/token): its decoded
 * value or NULL when absent; *count is how often it occurs (-1: malformed encoding). */
const char *req_form_param(req *r, const char *name, int *count);

/* The body as a JSON object; NULL after recording a validation error when it is not one. */
const cJSON *req_body_object(req *r);

#endif
