#include "core/config.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "core/dsn.h"

typedef enum { SETTING_INT, SETTING_STRING } setting_type;

typedef struct setting {
    const char *name; /* file key; the environment name is ONEWINDOW_ + upper(name) */
    setting_type type;
    size_t offset;
    size_t size;   /* string: buffer size */
    long min, max; /* int: range */
    const char *dflt;
    int (*check)(const char *value, char *why, size_t whylen);
    bool credential; /* a provider's credential: from the config file only, never printed */
} setting;

static int check_timezone(const char *v, char *why, size_t len);
static int check_dsn(const char *v, char *why, size_t len);
static int check_log_level(const char *v, char *why, size_t len);
static int check_listen(const char *v, char *why, size_t len);
static int check_addresses(const char *v, char *why, size_t len);
static int check_account_name(const char *v, char *why, size_t len);
static int check_proxies(const char *v, char *why, size_t len);

#define INT_SETTING(n, lo, hi, d)                                                                  \
    {                                                                                              \
#n, SETTING_INT, offsetof(ow_config, n), 0, lo, hi, d, NULL, false                         \
    }
/* API.md §6: provider credentials live only in the config file (not the environment, which
 * leaks into process listings and crash reports), and are never printed. */
#define CREDENTIAL(n)                                                                              \
    {                                                                                              \
#n, SETTING_STRING, offsetof(ow_config, n), sizeof(((ow_config *)0)->n), 0, 0, "", NULL,   \
            true                                                                                   \
    }
#define STR_SETTING(n, d, chk)                                                                     \
    {                                                                                              \
#n, SETTING_STRING, offsetof(ow_config, n), sizeof(((ow_config *)0)->n), 0, 0, d, chk,     \
            false                                                                                  \
    }

/* A setting that takes one of two words: 0, or -1 with the message. */
static int either(const char *v, const char *a, const char *b, const char *message, char *why,
                  size_t len)
{
    if (strcmp(v, a) == 0 || strcmp(v, b) == 0)
        return 0;
    snprintf(why, len, "%s", message);
    return -1;
}

static int check_sms_provider(const char *v, char *why, size_t len)
{
    return either(v, "log", "http", "must be log or http", why, len);
}

static int check_storage(const char *v, char *why, size_t len)
{
    return either(v, "fs", "s3", "must be fs or s3", why, len);
}

static int check_enterprise_registry(const char *v, char *why, size_t len)
{
    return either(v, "none", "dev",
                  "must be none (no registry: bindings are refused) or dev (development only: "
                  "the format check)",
                  why, len);
}

static int check_deployment(const char *v, char *why, size_t len)
{
    return either(v, "production", "development", "must be production or development", why, len);
}

static int check_identity_provider(const char *v, char *why, size_t len)
{
    return either(v, "dev", "http", "must be dev (development only) or http", why, len);
}

/* An endpoint: empty (off), or an http(s) URL. */
static int check_http_url(const char *v, char *why, size_t len)
{
    if (!*v || strncmp(v, "https://", 8) == 0 || strncmp(v, "http://", 7) == 0)
        return 0;
    snprintf(why, len, "must be empty or an http:// or https:// URL");
    return -1;
}

