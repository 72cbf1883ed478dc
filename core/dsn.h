/* mysql://user:pass@host:port/db[?socket=/path] → connection parameters. */
#ifndef OW_DSN_H
#define OW_DSN_H

typedef struct db_target {
    char host[256];
    char user[128];
    char password[256];
    char database[65];
    char socket[256];
    unsigned port;
} db_target;

/* Returns 0, or -1 when the DSN is malformed. */
int dsn_parse(const char *dsn, db_target *t);

#endif
