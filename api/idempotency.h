/* Idempotency-Key (API.md §1) for every POST that needs a token, built once here and run
 * by the dispatcher around the handler:
 *   - the same key and request (SHA-256 of method, path and body) within 24 h replays the
 *     first answer (status and body, Idempotent-Replayed: true);
 *   - another request under the key → 422 idempotency_key_reused;
 *   - while the first still runs → 409 conflict; its claim has a lease, so a killed worker
 *     blocks the key only until the lease ends (idempotency_lease_s).
 * A handler whose work runs in a transaction (begun by workflow/, README "Transactions")
 * ends it with idempotency_commit: the answer is saved under the key inside it, so that the
 * work and its answer commit together and nothing is ever done twice. Other handlers'
 * answers are saved after them, with a Location header if they have one, the body sealed
 * under the personal-data key (a submission's answer holds its query code). 5xx and 429
 * answers are not kept. Keys of public POSTs (logins, the progress query) are ignored: there
 * is no caller to key them by; so are keys of ROUTE_NEVER_REPLAYED routes (logout: a replayed
 * 204 would end no session). */
#ifndef OW_IDEMPOTENCY_H
#define OW_IDEMPOTENCY_H

#include <stdbool.h>

#include "api/request.h"
#include "api/response.h"

struct db_conn; /* db/db.h */

/* Before the handler: false when the request was answered here (a replay, 400, 409, 422,
 * 503). */
bool idempotency_begin(req *r, resp *w);
/* After the handler: keeps or releases the claim. */
void idempotency_end(req *r, resp *w);

/* The end of a request's transaction on c, after the answer is built in w: saves the answer
 * under the key (when the request has one) and commits: true; or false after rolling back
 * and answering the failure (409 when another request took the key over, 503/500). An answer
 * that is not kept (5xx, 429) rolls the work back: it must not stay while its key is released
 * for a retry. */
bool idempotency_commit(req *r, resp *w, struct db_conn *c);

/* The background task that deletes expired keys (registered by the worker). */
void idempotency_prune_task(bool stopping);

#endif
