#include "auth/seal.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

int master_key_load(const char *path, uint8_t key[MASTER_KEY_BYTES], char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "master key file %s cannot be read", path);
        return -1;
    }
    char hex[200] = "";
    size_t n = fread(hex, 1, sizeof hex - 1, f);
    fclose(f);
    hex[n] = '\0';
    size_t bin_len = 0;
    const char *end = NULL;
    if (sodium_hex2bin(key, MASTER_KEY_BYTES, hex, n, " \t\r\n", &bin_len, &end) != 0 ||
        bin_len != MASTER_KEY_BYTES || (end && *end && !strchr(" \t\r\n", *end))) {
        sodium_memzero(hex, sizeof hex);
        snprintf(err, errlen, "master key file %s must hold 64 hex digits", path);
        return -1;
    }
    sodium_memzero(hex, sizeof hex);
    return 0;
}

void seal(const uint8_t key[MASTER_KEY_BYTES], const char *purpose, const uint8_t *msg, size_t len,
          uint8_t *out)
{
    uint8_t *nonce = out;
    randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
                                               NULL, msg, len, (const uint8_t *)purpose,
                                               strlen(purpose), NULL, nonce, key);
}

int unseal(const uint8_t key[MASTER_KEY_BYTES], const char *purpose, const uint8_t *sealed,
           size_t len, uint8_t *out)
{
    if (len < SEAL_OVERHEAD)
        return -1;
    const uint8_t *nonce = sealed;
    return crypto_aead_xchacha20poly1305_ietf_decrypt(
               out, NULL, NULL, sealed + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
               len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, (const uint8_t *)purpose,
               strlen(purpose), nonce, key) == 0
               ? 0
               : -1;
}
