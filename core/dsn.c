#include "core/dsn.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/percent.h"

/* Copies the percent-decoded s[0..len) into out; false if it does not fit or is malformed. */
static bool copy_decoded(char *out, size_t cap, const char *s, size_t len)
{
    arena a;
    arena_init(&a, 1024);
    char *d = percent_decode(&a, s, len, false);
    bool ok = d && strlen(d) < cap;
    if (ok)
        strcpy(out, d);
    arena_destroy(&a);
    return ok;
}

static int parse_authority(const char *s, size_t len, db_target *t)
{
    const char *at = memchr(s, '@', len);
    if (at) {
        const char *colon = memchr(s, ':', (size_t)(at - s));
        size_t ulen = colon ? (size_t)(colon - s) : (size_t)(at - s);
        if (!copy_decoded(t->user, sizeof t->user, s, ulen))
            return -1;
        if (colon &&
            !copy_decoded(t->password, sizeof t->password, colon + 1, (size_t)(at - colon - 1)))
            return -1;
        len -= (size_t)(at + 1 - s);
        s = at + 1;
    }
    const char *colon = memchr(s, ':', len);
    size_t hlen = colon ? (size_t)(colon - s) : len;
    if (hlen == 0 || !copy_decoded(t->host, sizeof t->host, s, hlen))
        return -1;
    if (colon) {
        char *end;
        long port = strtol(colon + 1, &end, 10);
        if (end != s + len || port < 1 || port > 65535)
            return -1;
        t->port = (unsigned)port;
    }
    return 0;
}

int dsn_parse(const char *dsn, db_target *t)
{
    memset(t, 0, sizeof *t);
    t->port = 3306;
    if (strncmp(dsn, "mysql://", 8) != 0)
        return -1;
    const char *s = dsn + 8;
    const char *slash = strchr(s, '/');
    if (!slash || parse_authority(s, (size_t)(slash - s), t) != 0)
        return -1;
    const char *db = slash + 1;
    const char *q = strchr(db, '?');
    size_t dblen = q ? (size_t)(q - db) : strlen(db);
    if (dblen == 0 || !copy_decoded(t->database, sizeof t->database, db, dblen))
        return -1;
    if (q) {
        if (strncmp(q + 1, "socket=", 7) != 0)
            return -1; /* the only option we know */
        const char *sock = q + 8;
        if (!*sock || !copy_decoded(t->socket, sizeof t->socket, sock, strlen(sock)))
            return -1;
    }
    return 0;
}
