/* SQL of applications and their timelines (migration 0008). Every query here is an index
 * range or lookup (the test of `onewindow-admin explain-queries` checks their plans). */
#ifndef OW_APPLICATION_STORE_H
#define OW_APPLICATION_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

#define APP_NO_BYTES 21    /* "YYYYMMDD-XXXXX-XXXXX" and its NUL */
#define QUERY_CODE_BYTES 9 /* eight digits and its NUL */
#define TIMELINE_MAX 500   /* events shown of one application */

/* An active service, with what a submission needs of it. */
typedef struct app_service {
    int64_t id, promised_days;
    int64_t min_assurance_level; /* who may apply (auth/identity_provider.h): 2 or 3 */
    const char *code, *name, *department_code, *department_name;
    const char *handler_type, *handler_name; /* the catalog's 办理主体 */
    const char *audience;                    /* personal | enterprise | both */
    const char *form_schema;                 /* JSON, or NULL: a free form */
    const char *materials;                   /* the material definitions (JSON array) */
} app_service;

/* The material definitions of a service, retired or not (a supplement of an old application). */
int app_service_materials(db_conn *c, arena *a, const char *code, const char **materials);

/* The company an application is made for (all NULL and id 0: a personal application). */
typedef struct app_enterprise {
    int64_t id;
    const char *credit_code, *name, *role;
} app_enterprise;

/* DB_OK (active, not retired), DB_NOT_FOUND, or a failure. */
int app_service_active(db_conn *c, arena *a, const char *code, app_service *out);

/* A query code as stored: its keyed hash (QUERY_CODE_HASH_BYTES) and the code sealed. */
#define QUERY_CODE_HASH_BYTES 32
typedef struct app_query_code {
    const void *hash, *sealed;
    size_t sealed_len;
} app_query_code;

typedef struct app_new {
    const char *no;
    app_query_code code;
    int64_t citizen_id;
    const app_service *service;
    const void *form_enc;
    size_t form_len;
    const char *materials; /* JSON array */
    const char *due_date;  /* YYYY-MM-DD */
    /* the delegation in force at the submission (0: none) and its organization, which then
     * handles the application until it is final (API.md §7) */
    int64_t delegation_id, org_id;
    const char *org_name;
    app_enterprise enterprise;
    int64_t bundle_id; /* the life-event bundle it is a child of; 0: none */
} app_new;

/* DB_DUPLICATE when the number is taken (the caller draws another). */
int app_insert(db_conn *c, const app_new *n, int64_t *id);
/* A new application's material list, once its uploads are attached. */
int app_set_materials(db_conn *c, int64_t id, const char *materials);
/* The database's time of a new application's submission (RFC 3339), for its answer. */
int app_submitted_at(db_conn *c, arena *a, int64_t id, const char **out);

typedef struct app_row {
    int64_t id, citizen_id, org_id;   /* org_id 0: not delegated */
    int64_t delegation_id;            /* 0 unless delegated */
    const char *no, *status, *result; /* result NULL until completed */
    const char *plain_query_code;     /* a row of an older release: the code in clear, or NULL */
    app_query_code code;              /* hash NULL on such a row */
    const char *department_code, *department_name, *service_code, *service_name;
    const char *handler_type, *handler_name, *materials;
    const char *submitted_at, *updated_at, *finished_at; /* RFC 3339; finished_at may be NULL */
    const char *due_date, *paused_on;                    /* YYYY-MM-DD; paused_on may be NULL */
    app_enterprise enterprise;
    const char *timeline; /* JSON array of the steps, oldest first ("" when locked) */
} app_row;

/* By number, with its timeline; for_update locks the row for a step (inside a transaction)
 * and leaves the timeline out. DB_OK, DB_NOT_FOUND, or a failure. */
int app_by_no(db_conn *c, arena *a, const char *no, bool for_update, app_row *out);
/* The children of a bundle in submission order, with their timelines (for_update: locked,
 * without them), into out[0..cap). */
int app_by_bundle(db_conn *c, arena *a, int64_t bundle_id, bool for_update, app_row *out,
                  size_t cap, size_t *n);
/* Rows whose query code is still in clear (migration 0025): how many, and up to limit of
 * them as fn(id, number, code). */
int app_plain_code_count(db_conn *c, arena *a, int64_t *n);
int app_plain_codes(db_conn *c, arena *a, int limit,
                    void (*fn)(int64_t id, const char *no, const char *code, void *ctx), void *ctx);
/* Replaces a row's code in clear with its stored form: DB_OK, or DB_NOT_FOUND when it changed
 * meanwhile. */
int app_code_convert(db_conn *c, int64_t id, const char *plain, const app_query_code *code);
/* The sealed form of an application. */
int app_form(db_conn *c, arena *a, int64_t id, const void **form_enc, size_t *len);

typedef struct app_change {
    int64_t id;
    const char *status, *result; /* result NULL unless completed */
    const char *due_date;        /* YYYY-MM-DD */
    const char *paused_on;       /* NULL unless need_materials */
    const char *materials;       /* the new material list, or NULL: unchanged */
    bool final;
} app_change;

int app_update(db_conn *c, const app_change *ch);

typedef struct app_event {
    int64_t application_id, actor_id; /* actor_id 0: none */
    const char *status, *result, *note, *materials, *actor, *actor_name;
} app_event;

/* The event and its place in the application's timeline projection. */
int app_event_insert(db_conn *c, const app_event *e);

/* One line of a list. */
typedef struct app_summary {
    int64_t id;
    int64_t change_seq; /* the organization's feed only */
    const char *no, *status, *result, *service_code, *service_name;
    const char *submitted_at, *updated_at, *due_date;
} app_summary;

/* A citizen's applications, newest first, with id < before (0: from the newest); status NULL
 * for all. Up to limit rows into out[]. */
int app_list_of_citizen(db_conn *c, arena *a, int64_t citizen_id, const char *status,
                        int64_t before, int limit, app_summary *out, size_t *n);

/* A department's queue: status NULL for the open ones; by_due orders by due date, else by
 * submission. The cursor is the last row seen (after_id, and after_due with by_due). */
typedef struct app_queue_query {
    const char *department_code, *status;
    bool by_due;
    int64_t after_id;
    const char *after_due;
    int limit;
} app_queue_query;

int app_queue(db_conn *c, arena *a, const app_queue_query *q, app_summary *out, size_t *n);

/* The next number of the organization's change sequence for the application (API.md §7),
 * and its line of the feed moved to it (made, for a new application): the last statements
 * of a change's transaction, since the counter's row stays locked to the commit (migration
 * 0041 says why). DB_OK with *seq, or a failure. */
int app_feed_touch(db_conn *c, int64_t application_id, int64_t org_id, bool is_new, int64_t *seq);

/* An organization's change feed: its applications (with status, if given) changed after
 * after_seq, in the order of their last change; up to limit rows into out[]. */
typedef struct app_feed_query {
    int64_t org_id, after_seq;
    const char *status;
    int limit;
} app_feed_query;

int app_feed(db_conn *c, arena *a, const app_feed_query *q, app_summary *out, size_t *n);

/* EXPLAIN FORMAT=JSON of each query above with sample parameters (`explain-queries`). */
int app_explain_queries(db_conn *c, arena *a, db_plan_fn fn, void *ctx);

#endif
