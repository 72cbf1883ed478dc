#include "workflow/application_admin.h"

#include <stdio.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "auth/pii.h"
#include "core/calendar.h"
#include "core/clock.h"
#include "core/json_out.h"
#include "db/application_store.h"
#include "db/audit_store.h"
#include "db/bench_store.h"
#include "db/delegation_store.h"
#include "db/feedback_store.h"
#include "db/notification_store.h"
#include "db/rating_store.h"
#include "db/webhook_store.h"
#include "workflow/application_no.h"
#include "workflow/calendar_cache.h"
#include "workflow/local_days.h"

static void print_audit(const audit_entry *e, int64_t id, const char *at, void *ctx)
{
    (void)ctx;
    cJSON *o = cJSON_CreateObject();
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    cJSON_AddStringToObject(o, "id", ids);
    cJSON_AddStringToObject(o, "actor_type", e->actor_type);
    cJSON_AddStringToObject(o, "actor_id", e->actor_id);
    cJSON_AddStringToObject(o, "action", e->action);
    cJSON_AddStringToObject(o, "target", e->target);
    json_add_string_or_null(o, "detail", e->detail);
    json_add_string_or_null(o, "request_id", e->request_id);
    json_add_string_or_null(o, "client_request_id", e->client_request_id);
    cJSON_AddStringToObject(o, "created_at", at);
    json_print_line(o);
}

int application_admin_audit(const char *target)
{
    arena a;
    arena_init(&a, 65536);
    int rc = audit_each_of_target(db_primary(), &a, target, print_audit, NULL);
    arena_destroy(&a);
    if (rc != DB_OK)
        fprintf(stderr, "audit: the database did not answer (%d)\n", rc);
    return rc == DB_OK ? 0 : 1;
}

static void print_plan(const char *name, const char *plan_json, void *ctx)
{
    (void)ctx;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "query", name);
    cJSON *plan = cJSON_Parse(plan_json);
    if (plan)
        cJSON_AddItemToObject(o, "plan", plan);
    else
        cJSON_AddStringToObject(o, "plan", plan_json);
    json_print_line(o);
}

int application_admin_explain(void)
{
    arena a;
    arena_init(&a, 65536);
    int rc = app_explain_queries(db_primary(), &a, print_plan, NULL);
    if (rc == DB_OK)
        rc = notification_explain_queries(db_primary(), &a, print_plan, NULL);
    if (rc == DB_OK)
        rc = delegation_explain_queries(db_primary(), &a, print_plan, NULL);
    if (rc == DB_OK)
        rc = webhook_explain_queries(db_primary(), &a, print_plan, NULL);
    if (rc == DB_OK)
        rc = rectification_explain_queries(db_primary(), &a, print_plan, NULL);
    if (rc == DB_OK)
        rc = feedback_explain_queries(db_primary(), &a, print_plan, NULL);
    arena_destroy(&a);
    if (rc != DB_OK)
        fprintf(stderr, "explain-queries: the database refused a query (%d)\n", rc);
    return rc == DB_OK ? 0 : 1;
}

static const char sample_form[] = "{\"contact_address\":\"示例市示例区幸福路1号\","
                                  "\"reason\":\"基准测试数据\",\"copies\":1}";

typedef struct sealed_samples {
    uint8_t phone[64], name[64], id_number[64], form[256];
    bench_blobs blobs;
    char tag[17];
} sealed_samples;

static void seal_samples(sealed_samples *s)
{
    bench_blobs *b = &s->blobs;
    pii_encrypt("phone", "13800138000", s->phone, &b->phone_len);
    pii_encrypt("name", "测试用户", s->name, &b->name_len);
    pii_encrypt("id_number", "110101199003074514", s->id_number, &b->id_number_len);
    pii_encrypt("form", sample_form, s->form, &b->form_len);
    b->phone = s->phone;
    b->name = s->name;
    b->id_number = s->id_number;
    b->form = s->form;
    uint8_t rnd[8];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(s->tag, sizeof s->tag, rnd, sizeof rnd);
    b->tag = s->tag;
}

#define EVENT_BATCH 20000 /* one transaction each */

