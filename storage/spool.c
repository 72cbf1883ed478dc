#include "storage/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

static char spool_dir[300];

int spool_init(const char *dir)
{
    if (snprintf(spool_dir, sizeof spool_dir, "%s", dir) >= (int)sizeof spool_dir)
        return -1;
    /* Only the service reads what is in flight (the store's folder may be nginx's group). */
    if (mkdir(spool_dir, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* Where O_TMPFILE is not supported (some file systems): a named file, unlinked at once, so
 * that it still goes with its last descriptor; the fs store then copies instead of linking. */
static int open_named(void)
{
    unsigned char r[8];
    char hex[17], path[340];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(hex, sizeof hex, r, sizeof r);
    snprintf(path, sizeof path, "%s/spool.%s", spool_dir, hex);
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd >= 0)
        unlink(path);
    return fd;
}

int spool_open(spool *s)
{
    s->bytes = 0;
    crypto_hash_sha256_init(&s->sha);
    s->fd = open(spool_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0640);
    if (s->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL))
        s->fd = open_named();
    if (s->fd < 0)
        log_cause(LOG_ERROR, "upload: no spool file in %s: %s", spool_dir, strerror(errno));
    return s->fd < 0 ? -1 : 0;
}

int spool_write(spool *s, const void *buf, size_t len)
{
    crypto_hash_sha256_update(&s->sha, buf, len);
    for (size_t done = 0; done < len;) {
        ssize_t n = write(s->fd, (const char *)buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            log_cause(LOG_ERROR, "upload: writing the spool file failed: %s",
                      n < 0 ? strerror(errno) : "nothing written");
            return -1;
        }
        done += (size_t)n;
    }
    s->bytes += (int64_t)len;
    return 0;
}

void spool_digest(spool *s, char hex[65])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&s->sha, digest);
    sodium_bin2hex(hex, 65, digest, sizeof digest);
}

void spool_close(spool *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}
