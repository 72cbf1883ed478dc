/* S3-compatible object stores: requests signed with SigV4 by libcurl (CURLOPT_AWS_SIGV4),
 * with x-amz-content-sha256 set to the body's hash; and presigned GETs for downloads
 * (SigV4 query signing, computed here with libsodium's HMAC-SHA-256). Path style
 * (endpoint/bucket/key: MinIO, Ceph RGW) or virtual-hosted style (bucket.endpoint/key:
 * Alibaba OSS, AWS). */
#ifndef OW_S3_H
#define OW_S3_H

#include <stddef.h>
#include <sys/types.h>

typedef struct s3_target {
    const char *endpoint; /* http(s)://host[:port] */
    const char *bucket, *region, *access_key, *secret_key;
    int path_style;
} s3_target;

/* PUT of the file's bytes: 0 on 2xx, else -1. */
int s3_put(const s3_target *t, const char *key, int fd, off_t size, const char *sha_hex,
           const char *content_type);
/* DELETE: 0 on 2xx or 404. */
int s3_delete(const s3_target *t, const char *key);
/* HEAD: 1 present, 0 absent, -1 failure. */
int s3_exists(const s3_target *t, const char *key);
/* Every key of the bucket (ListObjects, page by page). */
int s3_list(const s3_target *t, int (*fn)(const char *key, void *ctx), void *ctx);

/* The path and query of a presigned GET of key valid for ttl_s seconds from now_s (Unix
 * time): "/bucket/key?X-Amz-…" (path style) or "/key?X-Amz-…"; 0, or -1 when it does not
 * fit. */
int s3_presign_get(const s3_target *t, const char *key, long now_s, int ttl_s, char *out,
                   size_t len);

/* The host (and port) requests are signed for: "host:port" or "bucket.host". */
int s3_host(const s3_target *t, char *out, size_t len);

#endif
