/* Unit tests of core/ (arena, strbuf, percent decoding, configuration, DSNs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/client_key.h"
#include "core/config.h"
#include "core/decimal_id.h"
#include "core/metrics.h"
#include "core/percent.h"
#include "core/strbuf.h"
#include "core/ttl_cache.h"
#include "core/clock.h"
#include "core/dsn.h"
#include "core/log.h"
#include "core/metrics.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* ---- arena ---- */

static void assert_aligned(const void *p)
{
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
}

static void test_arena_many_allocations(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 256);
    unsigned char *ptrs[200];
    /* Odd sizes spill over many 256-byte chunks; each block keeps its own content. */
    for (int i = 0; i < 200; i++) {
        size_t size = 1 + (size_t)i % 37;
        ptrs[i] = arena_alloc(&a, size);
        assert_aligned(ptrs[i]);
        memset(ptrs[i], i, size);
    }
    for (int i = 0; i < 200; i++) {
        size_t size = 1 + (size_t)i % 37;
        for (size_t j = 0; j < size; j++)
            assert_int_equal(ptrs[i][j], (unsigned char)i);
    }
    arena_destroy(&a);
    assert_null(a.head);
}

static void test_arena_large_allocation(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 256);
    char *small1 = arena_alloc(&a, 16);
    char *big = arena_alloc(&a, 10000);
    char *small2 = arena_alloc(&a, 16);
    assert_aligned(small1);
    assert_aligned(big);
    assert_aligned(small2);
    memset(big, 'x', 10000);
    strcpy(small1, "first");
    strcpy(small2, "second");
    /* The small blocks share the first chunk: the big one got its own and did not end it. */
    uintptr_t s1 = (uintptr_t)small1, s2 = (uintptr_t)small2, b = (uintptr_t)big;
    assert_true(s2 > s1 && s2 - s1 < 256);
    assert_true(b + 10000 <= s1 || b >= s1 + 256);
    assert_int_equal(big[0], 'x');
    assert_int_equal(big[9999], 'x');
    assert_string_equal(small1, "first");
    arena_destroy(&a);
}

static void test_arena_alignment(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 1024);
    for (size_t size = 1; size < 100; size += 7)
        assert_aligned(arena_alloc(&a, size));
    assert_aligned(arena_strdup(&a, "x"));
    assert_aligned(arena_printf(&a, "%d", 42));
    arena_destroy(&a);
}

static void test_arena_strings(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 0); /* default chunk size */
    assert_int_equal(a.chunk_size, 16384);
    assert_string_equal(arena_strndup(&a, "hello world", 5), "hello");
    assert_string_equal(arena_printf(&a, "%s-%d", "n", 7), "n-7");
    int *zeros = arena_calloc(&a, 10, sizeof *zeros);
    for (int i = 0; i < 10; i++)
        assert_int_equal(zeros[i], 0);
    assert_null(arena_calloc(&a, SIZE_MAX / 2, 4));
    /* Sizes near SIZE_MAX are refused, not wrapped around into a tiny chunk. */
    assert_null(arena_alloc(&a, SIZE_MAX));
    assert_null(arena_alloc(&a, SIZE_MAX - 40));
    arena_destroy(&a);
}

static char order[16];

static void record(void *p)
{
    strncat(order, p, sizeof order - strlen(order) - 1);
}

static void test_arena_defer_reverse_order(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 256);
    order[0] = '\0';
    assert_int_equal(arena_defer(&a, record, "1"), 0);
    assert_int_equal(arena_defer(&a, record, "2"), 0);
    assert_int_equal(arena_defer(&a, record, "3"), 0);
    assert_string_equal(order, "");
    arena_reset(&a);
    assert_string_equal(order, "321");
    arena_reset(&a); /* each cleanup runs once */
    assert_string_equal(order, "321");
    arena_destroy(&a);
}

