/* Operator commands about applications (onewindow-admin): the audit trail of one record, the
 * query plans of the application and inbox queries, and the benchmark data generator. */
#ifndef OW_APPLICATION_ADMIN_H
#define OW_APPLICATION_ADMIN_H

#include <stdbool.h>

/* audit --target TARGET: the audit rows of a record as JSON lines, oldest first. */
int application_admin_audit(const char *target);
/* explain-queries: {"query","plan"} JSON lines, one per application query, per staff case
 * list and feedback queue read, and per read of the citizen's inbox (which applications'
 * steps fill). */
int application_admin_explain(void);
/* generate-applications --count N [--year]: N applications with about three events each,
 * owned by N/5 new real-name-verified citizens, over the active services (benchmarks only).
 * --year: a year of finished activity for the statistics (completions spread over the days
 * after submission, some late; half of them rated, with rectification cases, closings and
 * return visits: db/bench_store.h); then `rebuild-stats` counts it. */
int application_admin_generate(long count, bool year);
/* generate-orgs --count N: N organizations, and for every active service a year of weekly
 * delegations to them (all ended by today); the applications no organization handles go to
 * the organization of the delegation on their submission day, with its change feed (the
 * change feed's benchmark). */
int application_admin_generate_orgs(long count);
/* Part of migrate: query codes an older release stored in clear get their stored form (a keyed
 * hash and the code sealed: workflow/application_no.h). Needs the master key; without it the
 * rows are left (the progress query still answers them) and a line says how many remain.
 * Prints "query codes hashed: N" when it converted any; 0, or 1 on a database failure. */
int application_admin_hash_query_codes(void);

#endif
