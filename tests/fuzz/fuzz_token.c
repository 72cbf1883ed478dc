/* libFuzzer: the access-token parser and verifier (auth/token.c). The first byte picks the
 * mode: odd, the rest is a bearer token as a client sends it; even, the rest is
 * "header JSON \n claims JSON", which the harness signs with the ring's key, so that the
 * claims parser behind the signature check is reached too. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "auth/es256.h"
#include "auth/keyring.h"
#include "auth/token.h"
#include "core/config.h"

static keyring ring;
static EVP_PKEY *private_key;
static ow_config cfg;
#define NOW 1800000000

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[200], *priv = NULL, *pub = NULL;
    unsetenv("ONEWINDOW_CONFIG");
    if (sodium_init() < 0 || config_load(&cfg, err, sizeof err) != 0 ||
        es256_generate(&priv, &pub) != 0)
        return -1;
    config_set_current(&cfg);
    ring.keys[0].pub = es256_public_from_pem(pub);
    es256_jwk_xy(ring.keys[0].pub, ring.keys[0].x, ring.keys[0].y);
    /* A fixed kid, so that seeds in the corpus name it. */
    strcpy(ring.keys[0].kid, "fuzz-key");
    ring.n = 1;
    BIO *bio = BIO_new_mem_buf(priv, -1);
    private_key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    free(priv);
    free(pub);
    return private_key ? 0 : -1;
}

/* ES256 over "h.p" as JOSE wants it: raw R‖S with the low S (the only form verified),
 * base64url. */
static void sign(const char *msg, char *out, size_t cap)
{
    uint8_t raw[64] = {0};
    es256_sign(private_key, (const uint8_t *)msg, strlen(msg), raw);
    b64url_encode(raw, sizeof raw, out, cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > TOKEN_MAX_BYTES)
        return 0;
    token_claims claims;
    if (data[0] & 1) {
        token_verify(&ring, (const char *)data + 1, size - 1, NOW, &claims);
        return 0;
    }
    const char *text = (const char *)data + 1;
    const char *nl = memchr(text, '\n', size - 1);
    if (!nl)
        return 0;
    size_t hlen = (size_t)(nl - text), plen = size - 2 - hlen;
    size_t cap = 2 * size + 200;
    char *token = malloc(cap);
    b64url_encode((const uint8_t *)text, hlen, token, cap);
    size_t at = strlen(token);
    token[at++] = '.';
    b64url_encode((const uint8_t *)nl + 1, plen, token + at, cap - at);
    at = strlen(token);
    token[at++] = '.';
    token[at] = '\0';
    char *signed_part = strndup(token, at - 1);
    sign(signed_part, token + at, cap - at);
    free(signed_part);
    if (token_verify(&ring, token, strlen(token), NOW, &claims) == TOKEN_OK &&
        (claims.role < ROLE_CITIZEN || claims.role > ROLE_ORG))
        __builtin_trap(); /* a verified token always has a known role */
    free(token);
    return 0;
}
