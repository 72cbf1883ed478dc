/* A worker process: T threads accepting FastCGI requests on one inherited socket. */
#ifndef OW_SERVER_H
#define OW_SERVER_H

#include <stddef.h>

#include "api/router.h"
#include "core/config.h"

/* What a worker serves (given by cmd/onewindow-fcgi.c, so that api/ knows no handler). */
typedef struct server_setup {
    const route *routes;
    size_t n_routes;
    const route *test_routes; /* served only with test_routes = 1 */
    size_t n_test_routes;
    void (*thread_end)(void); /* each serving thread calls it before it exits (db_thread_end) */
} server_setup;

/* Serves until SIGTERM/SIGINT, then stops accepting, lets in-flight requests finish (at
 * most cfg->shutdown_grace_s) and returns the process exit code. */
int server_run(const ow_config *cfg, int listen_fd, const server_setup *setup);

#endif
