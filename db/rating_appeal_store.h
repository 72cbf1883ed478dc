/* SQL of rating appeals (申诉复核, API.md §8, migration 0083): a department's request that one
 * of its ratings be reviewed, and the operator's decision. The writes of an appeal and of a
 * decision run in transactions of workflow/rating_appeals.c. */
#ifndef OW_RATING_APPEAL_STORE_H
#define OW_RATING_APPEAL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

typedef struct appeal_new {
    int64_t rating_id, requested_by;
    const char *department_code, *reason, *evidence; /* evidence NULL: none */
} appeal_new;

/* DB_DUPLICATE when the rating has an appeal already (decided or not). */
int appeal_insert(db_conn *c, const appeal_new *n, int64_t *id);

typedef struct appeal_row {
    int64_t id, rating_id, requested_by, decided_by; /* decided_by 0: none yet */
    const char *department_code, *reason, *evidence, *status, *decision_reason;
    const char *created_at, *decided_at;
    const char *application_no; /* the rated application's */
    int score;                  /* the rating's */
} appeal_row;

/* By id; for_update locks it, and only it (inside a transaction). */
int appeal_by_id(db_conn *c, arena *a, int64_t id, bool for_update, appeal_row *out);

/* The reviewer's queue: status NULL for all; newest first with id < before, up to max. */
int appeal_list(db_conn *c, arena *a, const char *status, int64_t before, size_t max,
                appeal_row *out, size_t *n);

/* Decides a pending appeal: status excluded or kept. DB_NOT_FOUND when it was decided. */
int appeal_set_decided(db_conn *c, int64_t id, const char *status, int64_t decided_by,
                       const char *reason);

#endif