static void test_arena_reset_and_reuse(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 256);
    char *first = arena_alloc(&a, 8);
    arena_alloc(&a, 5000); /* a chunk of its own, freed at reset */
    order[0] = '\0';
    arena_defer(&a, record, "x");
    arena_reset(&a);
    assert_string_equal(order, "x");
    /* The default-size chunk is kept and starts over empty. */
    char *again = arena_alloc(&a, 8);
    assert_ptr_equal(again, first);
    for (int i = 0; i < 50; i++) /* many chunks, then back to one */
        memset(arena_alloc(&a, 100), 'y', 100);
    arena_reset(&a);
    assert_non_null(a.head);
    strcpy(arena_alloc(&a, 16), "reused");
    arena_defer(&a, record, "z");
    arena_destroy(&a);
    assert_string_equal(order, "xz");
    assert_null(a.head);
}

static void test_arena_reset_keeps_no_large_chunk(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 256);
    assert_non_null(arena_alloc(&a, 5000));
    arena_reset(&a);
    assert_null(a.head);
    arena_destroy(&a);
}

/* ---- strbuf ---- */

static void test_strbuf_growth(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 128);
    strbuf sb;
    sb_init(&sb, &a, 4);
    assert_string_equal(sb.data, "");
    for (int i = 0; i < 100; i++)
        sb_printf(&sb, "%d,", i % 10);
    sb_puts(&sb, "end");
    sb_append(&sb, "XYZ", 1);
    assert_int_equal(sb.len, 204);
    assert_int_equal(strlen(sb.data), 204);
    assert_true(sb.cap > sb.len);
    assert_false(sb.failed);
    assert_memory_equal(sb.data, "0,1,2,3,4,5,6,7,8,9,0,", 22);
    assert_string_equal(sb.data + 200, "endX");
    arena_destroy(&a);
}

/* ---- percent_decode ---- */

static const char *decode(arena *a, const char *s, bool plus)
{
    return percent_decode(a, s, strlen(s), plus);
}

static void test_percent_decode(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 1024);
    assert_string_equal(decode(&a, "a%20b%2Fc", false), "a b/c");
    assert_string_equal(decode(&a, "%e4%B8%ad", false), "中");
    assert_string_equal(decode(&a, "a+b", true), "a b");
    assert_string_equal(decode(&a, "a+b", false), "a+b");
    assert_string_equal(decode(&a, "", false), "");
    assert_string_equal(percent_decode(&a, "ab%41zz", 5, false), "abA");
    assert_null(decode(&a, "%zz", false));
    assert_null(decode(&a, "%4", false));
    assert_null(decode(&a, "abc%", false));
    assert_null(decode(&a, "%00", false));
    assert_null(decode(&a, "%ff", false));
    assert_null(decode(&a, "%C0%AF", false)); /* overlong */
    arena_destroy(&a);
}

/* ---- dsn_parse ---- */

static void test_dsn_full(void **state)
{
    (void)state;
    db_target t;
    assert_int_equal(dsn_parse("mysql://u:p%40ss@host:3307/db", &t), 0);
    assert_string_equal(t.user, "u");
    assert_string_equal(t.password, "p@ss");
    assert_string_equal(t.host, "host");
    assert_int_equal(t.port, 3307);
    assert_string_equal(t.database, "db");
    assert_string_equal(t.socket, "");
}

static void test_dsn_defaults_and_socket(void **state)
{
    (void)state;
    db_target t;
    assert_int_equal(dsn_parse("mysql://root@localhost/onewindow", &t), 0);
    assert_string_equal(t.user, "root");
    assert_string_equal(t.password, "");
    assert_int_equal(t.port, 3306);
    assert_int_equal(dsn_parse("mysql://root@localhost/ow?socket=/x/y.sock", &t), 0);
    assert_string_equal(t.database, "ow");
    assert_string_equal(t.socket, "/x/y.sock");
    assert_int_equal(dsn_parse("mysql://db.example:1/x", &t), 0);
    assert_string_equal(t.user, "");
    assert_int_equal(t.port, 1);
}

static void assert_dsn_bad(const char *dsn)
{
    db_target t;
    if (dsn_parse(dsn, &t) != -1)
        fail_msg("accepted: %s", dsn);
}

