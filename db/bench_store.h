/* SQL of the benchmark data generator (`onewindow-admin generate-applications`): bulk
 * INSERT … SELECT over MariaDB's sequence tables (seq_1_to_N), in batches of BENCH_BATCH. */
#ifndef OW_BENCH_STORE_H
#define OW_BENCH_STORE_H

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
 * (bench_services); *inserted: how many rows went in. */
int bench_applications(db_conn *c, const bench_blobs *b, int64_t from, int64_t count,
                       int64_t citizens, int64_t n_services, int64_t *inserted);
/* Timelines of the applications with ids in [first, last]: about three events each, and a
 * notification of each in the citizen's inbox (one transaction, skipped when a run of the same
 * range committed already). */
int bench_events(db_conn *c, int64_t first, int64_t last, int64_t *events);
/* The largest id of a table (0 when empty): "citizens" or "applications". */
int bench_max_id(db_conn *c, const char *table, int64_t *id);

#endif
