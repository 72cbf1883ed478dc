/* From a parsed request to a response: routing, body limits and checks, auth policy,
 * then the handler. Independent of FastCGI so that unit tests drive it directly. */
#ifndef OW_DISPATCH_H
#define OW_DISPATCH_H

#include "api/request.h"
#include "api/response.h"
#include "api/router.h"

/* Reads up to len bytes of the body; returns the count (0 at the end) or -1. */
typedef int (*body_reader)(void *ctx, char *buf, int len);

/* max_body_default: the limit for routes that take the configured default. */
void dispatch(req *r, resp *w, const route *table, size_t n_routes, size_t max_body_default,
              body_reader read, void *ctx);

/* Sentinels for route.max_body: the configured limit (max_body_bytes, 64 KiB) of a JSON body,
 * or of an application/x-www-form-urlencoded one (OAuth's token endpoint, RFC 6749). */
#define BODY_DEFAULT ((size_t)-1)
#define BODY_FORM ((size_t)-2)
/* A raw file body (POST /uploads), at most upload_max_bytes: streamed in bounded pieces
 * into a spool file of the worker's own (storage/spool.h), never held in memory. */
#define BODY_FILE ((size_t)-3)

#endif
