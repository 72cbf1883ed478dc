/* Unit tests of auth/: sealing, ES256 keys and JWKs, access tokens (sign, verify, every way a
 * token must be refused, caches), and the cost of a cold verification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "auth/es256.h"
#include "auth/keyring.h"
#include "auth/seal.h"
#include "auth/token.h"
#include "core/config.h"

static ow_config cfg;
static keyring *ring;    /* one key, with its private PEM */
static keyring *foreign; /* another key under the same kid */

static keyring *ring_with_new_key(const char *kid_override)
{
    keyring *kr = calloc(1, sizeof *kr);
    char *priv = NULL, *pub = NULL;
    assert_int_equal(es256_generate(&priv, &pub), 0);
    kr->keys[0].pub = es256_public_from_pem(pub);
    assert_non_null(kr->keys[0].pub);
    assert_int_equal(es256_jwk_xy(kr->keys[0].pub, kr->keys[0].x, kr->keys[0].y), 0);
    es256_thumbprint(kr->keys[0].x, kr->keys[0].y, kr->keys[0].kid);
    if (kid_override)
        snprintf(kr->keys[0].kid, sizeof kr->keys[0].kid, "%s", kid_override);
    kr->n = 1;
    kr->keys[0].private_pem = priv;
    kr->keys[0].private_len = strlen(priv);
    free(pub);
    return kr;
}

static int setup(void **state)
{
    (void)state;
    char err[200];
    if (sodium_init() < 0 || config_load(&cfg, err, sizeof err) != 0)
        return -1;
    config_set_current(&cfg);
    ring = ring_with_new_key(NULL);
    foreign = ring_with_new_key(ring->keys[0].kid);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    keyring_destroy(ring);
    keyring_destroy(foreign);
    return 0;
}

/* ---- seal ---- */

static void test_seal_round_trip_and_tamper(void **state)
{
    (void)state;
    uint8_t key[MASTER_KEY_BYTES], sealed[5 + SEAL_OVERHEAD], out[5];
    randombytes_buf(key, sizeof key);
    seal(key, "signing-key:a", (const uint8_t *)"hello", 5, sealed);
    assert_int_equal(unseal(key, "signing-key:a", sealed, sizeof sealed, out), 0);
    assert_memory_equal(out, "hello", 5);
    assert_int_equal(unseal(key, "signing-key:b", sealed, sizeof sealed, out), -1);
    sealed[30] ^= 1;
    assert_int_equal(unseal(key, "signing-key:a", sealed, sizeof sealed, out), -1);
    assert_int_equal(unseal(key, "signing-key:a", sealed, 10, out), -1);
}

static void test_master_key_file(void **state)
{
    (void)state;
    char path[] = "/tmp/ow-master-XXXXXX", err[200];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    uint8_t key[MASTER_KEY_BYTES];
    const char *good = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
    assert_int_equal(write(fd, good, strlen(good)), (ssize_t)strlen(good));
    close(fd);
    assert_int_equal(master_key_load(path, key, err, sizeof err), 0);
    assert_int_equal(key[1], 0x11);
    FILE *f = fopen(path, "w");
    fputs("not hex at all", f);
    fclose(f);
    assert_int_equal(master_key_load(path, key, err, sizeof err), -1);
    f = fopen(path, "w");
    fputs("0011", f); /* too short */
    fclose(f);
    assert_int_equal(master_key_load(path, key, err, sizeof err), -1);
    unlink(path);
    assert_int_equal(master_key_load("/nonexistent/master.key", key, err, sizeof err), -1);
}

/* ---- tokens ---- */

static char *sign(const keyring *kr, token_role role, int ttl, int nbf, const char *aud)
{
    token_claims c = {.role = role};
    strcpy(c.sub, "42");
    strcpy(c.sid, "s-1");
    token_request rq = {&c, ttl, nbf, aud};
    char *t = token_sign(kr, &rq, (int64_t)time(NULL));
    assert_non_null(t);
    return t;
}

static token_status verify(const char *t)
{
    token_claims c;
    return token_verify(ring, t, strlen(t), (int64_t)time(NULL), &c);
}

static void test_token_round_trip(void **state)
{
    (void)state;
    char *t = sign(ring, ROLE_STAFF, 900, 0, NULL);
    token_claims c;
    assert_int_equal(token_verify(ring, t, strlen(t), (int64_t)time(NULL), &c), TOKEN_OK);
    assert_string_equal(c.sub, "42");
    assert_string_equal(c.sid, "s-1");
    assert_int_equal(c.role, ROLE_STAFF);
    /* again: from the cache, same answer */
    assert_int_equal(token_verify(ring, t, strlen(t), (int64_t)time(NULL), &c), TOKEN_OK);
    free(t);
}

