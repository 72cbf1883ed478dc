#include "auth/org_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>
#include <unistr.h>

#include "auth/es256.h"
#include "auth/gb_ids.h"
#include "auth/pii.h"
#include "auth/webhook_url.h"
#include "core/cli.h"
#include "core/config.h"
#include "core/json_out.h"
#include "db/audit_store.h"
#include "db/org_store.h"

/* API.md §7: both webhook secrets sign for 24 h; a rotated client secret works as long */
#define SECRET_OVERLAP_S (24 * 3600)

static const char *const known_scopes[] = {"applications:read", "applications:write",
                                           "notifications:write", "services:read", NULL};

bool org_scopes_known(const char *scopes)
{
    size_t n = strlen(scopes);
    if (n == 0 || scopes[0] == ' ' || scopes[n - 1] == ' ' || strstr(scopes, "  "))
        return false;
    bool seen[sizeof known_scopes / sizeof *known_scopes] = {false};
    for (const char *p = scopes; *p;) {
        size_t len = strcspn(p, " ");
        int found = -1;
        for (int i = 0; known_scopes[i] && found < 0; i++)
            if (strlen(known_scopes[i]) == len && memcmp(known_scopes[i], p, len) == 0)
                found = i;
        if (found < 0 || seen[found]) /* unknown, or named twice */
            return false;
        seen[found] = true;
        p += len + (p[len] == ' ');
    }
    return true;
}

static int db_failed(const char *cmd, int rc)
{
    fprintf(stderr, "%s: database %s\n", cmd, rc == DB_UNAVAILABLE ? "unavailable" : "error");
    return 1;
}

/* The operator's line in the audit log about "org:ID" or "client:ID"; a failure to write it
 * is reported (the change itself is made). */
static void audit(const char *cmd, const char *action, const char *kind, const char *id,
                  const char *detail)
{
    char target[64], operator_name[64];
    snprintf(target, sizeof target, "%s:%s", kind, id);
    cli_operator(operator_name, sizeof operator_name);
    audit_entry au = {"operator", operator_name, action, target, detail, NULL, NULL};
    if (audit_insert(db_primary(), &au) != DB_OK)
        fprintf(stderr, "%s: the change is made, but its audit line could not be written\n", cmd);
}

static void audit_org(const char *cmd, const char *action, int64_t org, const char *detail)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)org);
    audit(cmd, action, "org", id, detail);
}

/* The exit status of a change that found nothing to change (1, saying what), or failed. */
static int not_changed(const char *cmd, int rc, const char *what, const char *id)
{
    if (rc == DB_NOT_FOUND) {
        fprintf(stderr, "%s: no %s %s\n", cmd, what, id);
        return 1;
    }
    return db_failed(cmd, rc);
}

static bool url_acceptable(const char *cmd, const char *url)
{
    char why[160];
    if (webhook_url_check(url, config_current(), why, sizeof why) == 0)
        return true;
    fprintf(stderr, "%s: webhook-url: %s\n", cmd, why);
    return false;
}

/* 256 random bits as 64 hex digits into secret, sealed into sealed (*len); false when the
 * personal-data key is not available. */