static void test_dsn_malformed(void **state)
{
    (void)state;
    assert_dsn_bad("mysql://u:p@host:3307");    /* no database */
    assert_dsn_bad("mysql://u:p@host:3307/");   /* empty database */
    assert_dsn_bad("mysql://u:p@host:33x7/db"); /* bad port */
    assert_dsn_bad("mysql://u:p@host:0/db");
    assert_dsn_bad("mysql://u:p@host:65536/db");
    assert_dsn_bad("mysql://u:p@host:/db");
    assert_dsn_bad("mysql://u:p@host/db?charset=utf8"); /* unknown option */
    assert_dsn_bad("mysql://u:p@host/db?socket=");
    assert_dsn_bad("mysql://u:p@/db"); /* no host */
    assert_dsn_bad("postgres://u:p@host/db");
    assert_dsn_bad("mysql://u:p%zz@host/db");
    assert_dsn_bad("mysql://u:p@host:+33/db"); /* a port is plain digits */
    assert_dsn_bad("mysql://u:p@host: 33/db");
    assert_dsn_bad("mysql://u:p@host:000033/db");
    assert_dsn_bad("mysql://u@host/db?");
    assert_dsn_bad("mysql://u@host/db?socket=/a&");
    assert_dsn_bad("mysql://u@host/db?socket=/a&socket=/b"); /* twice */
    assert_dsn_bad("mysql://u@host/db?socket");
    assert_dsn_bad("mysql://u@host/db?password_file=");
    assert_dsn_bad("mysql://u:p@host/db?password_file=/x"); /* two passwords */
}

static void test_dsn_password_file(void **state)
{
    (void)state;
    db_target t;
    assert_int_equal(
        dsn_parse("mysql://api@localhost/ow?password_file=/run/pw&socket=/x/y.sock", &t), 0);
    assert_string_equal(t.password_file, "/run/pw");
    assert_string_equal(t.socket, "/x/y.sock");
    assert_string_equal(t.password, "");
    char path[] = "/tmp/ow-unit-pw-XXXXXX", err[300];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "s3cret pw\nsecond line\n", 22), 22);
    close(fd);
    snprintf(t.password_file, sizeof t.password_file, "%s", path);
    assert_int_equal(dsn_read_password(&t, err, sizeof err), 0);
    assert_string_equal(t.password, "s3cret pw");
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_int_equal(write(fd, "\n", 1), 1); /* an empty first line */
    close(fd);
    assert_int_equal(dsn_read_password(&t, err, sizeof err), -1);
    assert_string_equal(t.password, "");
    unlink(path);
    assert_int_equal(dsn_read_password(&t, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot be read"));
}

/* ---- client_key_of: one key per IPv4 address and per IPv6 /64 ---- */

static void test_client_key(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
        {"2001:DB8:1:2::9", "2001:db8:1:2::/64"},
        {"2001:db8:0:0:1::", "2001:db8::/64"},
        {"2001:db8:1:3::1", "2001:db8:1:3::/64"},
        {"::1", "::/64"},
        {"::ffff:192.0.2.9", "192.0.2.9"},
        {"198.51.100.1", "198.51.100.1"},
        {"unix:", "unix:"},
        {"", ""},
    };
    char key[CLIENT_KEY_BYTES];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        client_key_of(cases[i][0], key, sizeof key);
        assert_string_equal(key, cases[i][1]);
    }
    char longest[] = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    client_key_of(longest, key, sizeof key);
    assert_string_equal(key, "ffff:ffff:ffff:ffff::/64");
}

/* ---- config_load ---- */

/* Removes every ONEWINDOW_* variable: the ones tests set, and any inherited. */
static void unset_config_env(void)
{
    char name[256];
    for (char **e = environ; *e;) {
        size_t n = strcspn(*e, "=");
        if (strncmp(*e, "ONEWINDOW_", 10) != 0 || n >= sizeof name) {
            e++;
            continue;
        }
        snprintf(name, sizeof name, "%.*s", (int)n, *e);
        unsetenv(name);
        e = environ; /* unsetenv moved the entries */
    }
}

static int config_setup(void **state)
{
    (void)state;
    unset_config_env();
    return 0;
}

static int config_teardown(void **state)
{
    (void)state;
    unset_config_env();
    return 0;
}

static void test_config_defaults(void **state)
{
    (void)state;
    ow_config cfg;
    char err[512] = "";
    assert_int_equal(config_load(&cfg, err, sizeof err), 0);
    assert_int_equal(cfg.workers, 2);
    assert_int_equal(cfg.port, 8080);
    assert_string_equal(cfg.timezone, "Asia/Shanghai");
    assert_int_equal(cfg.max_body_bytes, 65536);
}

