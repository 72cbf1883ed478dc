/* SQL of organizations and their OAuth clients (migrations 0006, 0012, 0042). */
#ifndef OW_ORG_STORE_H
#define OW_ORG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

/* DB_OK with *id, DB_DUPLICATE for a credit code already registered. The webhook secret
 * arrives sealed (auth/pii.c). The organization's change-feed counter (org_feed) is made
 * with it. */
int org_create(db_conn *c, const char *name, const char *credit_code, const char *webhook,
               const void *secret_enc, size_t secret_len, int64_t *id);

typedef struct org_row {
    int64_t id;
    const char *name, *credit_code, *webhook_url, *created_at;
    const char *disabled_at; /* RFC 3339, NULL while enabled */
} org_row;

/* DB_OK, DB_NOT_FOUND, or a failure. */
int org_get(db_conn *c, arena *a, int64_t id, org_row *out);
/* DB_OK, or DB_NOT_FOUND (no such organization). */
int org_set_webhook_url(db_conn *c, arena *a, int64_t id, const char *url);
/* The sealed secret becomes the current one; the current one keeps signing for keep_s more.
 * DB_OK, or DB_NOT_FOUND. */
int org_rotate_webhook_secret(db_conn *c, int64_t id, const void *secret_enc, size_t len,
                              int64_t keep_s);
/* Disables the organization and every client of it, in one transaction: DB_OK, or
 * DB_NOT_FOUND (no such organization, or disabled already). */
int org_disable(db_conn *c, int64_t id);
/* Enables it again (its clients stay disabled): DB_OK, or DB_NOT_FOUND. */
int org_enable(db_conn *c, arena *a, int64_t id);

/* DB_OK, or DB_NOT_FOUND when there is no such organization or it is disabled. */
int oauth_client_create(db_conn *c, const char *client_id, int64_t org_id,
                        const uint8_t secret_hash[32], const char *scopes);

typedef struct oauth_client {
    int64_t org_id;
    const void *secret_hash;
    size_t hash_len;
    const char *scopes;
    const void *prev_secret_hash; /* the rotated-out secret while it still works, else NULL */
    size_t prev_hash_len;
} oauth_client;

/* An enabled client of an enabled organization: DB_OK, DB_NOT_FOUND, or a failure. */
int oauth_client_find(db_conn *c, arena *a, const char *client_id, oauth_client *out);

/* Disables a client (its tokens are refused by every worker: auth/revocations.c): DB_OK (also
 * when it was disabled already), DB_NOT_FOUND, or a failure. */
int oauth_client_disable(db_conn *c, arena *a, const char *client_id);
/* A new secret for an enabled client; the old one keeps working for overlap_s seconds (0: it
 * stops at once): DB_OK, DB_NOT_FOUND (none, or disabled). */
int oauth_client_set_secret(db_conn *c, const char *client_id, const uint8_t secret_hash[32],
                            int overlap_s);

typedef struct oauth_client_row {
    const char *client_id, *org_name, *scopes, *created_at, *rotated_at, *disabled_at;
    const char *previous_secret_until; /* while a rotated-out secret still works, else NULL */
    int64_t org_id;
} oauth_client_row;

/* Every client (of one organization, or all with org_id 0), by organization and creation. */
int oauth_client_each(db_conn *c, arena *a, int64_t org_id,
                      void (*fn)(const oauth_client_row *row, void *ctx), void *ctx);

/* Clients disabled at or after since_ms (unix ms): fn(client_id, disabled_ms). */
int oauth_clients_disabled_since(db_conn *c, arena *a, int64_t since_ms,
                                 void (*fn)(const char *client_id, int64_t disabled_ms, void *ctx),
                                 void *ctx);

#endif
