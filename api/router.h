/* The declarative route table and its matcher. */
#ifndef OW_ROUTER_H
#define OW_ROUTER_H

#include <stddef.h>

#include "api/request.h"
#include "api/response.h"

typedef enum {
    AUTH_PUBLIC,   /* anyone */
    AUTH_CITIZEN,  /* bearer token with role=citizen */
    AUTH_STAFF,    /* bearer token with role=staff */
    AUTH_ORG,      /* bearer token with role=org and the route's scope */
    AUTH_USER,     /* bearer token of a citizen, a staff member or an operator (logout) */
    AUTH_OPERATOR, /* bearer token with role=operator (the platform's operators) */
    AUTH_CATALOG,  /* role=staff (their department's items) or role=operator (all) */
    AUTH_ANY,      /* a citizen, a staff member, or an organization with the route's scope */
} auth_policy;

typedef void (*handler_fn)(req *r, resp *w);

/* Route options (a bit set; a table line without them has none). */
enum {
    ROUTE_NEVER_REPLAYED = 1, /* Idempotency-Key ignored: the handler runs every time (logout) */
};

struct route {
    const char *method;  /* "GET", "POST" …; GET routes also answer HEAD */
    const char *pattern; /* "/api/v1/services/{code}": literal segments and {name} */
    handler_fn handler;
    auth_policy auth;
    const char *scope; /* AUTH_ORG: the scope the token must hold */
    size_t max_body;   /* 0: no body accepted (any body → 413) */
    unsigned options;  /* ROUTE_… */
};

typedef enum { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_WRONG_METHOD } route_result;

/* Matches r->method and r->path against table. FOUND: r->route and r->path_params set.
 * WRONG_METHOD: allow (of allow_len bytes) lists the methods the path does accept. */
route_result router_match(req *r, const route *table, size_t n, char *allow, size_t allow_len);

#endif
