#include "storage/s3.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "core/config.h"
#include "core/http_client.h"
#include "core/log.h"

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define LIST_BODY_MAX (4 * 1024 * 1024)

int s3_host(const s3_target *t, char *out, size_t len)
{
    const char *host = strstr(t->endpoint, "://");
    host = host ? host + 3 : t->endpoint;
    size_t n = strcspn(host, "/");
    int k = t->path_style ? snprintf(out, len, "%.*s", (int)n, host)
                          : snprintf(out, len, "%s.%.*s", t->bucket, (int)n, host);
    return k > 0 && (size_t)k < len ? 0 : -1;
}

/* "/bucket/key" or "/key" (keys are hex, '.', letters: nothing to encode). */
static int object_path(const s3_target *t, const char *key, char *out, size_t len)
{
    int k = t->path_style ? snprintf(out, len, "/%s/%s", t->bucket, key)
                          : snprintf(out, len, "/%s", key);
    return k > 0 && (size_t)k < len ? 0 : -1;
}

static int url_of(const s3_target *t, const char *path_and_query, char *out, size_t len)
{
    char host[256];
    const char *scheme_end = strstr(t->endpoint, "://");
    if (!scheme_end || s3_host(t, host, sizeof host) != 0)
        return -1;
    int k = snprintf(out, len, "%.*s://%s%s", (int)(scheme_end - t->endpoint), t->endpoint, host,
                     path_and_query);
    return k > 0 && (size_t)k < len ? 0 : -1;
}

typedef struct sink {
    char *data;
    size_t len, cap;
    bool keep;
} sink;

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    sink *s = ctx;
    size_t k = size * n;
    if (!s->keep)
        return k;
    if (s->len + k + 1 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 65536;
        while (cap < s->len + k + 1)
            cap *= 2;
        if (cap > LIST_BODY_MAX)
            return 0;
        char *grown = realloc(s->data, cap);
        if (!grown)
            return 0;
        s->data = grown;
        s->cap = cap;
    }
    memcpy(s->data + s->len, p, k);
    s->len += k;
    s->data[s->len] = '\0';
    return k;
}

typedef struct file_source {
    int fd;
    off_t pos;
} file_source;

static size_t on_read(char *p, size_t size, size_t n, void *ctx)
{
    file_source *f = ctx;
    ssize_t k = pread(f->fd, p, size * n, f->pos);
    if (k < 0)
        return CURL_READFUNC_ABORT;
    f->pos += k;
    return (size_t)k;
}

typedef struct s3_call {
    const char *method, *path_and_query, *sha_hex, *content_type;
    int fd;
    off_t size;
    sink *body;
} s3_call;

/* Bounded like every outbound call (core/http_client.c: outbound_connect_timeout_ms, then
 * outbound_timeout_ms in all), since an upload's PUT holds a worker thread; a body adds a
 * second per MiB, so that a 10 MiB upload still fits a slower store. */
static long total_ms(off_t body_bytes)
{
    const ow_config *cfg = config_current();
    return (cfg ? cfg->outbound_timeout_ms : 5000) + (long)(body_bytes / 1024);
}

/* One signed request: the HTTP status, or -1 when none came back. */
static long perform(const s3_target *t, const s3_call *call)
{
    char url[1024], sigv4[128], userpwd[300], sha_header[100], type_header[100];
    if (url_of(t, call->path_and_query, url, sizeof url) != 0)
        return -1;
    CURL *h = curl_easy_init();
    if (!h)
        return -1;
    snprintf(sigv4, sizeof sigv4, "aws:amz:%s:s3", t->region);
    snprintf(userpwd, sizeof userpwd, "%s:%s", t->access_key, t->secret_key);
    snprintf(sha_header, sizeof sha_header, "x-amz-content-sha256: %s",
             call->sha_hex ? call->sha_hex : EMPTY_SHA256);
    /* No "Expect:" to suppress 100-continue: libcurl 7.88 would sign the removed header
     * (SignedHeaders=…;expect;…) and the store would refuse the signature. */
    struct curl_slist *headers = curl_slist_append(NULL, sha_header);
    if (call->content_type) {
        snprintf(type_header, sizeof type_header, "Content-Type: %s", call->content_type);
        headers = curl_slist_append(headers, type_header);
    }
    sink discard = {NULL, 0, 0, false};
    file_source src = {call->fd, 0};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4);
    curl_easy_setopt(h, CURLOPT_USERPWD, userpwd);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    http_client_limits(h, total_ms(call->size)); /* size 0 without a body */
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, call->body ? call->body : &discard);
    if (strcmp(call->method, "PUT") == 0) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, &src);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)call->size);
    } else if (strcmp(call->method, "HEAD") == 0)
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else if (strcmp(call->method, "GET") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, call->method);
    long status = -1;
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    else
        log_cause(LOG_ERROR, "s3 %s failed: %s", call->method, curl_easy_strerror(rc));
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    return status;
}

/* One request on an object without a response body: the HTTP status, or -1. */
static long object_call(const s3_target *t, const char *method, const char *key, int fd, off_t size,
                        const char *sha_hex, const char *content_type)
{
    char path[256];
    if (object_path(t, key, path, sizeof path) != 0)
        return -1;
    s3_call call = {method, path, sha_hex, content_type, fd, size, NULL};
    return perform(t, &call);
}

