/* SQL of delegations (授权委托, API.md §7, migration 0040): a service handed to an
 * organization for a window of days (YYYY-MM-DD, inclusive, in the service's time zone).
 * The writes that belong together (the row, its audit line, the organization's webhook) run
 * in transactions of workflow/delegations.c. */
#ifndef OW_DELEGATION_STORE_H
#define OW_DELEGATION_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

/* A service as a delegation sees it, its row locked (inside a transaction) so that the
 * overlap check and the insert of one service run one at a time. */
typedef struct delegation_service {
    int64_t id;
    const char *code, *name, *department_code;
    bool retired;
} delegation_service;

/* DB_OK, DB_NOT_FOUND (no such code), or a failure. */
int delegation_lock_service(db_conn *c, arena *a, const char *code, delegation_service *out);

/* An organization that may receive delegations: DB_OK with its name, DB_NOT_FOUND when there
 * is none or it is disabled. */
int delegation_org_name(db_conn *c, arena *a, int64_t org_id, const char **name);

/* How many delegations of the service that are not revoked share a day with [from, to]. */
int delegation_overlaps(db_conn *c, arena *a, int64_t service_id, const char *from, const char *to,
                        int64_t *count);

typedef struct delegation_new {
    int64_t service_id, org_id;
    const char *department_code, *from, *to, *created_by;
} delegation_new;

int delegation_insert(db_conn *c, const delegation_new *d, int64_t *id);

typedef struct delegation_row {
    int64_t id, service_id, org_id;
    const char *service_code, *service_name, *department_code, *org_name;
    const char *from, *to;                            /* YYYY-MM-DD */
    const char *created_at, *revoked_at, *created_by; /* RFC 3339; revoked_at NULL */
} delegation_row;

/* By id; for_update locks it (inside a transaction). DB_OK, DB_NOT_FOUND, or a failure. */
int delegation_by_id(db_conn *c, arena *a, int64_t id, bool for_update, delegation_row *out);

/* Sets revoked_at now: DB_OK, or DB_NOT_FOUND when it was revoked already. */
int delegation_set_revoked(db_conn *c, int64_t id, const char *by);

/* A department's delegations, newest first, with id < before; up to limit into out[]. */
int delegation_list_of_department(db_conn *c, arena *a, const char *department_code, int64_t before,
                                  int limit, delegation_row *out, size_t *n);

/* An organization's delegations that are not revoked and not over (valid_to ≥ today), those
 * ending first first, after the row (after_to, after_id) of the previous page (after_to NULL:
 * from the start); up to limit into out[]. */
int delegation_list_of_org(db_conn *c, arena *a, int64_t org_id, const char *today,
                           const char *after_to, int64_t after_id, int limit, delegation_row *out,
                           size_t *n);

/* The delegation in force for a service on a day (the organization enabled): inside a
 * submission's transaction, the service's and the delegation's rows are share-locked, so that
 * a revocation (which takes the delegation's row) commits either before this read or after the
 * submission, never in between. DB_OK with *delegation_id 0 when none is in force. */
int delegation_in_force_locked(db_conn *c, arena *a, int64_t service_id, const char *today,
                               int64_t *delegation_id, int64_t *org_id, const char **org_name);

/* DB_OK with *revoked, or DB_NOT_FOUND. */
int delegation_is_revoked(db_conn *c, arena *a, int64_t id, bool *revoked);

/* EXPLAIN FORMAT=JSON of the queries above (`explain-queries`). */
int delegation_explain_queries(db_conn *c, arena *a, db_plan_fn fn, void *ctx);

#endif
