#include "auth/es256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <sodium.h>

long b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
    size_t n = 0;
    const char *end = NULL;
    if (sodium_base642bin(out, cap, in, len, NULL, &n, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        end != in + len)
        return -1;
    return (long)n;
}

void b64url_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
    sodium_bin2base64(out, cap, in, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static char *bio_string(BIO *bio)
{
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    char *s = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (s) {
        memcpy(s, data, (size_t)len);
        s[len] = '\0';
    }
    return s;
}

int es256_generate(char **private_pem, char **public_pem)
{
    *private_pem = *public_pem = NULL;
    EVP_PKEY *pk = EVP_EC_gen("P-256");
    BIO *priv = BIO_new(BIO_s_mem()), *pub = BIO_new(BIO_s_mem());
    int rc = -1;
    if (pk && priv && pub && PEM_write_bio_PrivateKey(priv, pk, NULL, NULL, 0, NULL, NULL) == 1 &&
        PEM_write_bio_PUBKEY(pub, pk) == 1) {
        *private_pem = bio_string(priv);
        *public_pem = bio_string(pub);
        rc = *private_pem && *public_pem ? 0 : -1;
    }
    BIO_free(priv);
    BIO_free(pub);
    EVP_PKEY_free(pk);
    return rc;
}

EVP_PKEY *es256_public_from_pem(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *pk = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    char group[32] = "";
    size_t glen = 0;
    if (pk && (!EVP_PKEY_is_a(pk, "EC") ||
               EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                              &glen) != 1 ||
               strcmp(group, "prime256v1") != 0)) {
        EVP_PKEY_free(pk);
        return NULL;
    }
    return pk;
}

EVP_PKEY *es256_private_from_pem(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *pk = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (pk && !EVP_PKEY_is_a(pk, "EC")) {
        EVP_PKEY_free(pk);
        return NULL;
    }
    return pk;
}

static int coord(EVP_PKEY *pk, const char *param, char out[ES256_COORD_B64])
{
    BIGNUM *bn = NULL;
    uint8_t bin[32];
    int ok = EVP_PKEY_get_bn_param(pk, param, &bn) == 1 && BN_bn2binpad(bn, bin, 32) == 32;
    BN_free(bn);
    if (ok)
        b64url_encode(bin, 32, out, ES256_COORD_B64);
    return ok ? 0 : -1;
}

int es256_jwk_xy(EVP_PKEY *pk, char x[ES256_COORD_B64], char y[ES256_COORD_B64])
{
    return coord(pk, OSSL_PKEY_PARAM_EC_PUB_X, x) == 0 &&
                   coord(pk, OSSL_PKEY_PARAM_EC_PUB_Y, y) == 0
               ? 0
               : -1;
}

void es256_thumbprint(const char *x, const char *y, char kid[ES256_KID_BYTES])
{
    char jwk[160];
    int n = snprintf(jwk, sizeof jwk,
                     "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", x, y);
    uint8_t hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(hash, (const uint8_t *)jwk, (unsigned long long)n);
    b64url_encode(hash, sizeof hash, kid, ES256_KID_BYTES);
}

/* The order n of P-256's base point and n / 2 (rounded down), big-endian. */
static const uint8_t p256_order[32] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};
static const uint8_t p256_half_order[32] = {
    0x7F, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xDE, 0x73, 0x7D, 0x56, 0xD3, 0x8B, 0xCF, 0x42, 0x79, 0xDC, 0xE5, 0x61, 0x7E, 0x31, 0x92, 0xA8};

bool es256_low_s(const uint8_t sig[64])
{
    return memcmp(sig + 32, p256_half_order, 32) <= 0;
}

void es256_normalize_s(uint8_t sig[64])
{
    if (es256_low_s(sig))
        return;
    unsigned borrow = 0; /* S := n - S, byte by byte from the end */
    for (int i = 31; i >= 0; i--) {
        unsigned d = (unsigned)p256_order[i] - sig[32 + i] - borrow;
        sig[32 + i] = (uint8_t)d;
        borrow = (d >> 8) & 1;
    }
}

int es256_sign(EVP_PKEY *pk, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    uint8_t der[80];
    size_t der_len = sizeof der;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pk) == 1 &&
              EVP_DigestSign(ctx, der, &der_len, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    const uint8_t *p = der;
    ECDSA_SIG *s = ok ? d2i_ECDSA_SIG(NULL, &p, (long)der_len) : NULL;
    ok = s && BN_bn2binpad(ECDSA_SIG_get0_r(s), sig, 32) == 32 &&
         BN_bn2binpad(ECDSA_SIG_get0_s(s), sig + 32, 32) == 32;
    ECDSA_SIG_free(s);
    if (ok)
        es256_normalize_s(sig);
    return ok ? 0 : -1;
}

bool es256_verify(EVP_PKEY *pk, const uint8_t *msg, size_t len, const uint8_t sig[64])
{
    if (!es256_low_s(sig)) /* (R, n - S) verifies too: one token, one signature */
        return false;
    /* JWS carries R‖S; OpenSSL wants DER. */
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *ss = BN_bin2bn(sig + 32, 32, NULL);
    if (!s || !r || !ss || ECDSA_SIG_set0(s, r, ss) != 1) {
        ECDSA_SIG_free(s);
        BN_free(r);
        BN_free(ss);
        return false;
    }
    uint8_t der[80], *p = der;
    int der_len = i2d_ECDSA_SIG(s, NULL) <= (int)sizeof der ? i2d_ECDSA_SIG(s, &p) : -1;
    ECDSA_SIG_free(s);
    if (der_len <= 0)
        return false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pk) == 1 &&
              EVP_DigestVerify(ctx, der, (size_t)der_len, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}
