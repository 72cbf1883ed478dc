#include "auth/token.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <jwt.h>
#include <sodium.h>

#include "core/config.h"
#include "core/metrics.h"
#include "core/decimal_id.h"
#include "core/json_guard.h"

#define HEADER_MAX 512
#define PAYLOAD_MAX 3072
#define CACHE_SLOTS 4096
#define FAIL_SLOTS 1024
#define FAIL_MEMORY_S 60
#define STRIPES 16
#define MEMBERS_MAX 32 /* a header or claims set with more members is not one of ours */
#define PART_DEPTH_MAX 4

/* ---- caches ---- */

typedef struct verified {
    uint8_t digest[32];
    token_claims claims;
    char kid[65]; /* a hit counts only while the ring still holds its key */
    bool used;
} verified;

typedef struct failed {
    uint8_t digest[32];
    int64_t until;
} failed;

static verified cache[CACHE_SLOTS];
static failed failures[FAIL_SLOTS];
static pthread_mutex_t stripe[STRIPES] = {
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER};
static uint8_t digest_key[crypto_generichash_KEYBYTES];
static pthread_once_t digest_once = PTHREAD_ONCE_INIT;

static void make_digest_key(void)
{
    randombytes_buf(digest_key, sizeof digest_key); /* per process: digests cannot be forged */
}

static void digest_of(const char *token, size_t len, uint8_t out[32])
{
    pthread_once(&digest_once, make_digest_key);
    crypto_generichash(out, 32, (const uint8_t *)token, len, digest_key, sizeof digest_key);
}

static size_t slot_of(const uint8_t d[32], size_t n)
{
    uint64_t v;
    memcpy(&v, d, sizeof v);
    return (size_t)(v % n);
}

static bool cached(const keyring *kr, const uint8_t d[32], int64_t now, token_claims *out)
{
    size_t i = slot_of(d, CACHE_SLOTS);
    pthread_mutex_t *m = &stripe[i % STRIPES];
    pthread_mutex_lock(m);
    bool hit = cache[i].used && sodium_memcmp(cache[i].digest, d, 32) == 0 &&
               cache[i].claims.exp + TOKEN_SKEW_S > now &&
               keyring_find(kr, cache[i].kid, strlen(cache[i].kid)) != NULL;
    if (hit)
        *out = cache[i].claims;
    pthread_mutex_unlock(m);
    return hit;
}

static void remember(const uint8_t d[32], const token_claims *c, const char *kid)
{
    size_t i = slot_of(d, CACHE_SLOTS);
    pthread_mutex_t *m = &stripe[i % STRIPES];
    pthread_mutex_lock(m);
    memcpy(cache[i].digest, d, 32);
    cache[i].claims = *c;
    snprintf(cache[i].kid, sizeof cache[i].kid, "%s", kid);
    cache[i].used = true;
    pthread_mutex_unlock(m);
}

static bool failed_recently(const uint8_t d[32], int64_t now)
{
    size_t i = slot_of(d, FAIL_SLOTS);
    pthread_mutex_t *m = &stripe[i % STRIPES];
    pthread_mutex_lock(m);
    bool hit = failures[i].until > now && sodium_memcmp(failures[i].digest, d, 32) == 0;
    pthread_mutex_unlock(m);
    return hit;
}

static void remember_failure(const uint8_t d[32], int64_t now)
{
    size_t i = slot_of(d, FAIL_SLOTS);
    pthread_mutex_t *m = &stripe[i % STRIPES];
    pthread_mutex_lock(m);
    memcpy(failures[i].digest, d, 32);
    failures[i].until = now + FAIL_MEMORY_S;
    pthread_mutex_unlock(m);
}

/* ---- parsing ---- */

static const char *const role_names[] = {"citizen", "staff", "org", "operator"};

const char *token_role_name(token_role role)
{
    return role >= ROLE_CITIZEN && role <= ROLE_OPERATOR ? role_names[role] : "none";
}

static bool b64url_charset(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return len > 0;
}

/* True when the object has at most MEMBERS_MAX members, no name twice (cJSON keeps both
 * and its getter returns the first: another reader could take the second). */
static bool members_unique(const cJSON *obj)
{
    int n = 0;
    for (const cJSON *a = obj->child; a; a = a->next, n++) {
        if (n == MEMBERS_MAX)
            return false;
        for (const cJSON *b = a->next; b; b = b->next)
            if (strcmp(a->string, b->string) == 0)
                return false;
    }
    return true;
}

/* base64url JSON part → object (caller deletes), or NULL. Strict: valid UTF-8 without NUL,
 * one object and nothing after it, each member once. */
static cJSON *decode_part(const char *s, size_t len, size_t max)
{
    uint8_t buf[PAYLOAD_MAX + 1];
    if (len > max * 4 / 3 + 4)
        return NULL;
    long n = b64url_decode(s, len, buf, sizeof buf - 1);
    if (n <= 0 || json_guard_check((const char *)buf, (size_t)n, PART_DEPTH_MAX) != JSON_GUARD_OK)
        return NULL;
    buf[n] = '\0';
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts((const char *)buf, (size_t)n + 1, &end, 0);
    if (j && (!cJSON_IsObject(j) || end != (const char *)buf + n || !members_unique(j))) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

static bool copy_string(const cJSON *obj, const char *key, char *out, size_t cap, bool required)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return !required;
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= cap)
        return false;
    strcpy(out, v->valuestring);
    return true;
}

