#include "auth/sessions.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "auth/seal.h"
#include "core/config.h"
#include "core/log.h"

static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t mac_key[crypto_auth_hmacsha256_KEYBYTES];
static bool have_key;

/* The MAC key, derived once from the master key (refresh tokens need it; 0 or -1). */
static int refresh_key(void)
{
    pthread_mutex_lock(&key_lock);
    if (!have_key) {
        uint8_t master[MASTER_KEY_BYTES];
        char err[300];
        if (master_key_load(config_current()->master_key_file, master, err, sizeof err) == 0) {
            crypto_kdf_derive_from_key(mac_key, sizeof mac_key, 3, "ow-rfsh_", master);
            have_key = true;
        } else
            log_msg(LOG_ERROR, "%s: no sessions can be made", err);
        sodium_memzero(master, sizeof master);
    }
    pthread_mutex_unlock(&key_lock);
    return have_key ? 0 : -1;
}

/* The refresh token of a session's generation: base64url(sid ‖ generation ‖ MAC), and its
 * SHA-256 (what the database keeps). */
#define TOKEN_RAW (16 + 4 + crypto_auth_hmacsha256_BYTES)

static void derive(const char *sid, int64_t generation, char out[REFRESH_TOKEN_MAX + 1],
                   uint8_t hash[32])
{
    uint8_t raw[TOKEN_RAW];
    size_t bin_len = 0;
    sodium_hex2bin(raw, 16, sid, 32, NULL, &bin_len, NULL);
    uint32_t g = (uint32_t)generation;
    raw[16] = (uint8_t)(g >> 24);
    raw[17] = (uint8_t)(g >> 16);
    raw[18] = (uint8_t)(g >> 8);
    raw[19] = (uint8_t)g;
    crypto_auth_hmacsha256(raw + 20, raw, 20, mac_key);
    b64url_encode(raw, sizeof raw, out, REFRESH_TOKEN_MAX + 1);
    crypto_hash_sha256(hash, (const uint8_t *)out, strlen(out));
}

/* The session and generation of a token, when its MAC is ours: 0, or -1. */
static int parse(const char *token, char sid[33], int64_t *generation)
{
    uint8_t raw[TOKEN_RAW + 1], mac[crypto_auth_hmacsha256_BYTES];
    if (strlen(token) > REFRESH_TOKEN_MAX ||
        b64url_decode(token, strlen(token), raw, sizeof raw) != TOKEN_RAW)
        return -1;
    crypto_auth_hmacsha256(mac, raw, 20, mac_key);
    if (sodium_memcmp(mac, raw + 20, sizeof mac) != 0)
        return -1;
    sodium_bin2hex(sid, 33, raw, 16);
    *generation = (int64_t)((uint32_t)raw[16] << 24 | (uint32_t)raw[17] << 16 |
                            (uint32_t)raw[18] << 8 | raw[19]);
    return *generation >= 1 ? 0 : -1;
}

static session_status sign_access(token_claims *claims, arena *a, token_pair *out)
{
    const ow_config *cfg = config_current();
    token_request rq = {claims, cfg->access_ttl_s, 0, NULL};
    char *token = token_sign_now(&rq);
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
    if (refresh_key() != 0)
        return SESSION_UNAVAILABLE;
    uint8_t raw[16], hash[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out->sid, sizeof out->sid, raw, sizeof raw);
    derive(out->sid, 1, out->refresh_token, hash);
    /* an operator is a staff account: its session is a staff session (claims are re-read
     * from the account on every refresh) */
    const char *role = claims->role == ROLE_CITIZEN ? "citizen" : "staff";
    int rc = session_create(db_primary(), out->sid, role, principal_id, claims->client_id, hash,
                            config_current()->refresh_ttl_s);
    if (rc != DB_OK)
        return from_db(rc);
    snprintf(claims->sid, sizeof claims->sid, "%s", out->sid);
    return sign_access(claims, a, out);
}

int session_end_named(const char *refresh_token, const char *role, int64_t principal_id)
{
    char sid[33];
    int64_t generation;
    if (refresh_key() != 0 || parse(refresh_token, sid, &generation) != 0)
        return DB_OK;
    return session_revoke_own(db_primary(), sid, role, principal_id);
}

typedef enum { ADVANCE, REPEAT, REUSED } rotation;

/* In one transaction: advance the generation, repeat the current one (grace), or revoke. */
static int rotate_locked(const char *sid, int64_t generation, arena *a, session_row *s,
                         rotation *what, char token[REFRESH_TOKEN_MAX + 1])
{
    db_conn *c = db_primary();
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    rc = session_lock(c, a, sid, s);
    uint8_t hash[32];
    if (rc == DB_OK) {
        int64_t grace_ms = (int64_t)config_current()->refresh_grace_s * 1000;
        if (generation == s->generation) {
            *what = ADVANCE;
            derive(sid, generation + 1, token, hash);
            rc = session_advance(c, sid, generation + 1, hash);
        } else if (generation == s->generation - 1 && s->rotated_age_ms <= grace_ms) {
            *what = REPEAT;
            derive(sid, s->generation, token, hash);
            rc = sodium_memcmp(hash, s->refresh_hash, 32) == 0 ? DB_OK : DB_ERROR;
        } else {
            *what = REUSED;
            rc = session_revoke(c, sid);
        }
    }
    if (rc != DB_OK) { /* DB_NOT_FOUND: no live session, refused, nothing to change */
        db_rollback(c);
        return rc;
    }
    return db_commit(c);
}

session_status session_rotate(const char *refresh_token, arena *a,
                              int (*claims_of)(const session_row *s, arena *a, token_claims *c),
                              token_pair *out, session_row *session)
{
    if (refresh_key() != 0)
        return SESSION_UNAVAILABLE;
    char sid[33];
    int64_t generation = 0;
    if (parse(refresh_token, sid, &generation) != 0)
        return SESSION_REFUSED;
    rotation what = REUSED;
    token_claims claims;
    memset(session, 0, sizeof *session);
    int rc = rotate_locked(sid, generation, a, session, &what, out->refresh_token);
    if (rc == DB_OK && what != REUSED) {
        memset(&claims, 0, sizeof claims);
        rc = claims_of(session, a, &claims);
    }
    if (rc == DB_NOT_FOUND || (rc == DB_OK && what == REUSED))
        return SESSION_REFUSED; /* no live session, reuse, or the principal is gone */
    if (rc != DB_OK)
        return from_db(rc);
    snprintf(claims.sid, sizeof claims.sid, "%s", sid);
    snprintf(claims.client_id, sizeof claims.client_id, "%s", session->client_id);
    snprintf(out->sid, sizeof out->sid, "%s", sid);
    return sign_access(&claims, a, out);
}
