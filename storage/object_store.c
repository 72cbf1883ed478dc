#include "storage/object_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/log.h"
#include "core/media_types.h"
#include "storage/s3.h"
#include "storage/spool.h"

#define COPY_BYTES 65536

static struct {
    bool s3;
    char dir[300]; /* fs: the store's folder */
    s3_target target;
    int url_ttl_s;
} store;

static int fail(char *why, size_t len, const char *what)
{
    snprintf(why, len, "%s", what);
    return -1;
}

/* The folder of the fs store, and with either store the parent of the spool folder. */
static int make_folders(const ow_config *cfg, char *why, size_t whylen)
{
    if (*cfg->store_dir)
        snprintf(store.dir, sizeof store.dir, "%s", cfg->store_dir);
    else
        snprintf(store.dir, sizeof store.dir, "%s/store", cfg->var_dir);
    char tmp[320];
    snprintf(tmp, sizeof tmp, "%s/tmp", store.dir);
    if ((mkdir(store.dir, 0750) != 0 && errno != EEXIST) || spool_init(tmp) != 0)
        return fail(why, whylen, "store_dir: cannot create the folder (or its tmp/)");
    return 0;
}

int store_init(const ow_config *cfg, char *why, size_t whylen)
{
    store.s3 = strcmp(cfg->storage, "s3") == 0;
    store.url_ttl_s = cfg->download_url_ttl_s;
    if (store.s3) {
        store.target = (s3_target){cfg->s3_endpoint,   cfg->s3_bucket,     cfg->s3_region,
                                   cfg->s3_access_key, cfg->s3_secret_key, cfg->s3_path_style};
        if (strncmp(cfg->s3_endpoint, "http://", 7) != 0 &&
            strncmp(cfg->s3_endpoint, "https://", 8) != 0)
            return fail(why, whylen, "s3_endpoint: must be http(s)://host[:port]");
        if (!*cfg->s3_bucket || !*cfg->s3_access_key || !*cfg->s3_secret_key)
            return fail(why, whylen,
                        "storage = s3 needs s3_bucket, s3_access_key and s3_secret_key");
    }
    return make_folders(cfg, why, whylen);
}

const char *store_kind(void)
{
    return store.s3 ? "s3" : "fs";
}

void store_key(const char *sha_hex, const char *media_type, char key[OBJECT_KEY_BYTES])
{
    snprintf(key, OBJECT_KEY_BYTES, "%.64s.%s", sha_hex, media_type_ext(media_type));
}

/* fs: "<dir>/ab/<key>". */
static void fs_path(const char *key, char *out, size_t len)
{
    snprintf(out, len, "%s/%.2s/%s", store.dir, key, key);
}

static int fsync_dir(const char *path)
{
    int d = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = d >= 0 ? fsync(d) : -1;
    if (d >= 0)
        close(d);
    return rc;
}

/* The bytes of fd into a new file at tmp (when the spool file cannot be linked: a file
 * system without O_TMPFILE, storage/spool.c). */
static int copy_to(int fd, off_t size, const char *tmp)
{
    int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (out < 0)
        return -1;
    char buf[COPY_BYTES];
    off_t pos = 0;
    int rc = 0;
    while (rc == 0 && pos < size) {
        ssize_t n = pread(fd, buf, sizeof buf, pos);
        if (n <= 0 || write(out, buf, (size_t)n) != n)
            rc = -1;
        pos += n > 0 ? n : 0;
    }
    if (rc == 0)
        rc = fsync(out);
    close(out);
    return rc;
}

static int fs_put(int fd, off_t size, const char *key)
{
    char final[400], tmp[400], dir[340], proc[64];
    fs_path(key, final, sizeof final);
    if (access(final, F_OK) == 0)
        return 0; /* the same bytes are there already */
    snprintf(dir, sizeof dir, "%s/%.2s", store.dir, key);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return -1;
    unsigned char r[8];
    char rhex[17];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(rhex, sizeof rhex, r, sizeof r);
    snprintf(tmp, sizeof tmp, "%s/tmp/%s.%s", store.dir, key, rhex);
    /* The spool file (anonymous, in tmp/ of this folder: the same file system) gets a name
     * by a hard link, which costs no copy; its data is then fsynced. */
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    int rc;
    if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0) {
        rc = fsync(fd);
        chmod(tmp, 0640);
    } else
        rc = copy_to(fd, size, tmp);
    if (rc == 0)
        rc = rename(tmp, final);
    if (rc == 0)
        rc = fsync_dir(dir);
    if (rc != 0) {
        log_cause(LOG_ERROR, "store: writing an object failed: %s", strerror(errno));
        unlink(tmp);
    }
    return rc;
}

int store_put(int fd, off_t size, const char *sha_hex, const char *media_type)
{
    char key[OBJECT_KEY_BYTES];
    store_key(sha_hex, media_type, key);
    return store.s3 ? s3_put(&store.target, key, fd, size, sha_hex, media_type)
                    : fs_put(fd, size, key);
}

int store_delete(const char *key)
{
    if (store.s3)
        return s3_delete(&store.target, key);
    char path[400];
    fs_path(key, path, sizeof path);
    return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

int store_exists(const char *key)
{
    if (store.s3)
        return s3_exists(&store.target, key);
    char path[400];
    fs_path(key, path, sizeof path);
    return access(path, F_OK) == 0 ? 1 : errno == ENOENT ? 0 : -1;
}

int store_download_uri(const char *key, char *out, size_t len)
{
    int n;
    if (store.s3) {
        char signed_path[1600];
        if (s3_presign_get(&store.target, key, (long)time(NULL), store.url_ttl_s, signed_path,
                           sizeof signed_path) != 0)
            return -1;
        /* nginx's /_s3/ location proxies to the store's base (endpoint[/bucket]/) */
        const char *rest = signed_path + 1;
        if (store.target.path_style)
            rest = strchr(rest, '/') + 1;
        n = snprintf(out, len, "/_s3/%s", rest);
    } else
        n = snprintf(out, len, "/_store/%.2s/%s", key, key);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

static int fs_list(int (*fn)(const char *key, void *ctx), void *ctx)
{
    DIR *top = opendir(store.dir);
    if (!top)
        return -1;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(top))) {
        if (strlen(e->d_name) != 2 || e->d_name[0] == '.')
            continue;
        char sub[340];
        snprintf(sub, sizeof sub, "%s/%.2s", store.dir, e->d_name);
        DIR *d = opendir(sub);
        struct dirent *f;
        while (d && rc == 0 && (f = readdir(d)))
            if (f->d_name[0] != '.')
                rc = fn(f->d_name, ctx);
        if (d)
            closedir(d);
    }
    closedir(top);
    return rc;
}

int store_list(int (*fn)(const char *key, void *ctx), void *ctx)
{
    return store.s3 ? s3_list(&store.target, fn, ctx) : fs_list(fn, ctx);
}
