/* SQL of staff accounts and login sessions (migration 0004). */
#ifndef OW_IDENTITY_STORE_H
#define OW_IDENTITY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

typedef struct staff_row {
    int64_t id;
    const char *username, *password_hash, *department_code, *department_name; /* "" operators */
    bool operator; /* role operator (migration 0051): the platform, not a department */
} staff_row;

/* DB_OK with *id, DB_DUPLICATE when the username is taken, or another db_status. dept NULL:
 * none (operators). */
int staff_create(db_conn *c, const char *username, const char *hash, const char *dept,
                 bool operator, int64_t * id);
/* DB_OK, DB_NOT_FOUND, or a failure. */
int staff_by_username(db_conn *c, arena *a, const char *username, staff_row *out);
int staff_by_id(db_conn *c, arena *a, int64_t id, staff_row *out);

typedef struct session_row {
    const char *role, *client_id;
    int64_t principal_id, generation;
    const void *refresh_hash; /* 32 bytes */
    int64_t rotated_age_ms;   /* since the last rotation (0 when never rotated) */
} session_row;

int session_create(db_conn *c, const char *sid, const char *role, int64_t principal,
                   const char *client_id, const uint8_t hash[32], int ttl_s);
/* Inside a transaction: the live (not revoked, not expired) session, row-locked.
 * DB_OK, DB_NOT_FOUND (none), or a failure. */
int session_lock(db_conn *c, arena *a, const char *sid, session_row *out);
/* The next generation becomes current. */
int session_advance(db_conn *c, const char *sid, int64_t generation, const uint8_t hash[32]);
int session_revoke(db_conn *c, const char *sid);
/* The same for a session of this principal only (another's is left alone). */
int session_revoke_own(db_conn *c, const char *sid, const char *role, int64_t principal);
/* Ends every live session of the principal but keep_sid ("" to end them all). */
int sessions_revoke_others(db_conn *c, const char *role, int64_t principal, const char *keep_sid);

/* Sessions revoked at or after since_ms (unix ms): fn(sid, revoked_ms). */
int sessions_revoked_since(db_conn *c, arena *a, int64_t since_ms,
                           void (*fn)(const char *sid, int64_t revoked_ms, void *ctx), void *ctx);

#endif
