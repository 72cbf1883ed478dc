/* Forward-only numbered migrations (db/migrations/NNNN_name.sql, embedded at build time),
 * recorded in schema_migrations with a checksum; applying them is idempotent. */
#ifndef OW_MIGRATE_H
#define OW_MIGRATE_H

#include <stddef.h>

typedef struct migration {
    int version;
    const char *name;
    const char *sql;
} migration;

extern const migration migrations[];
extern const unsigned migrations_count;

/* Applies what is missing, in order, under a database lock so that two hosts cannot
 * migrate at once. report(line) is told each step. Returns 0, or -1 with err set. */
int migrate_apply(void (*report)(const char *line), char *err, size_t errlen);

#endif