static void test_config_env_override(void **state)
{
    (void)state;
    ow_config cfg;
    char err[512] = "";
    setenv("ONEWINDOW_WORKERS", "3", 1);
    assert_int_equal(config_load(&cfg, err, sizeof err), 0);
    assert_int_equal(cfg.workers, 3);
}

static void assert_env_rejected(const char *name, const char *value)
{
    ow_config cfg;
    char err[512] = "";
    setenv(name, value, 1);
    assert_int_equal(config_load(&cfg, err, sizeof err), -1);
    if (!strstr(err, name))
        fail_msg("message does not name %s: %s", name, err);
    unsetenv(name);
}

static void test_config_env_rejected(void **state)
{
    (void)state;
    assert_env_rejected("ONEWINDOW_WORKERS", "abc");
    assert_env_rejected("ONEWINDOW_WORKERS", "0");
    assert_env_rejected("ONEWINDOW_WORKERS", "65");
    assert_env_rejected("ONEWINDOW_WORKERS", "");
    assert_env_rejected("ONEWINDOW_TIMEZONE", "Mars/Base");
    assert_env_rejected("ONEWINDOW_TIMEZONE", "../../etc/passwd");
}

static void assert_env_accepted(const char *name, const char *value)
{
    ow_config cfg;
    char err[512] = "";
    setenv(name, value, 1);
    if (config_load(&cfg, err, sizeof err) != 0)
        fail_msg("%s=%s refused: %s", name, value, err);
    unsetenv(name);
}

/* The settings of least privilege and the client's address (README "Privileges",
 * "Client IP"), at their limits and past them. */
static void test_config_privilege_and_proxy_settings(void **state)
{
    (void)state;
    assert_env_accepted("ONEWINDOW_TRUSTED_PROXIES", "10.0.0.0/8,2001:db8::/32,192.0.2.1");
    assert_env_accepted("ONEWINDOW_TRUSTED_PROXIES", "0.0.0.0/0,::/128");
    assert_env_rejected("ONEWINDOW_TRUSTED_PROXIES", "10.0.0.0/33");
    assert_env_rejected("ONEWINDOW_TRUSTED_PROXIES", "2001:db8::/129");
    assert_env_rejected("ONEWINDOW_TRUSTED_PROXIES", "10.0.0.0/8,");
    assert_env_rejected("ONEWINDOW_TRUSTED_PROXIES", "10.0.0.0/");
    assert_env_rejected("ONEWINDOW_TRUSTED_PROXIES", "10.0.0.0/+8");
    assert_env_rejected("ONEWINDOW_TRUSTED_PROXIES", "lb.internal");
    assert_env_rejected("ONEWINDOW_TRUSTED_PROXIES", "10.0.0.1;include /etc/x");
    assert_env_accepted("ONEWINDOW_SERVICE_USER", "ow_app-1.x");
    assert_env_rejected("ONEWINDOW_SERVICE_USER", "-x");
    assert_env_rejected("ONEWINDOW_SOCKET_GROUP", "web:root");
    assert_env_rejected("ONEWINDOW_SOCKET_GROUP", "");
    assert_env_accepted("ONEWINDOW_UPLOAD_MAX_BYTES", "1024");
    assert_env_rejected("ONEWINDOW_UPLOAD_MAX_BYTES", "1023");
    assert_env_accepted("ONEWINDOW_UPLOAD_MAX_BYTES", "67108864");
    assert_env_rejected("ONEWINDOW_UPLOAD_MAX_BYTES", "67108865");
    assert_env_accepted("ONEWINDOW_DB_OWNER_DSN", "mysql://o@db/ow?password_file=/root/pw");
    assert_env_rejected("ONEWINDOW_DB_OWNER_DSN", "mysql://o:x@db/ow?password_file=/root/pw");
}

/* The effective DSNs: the private accounts by default, db_dsn's account for both when only
 * it is set, each its own when both are. */
