#include "auth/citizen_admin.h"

#include <stdio.h>
#include <string.h>

#include "core/cli.h"
#include "core/decimal_id.h"
#include "db/audit_store.h"
#include "db/citizen_store.h"

int citizen_admin_unbind(int argc, char **argv)
{
    const char *id_text = cli_option(argc, argv, "--citizen");
    const char *reason = cli_option(argc, argv, "--reason");
    int64_t id = 0;
    if (argc != 6 || !id_text || !reason || !decimal_id_parse(id_text, strlen(id_text), &id) ||
        !cli_reason_ok(reason)) {
        fprintf(stderr, "usage: onewindow-admin unbind-identity --citizen ID --reason TEXT "
                        "(1..200 bytes)\n");
        return 2;
    }
    char operator_name[64], target[40];
    cli_operator(operator_name, sizeof operator_name);
    snprintf(target, sizeof target, "citizen:%lld", (long long)id);
    audit_entry e = {"operator", operator_name, "identity.unbind", target, reason, NULL, NULL};
    int rc = citizen_unbind_identity(db_primary(), id, &e);
    if (rc == DB_NOT_FOUND) {
        fprintf(stderr,
                "unbind-identity: citizen %lld has no real-name binding (or does not "
                "exist)\n",
                (long long)id);
        return 1;
    }
    if (rc != DB_OK) {
        fprintf(stderr, "unbind-identity: database error (%s): nothing changed\n",
                db_status_name(rc));
        return 1;
    }
    printf("citizen: %lld\nunbound: true\n", (long long)id);
    return 0;
}
