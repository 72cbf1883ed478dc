/* Configuration: one file (ONEWINDOW_CONFIG) plus ONEWINDOW_* environment overrides,
 * validated once at start. A bad value stops the process with one line naming the setting. */
#ifndef OW_CONFIG_H
#define OW_CONFIG_H

#include <stddef.h>

typedef struct ow_config {
    int port;              /* nginx listen port (127.0.0.1) */
    int db_port;           /* private MariaDB TCP port (loopback) */
    int workers;           /* FastCGI worker processes */
    int threads;           /* threads per worker process */
    char var_dir[256];     /* runtime state: run/ (sockets, pids), log/, db/ */
    char db_dsn[512];      /* mysql://user:pass@host:port/db[?socket=path]; empty: private */
    char db_read_dsn[512]; /* optional read replica; empty: reads go to the primary */
    char timezone[64];     /* service time zone: dates, working days, statistics */
    int max_body_bytes;    /* request body limit of the app (nginx allows a little more) */
    int db_connect_timeout_s;
    int db_read_timeout_s;
    int db_write_timeout_s;
    int db_retry_after_s;   /* Retry-After while the database is away */
    int shutdown_grace_s;   /* SIGTERM: time given to in-flight requests */
    int ip_rate_per_s;      /* nginx per-client-IP request rate (production default) */
    int ip_burst;           /* nginx per-client-IP burst */
    char log_level[8];      /* debug | info | warn | error */
    int test_routes;        /* 1: also serve /api/v1/test/… (make test only, never production) */
    int catalog_refresh_ms; /* how often workers check the catalog version (freshness) */
    int catalog_rebuild_s;  /* popularity epochs: ranks follow the counters this often */
    int search_cache_mb;    /* per worker: cached matches of query readings; 0: off */
    char master_key_file[256];   /* seals signing keys; empty: <var_dir>/master.key */
    char jwt_issuer[64];         /* iss of access tokens */
    char jwt_audience[64];       /* aud of access tokens */
    int access_ttl_s;            /* access-token lifetime */
    int refresh_ttl_s;           /* refresh-token (session) lifetime */
    int refresh_grace_s;         /* a rotated refresh token still works this long */
    int pwhash_ops;              /* argon2id passes */
    int pwhash_mem_kib;          /* argon2id memory */
    char sms_provider[8];        /* log | http */
    char sms_url[256];           /* the http provider's gateway */
    int sms_per_ip_per_hour;     /* SMS codes a client IP may ask for (production default) */
    int login_per_ip_per_minute; /* login attempts of a client IP (production default) */
    char wechat_api_base[256];   /* WeChat's API (tests: a local fake) */
    char wechat_appid[64];       /* the mini-program's appid and secret */
    char wechat_secret[128];
    int progress_per_ip_per_minute; /* public progress queries of a client IP (production) */
    int idempotency_lease_s;        /* an in-flight Idempotency-Key blocks its retries this long */
    int calendar_refresh_ms;        /* how often workers check the working-day calendar's version */
    char wechat_status_template[64]; /* subscribe-message template of status changes; "": none */
    char push_channels[64];          /* the channels this pushd delivers: a comma list, or all */
    int push_batch;                  /* outbox rows claimed at once */
    int push_lease_s;                /* a claimed row comes back after this (a killed pushd) */
    int push_poll_ms;                /* the wait when nothing is due */
    int push_max_attempts;           /* tries before a delivery is dead */
    int push_retry_base_ms;          /* the first retry's wait (doubling, with jitter) */
    int webhook_retry_unit_ms;       /* webhooks retry after 1, 5, 30, 120, 720 of these */
    int outbox_keep_days;            /* delivered outbox rows are deleted after this */
    char push_ca_file[256];          /* CA bundle for the providers' TLS; "": the system's */
    int push_timeout_ms;             /* one provider request, connect included */
    char apns_base[256];             /* Apple Push Notification service (HTTP/2) */
    char apns_team_id[32], apns_key_id[32], apns_key_file[256], apns_topic[128];
    char hms_base[256];      /* Huawei Push Kit */
    char hms_oauth_url[256]; /* its OAuth 2.0 token endpoint */
    char hms_app_id[64], hms_app_secret[128];
    char jpush_base[256]; /* JPush (Xiaomi, OPPO, vivo, Honor phones) */
    char jpush_app_key[64], jpush_master_secret[128];
    /* least privilege and the client's address (README "Privileges", "Client IP") */
    /* The owner account (migrate, the generate-… loaders); empty: db_dsn's when that is set,
     * else the private owner account. */
    char db_owner_dsn[512];
    char service_user[64];     /* started as root, onewindow-fcgi and -pushd switch to it */
    char socket_group[64];     /* group of the FastCGI sockets (0660): nginx's workers' */
    char trusted_proxies[512]; /* nginx: X-Forwarded-For is believed from these (CIDRs) */
    /* what a client must know (GET /api/v1/client-config) */
    int upload_max_bytes; /* one upload's size limit (nginx allows a little more) */
    /* trust (issue 12, part A): keys, passwords, identity providers, outbound calls */
    int key_publish_ahead_s;   /* a rotated-in key is published this long before it signs */
    int pwhash_concurrency;    /* argon2 hashes a worker process runs at once (beyond: 503) */
    char deployment[16];       /* production | development: development allows dev providers */
    char identity_provider[8]; /* dev (development only) | http */
    char identity_url[256];    /* the http identity provider's endpoint */
    char identity_token[256];  /* its bearer token (a credential: config file only) */
    int outbound_connect_timeout_ms; /* every outbound HTTP call: connecting */
    int outbound_timeout_ms;         /* a call from a request (WeChat, SMS, identity): in all */
    /* organizations (API.md §7) */
    int webhook_allow_http;      /* 1: http:// webhook URLs too (development); else https only */
    int webhook_allow_private;   /* 1: loopback/private/link-local targets too (development) */
    int org_messages_per_minute; /* messages one organization may send to applicants */
    /* ratings and rectification (API.md §8) */
    int rating_window_days; /* a rating is taken up to this many days after the final step */
    int rectification_days; /* a bad rating's case is due this many working days later */
    int stats_cache_ms;     /* per worker: a statistics answer is served again this long */
    char feedback_desk_department[32]; /* its staff work the general feedback queue; "": none */
    int feedback_open_max;             /* open feedback tickets a citizen may have */
    int feedback_daily_max;            /* feedback tickets a citizen may write a day */
    char haocha_url[256];   /* the 好差评 system's endpoint for forwarded ratings; "": off */
    char haocha_token[256]; /* its bearer token (a credential: config file only) */
    /* operations at scale (README "Operations", "Deploying") */
    int db_replica_max_lag_ms;     /* reads go to the primary while the replica lags more */
    int db_replica_check_ms;       /* how often each worker measures the replica's lag */
    char fcgi_listen[64];          /* "" unix sockets in var_dir/run; ADDR:PORT: slot i on PORT+i */
    char fcgi_allow_from[256];     /* with fcgi_listen: the nginx hosts' addresses, comma list */
    int push_connections_per_host; /* pushd: parallel connections per HTTP/1.1 host */
    /* uploads and materials (API.md §5) */
    int upload_ttl_s;        /* an upload not attached to an application expires */
    int upload_sweep_s;      /* how often each worker deletes expired uploads */
    int upload_daily_count;  /* uploads of one citizen per day */
    int upload_daily_mib;    /* MiB one citizen may upload per day */
    char storage[8];         /* fs | s3 */
    char store_dir[256];     /* fs: the object store; tmp/: the upload spool; "": var/store */
    char s3_endpoint[256];   /* s3: http(s)://host[:port] */
    char s3_bucket[64];      /* s3: the bucket */
    char s3_region[32];      /* s3: the SigV4 region */
    int s3_path_style;       /* 1: endpoint/bucket/key (MinIO); 0: bucket.endpoint/key (OSS) */
    char s3_access_key[128]; /* s3 credentials (config file only, never printed) */
    char s3_secret_key[128];
    int download_url_ttl_s;      /* s3: lifetime of a download's presigned request */
    char clamd_socket[256];      /* clamd's unix socket: every upload is scanned; "": no scan */
    char enterprise_registry[8]; /* none: bindings refused (503); dev: format only (dev) */
} ow_config;

/* Loads defaults, then the file named by ONEWINDOW_CONFIG (if set), then the environment.
 * Returns 0, or -1 with a one-line message in err. */
int config_load(ow_config *cfg, char *err, size_t errlen);

/* Prints every setting as "name: value" (secrets in DSNs masked). */
void config_print(const ow_config *cfg, int (*out)(const char *line, void *ctx), void *ctx);

/* Fills dsn with the effective primary DSN: db_dsn, or when it is empty the API account of
 * the private MariaDB of scripts/stack.sh (its socket and password file under var_dir). */
void config_primary_dsn(const ow_config *cfg, char *dsn, size_t len);

/* Fills dsn with the effective owner DSN (migrations): db_owner_dsn, else db_dsn when that is
 * set (one account for both), else the private MariaDB's owner account. */
void config_owner_dsn(const ow_config *cfg, char *dsn, size_t len);

/* The process's configuration, set once at start (before threads) by cmd/. */
void config_set_current(const ow_config *cfg);
const ow_config *config_current(void);

#endif