static void test_token_refusals(void **state)
{
    (void)state;
    char *expired = sign(ring, ROLE_CITIZEN, -120, 0, NULL);
    char *in_skew = sign(ring, ROLE_CITIZEN, -30, 0, NULL);
    char *early = sign(ring, ROLE_CITIZEN, 900, 600, NULL);
    char *wrong_aud = sign(ring, ROLE_CITIZEN, 900, 0, "someone-else");
    char *forged = sign(foreign, ROLE_CITIZEN, 900, 0, NULL);
    assert_int_equal(verify(expired), TOKEN_INVALID);
    assert_int_equal(verify(in_skew), TOKEN_OK);
    assert_int_equal(verify(early), TOKEN_INVALID);
    assert_int_equal(verify(wrong_aud), TOKEN_INVALID);
    for (int i = 0; i < 2; i++) /* the second time from the failure memory: still refused */
        assert_int_equal(verify(forged), TOKEN_INVALID);
    char *good = sign(ring, ROLE_CITIZEN, 900, 0, NULL);
    char *flipped = strdup(good);
    char *payload = strchr(flipped, '.') + 1;
    payload[5] = payload[5] == 'A' ? 'B' : 'A';
    assert_int_equal(verify(flipped), TOKEN_INVALID);
    assert_int_equal(verify(good), TOKEN_OK);
    assert_int_equal(verify("garbage"), TOKEN_INVALID);
    assert_int_equal(verify("a.b.c"), TOKEN_INVALID);
    assert_int_equal(verify(""), TOKEN_INVALID);
    char *huge = calloc(6001, 1);
    memset(huge, 'a', 6000);
    huge[100] = huge[200] = '.';
    assert_int_equal(verify(huge), TOKEN_INVALID);
    /* alg none with our kid: the header is checked before anything else */
    char header[200], none[400];
    char json[160];
    snprintf(json, sizeof json, "{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"%s\"}",
             ring->keys[0].kid);
    b64url_encode((const uint8_t *)json, strlen(json), header, sizeof header);
    snprintf(none, sizeof none, "%s.%s", header, strchr(good, '.') + 1);
    assert_int_equal(verify(none), TOKEN_INVALID);
    free(expired);
    free(in_skew);
    free(early);
    free(wrong_aud);
    free(forged);
    free(good);
    free(flipped);
    free(huge);
}

/* A cold verification (not cached) costs ~60 µs of CPU on this kind of machine: the key is
 * parsed once. Printed for BENCHMARKS.md; asserted loosely (sanitizers and valgrind slow
 * it down many times). */
static void test_cold_verification_cost(void **state)
{
    (void)state;
    enum { N = 200 };
    char *tokens[N];
    for (int i = 0; i < N; i++)
        tokens[i] = sign(ring, ROLE_CITIZEN, 900 + i, 0, NULL); /* distinct: all cold */
    struct timespec t0, t1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    for (int i = 0; i < N; i++)
        assert_int_equal(verify(tokens[i]), TOKEN_OK);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    double us =
        ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / N / 1e3;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    for (int i = 0; i < N; i++)
        assert_int_equal(verify(tokens[i]), TOKEN_OK);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    double cached =
        ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / N / 1e3;
    printf("token verification: %.1f µs cold, %.1f µs cached (CPU, one thread)\n", us, cached);
    assert_true(us < 5000);
    assert_true(cached < us);
    for (int i = 0; i < N; i++)
        free(tokens[i]);
}

static void test_jwk_thumbprint(void **state)
{
    (void)state;
    /* RFC 7638 §3.1's example is RSA; for EC the kid must be stable and 43 characters */
    char kid[ES256_KID_BYTES];
    es256_thumbprint(ring->keys[0].x, ring->keys[0].y, kid);
    assert_string_equal(kid, ring->keys[0].kid);
    assert_int_equal(strlen(kid), 43);
    assert_null(
        es256_public_from_pem("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n"));
}

/* (R, n - S) verifies as well as (R, S): the verifier takes only the low S, the signer (and
 * es256_normalize_s) gives it; S = n / 2 is low, n / 2 + 1 high; n - (n - S) = S. */
static void test_low_s(void **state)
{
    (void)state;
    static const uint8_t half[32] = {0x7F, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00,
                                     0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                     0xDE, 0x73, 0x7D, 0x56, 0xD3, 0x8B, 0xCF, 0x42,
                                     0x79, 0xDC, 0xE5, 0x61, 0x7E, 0x31, 0x92, 0xA8};
    uint8_t sig[64] = {0};
    memcpy(sig + 32, half, 32);
    assert_true(es256_low_s(sig));
    sig[63]++; /* n / 2 + 1 */
    assert_false(es256_low_s(sig));
    uint8_t twin[64];
    memcpy(twin, sig, 64);
    es256_normalize_s(twin);
    assert_true(es256_low_s(twin));
    assert_memory_equal(twin + 32, half, 32); /* n - (n/2 + 1) = n/2 (n is odd) */
    /* a real signature and its twin: both forms verify with OpenSSL's ECDSA, ours only one */
    EVP_PKEY *pk = es256_private_from_pem(ring->keys[0].private_pem);
    assert_non_null(pk);
    const uint8_t msg[] = "header.payload";
    assert_int_equal(es256_sign(pk, msg, sizeof msg - 1, sig), 0);
    assert_true(es256_low_s(sig));
    assert_true(es256_verify(ring->keys[0].pub, msg, sizeof msg - 1, sig));
    memcpy(twin, sig, 64);
    unsigned borrow = 0; /* twin's S := n - S, by hand */
    static const uint8_t n[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF,
                                  0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17,
                                  0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};
    for (int i = 31; i >= 0; i--) {
        unsigned d = (unsigned)n[i] - twin[32 + i] - borrow;
        twin[32 + i] = (uint8_t)d;
        borrow = (d >> 8) & 1;
    }
    assert_false(es256_low_s(twin));
    assert_false(es256_verify(ring->keys[0].pub, msg, sizeof msg - 1, twin));
    es256_normalize_s(twin);
    assert_memory_equal(twin, sig, 64);
    EVP_PKEY_free(pk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_low_s),           cmocka_unit_test(test_seal_round_trip_and_tamper),
        cmocka_unit_test(test_master_key_file), cmocka_unit_test(test_token_round_trip),
        cmocka_unit_test(test_token_refusals),  cmocka_unit_test(test_cold_verification_cost),
        cmocka_unit_test(test_jwk_thumbprint),
    };
    return cmocka_run_group_tests_name("auth", tests, setup, teardown);
}
