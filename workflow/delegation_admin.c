#include "workflow/delegation_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cli.h"
#include "workflow/delegations.h"

static void print_delegation(const delegation_row *d)
{
    printf("id: %lld\nservice: %s\norg_id: %lld\nfrom: %s\nto: %s\nstatus: %s\n", (long long)d->id,
           d->service_code, (long long)d->org_id, d->from, d->to,
           d->revoked_at ? "revoked" : "delegated");
}

static int finish(const char *cmd, int rc, const delegation_row *d)
{
    if (rc == DB_OK)
        rc = db_commit(db_primary());
    if (rc != DB_OK) {
        fprintf(stderr, "%s: database %s\n", cmd, rc == DB_UNAVAILABLE ? "unavailable" : "error");
        return 1;
    }
    print_delegation(d);
    return 0;
}

/* A YYYY-MM-DD option: false after saying what is wrong. */
static bool date_option(int argc, char **argv, const char *name, cal_day *out)
{
    const char *v = cli_option(argc, argv, name);
    if (v && cal_day_parse(v, out) == 0)
        return true;
    fprintf(stderr, "delegate: %s: a date YYYY-MM-DD (the service's time zone)\n", name);
    return false;
}

static const char *window_problem(delegation_window w)
{
    switch (w) {
    case DELEGATION_WINDOW_REVERSED: return "--to is before --from";
    case DELEGATION_WINDOW_ENDED: return "--to is before today: the window is over";
    case DELEGATION_WINDOW_TOO_LONG: return "the window is longer than five years (1827 days)";
    default: return NULL;
    }
}

static const char *outcome_problem(int rc)
{
    switch (rc) {
    case DELEGATION_NO_SERVICE: return "no active service with that code";
    case DELEGATION_NO_ORG: return "no enabled organization with that id";
    case DELEGATION_OVERLAP: return "another delegation of the service shares a day with it";
    default: return NULL;
    }
}

int delegation_admin_delegate(int argc, char **argv)
{
    const char *service = cli_option(argc, argv, "--service"),
               *org = cli_option(argc, argv, "--org");
    char *end = NULL;
    long long org_id = org ? strtoll(org, &end, 10) : 0;
    cal_day from, to;
    if (argc != 10 || !service || !org || !end || *end || org_id <= 0) {
        fprintf(stderr, "usage: onewindow-admin delegate --service CODE --org ID "
                        "--from YYYY-MM-DD --to YYYY-MM-DD\n");
        return 2;
    }
    if (!date_option(argc, argv, "--from", &from) || !date_option(argc, argv, "--to", &to))
        return 2;
    const char *problem = window_problem(delegation_window_check(from, to, cal_today()));
    if (problem) {
        fprintf(stderr, "delegate: %s\n", problem);
        return 2;
    }
    char from_s[CAL_DATE_BYTES], to_s[CAL_DATE_BYTES];
    cal_day_format(from, from_s);
    cal_day_format(to, to_s);
    delegation_request rq = {service, (int64_t)org_id, from_s, to_s};
    char operator_name[64];
    cli_operator(operator_name, sizeof operator_name);
    delegation_actor who = {"operator", operator_name, NULL, NULL, NULL};
    delegation_row d;
    arena a;
    arena_init(&a, 8192);
    int rc = delegation_create(db_primary(), &a, &rq, &who, &d);
    problem = outcome_problem(rc);
    if (problem) {
        fprintf(stderr, "delegate: %s\n", problem);
        arena_destroy(&a);
        return 1;
    }
    rc = finish("delegate", rc, &d);
    arena_destroy(&a);
    return rc;
}

int delegation_admin_revoke(int argc, char **argv)
{
    char *end = NULL;
    long long id = argc == 3 ? strtoll(argv[2], &end, 10) : 0;
    if (argc != 3 || !end || *end || id <= 0) {
        fprintf(stderr, "usage: onewindow-admin revoke-delegation ID\n");
        return 2;
    }
    char operator_name[64];
    cli_operator(operator_name, sizeof operator_name);
    delegation_actor who = {"operator", operator_name, NULL, NULL, NULL};
    delegation_row d;
    arena a;
    arena_init(&a, 8192);
    int rc = delegation_revoke(db_primary(), &a, (int64_t)id, &who, &d);
    if (rc == DB_NOT_FOUND) {
        fprintf(stderr, "revoke-delegation: no delegation %lld\n", id);
        arena_destroy(&a);
        return 1;
    }
    rc = finish("revoke-delegation", rc, &d);
    arena_destroy(&a);
    return rc;
}
