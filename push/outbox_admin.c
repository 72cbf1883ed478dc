#include "push/outbox_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/json_out.h"
#include "db/outbox_store.h"

static void print_dead(int64_t id, const char *delivery_id, const char *channel, int64_t attempts,
                       const char *last_error, const char *created_at, void *ctx)
{
    (void)ctx;
    cJSON *o = cJSON_CreateObject();
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    cJSON_AddStringToObject(o, "id", ids);
    cJSON_AddStringToObject(o, "delivery_id", delivery_id);
    cJSON_AddStringToObject(o, "channel", channel);
    cJSON_AddNumberToObject(o, "attempts", (double)attempts);
    json_add_string_or_null(o, "last_error", last_error);
    cJSON_AddStringToObject(o, "created_at", created_at);
    json_print_line(o);
}

static int requeue(const char *what)
{
    int64_t id = 0;
    if (strcmp(what, "--all-dead") != 0) {
        char *end;
        id = strtoll(what, &end, 10);
        if (*end || id <= 0) {
            fprintf(stderr, "outbox: --requeue takes a delivery's id or --all-dead\n");
            return 2;
        }
    }
    int64_t n = 0;
    int rc = outbox_requeue(db_primary(), id, &n);
    if (rc != DB_OK) {
        fprintf(stderr, "outbox: the database refused (%d)\n", rc);
        return 1;
    }
    printf("requeued: %lld\n", (long long)n);
    return id > 0 && n == 0 ? 1 : 0; /* a named delivery that is not dead: say so */
}

int outbox_admin(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[2], "--dead") == 0) {
        arena a;
        arena_init(&a, 1 << 16);
        int rc = outbox_each_dead(db_primary(), &a, print_dead, NULL);
        arena_destroy(&a);
        return rc == DB_OK ? 0 : 1;
    }
    if (argc == 4 && strcmp(argv[2], "--requeue") == 0)
        return requeue(argv[3]);
    if (argc == 3 && strcmp(argv[2], "--all-dead") == 0) /* outbox --all-dead: same as above */
        return requeue("--all-dead");
    fprintf(stderr, "usage: onewindow-admin outbox --dead | --requeue ID | --requeue --all-dead\n");
    return 2;
}
