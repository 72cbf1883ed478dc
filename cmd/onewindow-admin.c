/* onewindow-admin: operators' command line (API.md §9). Output that scripts read is
 * printed as "name: value" lines. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "auth/citizen_admin.h"
#include "auth/keys_admin.h"
#include "auth/org_admin.h"
#include "auth/staff_admin.h"
#include "catalog/catalog_admin.h"
#include "catalog/life_event_admin.h"
#include "core/cli.h"
#include "core/config.h"
#include "workflow/calendar_cache.h"
#include "workflow/stats_counts.h"
#include "workflow/storage_admin.h"
#include "core/log.h"
#include "db/db.h"
#include "db/grants.h"
#include "db/migrate.h"
#include "handlers/routes.h"
#include "push/outbox_admin.h"
#include "workflow/application_admin.h"
#include "workflow/calendar_admin.h"
#include "workflow/delegation_admin.h"

static void print_line(const char *line)
{
    printf("%s\n", line);
}

static int print_config_line(const char *line, void *ctx)
{
    (void)ctx;
    return printf("%s\n", line);
}

/* The API account (db_dsn) for what only reads and writes rows; the owner account
 * (db_owner_dsn) for DDL: migrations, and the benchmark loaders (a temporary table, seq_). */
static int open_db(const ow_config *cfg, bool owner, bool multi_statements, char *err,
                   size_t errlen)
{
    char dsn[1024];
    if (owner)
        config_owner_dsn(cfg, dsn, sizeof dsn);
    else
        config_primary_dsn(cfg, dsn, sizeof dsn);
    /* Imports of big catalogs run long transactions: generous read/write timeouts. */
    db_settings ds = {dsn, NULL, cfg->db_connect_timeout_s, 600, 600, multi_statements};
    return db_init(&ds, err, errlen);
}

/* Migrates with the owner account, then grants the API account (when it is another one)
 * its privileges on every table, new ones included. */
static int cmd_migrate(const ow_config *cfg)
{
    char err[400], api[1024], owner[1024], account[300];
    config_primary_dsn(cfg, api, sizeof api);
    config_owner_dsn(cfg, owner, sizeof owner);
    int tables = 0;
    if (open_db(cfg, true, true, err, sizeof err) != 0 ||
        migrate_apply(print_line, err, sizeof err) != 0 ||
        (strcmp(api, owner) != 0 &&
         (db_account_of(api, account, sizeof account, err, sizeof err) != 0 ||
          grants_apply(db_primary(), account, &tables, err, sizeof err) != 0))) {
        fprintf(stderr, "onewindow-admin migrate: %s\n", err);
        return 1;
    }
    return application_admin_hash_query_codes(); /* what SQL cannot do: it needs a key */
}

static const char *auth_name(auth_policy a)
{
    static const char *names[] = {"public", "citizen",  "staff",   "org",
                                  "user",   "operator", "catalog", "any"};
    return names[a];
}

static void print_routes(const route *table, size_t n, const char *tag)
{
    for (size_t i = 0; i < n; i++)
        printf("%s %s %s%s\n", table[i].method, table[i].pattern, auth_name(table[i].auth), tag);
}

/* The route table as "METHOD PATTERN AUTH" lines (test-only probes marked), so that tests
 * and operators can compare it with api/openapi.yaml. */
static int cmd_routes(void)
{
    print_routes(routes, routes_count, "");
    print_routes(test_routes, test_routes_count, " test-only");
    return 0;
}

