#include "api/server.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "api/dispatch.h"
#include "api/router.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"

/* Kept across requests by each thread: searches on a large catalog build lists of a few
 * hundred KiB, which then cost neither malloc nor page faults. Pages are touched only as
 * used. */
#define REQUEST_ARENA_CHUNK (1024 * 1024)
#define KICK_INTERVAL_MS 50

static int listen_socket;
static size_t max_body_bytes;
static const route *table; /* routes, plus test_routes when configured */
static size_t table_len;
static void (*thread_end)(void);
static atomic_bool stopping;
static atomic_int threads_alive;

static int fcgi_read(void *ctx, char *buf, int len)
{
    return FCGX_GetStr(buf, len, ((FCGX_Request *)ctx)->in);
}

static void write_response(FCGX_Request *fr, req *r, const resp *w)
{
    size_t head_len;
    char *head = resp_render_head(r, w, &head_len);
    if (!head) {
        static const char oom[] = "Status: 500 Internal Server Error\r\n\r\n";
        FCGX_PutStr(oom, sizeof oom - 1, fr->out);
        return;
    }
    FCGX_PutStr(head, (int)head_len, fr->out);
    if (w->body_len && strcmp(r->method, "HEAD") != 0)
        FCGX_PutStr(w->body, (int)w->body_len, fr->out);
}

/* Ends the request without libfcgi's lingering close (shutdown, then poll up to 2 s until
 * nginx closes): it parks the thread for a round trip to nginx on every request. Lingering
 * guards against a reset that loses the answer when unread input remains, so the rest of
 * the input is read first; then the connection is simply closed. */
static void finish(FCGX_Request *fr)
{
    char sink[4096];
    while (FCGX_GetStr(sink, sizeof sink, fr->in) > 0)
        ;
    FCGX_Detach(fr);
    FCGX_Finish_r(fr);
}

/* Never inlined: `make callgrind` counts the instructions of a request as those spent in
 * here (valgrind --toggle-collect=handle). */
__attribute__((noinline)) static void handle(FCGX_Request *fr, req *r)
{
    arena keep = r->arena;
    memset(r, 0, sizeof *r);
    r->arena = keep;
    r->params_env = fr->envp;
    r->started_us = clock_mono_us();
    log_request_begin(r->request_id); /* filled in by the dispatcher's first step */
    resp w = {0};
    dispatch(r, &w, table, table_len, max_body_bytes, fcgi_read, fr);
    write_response(fr, r, &w);
    finish(fr); /* the client has its answer before we log and count */
    int64_t took = clock_mono_us() - r->started_us;
    const char *label = r->route ? r->route->pattern : "unmatched";
    log_access(r->request_id, r->server_request_id, r->method, label, w.status, took);
    log_request_end(w.status);
    metrics_observe_request(label, r->method, w.status, took);
    arena_reset(&r->arena);
}

/* E.g. EMFILE: pause instead of spinning, and log at most once a second. */
static void accept_failed(int err)
{
    static _Atomic int64_t last_logged_us;
    int64_t now = clock_mono_us(), last = atomic_load(&last_logged_us);
    if (now - last > 1000000 && atomic_compare_exchange_strong(&last_logged_us, &last, now))
        log_msg(LOG_ERROR, "accept failed: %s", strerror(err));
    usleep(10000);
}

static void *serve(void *unused)
{
    (void)unused;
    FCGX_Request fr;
    /* FAIL_ACCEPT_ON_INTR: the SIGUSR2 kick at shutdown ends a blocked accept. */
    FCGX_InitRequest(&fr, listen_socket, FCGI_FAIL_ACCEPT_ON_INTR);
    req r;
    arena_init(&r.arena, REQUEST_ARENA_CHUNK);
    while (!atomic_load(&stopping)) {
        if (FCGX_Accept_r(&fr) < 0) {
            if (!atomic_load(&stopping) && errno != EINTR)
                accept_failed(errno);
            continue;
        }
        handle(&fr, &r);
    }
    FCGX_Free(&fr, 0); /* the listening socket stays open: a replacement may share it */
    arena_destroy(&r.arena);
    if (thread_end)
        thread_end();
    atomic_fetch_sub(&threads_alive, 1);
    return NULL;
}

static void on_kick(int sig)
{
    (void)sig; /* only there to interrupt accept() */
}

static void wait_for_stop_signal(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sig = 0;
    sigwait(&set, &sig);
    log_msg(LOG_INFO, "signal %d: stop accepting, finish in-flight requests", sig);
}

/* Wakes threads blocked in accept until all have left their loop or the grace ends. */
static void drain(pthread_t *threads, int n, int grace_s)
{
    atomic_store(&stopping, true);
    FCGX_ShutdownPending();
    int64_t deadline = clock_mono_us() + (int64_t)grace_s * 1000000;
    while (atomic_load(&threads_alive) > 0 && clock_mono_us() < deadline) {
        /* Repeated: a thread between its stop check and accept() misses one kick. */
        for (int i = 0; i < n; i++)
            pthread_kill(threads[i], SIGUSR2);
        usleep(KICK_INTERVAL_MS * 1000);
    }
}

static int build_table(const ow_config *cfg, const server_setup *s)
{
    size_t n = s->n_routes + (cfg->test_routes ? s->n_test_routes : 0);
    route *t = calloc(n, sizeof *t);
    if (!t)
        return -1;
    memcpy(t, s->routes, s->n_routes * sizeof *t);
    if (cfg->test_routes)
        memcpy(t + s->n_routes, s->test_routes, s->n_test_routes * sizeof *t);
    table = t;
    table_len = n;
    return 0;
}

int server_run(const ow_config *cfg, int listen_fd, const server_setup *setup)
{
    int type = 0;
    socklen_t len = sizeof type;
    if (getsockopt(listen_fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) {
        log_msg(LOG_ERROR, "fd %d is not a listening socket", listen_fd);
        return 1;
    }
    listen_socket = listen_fd;
    max_body_bytes = (size_t)cfg->max_body_bytes;
    if (build_table(cfg, setup) != 0)
        return 1;
    thread_end = setup->thread_end;
    if (FCGX_Init() != 0) {
        log_msg(LOG_ERROR, "FCGX_Init failed");
        return 1;
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_kick; /* no SA_RESTART: accept() must return EINTR */
    sigaction(SIGUSR2, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Threads inherit this mask: only this thread takes TERM/INT (with sigwait). */
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, NULL);

    int n = cfg->threads;
    pthread_t *threads = calloc((size_t)n, sizeof *threads);
    if (!threads)
        return 1;
    for (int i = 0; i < n; i++) {
        atomic_fetch_add(&threads_alive, 1);
        if (pthread_create(&threads[i], NULL, serve, NULL) != 0) {
            log_msg(LOG_ERROR, "cannot start thread %d", i);
            atomic_fetch_sub(&threads_alive, 1);
            n = i;
            break;
        }
    }
    log_msg(LOG_INFO, "worker serving with %d threads", n);
    wait_for_stop_signal();
    drain(threads, n, cfg->shutdown_grace_s);
    int left = atomic_load(&threads_alive);
    if (left > 0) {
        log_msg(LOG_WARN, "%d requests still running after %d s; exiting", left,
                cfg->shutdown_grace_s);
        return 0;
    }
    for (int i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    log_msg(LOG_INFO, "worker stopped");
    return 0;
}