static const setting settings[] = {
    INT_SETTING(port, 1, 65535, "8080"),
    INT_SETTING(db_port, 1, 65535, "3307"),
    INT_SETTING(workers, 1, 64, "2"),
    INT_SETTING(threads, 1, 256, "4"),
    STR_SETTING(var_dir, "var", NULL),
    STR_SETTING(db_dsn, "", check_dsn),
    STR_SETTING(db_read_dsn, "", check_dsn),
    STR_SETTING(timezone, "Asia/Shanghai", check_timezone),
    INT_SETTING(max_body_bytes, 1024, 16 * 1024 * 1024, "65536"),
    INT_SETTING(db_connect_timeout_s, 1, 60, "2"),
    INT_SETTING(db_read_timeout_s, 1, 600, "10"),
    INT_SETTING(db_write_timeout_s, 1, 600, "10"),
    INT_SETTING(db_retry_after_s, 1, 3600, "5"),
    INT_SETTING(shutdown_grace_s, 1, 300, "8"),
    INT_SETTING(ip_rate_per_s, 1, 1000000, "50"),
    INT_SETTING(ip_burst, 0, 1000000, "100"),
    STR_SETTING(log_level, "info", check_log_level),
    INT_SETTING(test_routes, 0, 1, "0"),
    INT_SETTING(catalog_refresh_ms, 100, 60000, "1000"),
    INT_SETTING(catalog_rebuild_s, 10, 86400, "300"),
    INT_SETTING(search_cache_mb, 0, 1024, "16"),
    STR_SETTING(master_key_file, "", NULL),
    STR_SETTING(jwt_issuer, "onewindow", NULL),
    STR_SETTING(jwt_audience, "onewindow-api", NULL),
    INT_SETTING(access_ttl_s, 60, 86400, "900"),
    INT_SETTING(refresh_ttl_s, 300, 31536000, "2592000"),
    INT_SETTING(refresh_grace_s, 0, 300, "10"),
    INT_SETTING(pwhash_ops, 1, 16, "2"),
    INT_SETTING(pwhash_mem_kib, 8, 1048576, "19456"),
    STR_SETTING(sms_provider, "http", check_sms_provider),
    STR_SETTING(sms_url, "", NULL),
    INT_SETTING(sms_per_ip_per_hour, 1, 1000000, "20"),
    INT_SETTING(login_per_ip_per_minute, 1, 1000000, "30"),
    STR_SETTING(wechat_api_base, "https://api.weixin.qq.com", NULL),
    CREDENTIAL(wechat_appid),
    CREDENTIAL(wechat_secret),
    INT_SETTING(progress_per_ip_per_minute, 1, 1000000, "30"),
    INT_SETTING(idempotency_lease_s, 1, 3600, "30"),
    INT_SETTING(calendar_refresh_ms, 100, 600000, "1000"),
    STR_SETTING(wechat_status_template, "", NULL),
    STR_SETTING(push_channels, "all", NULL),
    INT_SETTING(webhook_retry_unit_ms, 10, 3600000, "60000"),
    INT_SETTING(outbox_keep_days, 1, 3650, "7"),
    INT_SETTING(push_batch, 1, 500, "200"),
    INT_SETTING(push_lease_s, 3, 3600, "10"),
    INT_SETTING(push_poll_ms, 10, 60000, "200"),
    INT_SETTING(push_max_attempts, 1, 50, "8"),
    INT_SETTING(push_retry_base_ms, 10, 3600000, "5000"),
    STR_SETTING(push_ca_file, "", NULL),
    INT_SETTING(push_timeout_ms, 100, 60000, "5000"),
    STR_SETTING(apns_base, "https://api.push.apple.com", NULL),
    CREDENTIAL(apns_team_id),
    CREDENTIAL(apns_key_id),
    CREDENTIAL(apns_key_file),
    CREDENTIAL(apns_topic),
    STR_SETTING(hms_base, "https://push-api.cloud.huawei.com", NULL),
    STR_SETTING(hms_oauth_url, "https://oauth-login.cloud.huawei.com/oauth2/v3/token", NULL),
    CREDENTIAL(hms_app_id),
    CREDENTIAL(hms_app_secret),
    STR_SETTING(jpush_base, "https://api.jpush.cn", NULL),
    CREDENTIAL(jpush_app_key),
    CREDENTIAL(jpush_master_secret),
    STR_SETTING(db_owner_dsn, "", check_dsn),
    STR_SETTING(service_user, "onewindow", check_account_name),
    STR_SETTING(socket_group, "onewindow-web", check_account_name),
    STR_SETTING(trusted_proxies, "", check_proxies),
    INT_SETTING(upload_max_bytes, 1024, 64 * 1024 * 1024, "10485760"),
    /* trust (issue 12, part A): keys, passwords, identity providers, outbound calls */
    INT_SETTING(key_publish_ahead_s, 0, 3600, "90"),
    INT_SETTING(pwhash_concurrency, 1, 256, "2"),
    STR_SETTING(deployment, "production", check_deployment),
    STR_SETTING(identity_provider, "http", check_identity_provider),
    STR_SETTING(identity_url, "", NULL),
    CREDENTIAL(identity_token),
    INT_SETTING(outbound_connect_timeout_ms, 100, 60000, "2000"),
    INT_SETTING(outbound_timeout_ms, 100, 120000, "5000"),
    INT_SETTING(webhook_allow_http, 0, 1, "0"),
    INT_SETTING(webhook_allow_private, 0, 1, "0"),
    INT_SETTING(org_messages_per_minute, 1, 100000, "60"),
    INT_SETTING(rating_window_days, 1, 366, "30"),
    INT_SETTING(rectification_days, 1, 60, "5"),
    INT_SETTING(stats_cache_ms, 0, 60000, "10000"),
    STR_SETTING(feedback_desk_department, "", NULL),
    INT_SETTING(feedback_open_max, 1, 1000, "5"),
    INT_SETTING(feedback_daily_max, 1, 1000, "10"),
    STR_SETTING(haocha_url, "", check_http_url),
    CREDENTIAL(haocha_token),
    /* operations at scale */
    INT_SETTING(db_replica_max_lag_ms, 100, 3600000, "2000"),
    INT_SETTING(db_replica_check_ms, 50, 60000, "500"),
    STR_SETTING(fcgi_listen, "", check_listen),
    STR_SETTING(fcgi_allow_from, "", check_addresses),
    INT_SETTING(push_connections_per_host, 1, 1000, "200"),
    INT_SETTING(upload_ttl_s, 1, 30 * 86400, "86400"),
    INT_SETTING(upload_sweep_s, 1, 86400, "60"),
    INT_SETTING(upload_daily_count, 1, 100000, "100"),
    INT_SETTING(upload_daily_mib, 1, 1048576, "500"),
    STR_SETTING(storage, "fs", check_storage),
    STR_SETTING(store_dir, "", NULL),
    STR_SETTING(s3_endpoint, "", NULL),
    STR_SETTING(s3_bucket, "", NULL),
    STR_SETTING(s3_region, "us-east-1", NULL),
    INT_SETTING(s3_path_style, 0, 1, "1"),
    CREDENTIAL(s3_access_key),
    CREDENTIAL(s3_secret_key),
    INT_SETTING(download_url_ttl_s, 10, 3600, "300"),
    STR_SETTING(clamd_socket, "", NULL),
    STR_SETTING(enterprise_registry, "none", check_enterprise_registry),
};
#define N_SETTINGS (sizeof settings / sizeof settings[0])

