/* Login sessions (API.md §3): a session has an id (the tokens' sid) and a generation. Its
 * refresh token is base64url(sid ‖ generation ‖ MAC): the MAC (HMAC-SHA-256 under a key
 * derived from the master key, which the database does not hold) makes it unguessable, and
 * only its SHA-256 is stored. Each use advances the generation. The previous generation presented
 * within the grace window (parallel requests, a lost answer) gets the current token again
 * with a fresh access token; any older generation, or the previous one after the window,
 * revokes the session (OAuth 2.0 Security BCP: refresh-token reuse). */
#ifndef OW_SESSIONS_H
#define OW_SESSIONS_H

#include <stdint.h>

#include "auth/token.h"
#include "core/arena.h"
#include "db/identity_store.h"

#define REFRESH_TOKEN_MAX 80 /* 52 bytes in base64url: 70 */

typedef struct token_pair {
    const char *access_token; /* from the arena */
    char refresh_token[REFRESH_TOKEN_MAX + 1];
    char sid[33];
    int expires_in, refresh_expires_in;
} token_pair;

typedef enum {
    SESSION_OK = 0,
    SESSION_REFUSED = 1,      /* unknown, expired, revoked or reused refresh token */
    SESSION_UNAVAILABLE = -1, /* database or keys away */
    SESSION_ERROR = -2,
} session_status;

/* A new session for the principal whose access claims are given (sid is filled in). */
session_status session_start(token_claims *claims, int64_t principal_id, arena *a, token_pair *out);
/* Ends the session a refresh token names when it is one of the principal's; any other token
 * is ignored (the caller's answer says nothing about it). DB_OK or a failure. */
int session_end_named(const char *refresh_token, const char *role, int64_t principal_id);
/* Rotates a refresh token; claims_of fills the access claims of the session's principal
 * (DB_OK, DB_NOT_FOUND when the principal is gone, or a failure). */
session_status session_rotate(const char *refresh_token, arena *a,
                              int (*claims_of)(const session_row *s, arena *a, token_claims *c),
                              token_pair *out, session_row *session);

#endif
