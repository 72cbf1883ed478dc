/* SQL of the transactional outbox as onewindow-pushd works it (API.md §6, migration 0008).
 *
 * A claim is one short transaction: the due rows are selected FOR UPDATE SKIP LOCKED in the
 * order of the index (status, next_attempt_at, id) — no filesort, so that concurrent claimers
 * get disjoint batches (InnoDB skips the rows another claimer locked in that order) — and
 * leased by moving next_attempt_at lease_s into
 * the future, with attempts counted. After the commit no lock is held: other claimers skip
 * the rows because they are not due, and a pushd killed mid-batch loses nothing: its rows
 * become due again when the lease runs out; a pushd still at work renews its lease
 * (outbox_renew) so that the lease can be short. Results are written back as they come (a
 * few statements for many rows: JSON_TABLE joins, never one per row), with the host's
 * delivery counters in the same transaction, so that the counters agree with the outbox and
 * a killed pushd leaves to repeat only the sends it had not recorded. */
#ifndef OW_OUTBOX_STORE_H
#define OW_OUTBOX_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

#define OUTBOX_BATCH_MAX 500

/* A claimed delivery with what sending it needs. */
typedef struct outbox_row {
    int64_t id, notification_id, citizen_id, target_id, attempts;
    int64_t application_id; /* of the notification; 0 when none */
    const char *delivery_id, *channel, *target_ref;
    const char *title, *body; /* the notification (NULL when it is gone) */
    const char *device_token; /* push channels: the device (NULL when gone) */
    int64_t device_active;
    const void *phone_enc; /* sms: the citizen's phone, sealed */
    size_t phone_len;
    const char *openid;             /* wechat: the citizen's openid (NULL when not bound) */
    const char *payload;            /* webhook: the event's data (JSON); target_ref its type */
    const char *created_at;         /* RFC 3339: when the delivery was written */
    const char *webhook_url;        /* webhook: the organization's */
    const void *webhook_secret_enc; /* webhook: its signing secret, sealed */
    size_t webhook_secret_len;
    const void *webhook_prev_secret_enc; /* webhook: the rotated one while it still signs */
    size_t webhook_prev_secret_len;
    int64_t org_disabled; /* webhook: the organization is disabled */
} outbox_row;

/* Claims up to batch due rows of the channels (a comma list, e.g. "sms,apns"). Rows whose
 * last try was never recorded are counted as resent for host. */
int outbox_claim(db_conn *c, arena *a, const char *host, const char *channels, int batch,
                 int lease_s, outbox_row **rows, size_t *n);

typedef enum {
    OUTCOME_DONE,  /* delivered (or nothing left to deliver: a deleted device) */
    OUTCOME_RETRY, /* try again after delay_ms */
    OUTCOME_DEAD,  /* the last try failed, or the provider refused for good */
    OUTCOME_GONE,  /* the provider says the token or grant is gone: done, and deactivate it */
} outbox_outcome;

typedef struct outbox_result {
    int64_t id, attempts; /* attempts as claimed (outbox_row.attempts) */
    outbox_outcome outcome;
    int64_t delay_ms;  /* RETRY */
    const char *error; /* RETRY, DEAD, GONE: a short reason for operators (no personal data) */
    const char *channel;
    int64_t target_id; /* GONE of a push channel: the device */
    int64_t citizen_id;
    const char *target_ref; /* GONE of wechat: the template */
    int64_t http_status;    /* the provider's answer (0: none); the webhook delivery log */
    int64_t duration_ms;    /* the request's time; the webhook delivery log */
} outbox_result;

/* Moves the lease of claimed rows (id and attempts as claimed) lease_s ahead, while they are
 * still this claim's. */
int outbox_renew(db_conn *c, arena *a, const outbox_result *rows, size_t n, int lease_s);

/* Writes results of one claim and adds them to host's counters, in one transaction; only the
 * rows still held by that claim (same attempts) change and count: ours[i] says which. Each
 * webhook try also goes into the organizations' delivery log (webhook_attempts). */
int outbox_record(db_conn *c, arena *a, const char *host, const outbox_result *results, size_t n,
                  bool *ours);

/* Uses one of the citizen's WeChat grants for the template: DB_OK used, DB_NOT_FOUND none
 * left, or a failure. */
int outbox_use_grant(db_conn *c, int64_t citizen_id, const char *template_id);

typedef void (*outbox_dead_fn)(int64_t id, const char *delivery_id, const char *channel,
                               int64_t attempts, const char *last_error, const char *created_at,
                               void *ctx);
int outbox_each_dead(db_conn *c, arena *a, outbox_dead_fn fn, void *ctx);
/* Makes dead deliveries due again with fresh attempts: one (id > 0) or all (id 0); *n says
 * how many. */
int outbox_requeue(db_conn *c, int64_t id, int64_t *n);

typedef void (*outbox_counter_fn)(const char *channel, const char *result, int64_t n, void *ctx);
int outbox_each_counter(db_conn *c, arena *a, const char *host, outbox_counter_fn fn, void *ctx);

/* Deletes delivered rows whose last try is more than keep_days old, and the webhook tries of
 * that age (in index order, 1000 at a time, up to 100 000 of each a call): the outbox holds
 * what is pending and a recent history. */
int outbox_prune(db_conn *c, int keep_days);

/* Pending deliveries, the age in seconds of the oldest due one (0 when none is due), and the
 * dead ones waiting for an operator. */
int outbox_depth(db_conn *c, arena *a, int64_t *pending, int64_t *oldest_due_s, int64_t *dead);

#endif