static void usage(void)
{
    fprintf(
        stderr,
        "usage: onewindow-admin COMMAND\n"
        "  migrate                        apply the database migrations that are missing\n"
        "  config                         print the effective settings as name: value lines\n"
        "  routes                         print the route table: METHOD PATTERN AUTH\n"
        "  import-catalog FILE [--partial] upsert a JSON catalog; without --partial, items\n"
        "                                 missing from FILE are retired\n"
        "  import-life-events FILE        the life-event bundles (data/life-events.json), all\n"
        "                                 or nothing; bundles missing from FILE are retired\n"
        "  retire-service CODE            stop offering a service (it stays for old records)\n"
        "  add-synonym TERM EXPANSION...  teach search a colloquial or English term\n"
        "  search-misses [--days N]       queries of the last N (7) days that found nothing\n"
        "                                 or whose results nobody opened\n"
        "  rotate-keys [--if-missing]     a new access-token signing key becomes current\n"
        "  create-staff --username U --password P --department CODE\n"
        "                                 a department staff account\n"
        "  create-staff --username U --password P --operator\n"
        "                                 a platform operator (catalog, search)\n"
        "  unlock-staff --username U --reason TEXT\n"
        "                                 end the wrong-password waits of a staff username\n"
        "                                 (audited)\n"
        "  unbind-identity --citizen ID --reason TEXT\n"
        "                                 remove a disputed real-name binding (audited)\n"
        "  create-org --name N --credit-code C --webhook-url URL\n"
        "  create-client --org ID --scopes \"...\"  (prints the secret once)\n"
        "  create-client --list [--org ID] | --rotate CLIENT_ID [--overlap-hours N]\n"
        "  revoke-client CLIENT_ID        its tokens are refused within a second\n"
        "  set-webhook-url --org ID --url URL\n"
        "  rotate-webhook-secret --org ID a new secret; the old one signs 24 h more\n"
        "  disable-org --org ID | enable-org --org ID\n"
        "  delegate --service CODE --org ID --from YYYY-MM-DD --to YYYY-MM-DD\n"
        "  revoke-delegation ID           a delegation ends at once for new applications\n"
        "  set-holidays FILE              official holidays and adjusted workdays of the\n"
        "                                 years in FILE (format of data/holidays.tsv)\n"
        "  audit --target ID              the audit rows of a record (JSON lines)\n"
        "  explain-queries                the query plans of the application, inbox, case-list\n"
        "                                 and feedback-queue queries\n"
        "  rebuild-stats                  recompute the statistics counters from the raw tables\n"
        "  generate-applications --count N [--year]\n"
        "                                 benchmark data: N applications, ~3 events each;\n"
        "                                 --year: a year of completions, ratings and\n"
        "                                 rectification cases (then run rebuild-stats)\n"
        "  generate-orgs --count N        benchmark data: N organizations and a year of\n"
        "                                 delegations that handed the applications to them\n"
        "  outbox --dead | --requeue ID | --requeue --all-dead\n"
        "                                 deliveries that ran out of tries (JSON lines),\n"
        "                                 and another round for them\n");
}

/* Commands that need the database (opened once here). */
/* Every statistics counter recomputed in one transaction, on the stored working-day
 * calendar (API.md §8). */
static int rebuild_stats(void)
{
    int64_t applications, ratings;
    int rc = calendar_cache_load() == 0 ? stats_rebuild(db_primary(), &applications, &ratings)
                                        : DB_ERROR;
    calendar_cache_free();
    if (rc != DB_OK) {
        fprintf(stderr, "rebuild-stats: failed (%d); the counters are as they were\n", rc);
        return 1;
    }
    printf("applications_completed: %lld\nratings: %lld\n", (long long)applications,
           (long long)ratings);
    return 0;
}

static int catalog_command(const ow_config *cfg, int argc, char **argv)
{
    char err[400];
    /* the generators read MariaDB's seq_ tables; rebuild-stats makes temporary tables */
    bool owner = strcmp(argv[1], "generate-applications") == 0 ||
                 strcmp(argv[1], "generate-orgs") == 0 || strcmp(argv[1], "rebuild-stats") == 0;
    if (open_db(cfg, owner, false, err, sizeof err) != 0) {
        fprintf(stderr, "onewindow-admin: %s\n", err);
        return 1;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "import-catalog") == 0 && (argc == 3 || argc == 4)) {
        bool partial = argc == 4 && strcmp(argv[3], "--partial") == 0;
        if (argc == 4 && !partial) {
            usage();
            return 2;
        }
        return catalog_admin_import(argv[2], partial);
    }
    if (strcmp(cmd, "import-life-events") == 0 && argc == 3)
        return life_event_admin_import(argv[2]);
    if (strcmp(cmd, "retire-service") == 0 && argc == 3)
        return catalog_admin_retire(argv[2]);
    if (strcmp(cmd, "search-misses") == 0 && (argc == 2 || argc == 4)) {
        long days = argc == 4 && cli_option(argc, argv, "--days")
                        ? strtol(cli_option(argc, argv, "--days"), NULL, 10)
                        : 7;
        if (days >= 1 && days <= 90 && (argc == 2 || cli_option(argc, argv, "--days")))
            return catalog_admin_search_misses((int)days);
    }
    if (strcmp(cmd, "add-synonym") == 0 && argc >= 4)
        return catalog_admin_add_synonym(argv[2], argv + 3, argc - 3);
    if (strcmp(cmd, "create-staff") == 0)
        return staff_admin_create(argc, argv);
    if (strcmp(cmd, "unlock-staff") == 0)
        return staff_admin_unlock(argc, argv);
    if (strcmp(cmd, "unbind-identity") == 0)
        return citizen_admin_unbind(argc, argv);
    if (strcmp(cmd, "create-org") == 0)
        return org_admin_create_org(argc, argv);
    if (strcmp(cmd, "create-client") == 0)
        return org_admin_create_client(argc, argv);
    if (strcmp(cmd, "revoke-client") == 0)
        return org_admin_revoke_client(argc, argv);
    if (strcmp(cmd, "set-webhook-url") == 0)
        return org_admin_set_webhook_url(argc, argv);
    if (strcmp(cmd, "rotate-webhook-secret") == 0)
        return org_admin_rotate_webhook_secret(argc, argv);
    if (strcmp(cmd, "disable-org") == 0 || strcmp(cmd, "enable-org") == 0)
        return org_admin_set_enabled(argc, argv, strcmp(cmd, "enable-org") == 0);
    if (strcmp(cmd, "delegate") == 0)
        return delegation_admin_delegate(argc, argv);
    if (strcmp(cmd, "revoke-delegation") == 0)
        return delegation_admin_revoke(argc, argv);
    if (strcmp(cmd, "set-holidays") == 0 && argc == 3)
        return calendar_admin_set_holidays(argv[2]);
    if (strcmp(cmd, "audit") == 0 && argc == 4 && cli_option(argc, argv, "--target"))
        return application_admin_audit(cli_option(argc, argv, "--target"));
    if (strcmp(cmd, "explain-queries") == 0 && argc == 2)
        return application_admin_explain();
    if (strcmp(cmd, "rebuild-stats") == 0 && argc == 2)
        return rebuild_stats();
    bool year = argc == 5 && strcmp(argv[4], "--year") == 0;
    if (strcmp(cmd, "generate-applications") == 0 && (argc == 4 || year) &&
        cli_option(argc, argv, "--count")) {
        long n = strtol(cli_option(argc, argv, "--count"), NULL, 10);
        if (n >= 1 && n <= 100000000)
            return application_admin_generate(n, year);
    }
    if (strcmp(cmd, "generate-orgs") == 0 && argc == 4 && cli_option(argc, argv, "--count")) {
        long n = strtol(cli_option(argc, argv, "--count"), NULL, 10);
        if (n >= 1 && n <= 100000)
            return application_admin_generate_orgs(n);
    }
    if (strcmp(cmd, "outbox") == 0)
        return outbox_admin(argc, argv);
    if (strcmp(cmd, "storage") == 0)
        return storage_admin(cfg, argc, argv);
    if (strcmp(cmd, "rotate-keys") == 0 &&
        (argc == 2 || (argc == 3 && !strcmp(argv[2], "--if-missing"))))
        return keys_admin_rotate(cfg, argc == 3);
    usage();
    return 2;
}

