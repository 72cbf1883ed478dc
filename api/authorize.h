/* The route's auth policy applied to the request (API.md §1): no token → 401 with
 * WWW-Authenticate: Bearer realm="onewindow"; a bad one → 401 with error="invalid_token";
 * a valid token of another role, or an organization token without the route's scope → 403
 * (error="insufficient_scope" for organizations). On success r->claims is set. */
#ifndef OW_AUTHORIZE_H
#define OW_AUTHORIZE_H

#include <stdbool.h>

#include "api/request.h"
#include "api/response.h"

bool authorize(req *r, resp *w);

#endif
