/* onewindow-fcgi: without arguments the supervisor (master) of the worker processes;
 * with --worker, one worker (started by the master with its socket on fd 3 and the shared
 * metrics region on fd 4). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "api/idempotency.h"
#include "api/server.h"
#include "api/supervisor.h"
#include "auth/keyring.h"
#include "auth/revocations.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/refresher.h"
#include "db/db.h"
#include "db/replica.h"
#include "handlers/routes.h"
#include "search/catalog_cache.h"
#include "search/question_cache.h"
#include "search/search_log.h"
#include "storage/object_store.h"
#include "workflow/calendar_cache.h"
#include "workflow/uploads.h"

static int run_worker(const ow_config *cfg)
{
    log_set_component("fcgi");
    if (metrics_attach(4) != 0) {
        fprintf(stderr, "onewindow-fcgi: cannot map the metrics region (fd 4)\n");
        return 1;
    }
    char dsn[1024], err[200];
    config_primary_dsn(cfg, dsn, sizeof dsn);
    db_settings ds = {dsn,
                      cfg->db_read_dsn,
                      cfg->db_connect_timeout_s,
                      cfg->db_read_timeout_s,
                      cfg->db_write_timeout_s,
                      false};
    if (db_init(&ds, err, sizeof err) != 0) {
        fprintf(stderr, "onewindow-fcgi: %s\n", err);
        return 1;
    }
    if (db_replica_monitor_start(cfg->db_replica_check_ms, cfg->db_replica_max_lag_ms) != 0)
        return 1;
    curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread: the SMS gateway's client */
    setenv("TZ", cfg->timezone, 1);        /* local dates are the service's (logs stay UTC) */
    tzset();
    /* The key ring first: the refresher runs tasks in this order, so once the first search
     * index is built the keys are loaded too, and the worker starts serving with both. */
    if (store_init(cfg, err, sizeof err) != 0) {
        fprintf(stderr, "onewindow-fcgi: %s\n", err);
        return 1;
    }
    if (keyring_init(cfg) != 0 || revocations_init(cfg) != 0 || catalog_cache_init(cfg) != 0 ||
        question_cache_init(cfg) != 0 || calendar_cache_init(cfg) != 0 ||
        search_log_init(cfg) != 0 || refresher_add(idempotency_prune_task, 60000) != 0 ||
        refresher_add(uploads_sweep_task, cfg->upload_sweep_s * 1000) != 0 ||
        refresher_start(db_thread_end) != 0)
        return 1;
    catalog_cache_wait(30000);
    question_cache_wait(5000);
    server_setup setup = {routes, routes_count, test_routes, test_routes_count, db_thread_end};
    int rc = server_run(cfg, 3, &setup);
    refresher_stop();
    db_replica_monitor_stop();
    catalog_cache_free();
    question_cache_free();
    calendar_cache_free();
    keyring_free();
    revocations_free();
    return rc;
}

int main(int argc, char **argv)
{
    static ow_config cfg;
    char err[400];
    if (config_load(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "onewindow-fcgi: config: %s\n", err);
        return 2;
    }
    config_set_current(&cfg);
    log_set_level(cfg.log_level);
    if (sodium_init() < 0) {
        fprintf(stderr, "onewindow-fcgi: libsodium failed to initialize\n");
        return 1;
    }
    if (argc == 2 && strcmp(argv[1], "--worker") == 0)
        return run_worker(&cfg);
    if (argc != 1) {
        fprintf(stderr, "usage: onewindow-fcgi   (settings: ONEWINDOW_CONFIG and ONEWINDOW_*)\n");
        return 2;
    }
    log_set_component("master");
    char exe[PATH_MAX];
    if (!realpath("/proc/self/exe", exe)) {
        fprintf(stderr, "onewindow-fcgi: cannot find its own binary\n");
        return 1;
    }
    return supervisor_run(&cfg, exe);
}
