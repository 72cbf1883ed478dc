/* SQL of the service catalog: reading it for the search index and the detail endpoint,
 * importing whole catalogs, synonyms, popularity counters and the catalog version. */
#ifndef OW_CATALOG_STORE_H
#define OW_CATALOG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

/* An active item as the search index needs it (strings valid during the callback). */
typedef struct catalog_row {
    int64_t service_id;
    const char *code, *name, *department_code, *audience, *kind, *description;
    const char *topic_codes; /* JSON array of topic codes */
    const char *keywords;    /* JSON array of strings */
    int64_t online_level, promised_days, popularity;
    const char *name_en, *description_en; /* NULL: not translated */
    const char *materials;                /* JSON array of {code, name, …} (or of names) */
} catalog_row;

typedef int (*catalog_row_fn)(const catalog_row *row, void *ctx);
typedef int (*catalog_pair_fn)(const char *a, const char *b, void *ctx);
/* A department or topic: code, name and English name (NULL when not translated). */
typedef int (*catalog_code_fn)(const char *code, const char *name, const char *name_en, void *ctx);
/* A concept of operators: name, situations and services ('|'-separated). */
typedef int (*catalog_concept_fn)(const char *name, const char *situations, const char *services,
                                  void *ctx);

/* The catalog version (bumped by every change). */
int catalog_store_version(db_conn *c, arena *a, uint64_t *version);
/* Streams the active items in pages (a bounded client buffer however large the catalog). */
int catalog_store_each_item(db_conn *c, catalog_row_fn fn, void *ctx);
/* Starts a popularity epoch when the last one is at least interval_s old: copies the live
 * counters to the ranks the index reads and bumps the catalog version, in one transaction,
 * so that every worker rebuilds with the same ranks. DB_OK started, DB_NOT_FOUND not due
 * (or another worker was first), or a failure. */
int catalog_store_popularity_epoch(db_conn *c, int interval_s);
/* Every department / topic; (term, expansion) of operators' synonyms; operators' concepts. */
int catalog_store_each_department(db_conn *c, arena *a, catalog_code_fn fn, void *ctx);
int catalog_store_each_topic(db_conn *c, arena *a, catalog_code_fn fn, void *ctx);
int catalog_store_each_synonym(db_conn *c, arena *a, catalog_pair_fn fn, void *ctx);
int catalog_store_each_concept(db_conn *c, arena *a, catalog_concept_fn fn, void *ctx);

/* A whole item for the detail endpoints (strings from the arena). */
typedef struct catalog_detail {
    int64_t service_id;
    const char *code, *name, *department_code, *department_name, *audience, *kind, *fee;
    const char *topic_codes, *materials, *keywords; /* JSON arrays */
    const char *form_schema;                        /* JSON object, or NULL: none */
    const char *description, *handled_by_type, *handled_by_name;
    int64_t online_level, legal_days, promised_days, min_assurance_level;
    int64_t rating_count, rating_sum; /* ratings not excluded (API.md §8) */
    const char *name_en, *description_en, *department_name_en; /* NULL: not translated */
    const char *retired_at, *updated_at; /* UTC, ISO 8601 with 'Z'; retired_at NULL: offered */
} catalog_detail;

/* DB_OK, DB_NOT_FOUND (no such item, or retired and not retired_too), or a failure.
 * handled_by names the organization of a delegation in force on today (YYYY-MM-DD, API.md §7),
 * else (or with today NULL) the catalog's. */
int catalog_store_get(db_conn *c, arena *a, const char *code, const char *today, bool retired_too,
                      catalog_detail *d);

/* Adds detail views and applications to an item's popularity counters. */
int catalog_store_add_counts(db_conn *c, int64_t service_id, int64_t views, int64_t applications);
/* A client's detail view of a service on a day (YYYY-MM-DD): DB_OK the first one (it counts),
 * DB_NOT_FOUND seen already, or a failure. */
int catalog_store_view_client(db_conn *c, const char *day, int64_t service_id,
                              const uint8_t client[16]);
/* Forgets the viewers of days before day. */
int catalog_store_forget_view_clients(db_conn *c, const char *day);

#endif
