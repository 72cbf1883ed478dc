/* Sessions revoked by logout (or refresh-token reuse) and organizations' clients revoked
 * (revoke-client, disable-org), as each worker knows them: the refresher reads the new
 * revocations every 250 ms, so an access token of a revoked session or client is refused by
 * every worker within about that — without a database read per request. A revocation is
 * kept until the last access token it concerns has expired. */
#ifndef OW_REVOCATIONS_H
#define OW_REVOCATIONS_H

#include <stdbool.h>

#include "core/config.h"

int revocations_init(const ow_config *cfg); /* registers with core/refresher.c */
bool revocations_contains(const char *sid);
bool revocations_client_revoked(const char *client_id);
void revocations_free(void);

#endif
