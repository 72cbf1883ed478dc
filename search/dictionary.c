#include "search/dictionary.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "db/catalog_store.h"

static int add_dept(const char *code, const char *name, const char *name_en, void *b)
{
    return search_builder_add_dept(b, code, name, name_en);
}

static int add_topic(const char *code, const char *name, const char *name_en, void *b)
{
    return search_builder_add_topic(b, code, name, name_en);
}

/* A JSON array of strings joined by '|' (the shipped concepts' format), or NULL. */
static char *joined(const char *json)
{
    cJSON *arr = cJSON_Parse(json);
    size_t len = 1;
    const cJSON *v;
    cJSON_ArrayForEach(v, arr) len += cJSON_IsString(v) ? strlen(v->valuestring) + 1 : 0;
    char *out = arr ? malloc(len) : NULL;
    if (out) {
        out[0] = '\0';
        cJSON_ArrayForEach(v, arr) if (cJSON_IsString(v))
        {
            if (out[0])
                strcat(out, "|");
            strcat(out, v->valuestring);
        }
    }
    cJSON_Delete(arr);
    return out;
}

/* An operator's concept (situations and services stored as JSON arrays). */
static int add_concept(const char *name, const char *situations, const char *services, void *b)
{
    char *sit = joined(situations), *svc = joined(services);
    int rc = sit && svc ? search_builder_add_concept(b, name, sit, svc) : 0;
    free(sit);
    free(svc);
    return rc;
}

static int add_synonym(const char *term, const char *expansion, void *b)
{
    return search_builder_add_synonym(b, term, expansion);
}

int search_dictionary_begin(db_conn *c, arena *a, search_builder *b)
{
    int rc = catalog_store_each_department(c, a, add_dept, b);
    if (rc == DB_OK)
        rc = catalog_store_each_topic(c, a, add_topic, b);
    if (rc == DB_OK)
        rc = search_builder_add_shipped_synonyms(b) == 0 ? DB_OK : DB_ERROR;
    if (rc == DB_OK)
        rc = catalog_store_each_synonym(c, a, add_synonym, b);
    return rc;
}

int search_dictionary_end(db_conn *c, arena *a, search_builder *b)
{
    int rc = search_builder_add_shipped_concepts(b) == 0 ? DB_OK : DB_ERROR;
    if (rc == DB_OK)
        rc = catalog_store_each_concept(c, a, add_concept, b);
    return rc;
}