static int check_timezone(const char *v, char *why, size_t len)
{
    /* A zone name is a relative path under the zoneinfo database: no "..", no leading "/". */
    if (!*v || v[0] == '/' || strstr(v, "..")) {
        snprintf(why, len, "not a time zone name");
        return -1;
    }
    for (const char *p = v; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("/_-+", *p)) {
            snprintf(why, len, "not a time zone name");
            return -1;
        }
    char path[128];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", v);
    if (access(path, R_OK) != 0) {
        snprintf(why, len, "unknown time zone (not in /usr/share/zoneinfo)");
        return -1;
    }
    return 0;
}

static int check_dsn(const char *v, char *why, size_t len)
{
    db_target t;
    if (*v && dsn_parse(v, &t) != 0) {
        snprintf(why, len,
                 "must look like mysql://user:pass@host:port/db[?socket=/path]"
                 "[&password_file=/path]");
        return -1;
    }
    return 0;
}

static int check_log_level(const char *v, char *why, size_t len)
{
    if (strcmp(v, "debug") && strcmp(v, "info") && strcmp(v, "warn") && strcmp(v, "error")) {
        snprintf(why, len, "must be debug, info, warn or error");
        return -1;
    }
    return 0;
}

/* An IPv4 address in dotted decimal (what libfcgi compares FCGI_WEB_SERVER_ADDRS with). */
static bool is_ipv4(const char *v, size_t n)
{
    char buf[16];
    struct in_addr a;
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, v, n);
    buf[n] = '\0';
    return inet_pton(AF_INET, buf, &a) == 1;
}

