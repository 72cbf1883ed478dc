#include "core/dsn.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
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

/* A port is 1..65535 in plain decimal digits (no sign, no blanks). */
static int parse_port(const char *s, size_t len, unsigned *port)
{
    if (len == 0 || len > 5)
        return -1;
    unsigned v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v < 1 || v > 65535)
        return -1;
    *port = v;
    return 0;
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
    if (colon && parse_port(colon + 1, (size_t)(s + len - colon - 1), &t->port) != 0)
        return -1;
    return 0;
}

/* One name=value of the query: socket or password_file, each at most once, not empty. */
static int parse_option(const char *s, size_t len, db_target *t)
{
    static const struct {
        const char *name;
        size_t offset, size;
    } options[] = {
        {"socket", offsetof(db_target, socket), sizeof t->socket},
        {"password_file", offsetof(db_target, password_file), sizeof t->password_file},
    };
    const char *eq = memchr(s, '=', len);
    if (!eq || eq + 1 == s + len)
        return -1;
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        size_t nlen = strlen(options[i].name);
        if ((size_t)(eq - s) != nlen || memcmp(s, options[i].name, nlen) != 0)
            continue;
        char *out = (char *)t + options[i].offset;
        if (*out) /* named twice */
            return -1;
        return copy_decoded(out, options[i].size, eq + 1, (size_t)(s + len - eq - 1)) ? 0 : -1;
    }
    return -1; /* an option we do not know */
}

static int parse_options(const char *q, db_target *t)
{
    while (*q) {
        size_t len = strcspn(q, "&");
        if (parse_option(q, len, t) != 0)
            return -1;
        q += len;
        if (*q == '&' && *++q == '\0')
            return -1; /* a trailing '&' */
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
    if (q && (q[1] == '\0' || parse_options(q + 1, t) != 0))
        return -1;
    if (t->password[0] && t->password_file[0])
        return -1; /* two passwords: which one is meant? */
    return 0;
}

int dsn_read_password(db_target *t, char *err, size_t errlen)
{
    if (!t->password_file[0])
        return 0;
    FILE *f = fopen(t->password_file, "r");
    if (!f) {
        snprintf(err, errlen, "password_file %s cannot be read: %s", t->password_file,
                 strerror(errno));
        return -1;
    }
    char *line = fgets(t->password, sizeof t->password, f);
    fclose(f);
    size_t n = line ? strcspn(t->password, "\r\n") : 0;
    if (n == 0 || n == sizeof t->password - 1) {
        memset(t->password, 0, sizeof t->password);
        snprintf(err, errlen, "password_file %s: the first line must hold the password",
                 t->password_file);
        return -1;
    }
    t->password[n] = '\0';
    return 0;
}
