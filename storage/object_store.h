/* The object store of uploaded files (README "Uploads and materials"): content addressed,
 * an object's key is its SHA-256 in hex and the extension of its media type
 * ("<sha256>.pdf"). Two back ends, chosen by the `storage` setting:
 *   - fs: files under store_dir ("ab/<sha256>.pdf"), written under a temporary name,
 *     fsynced, renamed into place and the folder fsynced; nginx serves them from an
 *     internal location;
 *   - s3: any S3-compatible store (MinIO, Ceph RGW, Alibaba OSS) through libcurl's SigV4
 *     signing; nginx serves a download by proxying a presigned GET from an internal
 *     location, so neither the worker nor the client ever holds the store's credentials.
 * Every function is safe from many threads. */
#ifndef OW_OBJECT_STORE_H
#define OW_OBJECT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/config.h"

#define OBJECT_KEY_BYTES 72 /* 64 hex digits, '.', an extension and its NUL */

/* Checks the settings and prepares the store's folders: store_dir (default <var_dir>/store),
 * the fs store's objects, and with either back end its tmp/, the spool of uploads in flight
 * (storage/spool.c). 0, or -1 with the reason. */
int store_init(const ow_config *cfg, char *why, size_t whylen);

/* The key of an object: "<sha256>.<ext>". */
void store_key(const char *sha_hex, const char *media_type, char key[OBJECT_KEY_BYTES]);

/* Stores the spool file of `size` bytes (fd, whose SHA-256 is sha_hex) under its key; an
 * object already there is kept (the same bytes). 0, or -1 (logged). */
int store_put(int fd, off_t size, const char *sha_hex, const char *media_type);

/* 0 when the object is gone (or was never there), -1 on failure. */
int store_delete(const char *key);

/* 1 present, 0 absent, -1 could not tell. */
int store_exists(const char *key);

/* The internal URI nginx serves the object from (the value of X-Accel-Redirect). */
int store_download_uri(const char *key, char *out, size_t len);

/* Calls fn for every object key in the store (storage --check); 0, or -1 on failure. */
int store_list(int (*fn)(const char *key, void *ctx), void *ctx);

/* The back end in use: "fs" or "s3". */
const char *store_kind(void);

#endif
