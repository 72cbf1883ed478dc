/* mysql://user:pass@host:port/db[?socket=/path][&password_file=/path] → connection
 * parameters. */
#ifndef OW_DSN_H
#define OW_DSN_H

#include <stddef.h>

typedef struct db_target {
    char host[256];
    char user[128];
    char password[256];
    char database[65];
    char socket[256];
    char password_file[256]; /* the password is this file's first line (dsn_read_password) */
    unsigned port;
} db_target;

/* Returns 0, or -1 when the DSN is malformed. Options may come in any order, each once; a
 * password in the DSN and a password_file are exclusive. */
int dsn_parse(const char *dsn, db_target *t);

/* Reads t->password from t->password_file when one is named (its first line, without the
 * line end). Returns 0, or -1 with a message in err (which never holds the password). */
int dsn_read_password(db_target *t, char *err, size_t errlen);

#endif
