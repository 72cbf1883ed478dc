/* Outbound HTTP (libcurl), the one owner of its limits: every call to another service --
 * WeChat, the SMS gateway, the identity provider, the push channels -- has a connect timeout
 * (outbound_connect_timeout_ms) and a total one, set here on every handle, with signals off
 * (threads). Blocking calls of a request use outbound_timeout_ms; pushd's batches set their
 * own total (push_timeout_ms). */
#ifndef OW_HTTP_CLIENT_H
#define OW_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#define HTTP_REPLY_MAX 16384

/* Sets the timeouts (total_ms: the whole exchange, connect included) and NOSIGNAL. */
void http_client_limits(CURL *curl, long total_ms);

typedef struct http_call {
    const char *url;
    const char *body;           /* POSTed when not NULL */
    const char *content_type;   /* of the body, e.g. "application/json" */
    const char *const *headers; /* extra header lines ("Authorization: Bearer …"), NULL-ended */
} http_call;

typedef struct http_reply {
    long status; /* 0 when no answer came */
    bool timed_out;
    char body[HTTP_REPLY_MAX]; /* NUL-terminated */
    size_t len;
    const char *error; /* curl's words when the exchange failed, else NULL */
} http_reply;

/* One blocking exchange within outbound_timeout_ms: 0 with an answer (any status), or -1
 * (no connection, timeout, an answer over HTTP_REPLY_MAX). */
int http_client_call(const http_call *call, http_reply *reply);

#endif
