/* What the identity handlers share (handlers/auth.c, auth_citizen.c, me.c, oauth.c): the
 * token-pair answer, session failures, access-token signing, the per-IP login limit and the
 * /me body. They call these, never each other. */
#ifndef OW_HANDLERS_IDENTITY_H
#define OW_HANDLERS_IDENTITY_H

#include <stdbool.h>
#include <stdint.h>

#include "api/request.h"
#include "api/response.h"

struct token_pair;
struct token_request;
struct token_claims;

/* 200 with the pair and the principal's body under who ("citizen", "staff"; none if NULL). */
void identity_answer_tokens(req *r, resp *w, const struct token_pair *p, const char *who,
                            cJSON *principal);
/* A session_status other than SESSION_OK: 401, or 503/500. */
void identity_answer_session_error(req *r, resp *w, int session_status);
/* An access token signed with the worker's current key, freed with the request; NULL after
 * answering 503 (no signing key yet). */
const char *identity_sign_access_token(req *r, resp *w, const struct token_request *rq);
/* Counts a login attempt of the client IP; true after answering 429 when over
 * login_per_ip_per_minute (or 503/500). */
bool identity_login_limited(req *r, resp *w);
/* The /me body of a citizen: DB_OK with *out (the caller frees it) and the citizen's
 * assurance level in *level (when not NULL), DB_NOT_FOUND, or a failure. Read from the
 * primary: the citizen's own data, maybe just written on any host. */
int identity_me_json(req *r, int64_t citizen_id, cJSON **out, int *level);
/* 200 with the /me body of a citizen (Cache-Control: no-store), or the failure. */
void identity_answer_me(req *r, resp *w, int64_t citizen_id);
/* The access claims of a citizen's session (with the assurance level, API.md §3). */
void identity_citizen_claims(int64_t citizen_id, int level, const char *client_id,
                             struct token_claims *c);

#endif