static void test_config_effective_dsns(void **state)
{
    (void)state;
    ow_config cfg;
    char err[512] = "", dsn[1024];
    setenv("ONEWINDOW_VAR_DIR", "/v", 1);
    assert_int_equal(config_load(&cfg, err, sizeof err), 0);
    config_primary_dsn(&cfg, dsn, sizeof dsn);
    assert_string_equal(dsn, "mysql://onewindow_api@localhost/onewindow?socket=/v/run/mysqld.sock"
                             "&password_file=/v/secrets/db-api.password");
    config_owner_dsn(&cfg, dsn, sizeof dsn);
    assert_non_null(strstr(dsn, "mysql://onewindow_owner@localhost/onewindow?"));
    setenv("ONEWINDOW_DB_DSN", "mysql://app:pw@db/ow", 1);
    assert_int_equal(config_load(&cfg, err, sizeof err), 0);
    config_owner_dsn(&cfg, dsn, sizeof dsn);
    assert_string_equal(dsn, "mysql://app:pw@db/ow");
    setenv("ONEWINDOW_DB_OWNER_DSN", "mysql://own:pw@db/ow", 1);
    assert_int_equal(config_load(&cfg, err, sizeof err), 0);
    config_owner_dsn(&cfg, dsn, sizeof dsn);
    assert_string_equal(dsn, "mysql://own:pw@db/ow");
    config_primary_dsn(&cfg, dsn, sizeof dsn);
    assert_string_equal(dsn, "mysql://app:pw@db/ow");
    unsetenv("ONEWINDOW_DB_OWNER_DSN");
    unsetenv("ONEWINDOW_DB_DSN");
    unsetenv("ONEWINDOW_VAR_DIR");
}

/* A DSN the parser refuses is named in the message, with its password masked. */
static void test_config_bad_dsn_masks_password(void **state)
{
    (void)state;
    ow_config cfg;
    char err[512] = "";
    setenv("ONEWINDOW_DB_DSN", "mysql://app:s3cret@db:99999/onewindow", 1);
    assert_int_equal(config_load(&cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "ONEWINDOW_DB_DSN"));
    assert_non_null(strstr(err, "app:***@db"));
    assert_null(strstr(err, "s3cret"));
    setenv("ONEWINDOW_DB_DSN", "postgres://app:s3cret@db/onewindow", 1);
    assert_int_equal(config_load(&cfg, err, sizeof err), -1);
    assert_null(strstr(err, "s3cret"));
    setenv("ONEWINDOW_DB_DSN", "mysql://app:s3cret@db:3306/onewindow", 1);
    assert_int_equal(config_load(&cfg, err, sizeof err), 0);
    unsetenv("ONEWINDOW_DB_DSN");
}