static int check_listen(const char *v, char *why, size_t len)
{
    const char *colon = strrchr(v, ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!*v || (colon && is_ipv4(v, (size_t)(colon - v)) && end && !*end && port >= 1 &&
                port <= 65535 - 64))
        return 0;
    snprintf(why, len, "must be IPV4:PORT (slot i listens on PORT+i), or empty for unix sockets");
    return -1;
}

static int check_addresses(const char *v, char *why, size_t len)
{
    for (const char *p = v; *v;) { /* empty: none */
        size_t n = strcspn(p, ",");
        if (!is_ipv4(p, n)) {
            snprintf(why, len, "must be a comma list of IPv4 addresses");
            return -1;
        }
        if (!p[n])
            break;
        p += n + 1;
    }
    return 0;
}

/* A user or group name as useradd accepts it (no ':' or '/' that would confuse a lookup). */
static int check_account_name(const char *v, char *why, size_t len)
{
    bool ok = *v && *v != '-';
    for (const char *p = v; ok && *p; p++)
        ok = isalnum((unsigned char)*p) || strchr("_.-", *p);
    if (!ok)
        snprintf(why, len, "must be a user or group name ([A-Za-z0-9_.-])");
    return ok ? 0 : -1;
}

/* One address or CIDR block (IPv4 or IPv6) of the comma list; 0 or -1. */
static int check_proxy(const char *s, size_t n)
{
    char buf[64];
    unsigned char addr[16];
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    int family = strchr(buf, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(family, buf, addr) != 1)
        return -1;
    if (!slash)
        return 0;
    int bits = 0, max = family == AF_INET6 ? 128 : 32;
    const char *p = slash + 1;
    if (!*p || strlen(p) > 3)
        return -1;
    for (; *p; p++) {
        if (!isdigit((unsigned char)*p))
            return -1;
        bits = bits * 10 + (*p - '0');
    }
    return bits <= max ? 0 : -1;
}

static int check_proxies(const char *v, char *why, size_t len)
{
    while (*v) {
        size_t n = strcspn(v, ",");
        if (check_proxy(v, n) != 0) {
            snprintf(why, len, "must be a comma list of IP addresses or CIDR blocks");
            return -1;
        }
        v += n + (v[n] == ',');
        if (v[-1] == ',' && !*v) {
            snprintf(why, len, "must be a comma list of IP addresses or CIDR blocks");
            return -1;
        }
    }
    return 0;
}

static void env_name(const char *key, char *out, size_t len)
{
    size_t n = (size_t)snprintf(out, len, "ONEWINDOW_%s", key);
    for (size_t i = 10; i < n && i < len; i++)
        out[i] = (char)toupper((unsigned char)out[i]);
}

/* scheme://user:secret@host/… → scheme://user:***@host/…, so that neither printed settings
 * nor error messages hold a password (whatever the scheme, even a mistyped one). */
static void mask_dsn(const char *dsn, char *out, size_t len)
{
    const char *scheme_end = strstr(dsn, "://");
    const char *auth = scheme_end ? scheme_end + 3 : dsn;
    size_t auth_len = strcspn(auth, "/");
    const char *at = memrchr(auth, '@', auth_len);
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (!colon) {
        snprintf(out, len, "%s", dsn);
        return;
    }
    snprintf(out, len, "%.*s:***%s", (int)(colon - dsn), dsn, at);
}

