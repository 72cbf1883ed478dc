#include "core/metrics.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define METRICS_MAGIC 0x6f776d6574726963ULL /* "owmetric" */
#define MAX_REQUEST_SERIES 2048
#define MAX_LATENCY_SERIES 256
#define ROUTE_LABEL_MAX 96
#define METHOD_LABEL_MAX 12
#define CLAIM_SPIN_LIMIT 100000

enum { SLOT_EMPTY = 0, SLOT_CLAIMING = 1, SLOT_READY = 2 };

/* Upper bounds of the latency buckets, in microseconds (+Inf is implied). */
static const uint64_t bucket_le_us[] = {500,   1000,   2500,   5000,   10000,   25000,
                                        50000, 100000, 250000, 500000, 1000000, 2500000};
#define N_BUCKETS (sizeof bucket_le_us / sizeof bucket_le_us[0])

typedef struct {
    _Atomic uint32_t state;
    uint16_t status;
    char method[METHOD_LABEL_MAX];
    char route[ROUTE_LABEL_MAX];
    _Atomic uint64_t count;
} request_series;

typedef struct {
    _Atomic uint32_t state;
    char route[ROUTE_LABEL_MAX];
    _Atomic uint64_t buckets[N_BUCKETS]; /* not cumulative; summed when rendered */
    _Atomic uint64_t count;
    _Atomic uint64_t sum_us;
} latency_series;

typedef struct {
    uint64_t magic;
    _Atomic uint64_t db_errors;
    _Atomic uint64_t dropped; /* observations that found no free slot */
    request_series requests[MAX_REQUEST_SERIES];
    latency_series latency[MAX_LATENCY_SERIES];
    /* Appended (never inserted): a worker of a newer binary grows the region of an older
     * master and finds the fields before these where they were. */
    _Atomic uint64_t counters[METRIC_COUNTERS];
    _Atomic int64_t gauges[METRIC_GAUGES];
} metrics_region;

typedef struct {
    const char *name, *help;
} metric_info;

static const metric_info counter_info[METRIC_COUNTERS] = {
    [METRIC_DB_RECONNECTS] = {"onewindow_db_reconnects_total",
                              "Database connections opened again after one was lost."},
    [METRIC_REPLICA_READS] = {"onewindow_db_replica_reads_total",
                              "Lag-tolerant reads sent to the read replica."},
    [METRIC_REPLICA_FALLBACKS] = {"onewindow_db_replica_fallbacks_total",
                                  "Lag-tolerant reads served by the primary because the "
                                  "replica lagged beyond db_replica_max_lag_ms or was away."},
    [METRIC_WORKER_RESTARTS] = {"onewindow_worker_restarts_total",
                                "Worker processes replaced after they died."},
    [METRIC_TOKEN_CACHE_HITS] = {"onewindow_token_cache_hits_total",
                                 "Access tokens found in a worker's cache of verified tokens."},
    [METRIC_TOKEN_CACHE_MISSES] = {"onewindow_token_cache_misses_total",
                                   "Access tokens checked in full (signature and claims)."},
    [METRIC_LOG_LINES_LOST] = {"onewindow_log_lines_lost_total",
                               "Log lines that could not be written (disk full, closed log)."},
    [METRIC_IDEMPOTENCY_TAKEOVERS] = {"onewindow_idempotency_takeovers_total",
                                      "In-flight Idempotency-Keys taken over at once because "
                                      "their owner's database connection had ended."},
};

static const metric_info gauge_info[METRIC_GAUGES] = {
    [GAUGE_REPLICA_CONFIGURED] = {"onewindow_db_replica_configured",
                                  "1 when db_read_dsn names a read replica."},
    [GAUGE_REPLICA_USABLE] = {"onewindow_db_replica_usable",
                              "1 while lag-tolerant reads go to the replica; 0 while they go "
                              "to the primary (replica lagging or away)."},
    [GAUGE_REPLICA_LAG_MS] = {"onewindow_db_replica_lag_seconds",
                              "The replica's lag behind the primary at the last check (-1: "
                              "it could not be measured)."},
    [GAUGE_WORKERS_LIVE] = {"onewindow_workers_live", "Worker processes serving on this host."},
};

static metrics_region *region;

