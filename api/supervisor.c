#include "api/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/privileges.h"

#define LISTEN_BACKLOG 1024
#define RELOAD_OVERLAP_MS 200 /* new and old worker both accept for this long */
#define CRASH_WINDOW_MS 1000  /* a worker dying sooner than this after start … */
#define CRASH_BACKOFF_MS 1000 /* … repeatedly is restarted at most once a second */
#define WORKER_LISTEN_FD 3
#define WORKER_METRICS_FD 4

typedef struct slot {
    int fd;
    char path[320];
    uid_t uid;      /* the socket's owner and group when the master starts as root, */
    gid_t gid;      /* else -1 (the master's own) */
    pid_t pid;      /* the serving worker, 0 when none */
    pid_t retiring; /* a worker being replaced by a reload, 0 when none */
    int64_t started_ms;
    int quick_deaths;
    int64_t restart_at_ms;
} slot;

typedef struct master {
    const ow_config *cfg;
    const char *exe;
    int metrics_fd;
    slot *slots;
    int n;
    bool stopping;
    int reload_slot;  /* slot being replaced by a reload, -1 when none */
    int reload_phase; /* 0 start the new worker, 1 overlap, 2 wait for the old one */
    int64_t phase_at_ms;
} master;

/* fcgi_listen = ADDR:PORT (several hosts behind nginx): slot i listens on ADDR:PORT+i, and
 * libfcgi accepts only the addresses of fcgi_allow_from (FCGI_WEB_SERVER_ADDRS). */
static int open_tcp_socket(slot *s, const char *listen_at, int i)
{
    char addr[64];
    snprintf(addr, sizeof addr, "%s", listen_at);
    char *colon = strrchr(addr, ':');
    struct sockaddr_in sa = {.sin_family = AF_INET};
    if (!colon)
        return -1;
    *colon = '\0';
    int port = atoi(colon + 1) + i;
    sa.sin_port = htons((uint16_t)port);
    snprintf(s->path, sizeof s->path, "%s:%d", addr, port);
    int one = 1;
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1 || s->fd < 0 ||
        setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(s->fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(s->fd, LISTEN_BACKLOG) != 0) {
        log_msg(LOG_ERROR, "cannot listen on %s: %s", s->path, strerror(errno));
        return -1;
    }
    return 0;
}

static int open_socket(slot *s)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(s->path) >= sizeof sa.sun_path) {
        log_msg(LOG_ERROR, "socket path too long: %s", s->path);
        return -1;
    }
    strcpy(sa.sun_path, s->path);
    unlink(s->path);
    s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(s->fd, LISTEN_BACKLOG) != 0) {
        log_msg(LOG_ERROR, "cannot listen on %s: %s", s->path, strerror(errno));
        return -1;
    }
    /* Only the service and nginx's workers may speak FastCGI (whoever can claims any
     * REMOTE_ADDR): 0660, the group nginx's workers run in (README "Privileges"). */
    if (chmod(s->path, 0660) != 0 || (s->gid != (gid_t)-1 && chown(s->path, s->uid, s->gid) != 0)) {
        log_msg(LOG_ERROR, "cannot set the mode of %s: %s", s->path, strerror(errno));
        return -1;
    }
    return 0;
}

static pid_t spawn(master *m, slot *s)
{
    pid_t pid = fork();
    if (pid < 0) {
        log_msg(LOG_ERROR, "fork failed: %s", strerror(errno));
        return 0;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* A master killed outright must not leave workers serving on behind it. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        /* Move both out of the way first: either may already sit on fd 3 or 4. dup2
         * clears close-on-exec on the copies, so only these two reach the worker. */
        int metrics = fcntl(m->metrics_fd, F_DUPFD_CLOEXEC, 10);
        int listener = fcntl(s->fd, F_DUPFD_CLOEXEC, 10);
        if (metrics < 0 || listener < 0 || dup2(metrics, WORKER_METRICS_FD) < 0 ||
            dup2(listener, WORKER_LISTEN_FD) < 0)
            _exit(127);
        char *argv[] = {(char *)m->exe, "--worker", NULL};
        execv(m->exe, argv);
        _exit(127);
    }
    s->started_ms = clock_mono_ms();
    log_msg(LOG_INFO, "started worker %d on %s", (int)pid, s->path);
    return pid;
}

static void on_worker_exit(master *m, pid_t pid, int status)
{
    for (int i = 0; i < m->n; i++) {
        slot *s = &m->slots[i];
        if (s->retiring == pid) {
            s->retiring = 0;
            return;
        }
        if (s->pid != pid)
            continue;
        s->pid = 0;
        if (m->stopping)
            return;
        metrics_count(METRIC_WORKER_RESTARTS);
        log_msg(LOG_WARN, "worker %d on %s %s %d; replacing it", (int)pid, s->path,
                WIFSIGNALED(status) ? "killed by signal" : "exited with",
                WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        int64_t now = clock_mono_ms();
        s->quick_deaths = now - s->started_ms < CRASH_WINDOW_MS ? s->quick_deaths + 1 : 0;
        s->restart_at_ms = s->quick_deaths > 2 ? now + CRASH_BACKOFF_MS : now;
        return;
    }
}

static void reap(master *m)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
        on_worker_exit(m, pid, status);
}

static void count_live(const master *m)
{
    int64_t n = 0;
    for (int i = 0; i < m->n; i++)
        n += m->slots[i].pid != 0;
    metrics_gauge_set(GAUGE_WORKERS_LIVE, n);
}

