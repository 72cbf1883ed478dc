/* Idempotency-Key (API.md §1) for every POST that needs a token, built once here and run
 * by the dispatcher around the handler:
 *   - the same key and request (SHA-256 of method, path and body) within 24 h replays the
 *     first answer (status and body, Idempotent-Replayed: true);
 *   - another request under the key → 422 idempotency_key_reused;
 *   - while the first still runs → 409 conflict; its claim has a lease, so a killed worker
 *     blocks the key only until the lease ends (idempotency_lease_s).
 * A handler that writes in a transaction saves its answer inside it (idempotency_save):
 * then the work and its answer commit together and nothing is ever done twice. Other
 * handlers' answers are saved after them. 5xx and 429 answers are not kept. Keys of public
 * POSTs (logins, the progress query) are ignored: there is no caller to key them by. */
#ifndef OW_IDEMPOTENCY_H
#define OW_IDEMPOTENCY_H

#include <stdbool.h>

#include "api/request.h"
#include "api/response.h"
#include "db/db.h"

/* Before the handler: false when the request was answered here (a replay, 400, 409, 422,
 * 503). */
bool idempotency_begin(req *r, resp *w);
/* After the handler: keeps or releases the claim. */
void idempotency_end(req *r, resp *w);

/* Inside the handler's transaction, after the answer is built: DB_OK (also when the request
 * has no key), IDEMPOTENCY_LOST when another request took the key over (roll back and answer
 * 409), or a db_status. */
#define IDEMPOTENCY_LOST 1
int idempotency_save(req *r, db_conn *c, const resp *w);

/* Saves the answer under the key (idempotency_save) and commits c's transaction: true, or
 * false after rolling back and answering the failure (409 when the key was lost, 503/500).
 * An answer that is not kept (5xx, 429) rolls the work back: it must not stay while its key
 * is released for a retry. */
bool idempotency_commit(req *r, resp *w, db_conn *c);

/* The background task that deletes expired keys (registered by the worker). */
void idempotency_prune_task(bool stopping);

#endif