static int set_value(ow_config *cfg, const setting *s, const char *value, const char *origin,
                     char *err, size_t errlen)
{
    char why[128] = "";
    if (s->type == SETTING_INT) {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end || v < s->min || v > s->max) {
            snprintf(err, errlen, "%s=%s: must be an integer from %ld to %ld", origin, value,
                     s->min, s->max);
            return -1;
        }
        *(int *)((char *)cfg + s->offset) = (int)v;
        return 0;
    }
    if (strlen(value) >= s->size) {
        snprintf(err, errlen, "%s: longer than %zu characters", origin, s->size - 1);
        return -1;
    }
    if (s->check && s->check(value, why, sizeof why) != 0) {
        char shown[520]; /* a DSN may hold a password: never echo it */
        mask_dsn(value, shown, sizeof shown);
        snprintf(err, errlen, "%s=%s: %s", origin, shown, why);
        return -1;
    }
    strcpy((char *)cfg + s->offset, value);
    return 0;
}

static const setting *find_setting(const char *key)
{
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (strcmp(settings[i].name, key) == 0)
            return &settings[i];
    return NULL;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int load_file(ow_config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "ONEWINDOW_CONFIG=%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char line[1024];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        /* A longer line would be read in pieces, and a piece (a long comment's tail, say)
         * taken for a setting of its own. */
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s:%d: longer than %zu characters", path, lineno,
                     sizeof line - 2);
            rc = -1;
            break;
        }
        char *l = trim(line);
        if (!*l || *l == '#')
            continue;
        char *eq = strchr(l, '=');
        char origin[300];
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected 'name = value'", path, lineno);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *key = trim(l), *value = trim(eq + 1);
        const setting *s = find_setting(key);
        snprintf(origin, sizeof origin, "%s:%d: %s", path, lineno, key);
        if (!s) {
            snprintf(err, errlen, "%s: unknown setting", origin);
            rc = -1;
            break;
        }
        rc = set_value(cfg, s, value, origin, err, errlen);
    }
    fclose(f);
    return rc;
}

/* What only development may use: a production configuration that names it stops (fails
 * closed, API.md §3: the dev identity provider takes any well-formed ID number). */
static bool production_refuses(const ow_config *cfg, char *err, size_t errlen)
{
    if (strcmp(cfg->deployment, "production") != 0)
        return false;
    if (strcmp(cfg->identity_provider, "dev") == 0)
        snprintf(err, errlen,
                 "identity_provider=dev: the development identity provider accepts any "
                 "well-formed ID number; refused unless deployment = development");
    else if (strcmp(cfg->enterprise_registry, "dev") == 0)
        snprintf(err, errlen,
                 "enterprise_registry=dev: the development registry step accepts any "
                 "well-formed credit code; refused unless deployment = development");
    else if (strcmp(cfg->sms_provider, "log") == 0)
        snprintf(err, errlen,
                 "sms_provider=log: login codes go to a file instead of the citizen's phone; "
                 "refused unless deployment = development");
    else if (cfg->test_routes)
        snprintf(err, errlen,
                 "test_routes=1: test-only routes; refused unless deployment = "
                 "development");
    else if (cfg->webhook_allow_http || cfg->webhook_allow_private)
        snprintf(err, errlen,
                 "webhook_allow_http/webhook_allow_private=1: organizations' webhooks to "
                 "http:// or to private addresses; refused unless deployment = development");
    else if (strncmp(cfg->haocha_url, "http://", 7) == 0)
        snprintf(err, errlen,
                 "haocha_url=http://…: ratings and the bearer token in clear text; refused "
                 "unless deployment = development");
    else
        return false;
    return true;
}

