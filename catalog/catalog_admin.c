#include "catalog/catalog_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <unistr.h>

#include "catalog/catalog_item.h"
#include "core/calendar.h"
#include "core/clock.h"
#include "db/search_log_store.h"
#include "core/json_guard.h"
#include "db/catalog_import.h"

#define CATALOG_FILE_MAX (512L * 1024 * 1024)
#define CATALOG_ITEMS_MAX 1000000
#define SYNONYM_TERM_MAX 32
#define SYNONYM_EXPANSION_MAX 64

static char *read_file(const char *cmd, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open %s\n", cmd, path);
        return NULL;
    }
    char *buf = NULL;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (size < 0 || size > CATALOG_FILE_MAX)
        fprintf(stderr, "%s: %s: unreadable or larger than 512 MiB\n", cmd, path);
    else if ((buf = malloc((size_t)size + 1)) != NULL) {
        rewind(f);
        *len = fread(buf, 1, (size_t)size, f);
        buf[*len] = '\0';
    }
    fclose(f);
    return buf;
}

static const cJSON *items_of(const cJSON *doc)
{
    if (cJSON_IsArray(doc))
        return doc;
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "items");
    return cJSON_IsArray(items) ? items : NULL;
}

static int cmp_item_code(const void *a, const void *b)
{
    return strcmp(((const catalog_item *)a)->code, ((const catalog_item *)b)->code);
}

/* Validates every item; prints each bad one; returns the number of bad items. */
static size_t parse_items(const cJSON *list, const catalog_codes *codes, arena *a,
                          catalog_item *items, size_t *n)
{
    size_t bad = 0, i = 0;
    const cJSON *obj;
    *n = 0;
    cJSON_ArrayForEach(obj, list)
    {
        char why[200];
        if (catalog_item_parse(obj, codes, a, &items[*n], why, sizeof why) != 0) {
            const cJSON *code = cJSON_GetObjectItemCaseSensitive(obj, "code");
            fprintf(stderr, "invalid: item %zu (%s): %s\n", i,
                    cJSON_IsString(code) ? code->valuestring : "no code", why);
            bad++;
        } else
            (*n)++;
        i++;
    }
    qsort(items, *n, sizeof *items, cmp_item_code);
    for (size_t k = 1; k < *n; k++)
        if (strcmp(items[k].code, items[k - 1].code) == 0) {
            fprintf(stderr, "invalid: code %s appears more than once\n", items[k].code);
            bad++;
        }
    return bad;
}

#define IMPORT_TRIES 3

static int import_items(const cJSON *list, bool partial)
{
    arena a;
    arena_init(&a, 1 << 20);
    catalog_codes codes;
    size_t n_in = (size_t)cJSON_GetArraySize(list), n = 0;
    catalog_item *items = calloc(n_in + 1, sizeof *items);
    int rc = items ? catalog_import_codes(db_primary(), &a, &codes) : DB_ERROR;
    int status = 1;
    if (rc != DB_OK)
        fprintf(stderr, "import-catalog: database: %s\n",
                rc == DB_UNAVAILABLE ? "unavailable" : "error");
    else if (parse_items(list, &codes, &a, items, &n) > 0)
        fprintf(stderr, "import-catalog: nothing imported: fix the items above\n");
    else {
        catalog_import_report r;
        /* one transaction that makes the catalog what the file says: run again after a
         * failure (a lost connection, even one whose commit went through; a deadlock) it
         * does the rest, or nothing */
        rc = catalog_import(db_primary(), &a, items, n, !partial, &r);
        for (int again = 1; rc != DB_OK && again < IMPORT_TRIES; again++) {
            fprintf(stderr, "import-catalog: database %s; importing again\n",
                    rc == DB_UNAVAILABLE ? "unavailable" : "error");
            clock_sleep_ms(1000 << again);
            rc = catalog_import(db_primary(), &a, items, n, !partial, &r);
        }
        if (rc != DB_OK)
            fprintf(stderr, "import-catalog: database %s: nothing imported\n",
                    rc == DB_UNAVAILABLE ? "unavailable" : "error");
        else {
            printf("items: %zu\ncreated: %zu\nupdated: %zu\nrestored: %zu\nunchanged: %zu\n"
                   "retired: %zu\n",
                   n, r.created, r.updated, r.restored, r.unchanged, r.retired);
            status = 0;
        }
    }
    free(items);
    arena_destroy(&a);
    return status;
}

