/* The worker's key ring: the signing keys that still verify tokens, each parsed once, with
 * their private keys (unsealed with the master key) and when each starts signing. A rotated-in
 * key is in the ring (and the JWKS) before it signs: until then the previous one signs.
 * Reloaded by the refresher when keys_state.version moves (a rotation is seen within about a
 * second) and swapped in whole; readers pin a ring for the length of a request. */
#ifndef OW_KEYRING_H
#define OW_KEYRING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "auth/es256.h"
#include "core/config.h"

#define KEYRING_MAX 8

typedef struct signing_key {
    char kid[65];
    EVP_PKEY *pub;
    char x[ES256_COORD_B64], y[ES256_COORD_B64];
    char *private_pem; /* NULL when the key only verifies (tests) */
    size_t private_len;
    int64_t signs_from_ms; /* unix ms */
} signing_key;

typedef struct keyring {
    atomic_int refs;
    uint64_t version;
    signing_key keys[KEYRING_MAX]; /* newest first */
    size_t n;
} keyring;

/* Reads the master key (without it no key is trusted: keys must open with it) and registers
 * the reload with core/refresher.c. 0 or -1. */
int keyring_init(const ow_config *cfg);
const keyring *keyring_acquire(void); /* NULL before the first load */
void keyring_release(const keyring *kr);
const signing_key *keyring_find(const keyring *kr, const char *kid, size_t kid_len);
/* The key that signs at now_ms: of those whose time has come, the one that came last; NULL
 * when none has a private key. */
const signing_key *keyring_signer(const keyring *kr, int64_t now_ms);
void keyring_free(void); /* after refresher_stop */

/* Builds a ring from the database now (the admin CLI and tests); NULL on failure. */
keyring *keyring_load(const uint8_t *master_key, uint64_t version);
void keyring_destroy(keyring *kr);

#endif
