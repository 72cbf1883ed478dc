/* The catalog commands of onewindow-admin (API.md §9). Each prints "name: value" lines for
 * scripts (or reasons on stderr) and returns the process exit status. The database must
 * be initialized (db_init) by the caller. */
#ifndef OW_CATALOG_ADMIN_H
#define OW_CATALOG_ADMIN_H

#include <stdbool.h>

#include <cjson/cJSON.h>

/* import-catalog FILE [--partial]: upsert the items of a JSON catalog; without --partial,
 * active items missing from the file are retired. Nothing is written if any item is bad. */
int catalog_admin_import(const char *path, bool partial);
/* A JSON file of at most 512 MiB (screened by core/json_guard.c), or NULL after saying why
 * on stderr (cmd names the command). */
cJSON *catalog_admin_load_json(const char *cmd, const char *path);
/* retire-service CODE */
int catalog_admin_retire(const char *code);
/* search-misses [--days N]: the queries of the last N days (7) that found nothing or whose
 * results nobody opened, as tab-separated lines: searches, empty, opens, query. */
int catalog_admin_search_misses(int days);
/* add-synonym TERM EXPANSION… */
int catalog_admin_add_synonym(const char *term, char **expansions, int n);

#endif