static int fail(const char *what, int rc)
{
    fprintf(stderr, "generate: %s (%d)\n", what, rc);
    return 1;
}

/* The sealed sample values of the generators, or NULL when the personal-data key is not
 * available. */
static const bench_blobs *samples(void)
{
    static sealed_samples s;
    if (pii_ready() != DB_OK)
        return NULL;
    seal_samples(&s);
    return &s.blobs;
}

/* Every batch of the generator can run twice and leave the same rows (INSERT IGNORE of
 * numbered rows, events replaced in one transaction), so a batch that failed — a lost
 * connection, a statement that outlived the client's timeout, a server that gave up on a
 * busy machine — is run again, a few times, before the command gives up. */
#define BATCH_TRIES 4

static bool retry_batch(int rc, int try, const char *what)
{
    if (rc == DB_OK || try + 1 >= BATCH_TRIES)
        return false;
    fprintf(stderr, "generate-applications: %s failed (%s); running the batch again\n", what,
            db_status_name(rc));
    clock_sleep_ms(1000 << try);
    return true;
}

static int add_citizens(db_conn *c, const bench_blobs *b, int64_t from, int64_t n)
{
    int rc = DB_OK;
    for (int64_t done = 0; rc == DB_OK && done < n; done += BENCH_BATCH)
        for (int try = 0; try == 0 || retry_batch(rc, try - 1, "a batch of citizens"); try++)
            rc = bench_citizens(c, b, from + done, n - done < BENCH_BATCH ? n - done : BENCH_BATCH);
    return rc;
}

/* The temporary tables the applications are spread over: this run's citizens and the
 * active services, numbered (made again after a lost connection took them). */
static int number_rows(db_conn *c, int64_t before_citizen, int64_t *citizens, int64_t *services)
{
    int rc = bench_citizen_numbers(c, before_citizen, citizens);
    if (rc == DB_OK)
        rc = bench_services(c, services);
    if (rc == DB_OK && (*services == 0 || *citizens == 0))
        return DB_NOT_FOUND;
    return rc;
}

static int add_applications(db_conn *c, const bench_blobs *b, int64_t from, int64_t count,
                            int64_t before_citizen, bool year, int64_t *inserted)
{
    int64_t services = 0, citizens = 0;
    int rc = number_rows(c, before_citizen, &citizens, &services);
    for (int64_t done = 0; rc == DB_OK && done < count; done += BENCH_BATCH)
        for (int try = 0; try == 0 || retry_batch(rc, try - 1, "a batch of applications"); try++) {
            int64_t n = 0;
            rc = try ? number_rows(c, before_citizen, &citizens, &services) : DB_OK;
            if (rc == DB_OK)
                rc = bench_applications(c, b, from + done,
                                        count - done < BENCH_BATCH ? count - done : BENCH_BATCH,
                                        citizens, services, year, count, &n);
            *inserted += n;
        }
    return rc;
}

static int add_events(db_conn *c, int64_t first, int64_t last, int64_t *events)
{
    int rc = DB_OK;
    for (int64_t from = first; rc == DB_OK && from <= last; from += EVENT_BATCH)
        for (int try = 0; try == 0 || retry_batch(rc, try - 1, "a batch of events"); try++) {
            int64_t n = 0;
            rc = bench_events(c, from, from + EVENT_BATCH - 1, &n);
            if (rc == DB_OK)
                *events += n;
        }
    return rc;
}

/* The year of finished activity of generate-applications --year, batch by batch (each can
 * run again: db/bench_store.h), on the local days of the year before today and the weeks
 * after it (the cases' deadlines). */
#define ACTIVITY_DAYS_BEFORE 400
#define ACTIVITY_DAYS_AFTER 60

static int activity_batch(db_conn *c, int64_t from, int64_t to, int64_t *rated, int64_t *cases)
{
    int64_t r = 0, k = 0;
    int rc = bench_spread_finishes(c, from, to);
    if (rc == DB_OK)
        rc = bench_ratings(c, from, to, &r);
    if (rc == DB_OK)
        rc = bench_cases(c, from, to, &k);
    *rated += r;
    *cases += k;
    return rc;
}

