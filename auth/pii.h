/* Personal data at rest (API.md §1): phone, ID number and real name are encrypted under the
 * personal-data key (XChaCha20-Poly1305, the field's name as associated data) and found
 * through keyed BLAKE2b hashes (blind indexes). The key is made once, sealed with the master
 * key in the database, and loaded by each process on first use. Also the masks citizens
 * see: 138****8000, 110***********1234, 张*. */
#ifndef OW_PII_H
#define OW_PII_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PII_INDEX_BYTES 32
#define PII_SEAL_OVERHEAD 40

/* Loads (or on first use creates) the personal-data key. 0, or a db_status / -1. */
int pii_ready(void);
/* out holds len + PII_SEAL_OVERHEAD bytes. */
void pii_encrypt(const char *field, const char *text, uint8_t *out, size_t *out_len);
/* The text (NUL-terminated, cap bytes at most) or -1 when it does not open. */
int pii_decrypt(const char *field, const uint8_t *sealed, size_t len, char *out, size_t cap);
void pii_index(const char *field, const char *value, uint8_t out[PII_INDEX_BYTES]);

void pii_mask_phone(const char *phone, char *out, size_t cap);
void pii_mask_id(const char *id, char *out, size_t cap);
void pii_mask_name(const char *name, char *out, size_t cap);

#endif
