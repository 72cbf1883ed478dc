/* A worker process: T threads accepting FastCGI requests on one inherited socket. */
#ifndef OW_SERVER_H
#define OW_SERVER_H

#include "core/config.h"

/* Serves until SIGTERM/SIGINT, then stops accepting, lets in-flight requests finish (at
 * most cfg->shutdown_grace_s) and returns the process exit code. */
int server_run(const ow_config *cfg, int listen_fd);

#endif
