#include "auth/sessions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/config.h"

static void new_refresh(char out[REFRESH_TOKEN_CHARS + 1], uint8_t hash[32])
{
    uint8_t raw[32];
    randombytes_buf(raw, sizeof raw);
    b64url_encode(raw, sizeof raw, out, REFRESH_TOKEN_CHARS + 1);
    crypto_hash_sha256(hash, (const uint8_t *)out, REFRESH_TOKEN_CHARS);
}

static session_status sign_access(token_claims *claims, arena *a, token_pair *out)
{
    const ow_config *cfg = config_current();
    token_request rq = {claims, cfg->access_ttl_s, 0, NULL};
    const keyring *kr = keyring_acquire();
    char *token = token_sign(kr, &rq, (int64_t)time(NULL));
    keyring_release(kr);
    if (!token)
        return SESSION_UNAVAILABLE;
    out->access_token = arena_strdup(a, token);
    free(token);
    out->expires_in = cfg->access_ttl_s;
    out->refresh_expires_in = cfg->refresh_ttl_s;
    return out->access_token ? SESSION_OK : SESSION_ERROR;
}

static session_status from_db(int rc)
{
    return rc == DB_UNAVAILABLE ? SESSION_UNAVAILABLE : SESSION_ERROR;
}

session_status session_start(token_claims *claims, int64_t principal_id, arena *a, token_pair *out)
{
    uint8_t raw[16], hash[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out->sid, sizeof out->sid, raw, sizeof raw);
    new_refresh(out->refresh_token, hash);
    int rc = session_create(db_primary(), out->sid, token_role_name(claims->role), principal_id,
                            claims->client_id, hash, config_current()->refresh_ttl_s);
    if (rc != DB_OK)
        return from_db(rc);
    snprintf(claims->sid, sizeof claims->sid, "%s", out->sid);
    return sign_access(claims, a, out);
}

session_status session_rotate(const char *refresh_token, arena *a,
                              int (*claims_of)(const session_row *s, arena *a, token_claims *c),
                              token_pair *out, session_row *session)
{
    if (strlen(refresh_token) != REFRESH_TOKEN_CHARS)
        return SESSION_REFUSED;
    uint8_t hash[32], new_hash[32];
    crypto_hash_sha256(hash, (const uint8_t *)refresh_token, REFRESH_TOKEN_CHARS);
    new_refresh(out->refresh_token, new_hash);
    refresh_outcome outcome;
    int rc = session_refresh(db_primary(), a, hash, new_hash, config_current()->refresh_grace_s,
                             &outcome, session);
    if (rc != DB_OK)
        return from_db(rc);
    if (outcome == REFRESH_UNKNOWN || outcome == REFRESH_REUSED)
        return SESSION_REFUSED;
    token_claims claims;
    memset(&claims, 0, sizeof claims);
    rc = claims_of(session, a, &claims); /* 1 found, 0 gone, < 0 a db_status */
    if (rc <= 0)
        return rc == 0 ? SESSION_REFUSED : from_db(rc);
    snprintf(claims.sid, sizeof claims.sid, "%s", session->sid);
    snprintf(claims.client_id, sizeof claims.client_id, "%s", session->client_id);
    snprintf(out->sid, sizeof out->sid, "%s", session->sid);
    return sign_access(&claims, a, out);
}