int config_load(ow_config *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < N_SETTINGS; i++)
        if (set_value(cfg, &settings[i], settings[i].dflt, settings[i].name, err, errlen))
            return -1;
    const char *file = getenv("ONEWINDOW_CONFIG");
    if (file && *file && load_file(cfg, file, err, errlen))
        return -1;
    for (size_t i = 0; i < N_SETTINGS; i++) {
        char name[64];
        env_name(settings[i].name, name, sizeof name);
        const char *v = getenv(name);
        if (v && settings[i].credential) {
            snprintf(err, errlen,
                     "%s: a provider credential is read from the config file only, never "
                     "from the environment",
                     name);
            return -1;
        }
        if (v && set_value(cfg, &settings[i], v, name, err, errlen))
            return -1;
    }
    if (production_refuses(cfg, err, errlen))
        return -1;
    /* FastCGI over TCP answers whoever connects with whatever REMOTE_ADDR they claim: only
     * the nginx hosts may (README "Deploying": and a firewall) */
    if (cfg->fcgi_listen[0] && !cfg->fcgi_allow_from[0]) {
        snprintf(err, errlen, "fcgi_allow_from: required with fcgi_listen (the nginx hosts)");
        return -1;
    }
    if (!cfg->master_key_file[0]) /* development: generated there by scripts/stack.sh */
        snprintf(cfg->master_key_file, sizeof cfg->master_key_file, "%.240s/master.key",
                 cfg->var_dir);
    return 0;
}

void config_print(const ow_config *cfg, int (*out)(const char *line, void *ctx), void *ctx)
{
    char line[1200], masked[1100];
    for (size_t i = 0; i < N_SETTINGS; i++) {
        const setting *s = &settings[i];
        const char *p = (const char *)cfg + s->offset;
        if (s->type == SETTING_INT) {
            snprintf(line, sizeof line, "%s: %d", s->name, *(const int *)p);
        } else if ((s->credential || strstr(s->name, "secret")) && *p) { /* never printed */
            snprintf(line, sizeof line, "%s: (set)", s->name);
        } else {
            mask_dsn(p, masked, sizeof masked);
            snprintf(line, sizeof line, "%s: %s", s->name, masked);
        }
        out(line, ctx);
    }
    /* The accounts actually used (README "Privileges"), passwords masked. */
    char dsn[1024];
    config_primary_dsn(cfg, dsn, sizeof dsn);
    mask_dsn(dsn, masked, sizeof masked);
    snprintf(line, sizeof line, "effective_db_dsn: %s", masked);
    out(line, ctx);
    config_owner_dsn(cfg, dsn, sizeof dsn);
    mask_dsn(dsn, masked, sizeof masked);
    snprintf(line, sizeof line, "effective_db_owner_dsn: %s", masked);
    out(line, ctx);
}

/* The accounts scripts/stack.sh makes in the private MariaDB, reached over its unix socket
 * with the passwords it keeps in <var_dir>/secrets/ (README "Privileges"). */
static void private_dsn(const ow_config *cfg, const char *account, char *dsn, size_t len)
{
    snprintf(dsn, len,
             "mysql://onewindow_%s@localhost/onewindow?socket=%s/run/mysqld.sock"
             "&password_file=%s/secrets/db-%s.password",
             account, cfg->var_dir, cfg->var_dir, account);
}

void config_primary_dsn(const ow_config *cfg, char *dsn, size_t len)
{
    if (cfg->db_dsn[0])
        snprintf(dsn, len, "%s", cfg->db_dsn);
    else
        private_dsn(cfg, "api", dsn, len);
}

void config_owner_dsn(const ow_config *cfg, char *dsn, size_t len)
{
    if (cfg->db_owner_dsn[0])
        snprintf(dsn, len, "%s", cfg->db_owner_dsn);
    else if (cfg->db_dsn[0])
        snprintf(dsn, len, "%s", cfg->db_dsn);
    else
        private_dsn(cfg, "owner", dsn, len);
}

static const ow_config *current;

void config_set_current(const ow_config *cfg)
{
    current = cfg;
}

const ow_config *config_current(void)
{
    return current;
}
