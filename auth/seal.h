/* Sealing secrets at rest with the master key (libsodium XChaCha20-Poly1305 AEAD): the
 * signing keys now, the personal-data key later. The associated data names what is sealed,
 * so that a sealed value cannot be moved to another row or purpose. */
#ifndef OW_SEAL_H
#define OW_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define MASTER_KEY_BYTES 32
#define SEAL_OVERHEAD 40 /* nonce (24) + tag (16) */

/* Reads the master key: 64 hex digits in a file (whitespace around ignored). 0, or -1
 * with a reason in err. */
int master_key_load(const char *path, uint8_t key[MASTER_KEY_BYTES], char *err, size_t errlen);

/* out must hold len + SEAL_OVERHEAD bytes. */
void seal(const uint8_t key[MASTER_KEY_BYTES], const char *purpose, const uint8_t *msg, size_t len,
          uint8_t *out);
/* out must hold len - SEAL_OVERHEAD bytes. 0, or -1 when forged or sealed for another use. */
int unseal(const uint8_t key[MASTER_KEY_BYTES], const char *purpose, const uint8_t *sealed,
           size_t len, uint8_t *out);

#endif
