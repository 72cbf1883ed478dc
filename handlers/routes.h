/* The route table (handlers/routes.c): every route the API serves, and the test-only probes
 * served with test_routes = 1. cmd/onewindow-fcgi.c hands both to the server; the admin
 * command `routes` prints them. */
#ifndef OW_ROUTES_H
#define OW_ROUTES_H

#include <stddef.h>

#include "api/router.h"

extern const route routes[];
extern const size_t routes_count;
extern const route test_routes[];
extern const size_t test_routes_count;

#endif
