#include "auth/staff_admin.h"

#include <stdio.h>
#include <string.h>

#include "auth/lockout.h"
#include "auth/password.h"
#include "core/cli.h"
#include "db/audit_store.h"
#include "db/identity_store.h"

static bool username_ok(const char *u)
{
    size_t n = strlen(u);
    return n >= 1 && n <= 64 &&
           strspn(u, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-") == n;
}

int staff_admin_create(int argc, char **argv)
{
    const char *username = cli_option(argc, argv, "--username");
    const char *password = cli_option(argc, argv, "--password");
    const char *dept = cli_option(argc, argv, "--department");
    bool operator= false;
    for (int i = 2; i < argc; i++)
        operator= operator|| strcmp(argv[i], "--operator") == 0;
    /* department staff name their department; an operator may (its home unit) or not */
    int want = 6 + (dept ? 2 : 0) + (operator? 1 : 0);
    if (argc != want || !username || !password || (!dept && !operator)) {
        fprintf(stderr, "usage: onewindow-admin create-staff --username U --password P "
                        "(--department CODE | --operator [--department CODE])\n");
        return 2;
    }
    if (!username_ok(username)) {
        fprintf(stderr, "create-staff: username: 1..64 of letters, digits and . _ @ -\n");
        return 2;
    }
    if (!password_acceptable(password)) {
        fprintf(stderr, "create-staff: password: at least 8 characters, not only digits\n");
        return 2;
    }
    char hash[PASSWORD_HASH_BYTES];
    int64_t id = 0;
    if (password_hash(password, hash) != 0) {
        fprintf(stderr, "create-staff: cannot hash the password (out of memory?)\n");
        return 1;
    }
    int rc = staff_create(db_primary(), username, hash, dept, operator, & id);
    if (rc == DB_DUPLICATE) {
        fprintf(stderr, "create-staff: username %s is taken\n", username);
        return 1;
    }
    if (rc != DB_OK) { /* an unknown department fails its foreign key */
        fprintf(stderr, "create-staff: not created (unknown department %s, or database away)\n",
                dept ? dept : "-");
        return 1;
    }
    printf("id: %lld\nusername: %s\n", (long long)id, username);
    if (operator)
        printf("role: operator\n");
    return 0;
}

int staff_admin_unlock(int argc, char **argv)
{
    const char *username = cli_option(argc, argv, "--username");
    const char *reason = cli_option(argc, argv, "--reason");
    if (argc != 6 || !username || !reason || !cli_reason_ok(reason)) {
        fprintf(stderr, "usage: onewindow-admin unlock-staff --username U --reason TEXT "
                        "(1..200 bytes)\n");
        return 2;
    }
    arena a;
    arena_init(&a, 4096);
    staff_row s;
    int rc = staff_by_username(db_primary(), &a, username, &s);
    char operator_name[64], target[40];
    cli_operator(operator_name, sizeof operator_name);
    if (rc == DB_OK) {
        snprintf(target, sizeof target, "staff:%lld", (long long)s.id);
        audit_entry e = {"operator", operator_name, "staff.unlock", target, reason, NULL, NULL};
        rc = lockout_forget(LOGIN_STAFF, username);
        if (rc == DB_OK)
            rc = audit_insert(db_primary(), &e);
    }
    arena_destroy(&a);
    if (rc == DB_NOT_FOUND) {
        fprintf(stderr, "unlock-staff: no staff named %s\n", username);
        return 1;
    }
    if (rc != DB_OK) {
        fprintf(stderr, "unlock-staff: database error (%s)\n", db_status_name(rc));
        return 1;
    }
    printf("username: %s\nunlocked: true\n", username);
    return 0;
}
