#include "auth/org_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <unistr.h>

#include "auth/es256.h"
#include "auth/gb_ids.h"
#include "auth/pii.h"
#include "core/cli.h"
#include "db/org_store.h"

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

static bool webhook_ok(const char *u)
{
    return strlen(u) <= 512 && (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0) &&
           strcspn(u, " \t\r\n\"<>") == strlen(u);
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
    if (!webhook_ok(webhook)) {
        fprintf(stderr, "create-org: webhook-url: an http(s) URL of at most 512 characters\n");
        return 2;
    }
    /* the webhook signing secret (API.md §7): 256 random bits, shown once, stored sealed */
    uint8_t raw[32], sealed[64 + PII_SEAL_OVERHEAD + 1];
    char secret[65];
    size_t sealed_len = 0;
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(secret, sizeof secret, raw, sizeof raw);
    if (pii_ready() != DB_OK) {
        fprintf(stderr, "create-org: the personal-data key is not available\n");
        return 1;
    }
    pii_encrypt("webhook_secret", secret, sealed, &sealed_len);
    int64_t id = 0;
    int rc = org_create(db_primary(), name, code, webhook, sealed, sealed_len, &id);
    if (rc == DB_DUPLICATE) {
        fprintf(stderr, "create-org: credit code %s is already registered\n", code);
        return 1;
    }
    if (rc != DB_OK) {
        fprintf(stderr, "create-org: database %s\n",
                rc == DB_UNAVAILABLE ? "unavailable" : "error");
        return 1;
    }
    printf("id: %lld\nwebhook_secret: %s\n", (long long)id, secret);
    sodium_memzero(secret, sizeof secret);
    return 0;
}

int org_admin_create_client(int argc, char **argv)
{
    const char *org = cli_option(argc, argv, "--org");
    const char *scopes = cli_option(argc, argv, "--scopes");
    char *end = NULL;
    long long org_id = org ? strtoll(org, &end, 10) : 0;
    if (argc != 6 || !org || !scopes || !end || *end || org_id <= 0) {
        fprintf(stderr, "usage: onewindow-admin create-client --org ID --scopes \"...\"\n");
        return 2;
    }
    if (!org_scopes_known(scopes)) {
        fprintf(stderr, "create-client: scopes: separated by single spaces, each once, from "
                        "applications:read applications:write notifications:write services:read\n");
        return 2;
    }
    uint8_t id_raw[16], secret_raw[32], hash[32];
    char client_id[33], secret[44];
    randombytes_buf(id_raw, sizeof id_raw);
    randombytes_buf(secret_raw, sizeof secret_raw);
    sodium_bin2hex(client_id, sizeof client_id, id_raw, sizeof id_raw);
    b64url_encode(secret_raw, sizeof secret_raw, secret, sizeof secret);
    crypto_hash_sha256(hash, (const uint8_t *)secret, strlen(secret));
    int rc = oauth_client_create(db_primary(), client_id, org_id, hash, scopes);
    if (rc != DB_OK) {
        fprintf(stderr, "create-client: not created (no organization %lld, or database away)\n",
                org_id);
        return 1;
    }
    printf("client_id: %s\nclient_secret: %s\n", client_id, secret);
    sodium_memzero(secret, sizeof secret);
    return 0;
}
