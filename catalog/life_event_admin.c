#include "catalog/life_event_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_admin.h"
#include "catalog/life_event.h"
#include "db/life_event_store.h"

#define CMD "import-life-events"

/* Whether a service other than the producer defines the material. */
static bool needed_by_another(const bundle_part *p, size_t n, const life_event_product *pr)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(p[i].code, pr->service) == 0)
            continue;
        cJSON *defs = cJSON_Parse(p[i].materials ? p[i].materials : "[]");
        const cJSON *m;
        bool found = false;
        cJSON_ArrayForEach(m, defs)
        {
            const cJSON *code = cJSON_GetObjectItemCaseSensitive(m, "code");
            found = found || (cJSON_IsString(code) && strcmp(code->valuestring, pr->material) == 0);
        }
        cJSON_Delete(defs);
        if (found)
            return true;
    }
    return false;
}

/* The bundle against the catalog; prints each problem; returns how many. */
static int check_against_catalog(arena *a, const life_event_def *d)
{
    bundle_part parts[LIFE_EVENT_SERVICES_MAX];
    int bad = 0;
    for (size_t i = 0; i < d->n_services; i++) {
        app_service s;
        int rc = app_service_active(db_primary(), a, d->services[i].code, &s);
        if (rc == DB_NOT_FOUND) {
            fprintf(stderr, "invalid: bundle %s: service %s is not in the catalog (or retired)\n",
                    d->code, d->services[i].code);
            bad++;
        } else if (rc != DB_OK)
            return -1;
        parts[i] = (bundle_part){d->services[i].code, rc == DB_OK ? s.form_schema : NULL,
                                 rc == DB_OK ? s.materials : "[]", true, true};
    }
    char why[200];
    cJSON *fields = NULL, *form = bundle_merge_form(parts, d->n_services, &fields, why, sizeof why);
    if (!form) {
        fprintf(stderr, "invalid: bundle %s: %s\n", d->code, why);
        bad++;
    }
    cJSON *mats =
        bundle_merge_materials(parts, d->n_services, d->products, d->n_products, why, sizeof why);
    if (!mats) {
        fprintf(stderr, "invalid: bundle %s: %s\n", d->code, why);
        bad++;
    }
    cJSON_Delete(form);
    cJSON_Delete(fields);
    cJSON_Delete(mats);
    for (size_t i = 0; i < d->n_products; i++)
        if (!needed_by_another(parts, d->n_services, &d->products[i])) {
            fprintf(stderr, "invalid: bundle %s: no other service needs %s\n", d->code,
                    d->products[i].material);
            bad++;
        }
    return bad;
}

/* Validates every bundle; prints each problem; returns how many (-1: the database). */
static int validate(const cJSON *list, const catalog_codes *codes, arena *a, life_event_def *defs)
{
    int bad = 0, i = 0;
    const cJSON *obj;
    cJSON_ArrayForEach(obj, list)
    {
        char why[200];
        if (life_event_parse(obj, codes, a, &defs[i], why, sizeof why) != 0) {
            const cJSON *code = cJSON_GetObjectItemCaseSensitive(obj, "code");
            fprintf(stderr, "invalid: bundle %d (%s): %s\n", i,
                    cJSON_IsString(code) ? code->valuestring : "no code", why);
            bad++;
        } else {
            int n = check_against_catalog(a, &defs[i]);
            if (n < 0)
                return -1;
            bad += n;
            for (int k = 0; k < i; k++)
                if (defs[k].code && strcmp(defs[k].code, defs[i].code) == 0) {
                    fprintf(stderr, "invalid: bundle %s appears more than once\n", defs[i].code);
                    bad++;
                }
        }
        i++;
    }
    return bad;
}

static void to_rows(arena *a, const life_event_def *defs, size_t n, life_event_row_new *rows)
{
    for (size_t i = 0; i < n; i++) {
        const life_event_def *d = &defs[i];
        const char **codes = arena_calloc(a, d->n_services, sizeof *codes);
        const char **conds = arena_calloc(a, d->n_services, sizeof *conds);
        bool *req = arena_calloc(a, d->n_services, sizeof *req);
        for (size_t k = 0; k < d->n_services; k++) {
            codes[k] = d->services[k].code;
            conds[k] = d->services[k].condition;
            req[k] = d->services[k].required;
        }
        rows[i] = (life_event_row_new){d->code,       d->name, d->lead_department_code,
                                       d->definition, d->hash, codes,
                                       req,           conds,   d->n_services};
    }
}

static int import_list(const cJSON *list)
{
    size_t n = (size_t)cJSON_GetArraySize(list);
    arena a;
    arena_init(&a, 1 << 20);
    catalog_codes codes;
    life_event_def *defs = arena_calloc(&a, n + 1, sizeof *defs);
    life_event_row_new *rows = arena_calloc(&a, n + 1, sizeof *rows);
    int status = 1, bad = 0;
    int rc = defs && rows ? catalog_import_codes(db_primary(), &a, &codes) : DB_ERROR;
    if (rc == DB_OK && (bad = validate(list, &codes, &a, defs)) < 0)
        rc = DB_ERROR;
    if (rc != DB_OK)
        fprintf(stderr, CMD ": database %s: nothing imported\n",
                rc == DB_UNAVAILABLE ? "unavailable" : "error");
    else if (bad > 0)
        fprintf(stderr, CMD ": nothing imported: fix the %d problem(s) above\n", bad);
    else {
        to_rows(&a, defs, n, rows);
        life_event_import_report r;
        rc = life_event_import(db_primary(), &a, rows, n, &r);
        if (rc != DB_OK)
            fprintf(stderr, CMD ": database %s: nothing imported\n",
                    rc == DB_UNAVAILABLE ? "unavailable" : "error");
        else {
            printf("life_events: %zu\ncreated: %zu\nupdated: %zu\nrestored: %zu\n"
                   "unchanged: %zu\nretired: %zu\n",
                   n, r.created, r.updated, r.restored, r.unchanged, r.retired);
            status = 0;
        }
    }
    arena_destroy(&a);
    return status;
}

int life_event_admin_import(const char *path)
{
    cJSON *doc = catalog_admin_load_json(CMD, path);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, "life_events");
    int status = 1;
    if (!cJSON_IsArray(list))
        fprintf(stderr, CMD ": %s: not {\"life_events\": [...]}\n", path);
    else if (cJSON_GetArraySize(list) > LIFE_EVENTS_MAX)
        fprintf(stderr, CMD ": more than %d life events\n", LIFE_EVENTS_MAX);
    else
        status = import_list(list);
    cJSON_Delete(doc);
    return status;
}