cJSON *catalog_admin_load_json(const char *cmd, const char *path)
{
    size_t len = 0;
    char *text = read_file(cmd, path, &len);
    if (!text)
        return NULL;
    const char *end = NULL;
    cJSON *doc = NULL;
    if (json_guard_check(text, len, MAX_JSON_DEPTH) == JSON_GUARD_OK)
        doc = cJSON_ParseWithLengthOpts(text, len + 1, &end, true);
    free(text);
    return doc;
}

int catalog_admin_import(const char *path, bool partial)
{
    cJSON *doc = catalog_admin_load_json("import-catalog", path);
    const cJSON *list = doc ? items_of(doc) : NULL;
    int status = 1;
    if (!list)
        fprintf(stderr, "import-catalog: %s: not a JSON list of items (or {\"items\": [...]})\n",
                path);
    else if (cJSON_GetArraySize(list) > CATALOG_ITEMS_MAX)
        fprintf(stderr, "import-catalog: more than %d items\n", CATALOG_ITEMS_MAX);
    else
        status = import_items(list, partial);
    cJSON_Delete(doc);
    return status;
}

int catalog_admin_retire(const char *code)
{
    int rc = catalog_retire(db_primary(), code);
    if (rc == DB_NOT_FOUND) {
        fprintf(stderr, "retire-service: no active service with code %s\n", code);
        return 1;
    }
    if (rc != DB_OK) {
        fprintf(stderr, "retire-service: database %s\n",
                rc == DB_UNAVAILABLE ? "unavailable" : "error");
        return 1;
    }
    printf("retired: %s\n", code);
    return 0;
}

static bool synonym_text_ok(const char *s, size_t max)
{
    size_t len = strlen(s);
    if (u8_check((const uint8_t *)s, len))
        return false;
    size_t n = u8_mbsnlen((const uint8_t *)s, len);
    if (n == 0 || n > max)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '\t')
            return false;
    return true;
}

int catalog_admin_add_synonym(const char *term, char **expansions, int n)
{
    if (!synonym_text_ok(term, SYNONYM_TERM_MAX)) {
        fprintf(stderr, "add-synonym: the term must be 1..%d characters\n", SYNONYM_TERM_MAX);
        return 2;
    }
    for (int i = 0; i < n; i++)
        if (!synonym_text_ok(expansions[i], SYNONYM_EXPANSION_MAX)) {
            fprintf(stderr, "add-synonym: each expansion must be 1..%d characters\n",
                    SYNONYM_EXPANSION_MAX);
            return 2;
        }
    int added = 0;
    for (int i = 0; i < n; i++) {
        int rc = catalog_add_synonym(db_primary(), term, expansions[i]);
        if (rc != DB_OK && rc != DB_NOT_FOUND) {
            fprintf(stderr, "add-synonym: database %s\n",
                    rc == DB_UNAVAILABLE ? "unavailable" : "error");
            return 1;
        }
        added += rc == DB_OK;
    }
    printf("term: %s\nadded: %d\nalready_present: %d\n", term, added, n - added);
    return 0;
}

static int print_miss(const search_miss *m, void *ctx)
{
    (void)ctx;
    printf("%lld\t%lld\t%lld\t%s\n", (long long)m->searches, (long long)m->empty,
           (long long)m->opens, m->query);
    return 0;
}

int catalog_admin_search_misses(int days)
{
    char since[CAL_DATE_BYTES];
    cal_day_format(cal_today() - (cal_day)(days - 1), since);
    arena a;
    arena_init(&a, 64 * 1024);
    printf("searches\tempty\topens\tquery\n");
    int rc = search_log_store_misses(db_primary(), &a, since, 1000, print_miss, NULL);
    arena_destroy(&a);
    if (rc != DB_OK) {
        fprintf(stderr, "search-misses: database error (%d)\n", rc);
        return 1;
    }
    return 0;
}