static bool new_webhook_secret(const char *cmd, char secret[65], uint8_t *sealed, size_t *len)
{
    uint8_t raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(secret, 65, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    if (pii_ready() != DB_OK) {
        fprintf(stderr, "%s: the personal-data key is not available\n", cmd);
        return false;
    }
    pii_encrypt("webhook_secret", secret, sealed, len);
    return true;
}

/* --org ID as a positive number, or 0. */
static int64_t org_arg(int argc, char **argv)
{
    long long id = 0;
    return cli_number_option(argc, argv, "--org", 1, INT64_MAX, &id) ? (int64_t)id : 0;
}

int org_admin_create_org(int argc, char **argv)
{
    const char *name = cli_option(argc, argv, "--name");
    const char *code = cli_option(argc, argv, "--credit-code");
    const char *webhook = cli_option(argc, argv, "--webhook-url");
    if (argc != 8 || !name || !code || !webhook) {
        fprintf(stderr, "usage: onewindow-admin create-org --name N --credit-code C "
                        "--webhook-url URL\n");
        return 2;
    }
    size_t chars = u8_check((const uint8_t *)name, strlen(name))
                       ? 0
                       : u8_mbsnlen((const uint8_t *)name, strlen(name));
    if (chars < 1 || chars > 100) {
        fprintf(stderr, "create-org: name: 1..100 characters\n");
        return 2;
    }
    if (!gb32100_valid(code)) {
        fprintf(stderr, "create-org: credit-code: not a valid unified social credit code "
                        "(GB 32100: 18 characters, check character)\n");
        return 2;
    }
    if (!url_acceptable("create-org", webhook))
        return 2;
    /* the webhook signing secret (API.md §7): 256 random bits, shown once, stored sealed */
    uint8_t sealed[64 + PII_SEAL_OVERHEAD + 1];
    char secret[65];
    size_t sealed_len = 0;
    if (!new_webhook_secret("create-org", secret, sealed, &sealed_len))
        return 1;
    int64_t id = 0;
    int rc = org_create(db_primary(), name, code, webhook, sealed, sealed_len, &id);
    if (rc == DB_DUPLICATE) {
        fprintf(stderr, "create-org: credit code %s is already registered\n", code);
        return 1;
    }
    if (rc != DB_OK)
        return db_failed("create-org", rc);
    audit_org("create-org", "org.create", id, NULL);
    printf("id: %lld\nwebhook_secret: %s\n", (long long)id, secret);
    sodium_memzero(secret, sizeof secret);
    return 0;
}

int org_admin_set_webhook_url(int argc, char **argv)
{
    int64_t org = org_arg(argc, argv);
    const char *url = cli_option(argc, argv, "--url");
    if (argc != 6 || !org || !url) {
        fprintf(stderr, "usage: onewindow-admin set-webhook-url --org ID --url URL\n");
        return 2;
    }
    if (!url_acceptable("set-webhook-url", url))
        return 2;
    arena a;
    arena_init(&a, 4096);
    int rc = org_set_webhook_url(db_primary(), &a, org, url);
    arena_destroy(&a);
    if (rc != DB_OK)
        return not_changed("set-webhook-url", rc, "organization", cli_option(argc, argv, "--org"));
    audit_org("set-webhook-url", "org.webhook_url", org, NULL);
    printf("id: %lld\nwebhook_url: %s\n", (long long)org, url);
    return 0;
}

int org_admin_rotate_webhook_secret(int argc, char **argv)
{
    int64_t org = org_arg(argc, argv);
    if (argc != 4 || !org) {
        fprintf(stderr, "usage: onewindow-admin rotate-webhook-secret --org ID\n");
        return 2;
    }
    uint8_t sealed[64 + PII_SEAL_OVERHEAD + 1];
    char secret[65];
    size_t sealed_len = 0;
    if (!new_webhook_secret("rotate-webhook-secret", secret, sealed, &sealed_len))
        return 1;
    int rc = org_rotate_webhook_secret(db_primary(), org, sealed, sealed_len, SECRET_OVERLAP_S);
    if (rc != DB_OK) {
        sodium_memzero(secret, sizeof secret);
        return not_changed("rotate-webhook-secret", rc, "organization",
                           cli_option(argc, argv, "--org"));
    }
    audit_org("rotate-webhook-secret", "org.webhook_secret", org, "previous secret signs 24 h");
    printf("id: %lld\nwebhook_secret: %s\nprevious_valid_hours: 24\n", (long long)org, secret);
    sodium_memzero(secret, sizeof secret);
    return 0;
}

int org_admin_set_enabled(int argc, char **argv, bool enabled)
{
    const char *cmd = enabled ? "enable-org" : "disable-org";
    int64_t org = org_arg(argc, argv);
    if (argc != 4 || !org) {
        fprintf(stderr, "usage: onewindow-admin %s --org ID\n", cmd);
        return 2;
    }
    arena a;
    arena_init(&a, 4096);
    int rc = enabled ? org_enable(db_primary(), &a, org) : org_disable(db_primary(), org);
    arena_destroy(&a);
    if (rc != DB_OK)
        return not_changed(cmd, rc, enabled ? "organization" : "enabled organization",
                           cli_option(argc, argv, "--org"));
    audit_org(cmd, enabled ? "org.enable" : "org.disable", org,
              enabled ? "clients stay disabled" : "clients disabled");
    printf("id: %lld\nstatus: %s\n", (long long)org, enabled ? "enabled" : "disabled");
    if (enabled)
        printf("note: its clients stay disabled; create new ones with create-client\n");
    return 0;
}

/* A client secret: 256 random bits in base64url (43 characters) and its SHA-256. */
static void new_client_secret(char secret[44], uint8_t hash[32])
{
    uint8_t raw[32];
    randombytes_buf(raw, sizeof raw);
    b64url_encode(raw, sizeof raw, secret, 44);
    sodium_memzero(raw, sizeof raw);
    crypto_hash_sha256(hash, (const uint8_t *)secret, strlen(secret));
}

static bool client_id_shape(const char *id)
{
    return strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32;
}

static void print_client(const oauth_client_row *r, void *ctx)
{
    (void)ctx;
    cJSON *o = cJSON_CreateObject();
    char org[24];
    snprintf(org, sizeof org, "%lld", (long long)r->org_id);
    cJSON_AddStringToObject(o, "client_id", r->client_id);
    cJSON_AddStringToObject(o, "org_id", org);
    cJSON_AddStringToObject(o, "org_name", r->org_name);
    cJSON_AddStringToObject(o, "scopes", r->scopes);
    cJSON_AddStringToObject(o, "created_at", r->created_at);
    json_add_string_or_null(o, "rotated_at", r->rotated_at);
    json_add_string_or_null(o, "previous_secret_until", r->previous_secret_until);
    json_add_string_or_null(o, "disabled_at", r->disabled_at);
    json_print_line(o);
}

/* create-client --list [--org ID]: one JSON line per client (never a secret). */
static int list_clients(int argc, char **argv)
{
    int64_t org = org_arg(argc, argv);
    if (!(argc == 3 || (argc == 5 && org))) {
        fprintf(stderr, "usage: onewindow-admin create-client --list [--org ID]\n");
        return 2;
    }
    arena a;
    arena_init(&a, 65536);
    int rc = oauth_client_each(db_primary(), &a, org, print_client, NULL);
    arena_destroy(&a);
    return rc == DB_OK ? 0 : db_failed("create-client --list", rc);
}

/* create-client --rotate CLIENT_ID [--overlap-hours N]: a new secret, printed once; the old
 * one keeps working N hours (24, like a webhook secret) so the organization can deploy the new
 * one without an outage; 0 ends it at once (a leaked secret). Tokens already issued keep their
 * lifetime: revoke-client ends those. */
static int rotate_client(int argc, char **argv)
{
    const char *id = cli_option(argc, argv, "--rotate");
    long long hours = SECRET_OVERLAP_S / 3600;
    if (!(argc == 4 || (argc == 6 && cli_option(argc, argv, "--overlap-hours"))) || !id ||
        !client_id_shape(id) || !cli_number_option(argc, argv, "--overlap-hours", 0, 168, &hours)) {
        fprintf(stderr, "usage: onewindow-admin create-client --rotate CLIENT_ID "
                        "[--overlap-hours 0..168]\n");
        return 2;
    }
    char secret[44];
    uint8_t hash[32];
    new_client_secret(secret, hash);
    int rc = oauth_client_set_secret(db_primary(), id, hash, (int)hours * 3600);
    if (rc != DB_OK) {
        sodium_memzero(secret, sizeof secret);
        return not_changed("create-client", rc, "enabled client", id);
    }
    char detail[48];
    snprintf(detail, sizeof detail, "previous secret works %lld h", hours);
    audit("create-client", "client.rotate", "client", id, detail);
    printf("client_id: %s\nclient_secret: %s\nprevious_valid_hours: %lld\n", id, secret, hours);
    sodium_memzero(secret, sizeof secret);
    return 0;
}

int org_admin_create_client(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[2], "--list") == 0)
        return list_clients(argc, argv);
    if (argc >= 3 && strcmp(argv[2], "--rotate") == 0)
        return rotate_client(argc, argv);
    int64_t org_id = org_arg(argc, argv);
    const char *scopes = cli_option(argc, argv, "--scopes");
    if (argc != 6 || !org_id || !scopes) {
        fprintf(stderr, "usage: onewindow-admin create-client --org ID --scopes \"...\"\n"
                        "       onewindow-admin create-client --list [--org ID]\n"
                        "       onewindow-admin create-client --rotate CLIENT_ID\n");
        return 2;
    }
    if (!org_scopes_known(scopes)) {
        fprintf(stderr, "create-client: scopes: separated by single spaces, each once, from "
                        "applications:read applications:write notifications:write services:read\n");
        return 2;
    }
    uint8_t id_raw[16], hash[32];
    char client_id[33], secret[44];
    randombytes_buf(id_raw, sizeof id_raw);
    sodium_bin2hex(client_id, sizeof client_id, id_raw, sizeof id_raw);
    new_client_secret(secret, hash);
    int rc = oauth_client_create(db_primary(), client_id, org_id, hash, scopes);
    if (rc != DB_OK) {
        sodium_memzero(secret, sizeof secret);
        return not_changed("create-client", rc, "enabled organization",
                           cli_option(argc, argv, "--org"));
    }
    audit("create-client", "client.create", "client", client_id, scopes);
    printf("client_id: %s\nclient_secret: %s\n", client_id, secret);
    sodium_memzero(secret, sizeof secret);
    return 0;
}

int org_admin_revoke_client(int argc, char **argv)
{
    const char *id = argc == 3 ? argv[2] : NULL;
    if (!id || !client_id_shape(id)) {
        fprintf(stderr, "usage: onewindow-admin revoke-client CLIENT_ID\n");
        return 2;
    }
    arena a;
    arena_init(&a, 4096);
    int rc = oauth_client_disable(db_primary(), &a, id);
    arena_destroy(&a);
    if (rc != DB_OK)
        return not_changed("revoke-client", rc, "client", id);
    audit("revoke-client", "client.revoke", "client", id, NULL);
    printf("client_id: %s\nstatus: revoked\n", id);
    return 0;
}
