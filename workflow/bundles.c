#include "workflow/bundles.h"

#include <string.h>

int bundle_def_load(db_conn *c, arena *a, const char *code, bundle_def *out)
{
    memset(out, 0, sizeof *out);
    int rc = life_event_by_code(c, a, code, &out->row);
    if (rc == DB_OK)
        rc = life_event_parts(c, a, out->row.id, out->parts, LIFE_EVENT_SERVICES_MAX,
                              &out->n_parts);
    if (rc != DB_OK)
        return rc;
    cJSON *def = cJSON_Parse(out->row.definition);
    if (!def || arena_defer(a, (void (*)(void *))cJSON_Delete, def) != 0) {
        cJSON_Delete(def);
        return DB_ERROR;
    }
    out->definition = def;
    out->n_products = life_event_products(def, out->products, LIFE_EVENT_SERVICES_MAX);
    return DB_OK;
}

void bundle_def_parts(const bundle_def *d, const bool *chosen, bundle_part *out)
{
    for (size_t i = 0; i < d->n_parts; i++) {
        const app_service *s = &d->parts[i].service;
        out[i] = (bundle_part){s->code, s->form_schema, s->materials, true,
                               chosen ? chosen[i] : d->parts[i].required};
    }
}
