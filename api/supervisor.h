/* The master process: opens one unix socket per worker slot, starts the workers (fork +
 * exec of the binary, so that a reload runs the freshly built one), replaces a worker that
 * dies at once, replaces them one at a time on SIGHUP, and stops them all on SIGTERM/SIGINT.
 *
 * Each slot's socket is held open by the master and inherited by the slot's worker, so
 * connections that arrive while a worker is being replaced wait in the socket's backlog
 * instead of failing; nginx lists every slot's socket in its upstream and retries a GET
 * whose worker died mid-request on another slot. */
#ifndef OW_SUPERVISOR_H
#define OW_SUPERVISOR_H

#include "core/config.h"

/* Runs until SIGTERM/SIGINT; returns the exit code. exe: absolute path of the binary. */
int supervisor_run(const ow_config *cfg, const char *exe);

#endif
