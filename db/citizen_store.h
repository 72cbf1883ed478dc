/* SQL of citizens and SMS login codes (migration 0005). Personal data arrives here already
 * encrypted, and is looked up by blind index (auth/pii.c). */
#ifndef OW_CITIZEN_STORE_H
#define OW_CITIZEN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

struct audit_entry; /* db/audit_store.h */

typedef struct citizen_row {
    int64_t id;
    const void *phone_enc, *name_enc, *id_number_enc; /* NULL when not set */
    size_t phone_len, name_len, id_number_len;
    const char *password_hash; /* NULL when none */
    int64_t wechat_bound;
    int64_t assurance_level; /* auth/identity_provider.h: 1 phone, 2 form checked, 3 verified */
    const char *created_at;  /* RFC 3339, UTC */
} citizen_row;

/* DB_OK, DB_NOT_FOUND, or a failure. */
int citizen_by_phone(db_conn *c, arena *a, const uint8_t bidx[32], citizen_row *out);
int citizen_by_id(db_conn *c, arena *a, int64_t id, citizen_row *out);
/* Only what GET /me shows (the hot path): phone_enc, name_enc, id_number_enc (non-NULL when
 * verified, its bytes not fetched), wechat_bound, created_at. */
int citizen_profile(db_conn *c, arena *a, int64_t id, citizen_row *out);
int citizen_by_openid(db_conn *c, arena *a, const char *openid, citizen_row *out);
/* Locks the citizen's row (inside a transaction): changes of one citizen that must not pass a
 * limit together (devices, company bindings) queue on it. The reads after it see what the
 * previous holder committed: InnoDB takes a transaction's snapshot at its first plain read,
 * which comes after this lock. DB_OK, DB_NOT_FOUND, or a failure. */
int citizen_lock(db_conn *c, arena *a, int64_t id);
/* Links a WeChat openid: DB_OK linked, DB_NOT_FOUND the citizen already has another one,
 * DB_DUPLICATE when the openid belongs to another citizen, or a failure. */
int citizen_link_wechat(db_conn *c, int64_t id, const char *openid);
/* The citizen with this phone, created if new (one per phone). */
int citizen_get_or_create(db_conn *c, const uint8_t bidx[32], const void *phone_enc, size_t len,
                          int64_t *id);
/* The new password hash and, in the same transaction, the end of every other session of the
 * citizen (all but keep_sid). */
int citizen_set_password(db_conn *c, int64_t id, const char *hash, const char *keep_sid);
/* A verified real name, as stored (encrypted, the ID number's blind index). */
typedef struct citizen_identity {
    const void *name_enc, *id_enc;
    size_t name_len, id_len;
    const uint8_t *id_bidx; /* 32 bytes */
    int assurance_level;
} citizen_identity;

/* Binds a real name to a citizen who has none, with its audit row, in one transaction:
 * DB_OK; DB_DUPLICATE when another citizen holds the ID number; DB_NOT_FOUND when this one
 * is bound already (a parallel request was first); or a failure. */
int citizen_bind_identity(db_conn *c, int64_t id, const citizen_identity *idn,
                          const struct audit_entry *audit);
/* An operator's unbinding (a disputed identity), in one transaction: the real name and ID
 * number are gone, the level is back to 1, every session of the citizen ends, and the audit
 * row says who and why. DB_OK; DB_NOT_FOUND when the citizen has no binding; or a failure. */
int citizen_unbind_identity(db_conn *c, int64_t id, const struct audit_entry *audit);

typedef struct sms_counts {
    int64_t last_age_s; /* seconds since the phone's last code; -1 when none today */
    int64_t today, ip_hour;
} sms_counts;

/* Whether a new code may be sent, given the counts (last_age_s looks at every code of the
 * phone: a minute can span midnight). */
typedef bool (*sms_allow_fn)(const sms_counts *counts, void *ctx);
/* A new code of the phone when allow says so, checked and inserted one phone and one address
 * at a time on any host (their sms_send_locks rows are locked and changed in the
 * transaction): DB_OK with *id, or 0 when allow refused; or a failure. */
int sms_code_issue(db_conn *c, arena *a, const uint8_t phone[32], const uint8_t ip[32],
                   int64_t day_start, const uint8_t code_hash[32], int ttl_s, sms_allow_fn allow,
                   void *ctx, int64_t *id);
/* A code the gateway did not take: gone, so that it neither works nor counts. */
int sms_code_delete(db_conn *c, int64_t id);
/* The phone's newest unused, unexpired code: DB_OK, DB_NOT_FOUND (none), or a failure. */
int sms_code_live(db_conn *c, arena *a, const uint8_t phone[32], int64_t *id,
                  const void **code_hash, int64_t *attempts);
/* Spends one of the code's attempts before it is compared (parallel guesses cannot exceed
 * the limit): DB_OK allowed, DB_NOT_FOUND dead (used or out of attempts), or a failure. */
int sms_code_try(db_conn *c, int64_t id, int max_attempts);
/* DB_OK when this call used it (a code works once), DB_NOT_FOUND when someone else did. */
int sms_code_use(db_conn *c, int64_t id);

/* Records one login attempt of an IP and answers how many it made in the last minute
 * (this one included); now and then clears attempts older than an hour. */
int login_attempt(db_conn *c, arena *a, const uint8_t ip[32], bool prune, int64_t *last_minute);

#endif
