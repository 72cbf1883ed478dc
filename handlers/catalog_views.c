#include "handlers/catalog_views.h"

void catalog_views_add_terms(cJSON *o, const catalog_detail *d)
{
    cJSON_AddStringToObject(o, "audience", d->audience);
    cJSON_AddStringToObject(o, "kind", d->kind);
    cJSON_AddNumberToObject(o, "online_level", (double)d->online_level);
    cJSON_AddNumberToObject(o, "legal_days", (double)d->legal_days);
    cJSON_AddNumberToObject(o, "promised_days", (double)d->promised_days);
    cJSON_AddNumberToObject(o, "min_assurance_level", (double)d->min_assurance_level);
    cJSON_AddStringToObject(o, "fee", d->fee);
}

void catalog_views_add_list(cJSON *o, const char *key, const char *json)
{
    cJSON *v = json ? cJSON_Parse(json) : NULL;
    if (!cJSON_IsArray(v)) {
        cJSON_Delete(v);
        v = cJSON_CreateArray();
    }
    cJSON_AddItemToObject(o, key, v);
}

void catalog_views_add_form_schema(cJSON *o, const char *json)
{
    cJSON *v = json ? cJSON_Parse(json) : NULL;
    if (!cJSON_IsObject(v)) {
        cJSON_Delete(v);
        v = cJSON_CreateNull();
    }
    cJSON_AddItemToObject(o, "form_schema", v);
}