static bool time_claim(const cJSON *obj, const char *key, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e12)
        return false;
    *out = (int64_t)v->valuedouble;
    return true;
}

/* An optional small integer claim (1..max): true when absent (*out 0) or valid. */
static bool level_claim(const cJSON *obj, const char *key, int max, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = 0;
    if (!v)
        return true;
    if (!cJSON_IsNumber(v) || v->valuedouble != (double)v->valueint || v->valueint < 1 ||
        v->valueint > max)
        return false;
    *out = v->valueint;
    return true;
}

static bool audience_ok(const cJSON *aud, const char *want)
{
    if (cJSON_IsString(aud))
        return strcmp(aud->valuestring, want) == 0;
    if (!cJSON_IsArray(aud)) /* an object's members are not audiences */
        return false;
    const cJSON *a;
    cJSON_ArrayForEach(a, aud)
    {
        if (cJSON_IsString(a) && strcmp(a->valuestring, want) == 0)
            return true;
    }
    return false;
}

/* The header names ES256 and a key of the ring. */
static const signing_key *header_key(const keyring *kr, const char *s, size_t len)
{
    cJSON *h = decode_part(s, len, HEADER_MAX);
    const cJSON *alg = cJSON_GetObjectItemCaseSensitive(h, "alg");
    const cJSON *kid = cJSON_GetObjectItemCaseSensitive(h, "kid");
    const cJSON *typ = cJSON_GetObjectItemCaseSensitive(h, "typ");
    const signing_key *key = NULL;
    if (cJSON_IsString(alg) && strcmp(alg->valuestring, "ES256") == 0 && cJSON_IsString(kid) &&
        (!typ || (cJSON_IsString(typ) && strcmp(typ->valuestring, "JWT") == 0)) &&
        !cJSON_GetObjectItemCaseSensitive(h, "crit"))
        key = keyring_find(kr, kid->valuestring, strlen(kid->valuestring));
    cJSON_Delete(h);
    return key;
}

static bool read_claims(const char *s, size_t len, int64_t now, token_claims *c)
{
    const ow_config *cfg = config_current();
    cJSON *p = decode_part(s, len, PAYLOAD_MAX);
    memset(c, 0, sizeof *c);
    char iss[65] = "", role[16] = "";
    bool ok = p && copy_string(p, "iss", iss, sizeof iss, true) &&
              strcmp(iss, cfg->jwt_issuer) == 0 &&
              audience_ok(cJSON_GetObjectItemCaseSensitive(p, "aud"), cfg->jwt_audience) &&
              copy_string(p, "sub", c->sub, sizeof c->sub, true) &&
              decimal_id_parse(c->sub, strlen(c->sub), NULL) &&
              copy_string(p, "role", role, sizeof role, true) &&
              copy_string(p, "sid", c->sid, sizeof c->sid, false) &&
              copy_string(p, "client_id", c->client_id, sizeof c->client_id, false) &&
              copy_string(p, "dept", c->dept, sizeof c->dept, false) &&
              copy_string(p, "scope", c->scope, sizeof c->scope, false) &&
              copy_string(p, "jti", c->jti, sizeof c->jti, false) &&
              level_claim(p, "assurance_level", 3, &c->assurance_level) &&
              time_claim(p, "exp", &c->exp) && c->exp + TOKEN_SKEW_S > now &&
              (!cJSON_GetObjectItemCaseSensitive(p, "nbf") ||
               (time_claim(p, "nbf", &c->nbf) && c->nbf - TOKEN_SKEW_S <= now)) &&
              (!cJSON_GetObjectItemCaseSensitive(p, "iat") || time_claim(p, "iat", &c->iat));
    cJSON_Delete(p);
    c->role = ROLE_NONE;
    for (int r = ROLE_CITIZEN; ok && r <= ROLE_OPERATOR; r++)
        if (strcmp(role, role_names[r]) == 0)
            c->role = (token_role)r;
    return ok && c->role != ROLE_NONE;
}