static int add_activity(db_conn *c, int64_t first, int64_t last, int64_t *rated, int64_t *cases)
{
    cal_day today = cal_today();
    if (calendar_cache_load() != 0)
        return DB_ERROR;
    int rc = DB_OK;
    for (int64_t from = first; rc == DB_OK && from <= last; from += EVENT_BATCH)
        for (int try = 0; try == 0 || retry_batch(rc, try - 1, "a batch of activity"); try++) {
            /* the local-day tables are the session's: made again after a lost connection */
            rc = local_days_load(c, today - ACTIVITY_DAYS_BEFORE, today + ACTIVITY_DAYS_AFTER);
            if (rc == DB_OK)
                rc = activity_batch(c, from, from + EVENT_BATCH - 1, rated, cases);
        }
    if (rc == DB_OK)
        rc = bench_rating_totals(c);
    calendar_cache_free();
    return rc;
}

int application_admin_generate(long count, bool year)
{
    int64_t t0 = clock_mono_us();
    const bench_blobs *blobs = samples();
    if (!blobs)
        return fail("the personal-data key is not available", DB_UNAVAILABLE);
    db_conn *c = db_primary();
    int64_t citizens = count / 5 > 0 ? count / 5 : 1, before_citizen, last_citizen, first_app,
            last_app;
    int rc = bench_max_id(c, "citizens", &before_citizen);
    if (rc == DB_OK)
        rc = add_citizens(c, blobs, before_citizen, citizens);
    if (rc == DB_OK)
        rc = bench_max_id(c, "citizens", &last_citizen);
    if (rc != DB_OK)
        return fail("cannot create citizens", rc);
    rc = bench_max_id(c, "applications", &first_app);
    int64_t inserted = 0;
    if (rc == DB_OK)
        rc = add_applications(c, blobs, first_app, count, before_citizen, year, &inserted);
    if (rc == DB_NOT_FOUND)
        return fail("no active service (import a catalog first)", rc);
    if (rc != DB_OK || (rc = bench_max_id(c, "applications", &last_app)) != DB_OK)
        return fail("cannot insert applications", rc);
    int64_t events = 0, rated = 0, cases = 0;
    if (year && (rc = add_activity(c, first_app + 1, last_app, &rated, &cases)) != DB_OK)
        return fail("cannot make the year of activity", rc);
    rc = add_events(c, first_app + 1, last_app, &events);
    if (rc != DB_OK)
        return fail("cannot insert events", rc);
    printf("applications: %lld\ncitizens: %lld (ids %lld-%lld)\nevents: %lld\n",
           (long long)inserted, (long long)citizens, (long long)before_citizen + 1,
           (long long)last_citizen, (long long)events);
    if (year)
        printf("ratings: %lld\nrectification_cases: %lld\n", (long long)rated, (long long)cases);
    printf("seconds: %.1f\n", (double)(clock_mono_us() - t0) / 1e6);
    return 0;
}

/* Applications handed to organizations a batch at a time: each statement touches a bounded
 * number of rows, so that a busy machine (or a replica) is never held by one huge one. */
#define BENCH_DELEGATE_BATCH 20000

/* The weekly windows of bench_delegation_window, the last ending yesterday (the service's
 * time zone): every generated submission day (the year before yesterday) lies in one, and
 * none is in force today, so a delegation made now overlaps none of them. One statement per
 * window (a row per service). */
static int bench_delegations(db_conn *c, cal_day yesterday, int64_t first, int64_t n, int64_t *made)
{
    int rc = DB_OK;
    *made = 0;
    for (int64_t w = 0; rc == DB_OK && w < BENCH_DELEGATION_WINDOWS; w++) {
        cal_day to =
            yesterday - (cal_day)((BENCH_DELEGATION_WINDOWS - 1 - w) * BENCH_DELEGATION_DAYS);
        char from_s[CAL_DATE_BYTES], to_s[CAL_DATE_BYTES];
        cal_day_format(to - (BENCH_DELEGATION_DAYS - 1), from_s);
        cal_day_format(to, to_s);
        int64_t k = 0;
        rc = bench_delegation_window(c, w, from_s, to_s, first, n, &k);
        *made += k;
    }
    return rc;
}

