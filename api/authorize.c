#include "api/authorize.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/router.h"
#include "auth/revocations.h"
#include "auth/token.h"

static const char realm[] = "Bearer realm=\"onewindow\"";
static const char invalid[] = "Bearer realm=\"onewindow\", error=\"invalid_token\"";
static const char scope_missing[] = "Bearer realm=\"onewindow\", error=\"insufficient_scope\"";

static bool role_allowed(auth_policy policy, token_role role)
{
    switch (policy) {
    case AUTH_CITIZEN: return role == ROLE_CITIZEN;
    case AUTH_STAFF: return role == ROLE_STAFF;
    case AUTH_ORG: return role == ROLE_ORG;
    case AUTH_USER: return role == ROLE_CITIZEN || role == ROLE_STAFF || role == ROLE_OPERATOR;
    case AUTH_OPERATOR: return role == ROLE_OPERATOR;
    case AUTH_CATALOG: return role == ROLE_STAFF || role == ROLE_OPERATOR;
    case AUTH_ANY: return role == ROLE_CITIZEN || role == ROLE_STAFF || role == ROLE_ORG;
    default: return false;
    }
}

static bool refuse(req *r, resp *w, problem_code code, const char *challenge)
{
    resp_header(w, "WWW-Authenticate", challenge);
    resp_problem(r, w, code, NULL);
    return false;
}

/* True when the space-separated scope list holds want. */
static bool has_scope(const char *scopes, const char *want)
{
    size_t n = strlen(want);
    for (const char *p = scopes; *p;) {
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && memcmp(p, want, n) == 0)
            return true;
        p += len + (end ? 1 : 0);
    }
    return false;
}

bool authorize(req *r, resp *w)
{
    const route *rt = r->route;
    if (rt->auth == AUTH_PUBLIC)
        return true;
    const char *h = req_header(r, "HTTP_AUTHORIZATION");
    if (!h || !*h)
        return refuse(r, w, PROBLEM_UNAUTHORIZED, realm);
    if (strncasecmp(h, "Bearer ", 7) != 0)
        return refuse(r, w, PROBLEM_UNAUTHORIZED, invalid);
    const char *t = h + 7;
    while (*t == ' ')
        t++;
    token_claims *c = arena_alloc(&r->arena, sizeof *c);
    const keyring *kr = keyring_acquire();
    token_status st =
        c && kr ? token_verify(kr, t, strlen(t), (int64_t)time(NULL), c) : TOKEN_INVALID;
    keyring_release(kr);
    /* a logged-out session's tokens, a revoked client's: refused by every worker within
     * ~250 ms */
    if (st != TOKEN_OK || revocations_contains(c->sid) ||
        (c->role == ROLE_ORG && revocations_client_revoked(c->client_id)))
        return refuse(r, w, PROBLEM_UNAUTHORIZED, invalid);
    if (!role_allowed(rt->auth, c->role))
        return refuse(r, w, PROBLEM_FORBIDDEN, c->role == ROLE_ORG ? scope_missing : realm);
    if ((rt->auth == AUTH_ORG || (rt->auth == AUTH_ANY && c->role == ROLE_ORG)) && rt->scope &&
        !has_scope(c->scope, rt->scope))
        return refuse(r, w, PROBLEM_FORBIDDEN, scope_missing);
    r->claims = c;
    return true;
}
