/* POST /uploads (API.md §5) and the expiry of unattached uploads. An upload is checked
 * (storage/file_check.c: the sniffed type must be the declared one, the structure whole;
 * clamd when configured), counted against the citizen's daily quota, stored in the object
 * store under its SHA-256, and recorded with its expiry. */
#ifndef OW_UPLOADS_H
#define OW_UPLOADS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/arena.h"
#include "db/db.h"
#include "db/upload_store.h"

#define UPLOAD_QUOTA 2        /* the citizen's daily count or bytes would be exceeded */
#define UPLOAD_NOT_ALLOWED 3  /* not a JPEG, PNG or PDF */
#define UPLOAD_MISMATCH 4     /* an accepted type, but not the declared one */
#define UPLOAD_DAMAGED 5      /* damaged or truncated */
#define UPLOAD_INFECTED 6     /* clamd found something */
#define UPLOAD_SCAN_FAILED 7  /* clamd is configured but did not answer: fail closed */
#define UPLOAD_STORE_FAILED 8 /* the object store refused or was away */

typedef struct upload_in {
    int64_t citizen_id;
    const char *declared; /* the request's media type, canonical */
    int fd;               /* the spooled body */
    off_t bytes;
    const char *sha256; /* hex, computed by the dispatcher */
} upload_in;

/* DB_OK with *out, an outcome above (*sniffed: what the bytes looked like), or a failure. */
int upload_accept(db_conn *c, arena *a, const upload_in *in, upload_row *out, const char **sniffed);

/* The refresher task: deletes expired unattached uploads, then the stored objects nothing
 * refers to any more. */
void uploads_sweep_task(bool stopping);

/* One sweep (also `onewindow-admin storage --sweep`): how many uploads and objects went. */
int uploads_sweep(db_conn *c, arena *a, int64_t *uploads, int64_t *objects);

#endif
