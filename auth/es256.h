/* ES256 (ECDSA P-256 with SHA-256) through OpenSSL 3: key generation, the public key as a
 * JWK, its RFC 7638 thumbprint (our kid), and signature verification against a key parsed
 * once (libjwt re-reads the PEM on every call: ~370 µs against ~60 µs here). */
#ifndef OW_ES256_H
#define OW_ES256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define ES256_COORD_B64 44 /* 32 bytes in base64url without padding (43) + NUL */
#define ES256_KID_BYTES 44 /* base64url SHA-256 (43) + NUL */

/* A new key pair as PEM strings (malloc'd; the private one should be wiped and freed). */
int es256_generate(char **private_pem, char **public_pem);
/* The public key of a PEM (SubjectPublicKeyInfo), or NULL when it is not a P-256 key. */
EVP_PKEY *es256_public_from_pem(const char *pem);
/* The key pair of a private PEM, or NULL when it is not a P-256 key. */
EVP_PKEY *es256_private_from_pem(const char *pem);
/* x and y of a public key, base64url without padding. 0 or -1. */
int es256_jwk_xy(EVP_PKEY *pk, char x[ES256_COORD_B64], char y[ES256_COORD_B64]);
/* The RFC 7638 thumbprint of the JWK {crv, kty, x, y}. */
void es256_thumbprint(const char *x, const char *y, char kid[ES256_KID_BYTES]);
/* Checks a JWS signature (raw R‖S, 64 bytes) of msg. A signature with S above n / 2 is
 * refused: ECDSA's (R, n - S) is valid as well, and a token has one form only. */
bool es256_verify(EVP_PKEY *pk, const uint8_t *msg, size_t len, const uint8_t sig[64]);
/* True when S is at most n / 2 (the one form es256_verify accepts). */
bool es256_low_s(const uint8_t sig[64]);
/* Replaces a high S with n - S (the same signature in its accepted form). */
void es256_normalize_s(uint8_t sig[64]);
/* Signs msg with a private key: raw R‖S with the low S. 0 or -1. */
int es256_sign(EVP_PKEY *pk, const uint8_t *msg, size_t len, uint8_t sig[64]);

/* base64url without padding (libsodium): decode returns the length or -1. */
long b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap);
void b64url_encode(const uint8_t *in, size_t len, char *out, size_t cap);

#endif
