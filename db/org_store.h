/* SQL of organizations and their OAuth clients (migration 0006). */
#ifndef OW_ORG_STORE_H
#define OW_ORG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

/* DB_OK with *id, DB_DUPLICATE for a credit code already registered. The webhook secret
 * arrives sealed (auth/pii.c). */
int org_create(db_conn *c, const char *name, const char *credit_code, const char *webhook,
               const void *secret_enc, size_t secret_len, int64_t *id);
/* DB_OK, or DB_ERROR when the organization does not exist (foreign key). */
int oauth_client_create(db_conn *c, const char *client_id, int64_t org_id,
                        const uint8_t secret_hash[32], const char *scopes);

typedef struct oauth_client {
    int64_t org_id;
    const void *secret_hash;
    size_t hash_len;
    const char *scopes;
} oauth_client;

/* An enabled client: DB_OK, DB_NOT_FOUND, or a failure. */
int oauth_client_find(db_conn *c, arena *a, const char *client_id, oauth_client *out);

#endif
