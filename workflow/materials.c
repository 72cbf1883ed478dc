#include "workflow/materials.h"

#include <string.h>

typedef struct check_ctx {
    arena *a;
    const char *base;
    form_error_fn err;
    void *ctx;
    int n;
} check_ctx;

static void problem(check_ctx *k, size_t i, const char *field, const char *zh, const char *en)
{
    k->n++;
    const char *pointer = field ? arena_printf(k->a, "%s/%zu/%s", k->base, i, field)
                                : arena_printf(k->a, "%s/%zu", k->base, i);
    k->err(k->ctx, pointer ? pointer : k->base, zh, en);
}

static const cJSON *definition_of(const cJSON *defs, const char *code)
{
    const cJSON *d;
    cJSON_ArrayForEach(d, defs)
    {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(d, "code");
        if (cJSON_IsString(c) && strcmp(c->valuestring, code) == 0)
            return d;
    }
    return NULL;
}

static bool accepts(const cJSON *def, const char *type)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(def, "accept"))
    {
        if (cJSON_IsString(t) && strcmp(t->valuestring, type) == 0)
            return true;
    }
    return false;
}

/* One given material: its definition, then its upload (locked). <0: a db failure. */
static int check_one(db_conn *c, check_ctx *k, const cJSON *defs, int64_t citizen_id,
                     const material_given *g, size_t i, material_checked *out)
{
    const cJSON *def = definition_of(defs, g->code);
    if (!def) {
        problem(k, i, "code", "这个事项没有这项材料。", "This service has no such material.");
        return 0;
    }
    out->code = g->code;
    out->name = arena_strdup(k->a, cJSON_GetObjectItemCaseSensitive(def, "name")->valuestring);
    int rc = upload_lock_unattached(c, k->a, g->upload_id, citizen_id, &out->upload);
    if (rc == DB_NOT_FOUND) {
        problem(k, i, "upload_id", "没有这个上传文件，或它已过期或已被使用。",
                "No such upload, or it has expired or is already attached.");
        return 0;
    }
    if (rc != DB_OK)
        return rc;
    const cJSON *max = cJSON_GetObjectItemCaseSensitive(def, "max_bytes");
    if (!accepts(def, out->upload.content_type))
        problem(k, i, "upload_id", "这项材料不接受这种文件类型。",
                "This material does not accept this type of file.");
    else if (cJSON_IsNumber(max) && (double)out->upload.bytes > max->valuedouble)
        problem(k, i, "upload_id",
                arena_printf(k->a, "这项材料的文件不能超过 %.0f 字节。", max->valuedouble),
                arena_printf(k->a, "This material's file must not exceed %.0f bytes.",
                             max->valuedouble));
    return 0;
}

static void check_required(check_ctx *k, const cJSON *defs, const material_given *given, size_t n)
{
    const cJSON *d;
    cJSON_ArrayForEach(d, defs)
    {
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "required")))
            continue;
        const char *code = cJSON_GetObjectItemCaseSensitive(d, "code")->valuestring;
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = strcmp(given[i].code, code) == 0;
        if (!found) {
            k->n++;
            const char *name = cJSON_GetObjectItemCaseSensitive(d, "name")->valuestring;
            k->err(k->ctx, k->base, arena_printf(k->a, "缺少必需的材料：%s（%s）。", name, code),
                   arena_printf(k->a, "A required material is missing: %s (%s).", name, code));
        }
    }
}

int materials_check(db_conn *c, arena *a, const char *definitions, int64_t citizen_id,
                    const material_given *given, size_t n, bool all_required, const char *base,
                    form_error_fn err, void *ctx, material_checked *out)
{
    check_ctx k = {a, base, err, ctx, 0};
    cJSON *defs = cJSON_Parse(definitions ? definitions : "[]");
    if (!defs)
        return DB_ERROR;
    int rc = 0;
    for (size_t i = 0; i < n && rc >= 0; i++) {
        bool repeated = false;
        for (size_t j = 0; j < i; j++)
            repeated = repeated || strcmp(given[j].code, given[i].code) == 0 ||
                       strcmp(given[j].upload_id, given[i].upload_id) == 0;
        if (repeated)
            problem(&k, i, NULL, "每项材料和每个上传文件只能出现一次。",
                    "Each material and each upload may appear only once.");
        else
            rc = check_one(c, &k, defs, citizen_id, &given[i], i, &out[i]);
    }
    if (rc >= 0 && all_required)
        check_required(&k, defs, given, n);
    cJSON_Delete(defs);
    return rc < 0 ? rc : k.n;
}

static cJSON *entry_of(const material_checked *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "code", m->code);
    cJSON_AddStringToObject(o, "name", m->name);
    cJSON_AddStringToObject(o, "upload_id", m->upload.id);
    cJSON_AddStringToObject(o, "content_type", m->upload.content_type);
    cJSON_AddNumberToObject(o, "bytes", (double)m->upload.bytes);
    cJSON_AddStringToObject(o, "sha256", m->upload.sha256);
    return o;
}

int materials_attach(db_conn *c, arena *a, int64_t application_id, const char *current,
                     const material_checked *list, size_t n, const char **updated)
{
    return materials_attach_some(c, a, application_id, current, list, NULL, n, updated);
}

int materials_attach_some(db_conn *c, arena *a, int64_t application_id, const char *current,
                          const material_checked *list, const bool *attach, size_t n,
                          const char **updated)
{
    cJSON *all = cJSON_Parse(current ? current : "[]");
    if (!cJSON_IsArray(all)) {
        cJSON_Delete(all);
        return DB_ERROR;
    }
    int rc = DB_OK;
    for (size_t i = 0; i < n && rc == DB_OK; i++) {
        if (!attach || attach[i])
            rc = upload_attach(c, list[i].upload.id, application_id, list[i].code);
        if (rc == DB_NOT_FOUND) /* it was locked as unattached: cannot happen */
            rc = DB_ERROR;
        int at = 0;
        const cJSON *e;
        bool replaced = false;
        cJSON_ArrayForEach(e, all)
        {
            const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
            if (!replaced && cJSON_IsString(code) && strcmp(code->valuestring, list[i].code) == 0) {
                cJSON_ReplaceItemInArray(all, at, entry_of(&list[i]));
                replaced = true;
                break;
            }
            at++;
        }
        if (!replaced)
            cJSON_AddItemToArray(all, entry_of(&list[i]));
    }
    char *text = rc == DB_OK ? cJSON_PrintUnformatted(all) : NULL;
    *updated = text ? arena_strdup(a, text) : NULL;
    cJSON_free(text);
    cJSON_Delete(all);
    return rc != DB_OK ? rc : *updated ? DB_OK : DB_ERROR;
}

int materials_find(const char *list, const char *code, arena *a, const char **sha256,
                   const char **content_type)
{
    cJSON *all = cJSON_Parse(list ? list : "[]");
    int rc = DB_NOT_FOUND;
    const cJSON *e;
    cJSON_ArrayForEach(e, all)
    {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "code");
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "sha256");
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "content_type");
        if (cJSON_IsString(c) && strcmp(c->valuestring, code) == 0 && cJSON_IsString(s) &&
            cJSON_IsString(t)) {
            *sha256 = arena_strdup(a, s->valuestring);
            *content_type = arena_strdup(a, t->valuestring);
            rc = DB_OK;
            break;
        }
    }
    cJSON_Delete(all);
    return rc;
}