static void fill_empty_slots(master *m)
{
    int64_t now = clock_mono_ms();
    for (int i = 0; i < m->n && !m->stopping; i++) {
        slot *s = &m->slots[i];
        if (s->pid || now < s->restart_at_ms)
            continue;
        s->pid = spawn(m, s);
        if (!s->pid) /* fork failed (out of processes or memory): try again in a while */
            s->restart_at_ms = now + CRASH_BACKOFF_MS;
    }
}

/* One step of a rolling reload: start the new worker beside the old one, let both accept
 * for a moment, then stop the old one gracefully and go on to the next slot. */
static void reload_step(master *m)
{
    if (m->reload_slot < 0)
        return;
    slot *s = &m->slots[m->reload_slot];
    int64_t now = clock_mono_ms();
    if (m->reload_phase == 0) {
        s->retiring = s->pid;
        s->pid = spawn(m, s);
        m->reload_phase = 1;
        m->phase_at_ms = now;
    } else if (m->reload_phase == 1 && now - m->phase_at_ms >= RELOAD_OVERLAP_MS) {
        if (s->retiring)
            kill(s->retiring, SIGTERM);
        m->reload_phase = 2;
        m->phase_at_ms = now;
    } else if (m->reload_phase == 2 && s->retiring &&
               now - m->phase_at_ms > (m->cfg->shutdown_grace_s + 2) * 1000) {
        kill(s->retiring, SIGKILL);
    } else if (m->reload_phase == 2 && !s->retiring) {
        m->reload_phase = 0;
        if (++m->reload_slot == m->n) {
            m->reload_slot = -1;
            log_msg(LOG_INFO, "reload done");
        }
    }
}

static int live_workers(const master *m)
{
    int n = 0;
    for (int i = 0; i < m->n; i++)
        n += (m->slots[i].pid != 0) + (m->slots[i].retiring != 0);
    return n;
}

static void signal_all(master *m, int sig)
{
    for (int i = 0; i < m->n; i++) {
        if (m->slots[i].pid)
            kill(m->slots[i].pid, sig);
        if (m->slots[i].retiring)
            kill(m->slots[i].retiring, sig);
    }
}

static void stop_all(master *m)
{
    m->stopping = true;
    signal_all(m, SIGTERM);
    int64_t deadline = clock_mono_ms() + (m->cfg->shutdown_grace_s + 2) * 1000;
    while (live_workers(m) > 0 && clock_mono_ms() < deadline) {
        usleep(10000);
        reap(m);
    }
    if (live_workers(m) > 0) {
        signal_all(m, SIGKILL);
        while (live_workers(m) > 0 && waitpid(-1, NULL, 0) > 0)
            reap(m);
    }
    for (int i = 0; i < m->n; i++) {
        close(m->slots[i].fd);
        if (!m->cfg->fcgi_listen[0])
            unlink(m->slots[i].path);
    }
}

static int open_slots(master *m)
{
    if (m->cfg->fcgi_listen[0]) {
        /* read by libfcgi in each worker's FCGX_Init */
        setenv("FCGI_WEB_SERVER_ADDRS", m->cfg->fcgi_allow_from, 1);
        for (int i = 0; i < m->n; i++)
            if (open_tcp_socket(&m->slots[i], m->cfg->fcgi_listen, i) != 0)
                return -1;
        return 0;
    }
    char dir[270];
    snprintf(dir, sizeof dir, "%s/run", m->cfg->var_dir);
    mkdir(dir, 0755);
    uid_t uid = (uid_t)-1;
    gid_t gid = (gid_t)-1;
    char err[200];
    if (geteuid() == 0 && privileges_lookup(m->cfg->service_user, m->cfg->socket_group, &uid, &gid,
                                            err, sizeof err) != 0) {
        log_msg(LOG_ERROR, "%s", err);
        return -1;
    }
    for (int i = 0; i < m->n; i++) {
        m->slots[i].uid = uid;
        m->slots[i].gid = gid;
        snprintf(m->slots[i].path, sizeof m->slots[i].path, "%s/fcgi-%d.sock", dir, i);
        if (open_socket(&m->slots[i]) != 0)
            return -1;
    }
    return 0;
}

int supervisor_run(const ow_config *cfg, const char *exe)
{
    master m = {.cfg = cfg, .exe = exe, .n = cfg->workers, .reload_slot = -1};
    m.slots = calloc((size_t)m.n, sizeof *m.slots);
    m.metrics_fd = metrics_create_shared();
    if (!m.slots || m.metrics_fd < 0 || open_slots(&m) != 0)
        return 1;
    /* Root was needed only for the sockets: the master and every worker run as the service. */
    char err[200];
    if (privileges_drop(cfg->service_user, err, sizeof err) != 0) {
        log_msg(LOG_ERROR, "%s", err);
        return 1;
    }
    fcntl(m.metrics_fd, F_SETFD, FD_CLOEXEC);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    log_msg(LOG_INFO, "master %d: %d workers x %d threads", (int)getpid(), m.n, cfg->threads);
    for (;;) {
        reap(&m);
        fill_empty_slots(&m);
        reload_step(&m);
        count_live(&m);
        /* Short waits while something is pending, so steps are taken on time. */
        struct timespec tick = {0, 20 * 1000000};
        int sig = sigtimedwait(&set, NULL, &tick);
        if (sig == SIGTERM || sig == SIGINT)
            break;
        if (sig == SIGHUP && m.reload_slot < 0) {
            log_msg(LOG_INFO, "SIGHUP: replacing workers one at a time");
            m.reload_slot = 0;
            m.reload_phase = 0;
        }
    }
    log_msg(LOG_INFO, "stopping workers");
    stop_all(&m);
    free(m.slots);
    log_msg(LOG_INFO, "master stopped");
    return 0;
}
