/* SQL of uploads, stored objects and upload quotas (migration 0071). */
#ifndef OW_UPLOAD_STORE_H
#define OW_UPLOAD_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

#define UPLOAD_ID_BYTES 33 /* 32 hex digits and its NUL */

/* Counts an upload of `bytes` against the citizen's quota of the day (UTC date of the
 * database, *day: "YYYY-MM-DD"): DB_OK when within count_max and bytes_max (the counters
 * moved), DB_NOT_FOUND when over (nothing counted), or a failure. Its own transaction. */
int upload_quota_take(db_conn *c, arena *a, int64_t citizen_id, int64_t bytes, int64_t count_max,
                      int64_t bytes_max, const char **day);
/* Takes back what upload_quota_take counted on *day (the upload was not stored). */
int upload_quota_give_back(db_conn *c, int64_t citizen_id, int64_t bytes, const char *day);

/* Marks an object as being written (so that a sweep leaves it alone for a while), to be
 * looked at again by the sweep after recheck_s (a write whose upload row never came). */
int store_object_touch(db_conn *c, const char *sha, const char *content_type, int64_t bytes,
                       int64_t recheck_s);

typedef struct upload_row {
    const char *id, *content_type, *sha256, *created_at, *expires_at; /* RFC 3339 */
    int64_t citizen_id, bytes, application_id;                        /* 0: not attached */
    const char *material_code;                                        /* NULL: not attached */
} upload_row;

/* A new upload expiring ttl_s from now; *out read back (times from the database). */
int upload_insert(db_conn *c, arena *a, const char *id, int64_t citizen_id,
                  const char *content_type, int64_t bytes, const char *sha, int64_t ttl_s,
                  upload_row *out);

/* The citizen's upload, still unattached and unexpired, locked for attaching (inside a
 * transaction): DB_OK, DB_NOT_FOUND, or a failure. */
int upload_lock_unattached(db_conn *c, arena *a, const char *id, int64_t citizen_id,
                           upload_row *out);
/* Attaches a locked upload to an application as a material (no expiry any more). */
int upload_attach(db_conn *c, const char *id, int64_t application_id, const char *material_code);

/* Up to `limit` expired unattached uploads, locked (SKIP LOCKED: sweepers on other hosts get
 * others); ids into out[] (arena strings). Inside a transaction. */
int upload_expired(db_conn *c, arena *a, int limit, const char **ids, const char **shas,
                   const char **types, size_t *n);
/* Deletes an expired upload and makes its object due for the sweep (it may have been the
 * object's last reference). */
int upload_delete(db_conn *c, const char *id, const char *sha);

/* Up to `limit` objects due for the sweep (sweep_after passed), oldest first. */
int store_objects_due(db_conn *c, arena *a, int limit, const char **shas, const char **types,
                      size_t *n);

/* The object of sha locked for a sweep when no upload refers to it and it was not touched for
 * grace_s: DB_OK (locked, inside a transaction), DB_NOT_FOUND (still wanted), or a failure. */
int store_object_lock_unused(db_conn *c, arena *a, const char *sha, int64_t grace_s);
int store_object_forget(db_conn *c, const char *sha);
/* An object the sweep kept: not due while uploads refer to it, else when its grace ends. */
int store_object_recheck(db_conn *c, const char *sha, int64_t grace_s);

/* storage --check: every object the database knows, once: those of store_objects rows and of
 * uploads; needed when an upload refers to it (its object must be there; a store_objects row
 * alone may be a write in flight, or one that failed, whose row the sweep forgets). */
typedef int (*upload_object_fn)(const char *sha, const char *content_type, bool needed, void *ctx);
int store_objects_each(db_conn *c, arena *a, upload_object_fn fn, void *ctx);
/* Uploads whose application_id names no application (should be none). */
int uploads_orphaned(db_conn *c, arena *a, int64_t *count);

#endif
