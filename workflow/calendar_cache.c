#include "workflow/calendar_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/embedded_data.h"
#include "core/log.h"
#include "core/refresher.h"
#include "db/calendar_store.h"

#define MAX_YEARS 200

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static calendar current; /* under lock; its days are malloc'd */
static int64_t loaded_version = -1;
static cal_exception *shipped;
static size_t n_shipped;

static int by_day(const void *a, const void *b)
{
    cal_day x = ((const cal_exception *)a)->day, y = ((const cal_exception *)b)->day;
    return (x > y) - (x < y);
}

int calendar_shipped(cal_exception **days, size_t *n)
{
    if (!shipped) {
        size_t cap = 64, count = 0;
        cal_exception *out = malloc(cap * sizeof *out);
        const char *p = holidays_tsv, *end = holidays_tsv + holidays_tsv_len;
        while (out && p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t len = (size_t)((nl ? nl : end) - p);
            const char *name;
            size_t name_len;
            bool entry;
            if (count == cap) {
                cal_exception *grown = realloc(out, (cap *= 2) * sizeof *out);
                if (!grown)
                    break;
                out = grown;
            }
            if (calendar_parse_line(p, len, &out[count], &name, &name_len, &entry) != 0) {
                free(out);
                return -1; /* a bad shipped table is a build mistake */
            }
            count += entry;
            p += len + 1;
        }
        if (!out || p < end) {
            free(out);
            return -1;
        }
        qsort(out, count, sizeof *out, by_day);
        shipped = out;
        n_shipped = count;
    }
    *days = shipped;
    *n = n_shipped;
    return 0;
}

static bool year_listed(const int *years, size_t n, int y)
{
    for (size_t i = 0; i < n; i++)
        if (years[i] == y)
            return true;
    return false;
}

/* Stored days win for their years; the shipped table fills the other years. */
static cal_exception *merge(const cal_exception *stored, size_t n_stored, size_t *n_out)
{
    int years[MAX_YEARS];
    size_t n_years = 0;
    for (size_t i = 0; i < n_stored; i++) {
        int y = cal_day_year(stored[i].day);
        if (!year_listed(years, n_years, y) && n_years < MAX_YEARS)
            years[n_years++] = y;
    }
    cal_exception *all = malloc((n_stored + n_shipped + 1) * sizeof *all);
    if (!all)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < n_shipped; i++)
        if (!year_listed(years, n_years, cal_day_year(shipped[i].day)))
            all[n++] = shipped[i];
    memcpy(all + n, stored, n_stored * sizeof *stored);
    n += n_stored;
    qsort(all, n, sizeof *all, by_day);
    *n_out = n;
    return all;
}

static void install(cal_exception *days, size_t n, int64_t version)
{
    pthread_rwlock_wrlock(&lock);
    cal_exception *old = (cal_exception *)current.days;
    current.days = days;
    current.n = n;
    loaded_version = version;
    pthread_rwlock_unlock(&lock);
    if (old != shipped)
        free(old);
}

static void calendar_tick(bool stopping)
{
    if (stopping)
        return;
    arena a;
    arena_init(&a, 16384);
    int64_t version = 0;
    cal_exception *stored = NULL;
    size_t n_stored = 0, n = 0;
    if (calendar_store_version(db_primary(), &a, &version) == DB_OK && version != loaded_version &&
        calendar_store_load(db_primary(), &a, &stored, &n_stored) == DB_OK) {
        cal_exception *all = merge(stored, n_stored, &n);
        if (all)
            install(all, n, version);
        else
            log_msg(LOG_ERROR, "calendar: out of memory while reloading");
    }
    arena_destroy(&a);
}

int calendar_cache_init(const ow_config *cfg)
{
    cal_exception *days;
    size_t n;
    if (calendar_shipped(&days, &n) != 0) {
        log_msg(LOG_ERROR, "calendar: the shipped holiday table does not parse");
        return -1;
    }
    current.days = days;
    current.n = n;
    return refresher_add(calendar_tick, cfg->calendar_refresh_ms);
}

int calendar_cache_load(void)
{
    cal_exception *days;
    size_t n;
    if (calendar_shipped(&days, &n) != 0)
        return -1;
    current.days = days;
    current.n = n;
    calendar_tick(false);
    return 0;
}

void calendar_cache_free(void)
{
    install(NULL, 0, -1);
    free(shipped);
    shipped = NULL;
    n_shipped = 0;
}

cal_day calendar_due_date(cal_day submitted, int promised_days)
{
    pthread_rwlock_rdlock(&lock);
    cal_day due = calendar_add_workdays(&current, submitted, promised_days);
    pthread_rwlock_unlock(&lock);
    return due;
}

cal_day calendar_resume_due(cal_day due, cal_day paused, cal_day resumed)
{
    pthread_rwlock_rdlock(&lock);
    int skipped = calendar_workdays_between(&current, paused, resumed);
    cal_day moved = skipped > 0 ? calendar_add_workdays(&current, due, skipped) : due;
    pthread_rwlock_unlock(&lock);
    return moved;
}

int calendar_workdays(cal_day after, cal_day upto)
{
    pthread_rwlock_rdlock(&lock);
    int n = calendar_workdays_between(&current, after, upto);
    pthread_rwlock_unlock(&lock);
    return n;
}
