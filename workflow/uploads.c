#include "workflow/uploads.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/config.h"
#include "core/log.h"
#include "storage/clamd.h"
#include "storage/file_check.h"
#include "storage/object_store.h"

#define SWEEP_BATCH 100
#define SWEEP_OBJECT_BATCHES 50 /* at most 5000 objects per sweep; the next one goes on */
#define SWEEP_GRACE_MAX_S 300

/* How long a freshly written object is safe from the sweep: an upload in flight writes the
 * object before its row exists. */
static int64_t sweep_grace(const ow_config *cfg)
{
    return cfg->upload_ttl_s / 2 < SWEEP_GRACE_MAX_S ? cfg->upload_ttl_s / 2 : SWEEP_GRACE_MAX_S;
}

static int verdict_outcome(file_verdict v)
{
    switch (v) {
    case FILE_OK: return DB_OK;
    case FILE_NOT_ALLOWED: return UPLOAD_NOT_ALLOWED;
    case FILE_MISMATCH: return UPLOAD_MISMATCH;
    case FILE_DAMAGED: return UPLOAD_DAMAGED;
    case FILE_ERROR: break;
    }
    log_cause(LOG_ERROR, "upload: the file type could not be read (libmagic)");
    return DB_ERROR;
}

static int scan(const ow_config *cfg, int fd)
{
    if (!*cfg->clamd_socket)
        return DB_OK;
    switch (clamd_scan(cfg->clamd_socket, fd)) {
    case CLAMD_CLEAN: return DB_OK;
    case CLAMD_INFECTED: return UPLOAD_INFECTED;
    case CLAMD_FAILED: break;
    }
    log_cause(LOG_ERROR, "upload: clamd at %s did not answer", cfg->clamd_socket);
    return UPLOAD_SCAN_FAILED;
}

/* Stores the checked file and records its upload: DB_OK with *out, UPLOAD_STORE_FAILED, or
 * a failure. */
static int store_upload(db_conn *c, arena *a, const ow_config *cfg, const upload_in *in,
                        upload_row *out)
{
    int rc = store_object_touch(c, in->sha256, in->declared, (int64_t)in->bytes,
                                cfg->upload_ttl_s + sweep_grace(cfg));
    if (rc == DB_OK && store_put(in->fd, in->bytes, in->sha256, in->declared) != 0)
        rc = UPLOAD_STORE_FAILED;
    if (rc != DB_OK)
        return rc;
    unsigned char raw[16];
    char id[UPLOAD_ID_BYTES];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(id, sizeof id, raw, sizeof raw);
    return upload_insert(c, a, id, in->citizen_id, in->declared, (int64_t)in->bytes, in->sha256,
                         cfg->upload_ttl_s, out);
}

int upload_accept(db_conn *c, arena *a, const upload_in *in, upload_row *out, const char **sniffed)
{
    const ow_config *cfg = config_current();
    int rc = verdict_outcome(file_check(in->fd, in->bytes, in->declared, sniffed));
    if (rc == DB_OK)
        rc = scan(cfg, in->fd);
    if (rc != DB_OK)
        return rc;
    const char *day = NULL;
    rc = upload_quota_take(c, a, in->citizen_id, (int64_t)in->bytes, cfg->upload_daily_count,
                           (int64_t)cfg->upload_daily_mib * 1024 * 1024, &day);
    if (rc == DB_NOT_FOUND)
        return UPLOAD_QUOTA;
    if (rc != DB_OK)
        return rc;
    rc = store_upload(c, a, cfg, in, out);
    /* Only stored files count: a failed store or record gives its quota back (a database
     * that is away for this may keep it counted: the citizen loses one upload of the day). */
    if (rc != DB_OK && upload_quota_give_back(c, in->citizen_id, (int64_t)in->bytes, day) != DB_OK)
        log_msg(LOG_WARN, "upload: the quota of a failed upload could not be given back");
    return rc;
}

/* The expired uploads of one batch, deleted in one transaction (their objects become due). */
static int sweep_uploads(db_conn *c, arena *a, size_t *n)
{
    const char *ids[SWEEP_BATCH], *shas[SWEEP_BATCH], *types[SWEEP_BATCH];
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    rc = upload_expired(c, a, SWEEP_BATCH, ids, shas, types, n);
    for (size_t i = 0; rc == DB_OK && i < *n; i++)
        rc = upload_delete(c, ids[i], shas[i]);
    if (rc == DB_OK)
        rc = db_commit(c);
    else
        db_rollback(c);
    return rc;
}

/* The object of sha, when nothing refers to it any more: deleted from the store, then its
 * row; 1 when it went, 0 when it stays (due again when its grace ends, or not while uploads
 * refer to it). */
static int sweep_object(db_conn *c, arena *a, const char *sha, const char *type, int64_t grace_s)
{
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    rc = store_object_lock_unused(c, a, sha, grace_s);
    char key[OBJECT_KEY_BYTES];
    store_key(sha, type, key);
    if (rc == DB_OK && store_delete(key) != 0)
        rc = DB_UNAVAILABLE; /* the row stays: the next sweep tries again */
    if (rc == DB_OK)
        rc = store_object_forget(c, sha);
    if (rc == DB_OK && (rc = db_commit(c)) == DB_OK)
        return 1;
    db_rollback(c);
    if (rc == DB_NOT_FOUND)
        rc = store_object_recheck(c, sha, grace_s);
    return rc == DB_OK ? 0 : rc;
}

int uploads_sweep(db_conn *c, arena *a, int64_t *uploads, int64_t *objects)
{
    int64_t grace = sweep_grace(config_current());
    *uploads = *objects = 0;
    size_t n;
    do {
        int rc = sweep_uploads(c, a, &n);
        if (rc != DB_OK)
            return rc;
        *uploads += (int64_t)n;
    } while (n == SWEEP_BATCH);
    for (int batch = 0; batch < SWEEP_OBJECT_BATCHES; batch++) {
        const char *shas[SWEEP_BATCH], *types[SWEEP_BATCH];
        int rc = store_objects_due(c, a, SWEEP_BATCH, shas, types, &n);
        for (size_t i = 0; rc == DB_OK && i < n; i++) {
            int gone = sweep_object(c, a, shas[i], types[i], grace);
            rc = gone < 0 ? gone : DB_OK;
            *objects += gone > 0;
        }
        if (rc != DB_OK || n < SWEEP_BATCH)
            return rc;
    }
    return DB_OK;
}

void uploads_sweep_task(bool stopping)
{
    if (stopping)
        return;
    arena a;
    arena_init(&a, 16384);
    int64_t uploads, objects;
    int rc = uploads_sweep(db_primary(), &a, &uploads, &objects);
    if (rc != DB_OK)
        log_msg(LOG_WARN, "upload sweep failed: %s", db_status_name(rc));
    else if (uploads || objects)
        log_msg(LOG_INFO, "upload sweep: %lld uploads and %lld objects deleted", (long long)uploads,
                (long long)objects);
    arena_destroy(&a);
}
