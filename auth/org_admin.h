/* onewindow-admin commands of organizations and their clients (API.md §7, §9). Secrets are
 * printed once and stored only sealed (webhook secrets) or as a SHA-256 (client secrets);
 * every change writes an operator's line into the audit log (target "org:ID" or
 * "client:ID"). Each returns the exit status.
 *   create-org --name N --credit-code C --webhook-url URL   → id, webhook_secret
 *   set-webhook-url --org ID --url URL
 *   rotate-webhook-secret --org ID                → a new secret; the old one signs 24 h more
 *   disable-org --org ID | enable-org --org ID    → disabling also disables its clients
 *   create-client --org ID --scopes "…"           → client_id, client_secret
 *   create-client --list [--org ID]               → JSON lines, never a secret
 *   create-client --rotate CLIENT_ID              → a new client_secret
 *   revoke-client CLIENT_ID                       → its tokens are refused within 1 s */
#ifndef OW_ORG_ADMIN_H
#define OW_ORG_ADMIN_H

#include <stdbool.h>

int org_admin_create_org(int argc, char **argv);
int org_admin_set_webhook_url(int argc, char **argv);
int org_admin_rotate_webhook_secret(int argc, char **argv);
int org_admin_set_enabled(int argc, char **argv, bool enabled);
int org_admin_create_client(int argc, char **argv);
int org_admin_revoke_client(int argc, char **argv);
/* True when every space-separated scope is one of API.md §7's. */
bool org_scopes_known(const char *scopes);

#endif