int main(int argc, char **argv)
{
    static ow_config cfg;
    char err[400];
    if (argc < 2) {
        usage();
        return 2;
    }
    if (config_load(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "onewindow-admin: config: %s\n", err);
        return 2;
    }
    config_set_current(&cfg);
    /* local days (rebuild-stats, the generators, set-holidays) are the service's, as in the
     * workers: without this the command counted days in the machine's zone */
    setenv("TZ", cfg.timezone, 1);
    tzset();
    log_set_component("admin");
    log_set_level(cfg.log_level);
    if (sodium_init() < 0)
        return 1;
    if (strcmp(argv[1], "migrate") == 0 && argc == 2)
        return cmd_migrate(&cfg);
    if (strcmp(argv[1], "config") == 0 && argc == 2) {
        config_print(&cfg, print_config_line, NULL);
        return 0;
    }
    if (strcmp(argv[1], "routes") == 0 && argc == 2)
        return cmd_routes();
    if (strcmp(argv[1], "import-catalog") == 0 || strcmp(argv[1], "retire-service") == 0 ||
        strcmp(argv[1], "import-life-events") == 0 || strcmp(argv[1], "add-synonym") == 0 ||
        strcmp(argv[1], "rotate-keys") == 0 || strcmp(argv[1], "search-misses") == 0 ||
        strcmp(argv[1], "create-staff") == 0 || strcmp(argv[1], "create-org") == 0 ||
        strcmp(argv[1], "create-client") == 0 || strcmp(argv[1], "set-holidays") == 0 ||
        strcmp(argv[1], "audit") == 0 || strcmp(argv[1], "explain-queries") == 0 ||
        strcmp(argv[1], "generate-applications") == 0 || strcmp(argv[1], "rebuild-stats") == 0 ||
        strcmp(argv[1], "outbox") == 0 || strcmp(argv[1], "unlock-staff") == 0 ||
        strcmp(argv[1], "unbind-identity") == 0 || strcmp(argv[1], "storage") == 0)
        return catalog_command(&cfg, argc, argv);
    static const char *const org_commands[] = {
        "revoke-client", "set-webhook-url", "rotate-webhook-secret", "disable-org",
        "enable-org",    "delegate",        "revoke-delegation",     "generate-orgs",
    };
    for (size_t i = 0; i < sizeof org_commands / sizeof org_commands[0]; i++)
        if (strcmp(argv[1], org_commands[i]) == 0)
            return catalog_command(&cfg, argc, argv);
    usage();
    return 2;
}
