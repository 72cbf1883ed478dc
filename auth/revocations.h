/* Sessions revoked by logout (or refresh-token reuse), as each worker knows them: the
 * refresher reads the new revocations every 250 ms, so an access token of a revoked session
 * is refused by every worker within about that — without a database read per request.
 * A revocation is kept until the last access token of its session has expired. */
#ifndef OW_REVOCATIONS_H
#define OW_REVOCATIONS_H

#include <stdbool.h>

#include "core/config.h"

int revocations_init(const ow_config *cfg); /* registers with core/refresher.c */
bool revocations_contains(const char *sid);
void revocations_free(void);

#endif
