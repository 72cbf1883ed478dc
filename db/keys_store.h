/* SQL of the access-token signing keys (migration 0003). */
#ifndef OW_KEYS_STORE_H
#define OW_KEYS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

/* One key: signs_from_ms is when it starts signing (unix ms, whole seconds; its creation when
 * at once). */
typedef int (*signing_key_fn)(const char *kid, const char *public_pem, const void *sealed,
                              size_t sealed_len, int64_t signs_from_ms, void *ctx);

int keys_store_version(db_conn *c, arena *a, uint64_t *version);
/* The keys that still verify tokens (newest first), strings valid during the call. */
int keys_store_each(db_conn *c, arena *a, signing_key_fn fn, void *ctx);
/* Makes the new key current, signing ahead_s seconds from now; the previous current one
 * signs until then and keeps verifying for keep_s seconds more. With if_missing, does nothing
 * when a current key exists (*created = false). */
int keys_store_rotate(db_conn *c, const char *kid, const char *public_pem, const void *sealed,
                      size_t sealed_len, int ahead_s, int keep_s, bool if_missing, bool *created);

/* The sealed personal-data key: DB_OK (sealed from the arena), DB_NOT_FOUND (none yet), or a
 * failure. */
int data_key_get(db_conn *c, arena *a, const void **sealed, size_t *len);
/* Stores it unless another process did first (then the caller reads theirs). */
int data_key_insert(db_conn *c, const void *sealed, size_t len);

#endif
