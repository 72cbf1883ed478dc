/* SQL of the login throttle (migration 0022, auth/lockout.c): password failures per login
 * name and the addresses that logged in to each name, both by keyed hash. */
#ifndef OW_LOGIN_FAILURE_STORE_H
#define OW_LOGIN_FAILURE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

/* How failures turn into waits (the same numbers in every statement). */
typedef struct login_policy {
    int free_failures; /* failures that cost no wait */
    int max_wait_s;    /* the longest wait: after n failures (n >= free) 2^(n - free) s */
    int forget_s;      /* failures this long ago are forgotten */
} login_policy;

/* Takes one try of the name before its password is checked, counted as a failure until a
 * right password clears it (parallel guesses cannot exceed the policy). A known client's try
 * is always taken. DB_OK taken; DB_NOT_FOUND the name must wait (*wait_s seconds more); or a
 * failure. */
int login_failure_reserve(db_conn *c, arena *a, const uint8_t subject[32], bool known,
                          const login_policy *p, int64_t *wait_s);
/* A right password: the name's failures are cleared and the client becomes known (for
 * keep_days). Now and then (prune) old rows of both tables are deleted. */
int login_failure_clear(db_conn *c, const uint8_t subject[32], const uint8_t client[32],
                        int keep_days, bool prune);
/* True in *known when the client logged in to the name within keep_days. */
int login_client_known(db_conn *c, arena *a, const uint8_t subject[32], const uint8_t client[32],
                       int keep_days, bool *known);
/* An operator's unlock: the name's failures are gone. */
int login_failure_forget(db_conn *c, const uint8_t subject[32]);

#endif
