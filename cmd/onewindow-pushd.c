/* onewindow-pushd: delivers the transactional outbox (API.md §6). Several may run, on one
 * host or many, against the same database: rows are claimed with SKIP LOCKED and leased. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "core/config.h"
#include "core/log.h"
#include "core/privileges.h"
#include "db/db.h"
#include "push/pushd.h"

int main(int argc, char **argv)
{
    static ow_config cfg;
    char err[400];
    if (argc != 1) {
        fprintf(stderr, "usage: onewindow-pushd   (settings: ONEWINDOW_CONFIG and ONEWINDOW_*)\n");
        return 2;
    }
    (void)argv;
    if (config_load(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "onewindow-pushd: config: %s\n", err);
        return 2;
    }
    config_set_current(&cfg);
    if (privileges_drop(cfg.service_user, err, sizeof err) != 0) { /* before anything opens */
        fprintf(stderr, "onewindow-pushd: %s\n", err);
        return 1;
    }
    log_set_component("pushd");
    log_set_level(cfg.log_level);
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "onewindow-pushd: libsodium or libcurl failed to initialize\n");
        return 1;
    }
    setenv("TZ", cfg.timezone, 1);
    char dsn[1024];
    config_primary_dsn(&cfg, dsn, sizeof dsn);
    db_settings ds = {
        dsn, NULL, cfg.db_connect_timeout_s, cfg.db_read_timeout_s, cfg.db_write_timeout_s, false};
    if (db_init(&ds, err, sizeof err) != 0) {
        fprintf(stderr, "onewindow-pushd: %s\n", err);
        return 1;
    }
    int rc = pushd_run(&cfg);
    curl_global_cleanup();
    return rc;
}