/* Writes text to a new file in a new temp dir; returns its path in path (removed later). */
static void write_config(char *dir, char *path, size_t len, const char *text)
{
    strcpy(dir, "/tmp/ow-unit-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, len, "%s/onewindow.conf", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    setenv("ONEWINDOW_CONFIG", path, 1);
}

static void remove_config(const char *dir, const char *path)
{
    unlink(path);
    rmdir(dir);
}

static int load_with_file(const char *text, ow_config *cfg, char *err, size_t errlen)
{
    char dir[64], path[128];
    write_config(dir, path, sizeof path, text);
    int rc = config_load(cfg, err, errlen);
    remove_config(dir, path);
    return rc;
}

static void test_config_file(void **state)
{
    (void)state;
    ow_config cfg;
    char err[512] = "";
    assert_int_equal(
        load_with_file("# comment\n\nworkers = 5\n  port=9000  \n", &cfg, err, sizeof err), 0);
    assert_int_equal(cfg.workers, 5);
    assert_int_equal(cfg.port, 9000);
}

static void test_config_env_beats_file(void **state)
{
    (void)state;
    ow_config cfg;
    char err[512] = "";
    setenv("ONEWINDOW_WORKERS", "7", 1);
    assert_int_equal(load_with_file("workers = 5\n", &cfg, err, sizeof err), 0);
    assert_int_equal(cfg.workers, 7);
}

static void test_config_file_unknown_key(void **state)
{
    (void)state;
    ow_config cfg;
    char err[512] = "";
    assert_int_equal(load_with_file("workers = 5\nflavour = mint\n", &cfg, err, sizeof err), -1);
    if (!strstr(err, ".conf:2: flavour"))
        fail_msg("message does not name the line: %s", err);
}

static void test_config_file_bad_lines(void **state)
{
    (void)state;
    ow_config cfg;
    char err[512] = "";
    assert_int_equal(load_with_file("workers 5\n", &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, ".conf:1:"));
    assert_int_equal(load_with_file("\nworkers = many\n", &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, ".conf:2: workers=many"));
    setenv("ONEWINDOW_CONFIG", "/nonexistent/ow.conf", 1);
    assert_int_equal(config_load(&cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "ONEWINDOW_CONFIG=/nonexistent/ow.conf"));
}

/* FastCGI over TCP (multi-host): ADDR:PORT with room for the slots' ports, and never without
 * the list of the nginx hosts allowed to connect. */
static void test_config_fcgi_listen(void **state)
{
    (void)state;
    ow_config cfg;
    char err[512] = "";
    setenv("ONEWINDOW_FCGI_LISTEN", "198.18.0.2:9000", 1);
    assert_int_equal(config_load(&cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "fcgi_allow_from"));
    setenv("ONEWINDOW_FCGI_ALLOW_FROM", "198.18.0.1,198.18.0.9", 1);
    assert_int_equal(config_load(&cfg, err, sizeof err), 0);
    assert_string_equal(cfg.fcgi_listen, "198.18.0.2:9000");
    setenv("ONEWINDOW_FCGI_LISTEN", "198.18.0.2:65471", 1); /* 64 slots still fit */
    assert_int_equal(config_load(&cfg, err, sizeof err), 0);
    assert_env_rejected("ONEWINDOW_FCGI_LISTEN", "198.18.0.2:65472");
    setenv("ONEWINDOW_FCGI_LISTEN", "198.18.0.2:9000", 1);
    assert_env_rejected("ONEWINDOW_FCGI_LISTEN", "db.internal:9000");
    assert_env_rejected("ONEWINDOW_FCGI_LISTEN", ":9000");
    setenv("ONEWINDOW_FCGI_LISTEN", "198.18.0.2:9000", 1);
    assert_env_rejected("ONEWINDOW_FCGI_ALLOW_FROM", "198.18.0.1,");
    setenv("ONEWINDOW_FCGI_LISTEN", "198.18.0.2:9000", 1);
    assert_env_rejected("ONEWINDOW_FCGI_ALLOW_FROM", "nginx-1");
    unsetenv("ONEWINDOW_FCGI_LISTEN");
}

/* ---- metrics and logs ---- */

static uint64_t metric_value(const char *name)
{
    arena a;
    arena_init(&a, 65536);
    strbuf sb;
    sb_init(&sb, &a, 65536);
    metrics_render(&sb);
    char want[128];
    snprintf(want, sizeof want, "\n%s ", name);
    const char *at = sb.data ? strstr(sb.data, want) : NULL;
    uint64_t v = at ? strtoull(at + strlen(want), NULL, 10) : UINT64_MAX;
    arena_destroy(&a);
    return v;
}

/* A line that cannot be written (here: stderr on /dev/full) is counted, never lost silently. */
static void test_log_lines_lost_are_counted(void **state)
{
    (void)state;
    assert_int_equal(metrics_attach_private(), 0);
    uint64_t before = metric_value("onewindow_log_lines_lost_total");
    assert_true(before != UINT64_MAX);
    int saved = dup(STDERR_FILENO), full = open("/dev/full", O_WRONLY);
    assert_true(saved >= 0 && full >= 0);
    dup2(full, STDERR_FILENO);
    log_msg(LOG_ERROR, "this line finds the disk full");
    log_access("rid-1", NULL, "GET", "/healthz", 200, 10);
    dup2(saved, STDERR_FILENO);
    close(full);
    close(saved);
    assert_int_equal(metric_value("onewindow_log_lines_lost_total"), before + 2);
}

/* A worker of a newer binary maps the region of an older master that is smaller: it grows
 * it instead of reading past its end. */
static void test_metrics_region_grows(void **state)
{
    (void)state;
    int fd = memfd_create("ow-unit-metrics", 0);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 4096), 0);
    assert_int_equal(metrics_attach(fd), 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    assert_true(st.st_size > 4096);
    metrics_count(METRIC_WORKER_RESTARTS);
    assert_int_equal(metric_value("onewindow_worker_restarts_total"), 1);
    close(fd);
}

