/* Host-wide metrics in shared memory.
 *
 * The supervisor creates one memfd before it starts workers and hands it to each of them,
 * so that every process of the host adds to the same counters: a scrape through nginx,
 * answered by any worker, sums all of them and never goes backwards, even when a worker
 * is replaced. Series are found by name (not by route index), so a reload with a new
 * binary whose route table changed keeps counting correctly. */
#ifndef OW_METRICS_H
#define OW_METRICS_H

#include <stdint.h>

#include "core/strbuf.h"

/* Creates the shared region; returns its fd (inheritable across exec), or -1. */
int metrics_create_shared(void);
/* Maps an existing region (fd from metrics_create_shared). Returns 0 or -1. */
int metrics_attach(int fd);
/* A private region, for a process running alone (tests, the admin CLI). */
int metrics_attach_private(void);

void metrics_observe_request(const char *route, const char *method, int status,
                             int64_t duration_us);
void metrics_db_error(void);

/* Appends the Prometheus text format 0.0.4 exposition of everything recorded. */
void metrics_render(strbuf *out);

#endif