token_status token_verify(const keyring *kr, const char *token, size_t len, int64_t now,
                          token_claims *out)
{
    if (len == 0 || len > TOKEN_MAX_BYTES)
        return TOKEN_INVALID;
    const char *dot1 = memchr(token, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', (size_t)(token + len - dot1 - 1)) : NULL;
    if (!dot2)
        return TOKEN_INVALID;
    size_t hlen = (size_t)(dot1 - token), plen = (size_t)(dot2 - dot1 - 1);
    size_t slen = (size_t)(token + len - dot2 - 1);
    if (!b64url_charset(token, hlen) || !b64url_charset(dot1 + 1, plen) ||
        !b64url_charset(dot2 + 1, slen) || slen != 86) /* 64 bytes of R‖S */
        return TOKEN_INVALID;
    uint8_t d[32];
    digest_of(token, len, d);
    if (failed_recently(d, now))
        return TOKEN_INVALID;
    if (cached(kr, d, now, out)) { /* while its key verifies: a removed key ends its tokens */
        metrics_count(METRIC_TOKEN_CACHE_HITS);
        return TOKEN_OK;
    }
    metrics_count(METRIC_TOKEN_CACHE_MISSES);
    /* Shape, key and claims are cheap to check and may change (a rotation brings the kid,
     * nbf arrives): not remembered. A bad signature under a known kid is for good. */
    const signing_key *key = header_key(kr, token, hlen);
    if (!key || !read_claims(dot1 + 1, plen, now, out))
        return TOKEN_INVALID;
    uint8_t sig[64];
    if (b64url_decode(dot2 + 1, slen, sig, sizeof sig) != 64 ||
        !es256_verify(key->pub, (const uint8_t *)token, (size_t)(dot2 - token), sig)) {
        remember_failure(d, now);
        return TOKEN_INVALID;
    }
    remember(d, out, key->kid);
    return TOKEN_OK;
}

/* ---- signing ---- */

/* libjwt writes whatever S OpenSSL chose; verification accepts the low one only. */
static void low_s_form(char *token)
{
    char *sig = token ? strrchr(token, '.') : NULL;
    uint8_t raw[64];
    if (!sig || b64url_decode(sig + 1, strlen(sig + 1), raw, sizeof raw) != 64)
        return;
    es256_normalize_s(raw);
    b64url_encode(raw, sizeof raw, sig + 1, strlen(sig + 1) + 1);
}

static int add_optional(jwt_t *j, const char *name, const char *value)
{
    return value && *value ? jwt_add_grant(j, name, value) : 0;
}

char *token_sign(const keyring *kr, const token_request *rq, int64_t now)
{
    const ow_config *cfg = config_current();
    const signing_key *signer = keyring_signer(kr, now * 1000);
    if (!signer)
        return NULL;
    const token_claims *c = rq->claims;
    uint8_t raw[12];
    char jti[24];
    randombytes_buf(raw, sizeof raw);
    b64url_encode(raw, sizeof raw, jti, sizeof jti);
    jwt_t *j = NULL;
    char *out = NULL;
    if (jwt_new(&j) == 0 &&
        jwt_set_alg(j, JWT_ALG_ES256, (const unsigned char *)signer->private_pem,
                    (int)signer->private_len) == 0 &&
        jwt_add_header(j, "kid", signer->kid) == 0 &&
        jwt_add_grant(j, "iss", cfg->jwt_issuer) == 0 &&
        jwt_add_grant(j, "aud", rq->audience ? rq->audience : cfg->jwt_audience) == 0 &&
        jwt_add_grant(j, "sub", c->sub) == 0 &&
        jwt_add_grant(j, "role", token_role_name(c->role)) == 0 &&
        jwt_add_grant(j, "jti", jti) == 0 && add_optional(j, "sid", c->sid) == 0 &&
        add_optional(j, "client_id", c->client_id) == 0 && add_optional(j, "dept", c->dept) == 0 &&
        add_optional(j, "scope", c->scope) == 0 &&
        (c->assurance_level <= 0 ||
         jwt_add_grant_int(j, "assurance_level", c->assurance_level) == 0) &&
        jwt_add_grant_int(j, "iat", (long)now) == 0 &&
        jwt_add_grant_int(j, "nbf", (long)(now + rq->nbf_offset_s)) == 0 &&
        jwt_add_grant_int(j, "exp", (long)(now + rq->ttl_s)) == 0)
        out = jwt_encode_str(j);
    jwt_free(j);
    low_s_form(out);
    return out;
}

char *token_sign_parts(const char *header, const char *payload)
{
    const keyring *kr = keyring_acquire();
    const signing_key *signer = keyring_signer(kr, (int64_t)time(NULL) * 1000);
    EVP_PKEY *pk = signer ? es256_private_from_pem(signer->private_pem) : NULL;
    keyring_release(kr);
    size_t hlen = strlen(header), plen = strlen(payload);
    size_t cap = (hlen + plen) * 4 / 3 + 8 + 90;
    char *out = pk ? malloc(cap) : NULL;
    uint8_t sig[64];
    if (out) {
        b64url_encode((const uint8_t *)header, hlen, out, cap);
        strcat(out, ".");
        size_t at = strlen(out);
        b64url_encode((const uint8_t *)payload, plen, out + at, cap - at);
        at = strlen(out);
        if (es256_sign(pk, (const uint8_t *)out, at, sig) == 0) {
            out[at++] = '.';
            b64url_encode(sig, sizeof sig, out + at, cap - at);
        } else {
            free(out);
            out = NULL;
        }
    }
    EVP_PKEY_free(pk);
    return out;
}

char *token_sign_now(const token_request *rq)
{
    const keyring *kr = keyring_acquire();
    char *token = token_sign(kr, rq, (int64_t)time(NULL));
    keyring_release(kr);
    return token;
}
