/* SQL of ratings (好差评, API.md §8, migration 0080), the services' running rating totals and
 * the rectification cases of bad ratings. The writes of one rating (the row, the totals, the
 * case, the audit line) run in one transaction of workflow/ratings.c. */
#ifndef OW_RATING_STORE_H
#define OW_RATING_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

#define RATING_DIMENSIONS 4 /* efficiency, guide_accuracy, convenience, usability */

typedef struct rating_new {
    int64_t application_id, citizen_id, service_id, org_id, staff_id; /* 0: none */
    const char *application_no, *service_code, *service_name, *department_code, *department_name;
    const char *channel, *handler_type, *handler_name, *app_status, *app_result;
    const char *finished_day, *rated_day; /* YYYY-MM-DD, the service's time zone */
    int score;
    int dimensions[RATING_DIMENSIONS]; /* 0: not given (all or none) */
    const char *tags;                  /* JSON array of tag codes */
    const char *comment;               /* NULL: none */
} rating_new;

/* DB_DUPLICATE when the application has a rating already. */
int rating_insert(db_conn *c, const rating_new *n, int64_t *id);

/* Writes the outbox row that forwards rating id to the 好差评 system (channel haocha, migration
 * 0087): its payload is the rating record as JSON, built here from the stored row (so every
 * field the row keeps is sent as it was kept), event the record's occasion ("rating.created",
 * "rating.excluded"; outbox.target_ref). DB_NOT_FOUND when there is no such rating. */
int rating_forward_insert(db_conn *c, int64_t rating_id, const char *event);

/* The service an application was made for. */
int rating_service_id(db_conn *c, arena *a, int64_t application_id, int64_t *service_id);

/* Adds one score to the service's running totals. */
int rating_totals_add(db_conn *c, int64_t service_id, int score);
/* Takes one score out of them again (a rating excluded on review, 申诉复核). */
int rating_totals_remove(db_conn *c, int64_t service_id, int score);

/* What taking a rating out of the statistics needs (申诉复核): where and when it was counted,
 * its score, whether it is excluded already, and what its rectification case added. */
/* The occasions of a forwarded rating record (the outbox row's target_ref and the payload's
 * "event"): written by workflow/ratings.c, read by push/channel_haocha.c. */
#define RATING_EVENT_CREATED "rating.created"
#define RATING_EVENT_EXCLUDED "rating.excluded"

typedef struct rating_counted {
    int64_t id, service_id, case_id; /* case_id 0: no rectification case */
    const char *application_no, *department_code, *service_code, *rated_day; /* YYYY-MM-DD */
    int score;
    bool excluded, case_closed, visited, visit_satisfied;
    bool case_closed_late; /* closed after its deadline (stats closed_late) */
} rating_counted;

/* By id; for_update locks the rating and its case (inside a transaction; take the case's
 * lock first, rectification_by_id, to keep the order of a closing and a return visit). */
int rating_counted_by_id(db_conn *c, arena *a, int64_t id, bool for_update, rating_counted *out);
/* Excludes a counted rating from the statistics with the reviewer's reason: DB_OK, or
 * DB_NOT_FOUND when it is excluded already. The row itself stays (never deleted). */
int rating_set_excluded(db_conn *c, int64_t id, const char *reason);

/* The staff member who took the application's last step as its department (0: none, e.g. an
 * organization's final step). */
int rating_final_staff(db_conn *c, arena *a, int64_t application_id, int64_t *staff_id);

typedef struct rating_row {
    int64_t id;
    int score;
    int dimensions[RATING_DIMENSIONS]; /* 0: not given */
    const char *tags, *comment, *rated_at, *channel;
    const char *excluded_reason; /* NULL while it counts in the statistics */
} rating_row;

/* The rating of an application: DB_OK, DB_NOT_FOUND, or a failure. */
int rating_of_application(db_conn *c, arena *a, int64_t application_id, rating_row *out);

/* A bundle's own rating (migration 0097): DB_DUPLICATE when the bundle has one already. */
typedef struct bundle_rating_new {
    int64_t bundle_id, citizen_id;
    const char *bundle_no, *life_event_code, *life_event_name, *channel;
    const char *finished_day, *rated_day; /* YYYY-MM-DD, the service's time zone */
    int score;
    int dimensions[RATING_DIMENSIONS]; /* 0: not given (all or none) */
    const char *tags;                  /* JSON array of tag codes */
    const char *comment;               /* NULL: none */
} bundle_rating_new;

int bundle_rating_insert(db_conn *c, const bundle_rating_new *n, int64_t *id);
/* The rating of a bundle: DB_OK, DB_NOT_FOUND, or a failure. */
int rating_of_bundle(db_conn *c, arena *a, int64_t bundle_id, rating_row *out);

typedef struct rectification_new {
    int64_t rating_id, application_id, org_id; /* org_id 0: the department's own */
    const char *application_no, *department_code, *opened_day, *deadline;
} rectification_new;

int rectification_insert(db_conn *c, const rectification_new *n, int64_t *id);

typedef struct rectification_row {
    int64_t id, rating_id, org_id;
    const char *application_no, *department_code, *status, *opened_day, *deadline;
    const char *verification, *measure, *response, *closed_at, *closed_day, *visit, *visited_at;
    const char *created_at;
    int score;           /* the rating's */
    const char *comment; /* the rating's, or NULL */
    const char *tags;    /* the rating's */
    int64_t citizen_id;  /* the rating's: who is told of the response */
    int64_t application_id;
} rectification_row;

int rectification_of_application(db_conn *c, arena *a, int64_t application_id,
                                 rectification_row *out);
/* By id; for_update locks it (inside a transaction). */
int rectification_by_id(db_conn *c, arena *a, int64_t id, bool for_update, rectification_row *out);

/* A queue: a department's cases (its own and its organizations'), or an organization's
 * (org_id ≠ 0); status NULL for all; newest first with id < before; up to limit into out[]. */
typedef struct rectification_query {
    const char *department_code; /* with org_id 0 */
    int64_t org_id;
    const char *status;
    int64_t before;
    int limit;
} rectification_query;

int rectification_list(db_conn *c, arena *a, const rectification_query *q, rectification_row *out,
                       size_t *n);

typedef struct rectification_close {
    int64_t id;
    const char *verification, *measure, *response, *responder, *closed_day;
} rectification_close;

/* Closes an open case with its response: DB_OK, or DB_NOT_FOUND when it was closed already. */
int rectification_set_closed(db_conn *c, const rectification_close *k);
/* The citizen's verdict on a closed case: DB_OK, or DB_NOT_FOUND when the case is not closed
 * or has its verdict already. */
int rectification_set_visit(db_conn *c, int64_t id, const char *visit);

/* EXPLAIN FORMAT=JSON of the case lists (a department's, an organization's; open cases,
 * and all) with sample parameters (`explain-queries`). */
int rectification_explain_queries(db_conn *c, arena *a, db_plan_fn fn, void *ctx);

#endif
