/* One background thread per worker process that keeps its in-memory caches fresh (the
 * search index, the signing keys): each task runs every interval_ms, and once more with
 * stopping = true when the worker stops. Tasks may use the database (the thread has its own
 * connection, closed by the thread_end callback the caller gives: db_thread_end). */
#ifndef OW_REFRESHER_H
#define OW_REFRESHER_H

#include <stdbool.h>

typedef void (*refresher_task)(bool stopping);

/* Before refresher_start. 0, or -1 when there are too many tasks. */
int refresher_add(refresher_task task, int interval_ms);
int refresher_start(void (*thread_end)(void));
void refresher_stop(void);

#endif
