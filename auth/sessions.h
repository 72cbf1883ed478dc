/* Login sessions (API.md §3): a session has an id (the tokens' sid) and one live refresh
 * token — opaque, 256 random bits, stored as its SHA-256 — that is rotated on every use.
 * A rotated token presented again within the grace window gets a fresh pair of the same
 * session; after it, the reuse revokes the whole session. */
#ifndef OW_SESSIONS_H
#define OW_SESSIONS_H

#include <stdint.h>

#include "auth/token.h"
#include "core/arena.h"
#include "db/identity_store.h"

#define REFRESH_TOKEN_CHARS 43 /* 32 bytes, base64url */

typedef struct token_pair {
    const char *access_token; /* from the arena */
    char refresh_token[REFRESH_TOKEN_CHARS + 1];
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
/* Rotates a refresh token; claims_of fills the access claims of the session's principal
 * (returns 1, 0 when the principal is gone, or a db_status). */
session_status session_rotate(const char *refresh_token, arena *a,
                              int (*claims_of)(const session_row *s, arena *a, token_claims *c),
                              token_pair *out, session_row *session);

#endif
