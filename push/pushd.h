/* onewindow-pushd's loop (API.md §6): claim a batch of due outbox rows (db/outbox_store.c),
 * send each through its channel, record the results in one statement, repeat; sleep
 * push_poll_ms when nothing is due. Failures retry with exponential backoff and jitter; after
 * push_max_attempts a delivery is dead (listed by `onewindow-admin outbox --dead`). SIGTERM
 * and SIGINT finish the batch in hand, record it, and return. */
#ifndef OW_PUSHD_H
#define OW_PUSHD_H

#include <stdint.h>

#include "core/config.h"

int pushd_run(const ow_config *cfg);

/* The wait before try attempts + 1 after attempts failed tries: base × 2^(attempts-1),
 * capped at an hour, times a random factor in [0.5, 1.5) so that a burst of failures does
 * not come back all at once. */
int64_t pushd_retry_delay_ms(int64_t attempts, int64_t base_ms);

#endif
