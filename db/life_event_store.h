/* SQL of life events (migration 0090): their import (one transaction, all or nothing), the
 * browse reads, and the services of a bundle with what a merge and a submission need. */
#ifndef OW_LIFE_EVENT_STORE_H
#define OW_LIFE_EVENT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/application_store.h"
#include "db/db.h"

/* A bundle as the import writes it (validated by catalog/life_event.c). */
typedef struct life_event_row_new {
    const char *code, *name, *lead_department_code, *definition;
    const uint8_t *hash; /* 32 bytes */
    const char *const *service_codes;
    const bool *required;
    const char *const *conditions; /* NULL entries for required services */
    size_t n_services;
} life_event_row_new;

typedef struct life_event_import_report {
    size_t created, updated, unchanged, restored, retired;
} life_event_import_report;

/* Upserts the bundles by code (in file order) and retires the active ones missing from the
 * list, in one transaction that also bumps the catalog version when anything changed (search
 * indexes the bundles, search/catalog_cache.c): DB_OK, or a failure with nothing written. */
int life_event_import(db_conn *c, arena *a, const life_event_row_new *rows, size_t n,
                      life_event_import_report *report);

typedef struct life_event_row {
    int64_t id;
    const char *code, *name, *lead_department_code, *lead_department_name;
    const char *definition; /* canonical JSON */
} life_event_row;

/* The active bundles in file order, into out[0..cap). */
int life_event_list(db_conn *c, arena *a, life_event_row *out, size_t cap, size_t *n);
/* An active bundle by code: DB_OK, DB_NOT_FOUND or a failure. */
int life_event_by_code(db_conn *c, arena *a, const char *code, life_event_row *out);

/* The bundle's active services in its order, with their required flag and condition. */
typedef struct life_event_part {
    app_service service;
    bool required;
    const char *condition; /* NULL for a required service */
} life_event_part;
int life_event_parts(db_conn *c, arena *a, int64_t life_event_id, life_event_part *out, size_t cap,
                     size_t *n);

/* The active bundles a service belongs to: codes and names into out[0..cap). */
typedef struct life_event_ref {
    const char *code, *name;
} life_event_ref;
int life_events_of_service(db_conn *c, arena *a, const char *service_code, life_event_ref *out,
                           size_t cap, size_t *n);

/* One service of an active bundle, for the search index: the bundle's code, name and English
 * name (NULL: not translated), and the service's code (NULL for a bundle without services). */
typedef struct life_event_member {
    const char *code, *name, *name_en, *service_code;
} life_event_member;
typedef int (*life_event_member_fn)(const life_event_member *m, void *ctx);
/* Every service of every active bundle in one query, bundles in file order, each bundle's
 * services in its order; fn's non-zero return stops (DB_ERROR). */
int life_event_each_member(db_conn *c, arena *a, life_event_member_fn fn, void *ctx);

#endif
