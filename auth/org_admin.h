/* onewindow-admin create-org --name N --credit-code C --webhook-url U (prints "id: …" and
 * "webhook_secret: …", the secret that signs its webhooks, once) and
 * create-client --org ID --scopes "…" (prints "client_id: …" and "client_secret: …", the
 * secret once: only its SHA-256 is stored). Return the exit status. */
#ifndef OW_ORG_ADMIN_H
#define OW_ORG_ADMIN_H

#include <stdbool.h>

int org_admin_create_org(int argc, char **argv);
int org_admin_create_client(int argc, char **argv);
/* True when every space-separated scope is one of API.md §7's. */
bool org_scopes_known(const char *scopes);

#endif
