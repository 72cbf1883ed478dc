/* SQL of the benchmark data generator (`onewindow-admin generate-applications`): bulk
 * INSERT … SELECT over MariaDB's sequence tables (seq_1_to_N), in batches of BENCH_BATCH. */
#ifndef OW_BENCH_STORE_H
#define OW_BENCH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define BENCH_BATCH 100000

typedef struct bench_blobs {
    const void *phone, *name, *id_number, *form; /* sealed sample values (valid to open) */
    size_t phone_len, name_len, id_number_len, form_len;
    const char *tag; /* makes this run's blind indexes and numbers unique */
} bench_blobs;

/* Inserts up to BENCH_BATCH citizens numbered from+1 … from+count. */
int bench_citizens(db_conn *c, const bench_blobs *b, int64_t from, int64_t count);
/* Numbers the citizens with ids above after_id from 0 in a temporary table
 * (bench_citizen_numbers); *n how many. */
int bench_citizen_numbers(db_conn *c, int64_t after_id, int64_t *n);
/* Numbers the active services in a temporary table (bench_services); *n how many. */
int bench_services(db_conn *c, int64_t *n);
/* Up to BENCH_BATCH applications numbered from+1 … from+count, spread over the citizens
 * numbered 0 … citizens - 1 (bench_citizen_numbers) and the n_services services
 * (bench_services), submitted a second apart before yesterday (year: the count_all of the
 * run spread evenly over the 365 days before it); *inserted: how many rows went in. */
#define BENCH_YEAR_SECONDS 31536000
int bench_applications(db_conn *c, const bench_blobs *b, int64_t from, int64_t count,
                       int64_t citizens, int64_t n_services, bool year, int64_t count_all,
                       int64_t *inserted);
/* Timelines of the applications with ids in [first, last]: about three events each, and a
 * notification of each in the citizen's inbox (one transaction, skipped when a run of the same
 * range committed already). */
int bench_events(db_conn *c, int64_t first, int64_t last, int64_t *events);
/* count benchmark organizations (names and credit codes made unique by tag; a sealed
 * placeholder as webhook secret: no webhook is sent) with their feed counters: their ids
 * are *first … *last. */
int bench_orgs(db_conn *c, const bench_blobs *b, int64_t count, int64_t *first, int64_t *last);
/* The benchmark's delegations: the year before today cut, for every active service, into
 * BENCH_DELEGATION_WINDOWS windows of a week, each delegated to one of the organizations
 * first … first + n - 1 (spread by service id and window), all ended (none in force today). */
#define BENCH_DELEGATION_WINDOWS 53
#define BENCH_DELEGATION_DAYS 7
/* One window (0 … BENCH_DELEGATION_WINDOWS - 1, days from … to): a delegation of each active
 * service that has none on those days yet. *made: how many. */
int bench_delegation_window(db_conn *c, int64_t window, const char *from, const char *to,
                            int64_t first, int64_t n, int64_t *made);
/* Hands the applications with ids in [from, to] that no organization handles to the
 * organization of the delegation (of the organizations first … last, windows ending on
 * last_day) in force on their submission day, as a submission then would have: org_id,
 * delegation_id, handled_by; and their lines of the feeds with change_seq = id (increasing
 * within each organization's feed). *changed: how many. */
int bench_delegate_applications(db_conn *c, int64_t from, int64_t to, int64_t first, int64_t last,
                                const char *last_day, int64_t *changed);
/* The organizations' feed counters after bench_delegate_applications. */
int bench_org_feeds(db_conn *c, int64_t first, int64_t last, int64_t last_seq);

/* A year of finished activity (generate-applications --year), over the applications with ids
 * in [first, last], before bench_events: each batch can run again and leave the same rows.
 * Needs the local-day tables (db/local_days_store.h) over the year before today and the
 * weeks after it. bench_spread_finishes: the completions spread over the 0 … 22 days after the
 * submission (some after the due date; never after now). bench_ratings: half the completed
 * applications rated (every level, a few excluded on appeal, 申诉复核), *rated how many;
 * bench_cases: a rectification case of each bad one, deadline 5 working days after the
 * rating day, closed (some after the deadline) but for a quarter of the last 14 days', a
 * third of the closed ones with a return visit. bench_rating_totals: every service's rating summary
 * recomputed. */
int bench_spread_finishes(db_conn *c, int64_t first, int64_t last);
int bench_ratings(db_conn *c, int64_t first, int64_t last, int64_t *rated);
int bench_cases(db_conn *c, int64_t first, int64_t last, int64_t *cases);
int bench_rating_totals(db_conn *c);

/* The largest id of a table (0 when empty): "citizens" or "applications". */
int bench_max_id(db_conn *c, const char *table, int64_t *id);

#endif
