/* Access tokens (API.md §3): ES256 JWTs signed through libjwt with the ring's current key,
 * verified with OpenSSL against the ring parsed once. Verification rejects cheaply before
 * any signature work (length, shape, alg, kid, times, issuer, audience), remembers recent
 * failures so that a forged token costs one check, and caches verified claims (bounded, per
 * process, until exp) keyed by a keyed BLAKE2b of the whole token. */
#ifndef OW_TOKEN_H
#define OW_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/keyring.h"

#define TOKEN_MAX_BYTES 4096 /* longer ones are refused before decoding */
#define TOKEN_SKEW_S 60

/* ROLE_OPERATOR: the platform's operators (a staff account with role operator, migration
 * 0051): the catalog, synonyms and concepts, the search log; not departments' applications. */
typedef enum { ROLE_NONE = -1, ROLE_CITIZEN, ROLE_STAFF, ROLE_ORG, ROLE_OPERATOR } token_role;

typedef struct token_claims {
    char sub[65], sid[65], client_id[65], dept[33], scope[257], jti[33];
    token_role role;
    int assurance_level; /* a citizen's (auth/identity_provider.h: 1..3); 0 when not given */
    int64_t exp, iat, nbf;
} token_claims;

/* What to sign; iss, iat, jti come from here too. Tests may shift times and audience. */
typedef struct token_request {
    const token_claims *claims; /* sub, role, sid, client_id, dept, scope */
    int ttl_s;
    int nbf_offset_s;     /* 0 normally */
    const char *audience; /* NULL: the configured one */
} token_request;

/* A signed token (malloc'd), or NULL when the ring has no private key or signing failed. */
char *token_sign(const keyring *kr, const token_request *rq, int64_t now);
/* The same with the worker's current key ring, now. */
char *token_sign_now(const token_request *rq);
/* header and payload taken as they are (any JSON text, even broken), base64url-encoded and
 * signed with the current key (malloc'd), or NULL: the test probe's tokens of any shape. */
char *token_sign_parts(const char *header, const char *payload);

typedef enum { TOKEN_OK = 0, TOKEN_INVALID = -1 } token_status;

/* Verifies a bearer token; claims filled on TOKEN_OK. */
token_status token_verify(const keyring *kr, const char *token, size_t len, int64_t now,
                          token_claims *out);

const char *token_role_name(token_role role);

#endif
