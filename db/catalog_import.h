/* Catalog changes made by operators (onewindow-admin): whole-catalog import, retiring an
 * item, synonyms. Each runs in one transaction and bumps the catalog version, which the
 * workers poll to rebuild their search index. */
#ifndef OW_CATALOG_IMPORT_H
#define OW_CATALOG_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

/* Known department and topic codes with their names (either may name one in a file). */
typedef struct catalog_code {
    const char *code, *name;
} catalog_code;

typedef struct catalog_codes {
    catalog_code *depts, *topics;
    size_t n_depts, n_topics;
} catalog_codes;

/* An item as the import writes it: validated and canonical (catalog/catalog_item.c). */
typedef struct catalog_item {
    const char *code, *name, *department_code, *audience, *kind, *fee, *description;
    const char *topic_codes, *materials, *keywords; /* canonical JSON arrays */
    const char *form_schema;                        /* canonical JSON, or NULL: none */
    const char *handled_by_type, *handled_by_name;  /* name NULL: the department */
    const char *name_en, *description_en;           /* NULL: no translation */
    int64_t online_level, legal_days, promised_days;
    int64_t min_assurance_level; /* who may apply: 2 a real name, 3 a verified one */
    uint8_t hash[32];            /* SHA-256 of the canonical item */
} catalog_item;

typedef struct catalog_import_report {
    size_t created, updated, unchanged, restored, retired;
    uint64_t version;
} catalog_import_report;

/* Loads the department and topic codes (strings from the arena). */
int catalog_import_codes(db_conn *c, arena *a, catalog_codes *codes);

/* Upserts items (sorted by code, no duplicates); with retire_missing, active items absent
 * from the list are retired. All or nothing. Returns DB_OK or a db_status. */
int catalog_import(db_conn *c, arena *a, const catalog_item *items, size_t n, bool retire_missing,
                   catalog_import_report *report);

/* DB_OK retired, DB_NOT_FOUND no such active item, or a failure. */
int catalog_retire(db_conn *c, const char *code);

/* Single changes inside a transaction the caller began (workflow/catalog_edits.c); none
 * bumps the version: catalog_bump_version does, once per transaction. */
/* The department of an item, locked: DB_OK, DB_NOT_FOUND (no such code), or a failure. */
int catalog_item_lock(db_conn *c, arena *a, const char *code, const char **dept, bool *retired);
int catalog_item_insert(db_conn *c, const catalog_item *it);
int catalog_item_update(db_conn *c, const catalog_item *it); /* by it->code; restores */
int catalog_item_retire(db_conn *c, const char *code);       /* DB_NOT_FOUND: not active */
/* DB_OK added, DB_NOT_FOUND it was there already. */
int catalog_synonym_insert(db_conn *c, const char *term, const char *expansion);
/* DB_OK, DB_DUPLICATE (the name exists), or a failure. situations, services: JSON arrays. */
int catalog_concept_insert(db_conn *c, const char *name, const char *situations,
                           const char *services);
int catalog_bump_version(db_conn *c);

/* Adds (term, expansion): DB_OK added, DB_NOT_FOUND it was there already, or a failure. */
int catalog_add_synonym(db_conn *c, const char *term, const char *expansion);

#endif