int application_admin_generate_orgs(long count)
{
    int64_t t0 = clock_mono_us();
    const bench_blobs *blobs = samples();
    if (!blobs)
        return fail("the personal-data key is not available", DB_UNAVAILABLE);
    db_conn *c = db_primary();
    int64_t first = 0, last = 0, apps = 0, changed = 0;
    int rc = bench_orgs(c, blobs, count, &first, &last);
    if (rc != DB_OK)
        return fail("cannot create the organizations", rc);
    int64_t delegations = 0;
    cal_day yesterday = cal_today() - 1;
    char last_day[CAL_DATE_BYTES];
    cal_day_format(yesterday, last_day);
    rc = bench_delegations(c, yesterday, first, last - first + 1, &delegations);
    if (rc == DB_OK)
        rc = bench_max_id(c, "applications", &apps);
    for (int64_t from = 1; rc == DB_OK && from <= apps; from += BENCH_DELEGATE_BATCH) {
        int64_t n = 0;
        rc = bench_delegate_applications(c, from, from + BENCH_DELEGATE_BATCH - 1, first, last,
                                         last_day, &n);
        changed += n;
    }
    if (rc == DB_OK)
        rc = bench_org_feeds(c, first, last, apps);
    if (rc != DB_OK)
        return fail("cannot hand the applications to the organizations", rc);
    printf("organizations: %lld\nfirst_org: %lld\nlast_org: %lld\ndelegations: %lld\n"
           "applications: %lld\nseconds: %.1f\n",
           (long long)(last - first + 1), (long long)first, (long long)last, (long long)delegations,
           (long long)changed, (double)(clock_mono_us() - t0) / 1e6);
    return 0;
}

typedef struct plain_code {
    int64_t id;
    char no[APP_NO_BYTES], code[QUERY_CODE_BYTES];
} plain_code;

typedef struct plain_batch {
    plain_code rows[1000];
    size_t n;
} plain_batch;

static void collect_plain(int64_t id, const char *no, const char *code, void *ctx)
{
    plain_batch *b = ctx;
    if (b->n == sizeof b->rows / sizeof b->rows[0])
        return;
    plain_code *p = &b->rows[b->n++];
    p->id = id;
    snprintf(p->no, sizeof p->no, "%s", no);
    snprintf(p->code, sizeof p->code, "%s", code);
}

/* One batch converted: DB_OK with *done rows, or a failure. */
static int hash_batch(arena *a, plain_batch *b, int64_t *done)
{
    b->n = 0;
    arena_reset(a);
    int rc = app_plain_codes(db_primary(), a, (int)(sizeof b->rows / sizeof b->rows[0]),
                             collect_plain, b);
    for (size_t i = 0; rc == DB_OK && i < b->n; i++) {
        query_code_stored s;
        query_code_store(b->rows[i].no, b->rows[i].code, &s);
        app_query_code code = {s.hash, s.sealed, s.sealed_len};
        rc = app_code_convert(db_primary(), b->rows[i].id, b->rows[i].code, &code);
        if (rc == DB_OK)
            (*done)++;
        else if (rc == DB_NOT_FOUND) /* converted meanwhile by another run */
            rc = DB_OK;
    }
    return rc;
}

int application_admin_hash_query_codes(void)
{
    static plain_batch batch;
    arena a;
    arena_init(&a, 64 * 1024);
    int64_t left = 0, done = 0;
    int rc = app_plain_code_count(db_primary(), &a, &left);
    if (rc == DB_OK && left > 0 && pii_ready() != DB_OK) {
        printf("query codes in clear: %lld (the master key is needed to hash them: run "
               "onewindow-admin migrate where master_key_file is readable)\n",
               (long long)left);
        left = 0;
    }
    while (rc == DB_OK && left > 0) {
        int64_t before = done;
        rc = hash_batch(&a, &batch, &done);
        left = batch.n > 0 && done > before ? left : 0;
    }
    arena_destroy(&a);
    if (done > 0)
        printf("query codes hashed: %lld\n", (long long)done);
    if (rc != DB_OK)
        fprintf(stderr, "query codes: database error (%s)\n", db_status_name(rc));
    return rc == DB_OK ? 0 : 1;
}