int metrics_create_shared(void)
{
    int fd = memfd_create("onewindow-metrics", 0); /* no CLOEXEC: workers are exec'd with it */
    if (fd < 0)
        return -1;
    if (ftruncate(fd, sizeof(metrics_region)) != 0 || metrics_attach(fd) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int metrics_attach(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 ||
        (st.st_size < (off_t)sizeof(metrics_region) && ftruncate(fd, sizeof(metrics_region)) != 0))
        return -1;
    void *p = mmap(NULL, sizeof(metrics_region), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return -1;
    region = p;
    region->magic = METRICS_MAGIC; /* a fresh memfd is zero-filled: zero means empty */
    return 0;
}

int metrics_attach_private(void)
{
    void *p = mmap(NULL, sizeof(metrics_region), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                   -1, 0);
    if (p == MAP_FAILED)
        return -1;
    region = p;
    region->magic = METRICS_MAGIC;
    return 0;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Waits for a slot another process is filling in; false if it never finishes (that
 * process died mid-claim), in which case the slot is skipped for good. */
static bool wait_ready(_Atomic uint32_t *state)
{
    for (int i = 0; i < CLAIM_SPIN_LIMIT; i++)
        if (atomic_load_explicit(state, memory_order_acquire) == SLOT_READY)
            return true;
    return false;
}

static bool claim(_Atomic uint32_t *state)
{
    uint32_t expected = SLOT_EMPTY;
    return atomic_compare_exchange_strong_explicit(state, &expected, SLOT_CLAIMING,
                                                   memory_order_acq_rel, memory_order_acquire);
}

static request_series *find_request_series(const char *route, const char *method, int status)
{
    uint64_t h = fnv1a(fnv1a(0xcbf29ce484222325ULL ^ (uint64_t)status, route), method);
    for (size_t probe = 0; probe < MAX_REQUEST_SERIES; probe++) {
        request_series *s = &region->requests[(h + probe) % MAX_REQUEST_SERIES];
        uint32_t st = atomic_load_explicit(&s->state, memory_order_acquire);
        if (st == SLOT_EMPTY && claim(&s->state)) {
            s->status = (uint16_t)status;
            strncpy(s->method, method, METHOD_LABEL_MAX - 1);
            strncpy(s->route, route, ROUTE_LABEL_MAX - 1);
            atomic_store_explicit(&s->state, SLOT_READY, memory_order_release);
            return s;
        }
        if (!wait_ready(&s->state))
            continue;
        if (s->status == status && strncmp(s->route, route, ROUTE_LABEL_MAX - 1) == 0 &&
            strncmp(s->method, method, METHOD_LABEL_MAX - 1) == 0)
            return s;
    }
    return NULL;
}

static latency_series *find_latency_series(const char *route)
{
    uint64_t h = fnv1a(0xcbf29ce484222325ULL, route);
    for (size_t probe = 0; probe < MAX_LATENCY_SERIES; probe++) {
        latency_series *s = &region->latency[(h + probe) % MAX_LATENCY_SERIES];
        uint32_t st = atomic_load_explicit(&s->state, memory_order_acquire);
        if (st == SLOT_EMPTY && claim(&s->state)) {
            strncpy(s->route, route, ROUTE_LABEL_MAX - 1);
            atomic_store_explicit(&s->state, SLOT_READY, memory_order_release);
            return s;
        }
        if (!wait_ready(&s->state))
            continue;
        if (strncmp(s->route, route, ROUTE_LABEL_MAX - 1) == 0)
            return s;
    }
    return NULL;
}

/* The method label: a method of HTTP's registry the API may see, else OTHER, so that invented
 * methods cannot exhaust the series table (nginx refuses them too). */
static const char *method_label(const char *method)
{
    static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    for (size_t i = 0; method && i < sizeof known / sizeof known[0]; i++)
        if (strcmp(method, known[i]) == 0)
            return known[i];
    return "OTHER";
}

void metrics_observe_request(const char *route, const char *method, int status, int64_t duration_us)
{
    if (!region)
        return;
    request_series *rs = find_request_series(route, method_label(method), status);
    latency_series *ls = find_latency_series(route);
    if (!rs || !ls) {
        atomic_fetch_add_explicit(&region->dropped, 1, memory_order_relaxed);
        return;
    }
    atomic_fetch_add_explicit(&rs->count, 1, memory_order_relaxed);
    uint64_t us = duration_us > 0 ? (uint64_t)duration_us : 0;
    size_t b = 0;
    while (b < N_BUCKETS && us > bucket_le_us[b])
        b++;
    if (b < N_BUCKETS)
        atomic_fetch_add_explicit(&ls->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&ls->sum_us, us, memory_order_relaxed);
    atomic_fetch_add_explicit(&ls->count, 1, memory_order_relaxed);
}

void metrics_db_error(void)
{
    if (region)
        atomic_fetch_add_explicit(&region->db_errors, 1, memory_order_relaxed);
}

void metrics_count(metric_counter which)
{
    if (region && which < METRIC_COUNTERS)
        atomic_fetch_add_explicit(&region->counters[which], 1, memory_order_relaxed);
}

void metrics_gauge_set(metric_gauge which, int64_t value)
{
    if (region && which < METRIC_GAUGES)
        atomic_store_explicit(&region->gauges[which], value, memory_order_relaxed);
}

int64_t metrics_gauge_get(metric_gauge which)
{
    return region && which < METRIC_GAUGES
               ? atomic_load_explicit(&region->gauges[which], memory_order_relaxed)
               : 0;
}

static void render_ops(strbuf *out)
{
    for (int i = 0; i < METRIC_COUNTERS; i++)
        sb_printf(out, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", counter_info[i].name,
                  counter_info[i].help, counter_info[i].name, counter_info[i].name,
                  (unsigned long long)atomic_load(&region->counters[i]));
    bool replica = atomic_load(&region->gauges[GAUGE_REPLICA_CONFIGURED]) != 0;
    for (int i = 0; i < METRIC_GAUGES; i++) {
        int64_t v = atomic_load(&region->gauges[i]);
        if ((i == GAUGE_REPLICA_USABLE || i == GAUGE_REPLICA_LAG_MS) && !replica)
            continue; /* no replica: nothing to say about one */
        sb_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", gauge_info[i].name, gauge_info[i].help,
                  gauge_info[i].name);
        if (i == GAUGE_REPLICA_LAG_MS)
            sb_printf(out, "%s %.3f\n", gauge_info[i].name, v >= 0 ? (double)v / 1000.0 : -1.0);
        else
            sb_printf(out, "%s %lld\n", gauge_info[i].name, (long long)v);
    }
}

/* A key may hold more than one slot: when the process claiming a slot stalls past
 * wait_ready's limit, the next observer of that key passes the slot by and claims a later
 * one (find_request_series). Slots are never freed, so a key's slots all lie on its probe
 * path with no empty slot between them; rendering sums them under the first. */
typedef bool (*slot_same_fn)(size_t i, size_t j);

static bool slot_used(_Atomic uint32_t *state)
{
    return atomic_load_explicit(state, memory_order_acquire) != SLOT_EMPTY;
}

static bool request_used(size_t i)
{
    return slot_used(&region->requests[i].state);
}

static bool latency_used(size_t i)
{
    return slot_used(&region->latency[i].state);
}

/* Whether slot i is the first of its key: no slot before it on the path holds the key. */
static bool first_of_key(size_t i, size_t n, bool (*used)(size_t), slot_same_fn same)
{
    for (size_t k = 1; k < n; k++) {
        size_t j = (i + n - k) % n;
        if (!used(j))
            return true;
        if (same(i, j))
            return false;
    }
    return true;
}

static bool same_request(size_t i, size_t j)
{
    const request_series *a = &region->requests[i], *b = &region->requests[j];
    return atomic_load_explicit(&b->state, memory_order_acquire) == SLOT_READY &&
           a->status == b->status && strncmp(a->route, b->route, ROUTE_LABEL_MAX) == 0 &&
           strncmp(a->method, b->method, METHOD_LABEL_MAX) == 0;
}

static bool same_latency(size_t i, size_t j)
{
    return atomic_load_explicit(&region->latency[j].state, memory_order_acquire) == SLOT_READY &&
           strncmp(region->latency[i].route, region->latency[j].route, ROUTE_LABEL_MAX) == 0;
}

/* The request count of slot i's key: its own and that of its later slots. */
static uint64_t request_count(size_t i)
{
    uint64_t n = atomic_load_explicit(&region->requests[i].count, memory_order_relaxed);
    for (size_t k = 1; k < MAX_REQUEST_SERIES; k++) {
        size_t j = (i + k) % MAX_REQUEST_SERIES;
        if (!request_used(j))
            break;
        if (same_request(i, j))
            n += atomic_load_explicit(&region->requests[j].count, memory_order_relaxed);
    }
    return n;
}

static void render_requests(strbuf *out)
{
    sb_puts(out, "# HELP onewindow_http_requests_total HTTP requests answered, by route, "
                 "method and status.\n# TYPE onewindow_http_requests_total counter\n");
    for (size_t i = 0; i < MAX_REQUEST_SERIES; i++) {
        request_series *s = &region->requests[i];
        if (atomic_load_explicit(&s->state, memory_order_acquire) != SLOT_READY ||
            !first_of_key(i, MAX_REQUEST_SERIES, request_used, same_request))
            continue;
        sb_printf(out,
                  "onewindow_http_requests_total{route=\"%.*s\",method=\"%.*s\",status=\"%u\"} "
                  "%llu\n",
                  ROUTE_LABEL_MAX - 1, s->route, METHOD_LABEL_MAX - 1, s->method,
                  (unsigned)s->status, (unsigned long long)request_count(i));
    }
}

static void render_latency(strbuf *out)
{
    sb_puts(out, "# HELP onewindow_http_request_duration_seconds Time from accept to the "
                 "response written, by route.\n"
                 "# TYPE onewindow_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < MAX_LATENCY_SERIES; i++) {
        latency_series *s = &region->latency[i];
        if (atomic_load_explicit(&s->state, memory_order_acquire) != SLOT_READY ||
            !first_of_key(i, MAX_LATENCY_SERIES, latency_used, same_latency))
            continue;
        /* Read counts first: buckets only grow, so the cumulative +Inf bucket (= count)
         * is never below the finite buckets rendered after it. */
        size_t slots[MAX_LATENCY_SERIES], n = 0;
        for (size_t k = 0; k < MAX_LATENCY_SERIES; k++) {
            size_t j = (i + k) % MAX_LATENCY_SERIES;
            if (!latency_used(j))
                break;
            if (k == 0 || same_latency(i, j))
                slots[n++] = j;
        }
        uint64_t count = 0, sum_us = 0, cumulative = 0;
        for (size_t k = 0; k < n; k++) {
            count += atomic_load_explicit(&region->latency[slots[k]].count, memory_order_acquire);
            sum_us += atomic_load_explicit(&region->latency[slots[k]].sum_us, memory_order_relaxed);
        }
        for (size_t b = 0; b < N_BUCKETS; b++) {
            for (size_t k = 0; k < n; k++)
                cumulative += atomic_load_explicit(&region->latency[slots[k]].buckets[b],
                                                   memory_order_relaxed);
            if (cumulative > count)
                cumulative = count;
            sb_printf(out,
                      "onewindow_http_request_duration_seconds_bucket{route=\"%.*s\",le=\"%g\"} "
                      "%llu\n",
                      ROUTE_LABEL_MAX - 1, s->route, (double)bucket_le_us[b] / 1e6,
                      (unsigned long long)cumulative);
        }
        sb_printf(out,
                  "onewindow_http_request_duration_seconds_bucket{route=\"%.*s\",le=\"+Inf\"} "
                  "%llu\n"
                  "onewindow_http_request_duration_seconds_sum{route=\"%.*s\"} %.6f\n"
                  "onewindow_http_request_duration_seconds_count{route=\"%.*s\"} %llu\n",
                  ROUTE_LABEL_MAX - 1, s->route, (unsigned long long)count, ROUTE_LABEL_MAX - 1,
                  s->route, (double)sum_us / 1e6, ROUTE_LABEL_MAX - 1, s->route,
                  (unsigned long long)count);
    }
}

void metrics_render(strbuf *out)
{
    if (!region)
        return;
    render_requests(out);
    render_latency(out);
    sb_printf(out,
              "# HELP onewindow_db_errors_total Database calls that failed (lost connection, "
              "refused, server error).\n# TYPE onewindow_db_errors_total counter\n"
              "onewindow_db_errors_total %llu\n"
              "# HELP onewindow_metrics_dropped_total Observations not recorded because the "
              "series table was full.\n# TYPE onewindow_metrics_dropped_total counter\n"
              "onewindow_metrics_dropped_total %llu\n",
              (unsigned long long)atomic_load(&region->db_errors),
              (unsigned long long)atomic_load(&region->dropped));
    render_ops(out);
}
