/* SQL of idempotency keys (API.md §1, migration 0008). A key is claimed by inserting an
 * in-flight row that carries a random owner token and a lease; the answer is saved only by
 * that owner, normally inside the transaction of the work itself, so that a retry sees
 * either the work and its answer, or neither. */
#ifndef OW_IDEMPOTENCY_STORE_H
#define OW_IDEMPOTENCY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

#define IDEM_HASH_BYTES 32
#define IDEM_OWNER_BYTES 16

typedef struct idem_ref {
    const char *caller, *key;
    uint8_t hash[IDEM_HASH_BYTES];
    uint8_t owner[IDEM_OWNER_BYTES];
} idem_ref;

typedef struct idem_state {
    const void *hash;
    size_t hash_len;
    int64_t status; /* 0 while in flight */
    const char *content_type;
    const char *location; /* NULL when the answer had none */
    int64_t sealed;       /* the body is sealed (auth/pii.h, field "idempotent-answer") */
    const void *body;
    size_t body_len;
    int64_t leased; /* in flight and its lease still runs */
    int64_t stale;  /* older than 24 h: the key is free again */
} idem_state;

/* DB_OK claimed, DB_DUPLICATE the key exists, or a db_status. */
int idem_claim(db_conn *c, const idem_ref *k, int lease_s);
/* DB_OK with the row, DB_NOT_FOUND (gone), or a failure. */
int idem_read(db_conn *c, arena *a, const idem_ref *k, idem_state *out);
/* Takes over an in-flight row whose lease ran out (same request), or a stale row (any
 * request): DB_OK taken, DB_NOT_FOUND someone else was first, or a failure. */
int idem_take_over(db_conn *c, const idem_ref *k, int lease_s, bool stale);
/* Takes over an in-flight row of the same request whose owner's database connection has
 * certainly ended (a killed worker, a restarted server), lease or not: DB_OK taken,
 * DB_NOT_FOUND the owner may still be at work (or another request was first), or a failure. */
int idem_take_over_gone(db_conn *c, const idem_ref *k, int lease_s);
/* What a replay gives back. */
typedef struct idem_answer {
    int status;
    const char *content_type, *location; /* NULL: none */
    const void *body;
    size_t body_len;
    bool sealed;
} idem_answer;

/* Saves the answer if this request still owns the key: DB_OK saved, DB_NOT_FOUND lost (no
 * longer ours), or a failure. */
int idem_finish(db_conn *c, const idem_ref *k, const idem_answer *answer);
/* Gives the key up (the answer is not to be replayed: 5xx, 429). */
int idem_release(db_conn *c, const idem_ref *k);
/* Deletes the rows older than 24 h (up to 100 000 a call, 1000 at a time). */
int idem_prune(db_conn *c);

#endif
