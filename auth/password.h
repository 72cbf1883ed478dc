/* Passwords: argon2id through libsodium (crypto_pwhash_str), cost from the configuration
 * (production about 19 MiB and 2 passes; the test configuration is cheaper), and the rule
 * for new passwords (API.md §3: at least 8 characters, not only digits). */
#ifndef OW_PASSWORD_H
#define OW_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_HASH_BYTES 128 /* crypto_pwhash_STRBYTES */
#define PASSWORD_MAX_CHARS 128

int password_hash(const char *password, char out[PASSWORD_HASH_BYTES]); /* 0 or -1 */
bool password_verify(const char *hash, const char *password);
/* Spends the time of one verification (an unknown user must not answer faster). */
void password_verify_dummy(const char *password);
bool password_acceptable(const char *password);

/* Argon2 runs in at most pwhash_concurrency threads of a process at once, so that a flood of
 * password logins cannot occupy every worker thread: a caller takes a slot before hashing or
 * verifying and gives it back after. False when none is free (answer 503 with Retry-After). */
bool password_slot_take(void);
void password_slot_give(void);

#endif