/* ---- canonical decimal ids ---- */

static void test_decimal_id(void **state)
{
    (void)state;
    int64_t v = 0;
    assert_true(decimal_id_parse("1", 1, &v) && v == 1);
    assert_true(decimal_id_parse("9223372036854775807", 19, &v) && v == INT64_MAX);
    static const char *const bad[] = {"",
                                      "0",
                                      "01",
                                      "-1",
                                      "+1",
                                      " 1",
                                      "1 ",
                                      "1.0",
                                      "1e3",
                                      "abc",
                                      "9223372036854775808",
                                      "99999999999999999999",
                                      "\xd9\xa3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(decimal_id_parse(bad[i], strlen(bad[i]), &v));
    assert_true(decimal_id_parse("42x", 2, NULL)); /* len bytes only */
}

/* ---- metrics ---- */

/* Series by method are a fixed set plus OTHER: invented methods cannot exhaust the table. */
static void test_metrics_methods_are_a_fixed_set(void **state)
{
    (void)state;
    assert_int_equal(metrics_attach_private(), 0);
    char method[16];
    for (int i = 0; i < 5000; i++) {
        snprintf(method, sizeof method, "M%d", i);
        metrics_observe_request("unmatched", method, 405, 10);
    }
    metrics_observe_request("unmatched", "GET", 404, 10);
    metrics_observe_request("unmatched", "get", 404, 10);
    arena a;
    arena_init(&a, 4096);
    strbuf sb;
    sb_init(&sb, &a, 4096);
    metrics_render(&sb);
    assert_false(sb.failed);
    assert_non_null(strstr(sb.data, "route=\"unmatched\",method=\"OTHER\",status=\"405\"} 5000"));
    assert_non_null(strstr(sb.data, "route=\"unmatched\",method=\"GET\",status=\"404\"} 1"));
    assert_non_null(strstr(sb.data, "route=\"unmatched\",method=\"OTHER\",status=\"404\"} 1"));
    assert_null(strstr(sb.data, "method=\"M1\""));
    assert_non_null(strstr(sb.data, "onewindow_metrics_dropped_total 0\n"));
    arena_destroy(&a);
}

/* A line longer than the reader's buffer was read in pieces: the tail of a long comment
 * became a setting of its own (found writing tests/fuzz/fuzz_config.c). */
static void test_config_file_long_line(void **state)
{
    (void)state;
    ow_config cfg;
    char err[512] = "", text[1200];
    int n = snprintf(text, sizeof text, "# %s", "");
    memset(text + n, 'x', 1021 - (size_t)n);
    snprintf(text + 1021, sizeof text - 1021, "workers = 7\n");
    assert_int_equal(load_with_file(text, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, ".conf:1: longer than"));
    memset(text, 0, sizeof text);
    memcpy(text, "# ", 2);
    memset(text + 2, 'y', 1019); /* 1021 characters and the line end: the longest line */
    strcat(text, "\nworkers = 7\n");
    assert_int_equal(load_with_file(text, &cfg, err, sizeof err), 0);
    assert_int_equal(cfg.workers, 7);
}

#define CONFIG_TEST(f) cmocka_unit_test_setup_teardown(f, config_setup, config_teardown)

/* The statistics' answer cache: a value until its time is over; four keys share a set without
 * evicting each other, a fifth takes the slot that expires first; values over the bound, or
 * beyond the budget, are never kept. */
static void test_ttl_cache(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096);
    ttl_cache *c = ttl_cache_new(1, 8, 20); /* one set of four slots, 20 bytes in all */
    assert_non_null(c);
    const char *v = NULL;
    size_t n = 0;
    assert_false(ttl_cache_get(c, "a", &a, &v, &n));
    ttl_cache_put(c, "a", "12345", 5, 60000);
    assert_true(ttl_cache_get(c, "a", &a, &v, &n));
    assert_int_equal(n, 5);
    assert_string_equal(v, "12345");
    ttl_cache_put(c, "b", "123456789", 9, 60000); /* over 8 bytes: not kept */
    assert_false(ttl_cache_get(c, "b", &a, &v, &n));
    ttl_cache_put(c, "b", "xy", 2, 50000);
    ttl_cache_put(c, "c", "xy", 2, 40000);
    ttl_cache_put(c, "d", "xy", 2, 60000);
    for (const char *k = "abcd"; *k; k++) {
        char key[2] = {*k, 0};
        assert_true(ttl_cache_get(c, key, &a, &v, &n));
    }
    ttl_cache_put(c, "e", "xy", 2, 60000); /* a fifth: "c" expires first and goes */
    assert_false(ttl_cache_get(c, "c", &a, &v, &n));
    assert_true(ttl_cache_get(c, "e", &a, &v, &n) && ttl_cache_get(c, "a", &a, &v, &n));
    ttl_cache_put(c, "a", "1234567", 7, 60000); /* 7 + 2 + 2 + 2 = 13 bytes: kept */
    assert_true(ttl_cache_get(c, "a", &a, &v, &n) && n == 7);
    ttl_cache_put(c, "b", "12345678", 8, 60000); /* 7 + 8 + 2 + 2 = 19: kept */
    assert_true(ttl_cache_get(c, "b", &a, &v, &n) && n == 8);
    ttl_cache_put(c, "d", "12345678", 8, 60000); /* 7 + 8 + 8 + 2 = 25 > 20: not kept */
    assert_false(ttl_cache_get(c, "d", &a, &v, &n));
    ttl_cache_put(c, "e", "z", 1, 0); /* a time of 0 keeps nothing and leaves "e" */
    assert_true(ttl_cache_get(c, "e", &a, &v, &n) && n == 2);
    ttl_cache_put(c, "e", "z", 1, 30);
    clock_sleep_ms(60);
    assert_false(ttl_cache_get(c, "e", &a, &v, &n));
    /* expired answers make room when the budget is reached */
    ttl_cache_free(c);
    c = ttl_cache_new(8, 8, 10); /* two sets */
    ttl_cache_put(c, "a", "12345678", 8, 30);
    clock_sleep_ms(60);
    for (const char *k = "bcdefgh"; *k; k++) { /* some land in the other set than "a" */
        char key[2] = {*k, 0};
        ttl_cache_put(c, key, "12345678", 8, 60000);
        assert_true(ttl_cache_get(c, key, &a, &v, &n));
        ttl_cache_put(c, key, "1", 1, 0); /* (a time of 0: the key stays as it was) */
        ttl_cache_put(c, key, "12345678", 8, 1);
        clock_sleep_ms(5);
    }
    ttl_cache_free(c);
    arena_destroy(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_many_allocations),
        cmocka_unit_test(test_arena_large_allocation),
        cmocka_unit_test(test_arena_alignment),
        cmocka_unit_test(test_arena_strings),
        cmocka_unit_test(test_arena_defer_reverse_order),
        cmocka_unit_test(test_arena_reset_and_reuse),
        cmocka_unit_test(test_arena_reset_keeps_no_large_chunk),
        cmocka_unit_test(test_strbuf_growth),
        cmocka_unit_test(test_percent_decode),
        cmocka_unit_test(test_log_lines_lost_are_counted),
        cmocka_unit_test(test_metrics_region_grows),
        CONFIG_TEST(test_config_fcgi_listen),
        cmocka_unit_test(test_dsn_full),
        cmocka_unit_test(test_dsn_defaults_and_socket),
        cmocka_unit_test(test_dsn_malformed),
        cmocka_unit_test(test_metrics_methods_are_a_fixed_set),
        cmocka_unit_test(test_decimal_id),
        cmocka_unit_test(test_dsn_password_file),
        cmocka_unit_test(test_client_key),
        cmocka_unit_test(test_ttl_cache),
        CONFIG_TEST(test_config_defaults),
        CONFIG_TEST(test_config_env_override),
        CONFIG_TEST(test_config_env_rejected),
        CONFIG_TEST(test_config_bad_dsn_masks_password),
        CONFIG_TEST(test_config_file),
        CONFIG_TEST(test_config_env_beats_file),
        CONFIG_TEST(test_config_file_unknown_key),
        CONFIG_TEST(test_config_file_bad_lines),
        CONFIG_TEST(test_config_file_long_line),
        CONFIG_TEST(test_config_privilege_and_proxy_settings),
        CONFIG_TEST(test_config_effective_dsns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
