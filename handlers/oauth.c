/* POST /api/v1/oauth/token: the client-credentials grant of RFC 6749 §4.4 for organizations,
 * in RFC 6749's own style (API.md §3): a form-encoded body, the client authenticated with
 * HTTP Basic or client_id/client_secret in the body (not both), errors as §5.2 JSON. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "auth/keyring.h"
#include "auth/token.h"
#include "core/config.h"
#include "core/percent.h"
#include "db/org_store.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "handlers/identity.h"

static void oauth_error(req *r, resp *w, int status, const char *error, const char *description)
{
    cJSON *out = resp_new_object(r);
    cJSON_AddStringToObject(out, "error", error);
    cJSON_AddStringToObject(out, "error_description", description);
    if (status == 401)
        resp_header(w, "WWW-Authenticate", "Basic realm=\"onewindow\"");
    resp_header(w, "Cache-Control", "no-store");
    resp_json(r, w, status, out);
}

typedef struct client_auth {
    const char *id, *secret;
    bool basic, body;
} client_auth;

/* Basic credentials: base64("id:secret"), each form-urlencoded (RFC 6749 §2.3.1). */
static bool basic_credentials(req *r, client_auth *ca)
{
    const char *h = req_header(r, "HTTP_AUTHORIZATION");
    if (!h || strncasecmp(h, "Basic ", 6) != 0)
        return true; /* none: not an error */
    char raw[512];
    size_t n = 0;
    const char *b64 = h + 6, *end = NULL;
    (void)end; /* no end pointer: the whole value must be base64, trailing junk refused */
    if (sodium_base642bin((unsigned char *)raw, sizeof raw - 1, b64, strlen(b64), NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return false;
    raw[n] = '\0';
    char *colon = strchr(raw, ':');
    if (!colon)
        return false;
    ca->id = percent_decode(&r->arena, raw, (size_t)(colon - raw), true);
    ca->secret = percent_decode(&r->arena, colon + 1, strlen(colon + 1), true);
    ca->basic = true;
    return ca->id && ca->secret;
}

/* One form parameter at most once; *bad set for a repeated or badly encoded one. An empty
 * value counts as omitted (RFC 6749 §3.2). */
static const char *form(req *r, const char *name, bool *bad)
{
    int count = 0;
    const char *v = req_form_param(r, name, &count);
    if (count < 0 || count > 1)
        *bad = true;
    return v && *v ? v : NULL;
}

/* Our client ids: 32 lower-case hex digits (the column ignores trailing spaces). */
static bool client_id_shape(const char *id)
{
    return strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32;
}

/* Every requested scope is the client's (single spaces between, none around). */
static bool scope_allowed(const char *requested, const char *granted)
{
    size_t n = strlen(requested);
    if (n == 0 || requested[0] == ' ' || requested[n - 1] == ' ' || strstr(requested, "  "))
        return false;
    for (const char *p = requested; *p;) {
        size_t len = strcspn(p, " ");
        bool ok = false;
        for (const char *g = granted; *g && !ok;) {
            size_t glen = strcspn(g, " ");
            ok = glen == len && memcmp(g, p, len) == 0;
            g += glen + (g[glen] == ' ');
        }
        if (!ok || len == 0)
            return false;
        p += len + (p[len] == ' ');
    }
    return true;
}

static bool client_valid(req *r, const client_auth *ca, oauth_client *c, int *db_rc)
{
    *db_rc = oauth_client_find(db_primary(), &r->arena, ca->id, c);
    if (*db_rc != DB_OK)
        return false;
    uint8_t hash[32];
    crypto_hash_sha256(hash, (const uint8_t *)ca->secret, strlen(ca->secret));
    bool current = c->hash_len == 32 && sodium_memcmp(hash, c->secret_hash, 32) == 0;
    bool previous = c->prev_hash_len == 32 && sodium_memcmp(hash, c->prev_secret_hash, 32) == 0;
    return current || previous; /* the old one within its overlap after a rotation */
}

static void issue(req *r, resp *w, const client_auth *ca, const oauth_client *c, const char *scope)
{
    token_claims claims;
    memset(&claims, 0, sizeof claims);
    claims.role = ROLE_ORG;
    snprintf(claims.sub, sizeof claims.sub, "%lld", (long long)c->org_id);
    snprintf(claims.client_id, sizeof claims.client_id, "%s", ca->id);
    if (strlen(scope) >= sizeof claims.scope) { /* never a silently shortened scope */
        resp_internal(r, w, "client credentials grant", "the client's scopes are too long");
        return;
    }
    snprintf(claims.scope, sizeof claims.scope, "%s", scope);
    int ttl = config_current()->access_ttl_s;
    token_request rq = {&claims, ttl, 0, NULL};
    const char *token = identity_sign_access_token(r, w, &rq);
    if (!token)
        return;
    cJSON *out = resp_new_object(r);
    cJSON_AddStringToObject(out, "access_token", token);
    cJSON_AddStringToObject(out, "token_type", "Bearer");
    cJSON_AddNumberToObject(out, "expires_in", ttl);
    cJSON_AddStringToObject(out, "scope", scope);
    resp_header(w, "Cache-Control", "no-store");
    resp_header(w, "Pragma", "no-cache");
    resp_json(r, w, 200, out);
}

void handle_oauth_token(req *r, resp *w)
{
    client_auth ca = {NULL, NULL, false, false};
    bool bad = false;
    const char *grant = form(r, "grant_type", &bad), *scope = form(r, "scope", &bad);
    const char *body_id = form(r, "client_id", &bad), *body_secret = form(r, "client_secret", &bad);
    if (!basic_credentials(r, &ca)) {
        oauth_error(r, w, 401, "invalid_client", "Malformed Basic credentials.");
        return;
    }
    if (body_id || body_secret) {
        ca.body = true;
        if (!ca.basic) {
            ca.id = body_id;
            ca.secret = body_secret;
        }
    }
    if (bad || (ca.basic && ca.body)) {
        oauth_error(r, w, 400, "invalid_request",
                    "A parameter is repeated or malformed, or the client used two "
                    "authentication methods.");
        return;
    }
    if (!grant) {
        oauth_error(r, w, 400, "invalid_request", "grant_type is required.");
        return;
    }
    if (strcmp(grant, "client_credentials") != 0) {
        oauth_error(r, w, 400, "unsupported_grant_type", "Only client_credentials is supported.");
        return;
    }
    if (!ca.id || !ca.secret || !client_id_shape(ca.id) || strlen(ca.secret) > 128) {
        oauth_error(r, w, 401, "invalid_client", "Client authentication failed.");
        return;
    }
    oauth_client c;
    int rc;
    if (!client_valid(r, &ca, &c, &rc)) {
        if (rc == DB_OK || rc == DB_NOT_FOUND)
            oauth_error(r, w, 401, "invalid_client", "Client authentication failed.");
        else
            common_answer_failure(r, w, rc, "client credentials grant");
        return;
    }
    if (scope && (strlen(scope) > 256 || !scope_allowed(scope, c.scopes))) {
        oauth_error(r, w, 400, "invalid_scope", "A requested scope is not granted.");
        return;
    }
    issue(r, w, &ca, &c, scope ? scope : c.scopes);
}