int s3_put(const s3_target *t, const char *key, int fd, off_t size, const char *sha_hex,
           const char *content_type)
{
    long status = object_call(t, "PUT", key, fd, size, sha_hex, content_type);
    if (status >= 200 && status < 300)
        return 0;
    if (status > 0)
        log_cause(LOG_ERROR, "s3 PUT answered %ld", status);
    return -1;
}

int s3_delete(const s3_target *t, const char *key)
{
    long status = object_call(t, "DELETE", key, -1, 0, NULL, NULL);
    return (status >= 200 && status < 300) || status == 404 ? 0 : -1;
}

int s3_exists(const s3_target *t, const char *key)
{
    long status = object_call(t, "HEAD", key, -1, 0, NULL, NULL);
    return status == 200 ? 1 : status == 404 ? 0 : -1;
}

/* The text of each <tag>…</tag> in xml, in order (the listing's keys are plain: hex, '.'). */
static const char *next_element(const char *xml, const char *tag, char *out, size_t len)
{
    char open[40], close[40];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *start = strstr(xml, open);
    const char *end = start ? strstr(start, close) : NULL;
    if (!end)
        return NULL;
    start += strlen(open);
    snprintf(out, len, "%.*s", (int)(end - start), start);
    return end + strlen(close);
}

int s3_list(const s3_target *t, int (*fn)(const char *key, void *ctx), void *ctx)
{
    char marker[256] = "", path[512], key[256];
    for (;;) {
        int k = t->path_style ? snprintf(path, sizeof path, "/%s/", t->bucket)
                              : snprintf(path, sizeof path, "/");
        if (*marker)
            snprintf(path + k, sizeof path - (size_t)k, "?marker=%s", marker);
        sink body = {NULL, 0, 0, true};
        s3_call call = {"GET", path, NULL, NULL, -1, 0, &body};
        long status = perform(t, &call);
        if (status != 200 || !body.data) {
            free(body.data);
            return -1;
        }
        const char *p = body.data;
        while ((p = next_element(p, "Key", key, sizeof key)))
            if (fn(key, ctx) != 0) {
                free(body.data);
                return -1;
            }
        snprintf(marker, sizeof marker, "%s", key);
        bool more = strstr(body.data, "<IsTruncated>true</IsTruncated>") != NULL;
        free(body.data);
        if (!more)
            return 0;
    }
}

/* --- presigned GET (SigV4 query signing) --------------------------------------------------- */
static void hmac(const unsigned char *key, size_t keylen, const char *msg, unsigned char out[32])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, keylen);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, strlen(msg));
    crypto_auth_hmacsha256_final(&st, out);
}

static void hex(const unsigned char *bin, size_t n, char *out)
{
    sodium_bin2hex(out, n * 2 + 1, bin, n);
}

/* RFC 3986 unreserved characters stay, everything else is %XX (AWS's UriEncode). */
static void uri_encode(const char *s, char *out, size_t len)
{
    size_t o = 0;
    for (; *s && o + 4 < len; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, len - o, "%%%02X", c);
    }
    out[o] = '\0';
}

int s3_presign_get(const s3_target *t, const char *key, long now_s, int ttl_s, char *out,
                   size_t len)
{
    char path[256], host[256], stamp[20], day[9], scope[128], credential[400], query[1024];
    if (object_path(t, key, path, sizeof path) != 0 || s3_host(t, host, sizeof host) != 0)
        return -1;
    time_t now = (time_t)now_s;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    strftime(day, sizeof day, "%Y%m%d", &tm);
    snprintf(scope, sizeof scope, "%s/%s/s3/aws4_request", day, t->region);
    char raw_credential[300];
    snprintf(raw_credential, sizeof raw_credential, "%s/%s", t->access_key, scope);
    uri_encode(raw_credential, credential, sizeof credential);
    snprintf(query, sizeof query,
             "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%s&X-Amz-Date=%s"
             "&X-Amz-Expires=%d&X-Amz-SignedHeaders=host",
             credential, stamp, ttl_s);
    char canonical[2048], digest_hex[65], to_sign[512], signature[65];
    unsigned char digest[32], k[32];
    snprintf(canonical, sizeof canonical, "GET\n%s\n%s\nhost:%s\n\nhost\nUNSIGNED-PAYLOAD", path,
             query, host);
    crypto_hash_sha256(digest, (const unsigned char *)canonical, strlen(canonical));
    hex(digest, 32, digest_hex);
    snprintf(to_sign, sizeof to_sign, "AWS4-HMAC-SHA256\n%s\n%s\n%s", stamp, scope, digest_hex);
    char secret[160];
    snprintf(secret, sizeof secret, "AWS4%s", t->secret_key);
    hmac((const unsigned char *)secret, strlen(secret), day, k);
    hmac(k, 32, t->region, k);
    hmac(k, 32, "s3", k);
    hmac(k, 32, "aws4_request", k);
    hmac(k, 32, to_sign, digest);
    hex(digest, 32, signature);
    sodium_memzero(secret, sizeof secret);
    int n = snprintf(out, len, "%s?%s&X-Amz-Signature=%s", path, query, signature);
    return n > 0 && (size_t)n < len ? 0 : -1;
}
