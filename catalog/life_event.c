#include "catalog/life_event.h"

#include "catalog/catalog_item.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>
#include <unistr.h>

typedef struct check {
    char *why;
    size_t len;
    bool failed;
} check;

static void fail(check *c, const char *fmt, const char *what)
{
    if (!c->failed)
        snprintf(c->why, c->len, fmt, what);
    c->failed = true;
}

static bool text_ok(const char *s, size_t min, size_t max)
{
    size_t n = u8_mbsnlen((const uint8_t *)s, strlen(s));
    if (u8_check((const uint8_t *)s, strlen(s)) || n < min || n > max)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

/* A string member of 1..max characters, copied into the canonical object out. */
static const char *text(check *c, const cJSON *obj, const char *key, size_t max, cJSON *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsString(v) || !text_ok(v->valuestring, 1, max)) {
        char msg[96];
        snprintf(msg, sizeof msg, "%%s: must be a string of 1..%zu characters", max);
        fail(c, msg, key);
        return "";
    }
    cJSON_AddStringToObject(out, key, v->valuestring);
    return v->valuestring;
}

/* Characters of a code: lower-case letters and digits, and extra. */
static bool code_ok(const char *s, size_t max, const char *extra)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr(extra, *s)))
            return false;
    return true;
}

/* Only the keys listed (NULL-terminated) may appear. */
static void known_keys(check *c, const cJSON *obj, const char *const *keys, const char *where)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, obj)
    {
        bool known = false;
        for (const char *const *k = keys; *k && !known; k++)
            known = strcmp(*k, m->string) == 0;
        if (!known) {
            char msg[128];
            snprintf(msg, sizeof msg, "%s: unknown member %%s", where);
            fail(c, msg, m->string);
        }
    }
}

static void source(check *c, const cJSON *obj, cJSON *out)
{
    static const char *const keys[] = {"title", "number", "url", "note", NULL};
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(obj, "source");
    cJSON *o = cJSON_AddObjectToObject(out, "source");
    if (!cJSON_IsObject(s)) {
        fail(c, "%s: every bundle cites its source {title, number, url, note}", "source");
        return;
    }
    known_keys(c, s, keys, "source");
    text(c, s, "title", 200, o);
    text(c, s, "number", 64, o);
    const char *url = text(c, s, "url", 500, o);
    if (strncmp(url, "https://", 8) != 0)
        fail(c, "%s: must be an https:// address", "source.url");
    text(c, s, "note", 1000, o);
}

static const cJSON *list(check *c, const cJSON *obj, const char *key, int min, int max)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    int n = cJSON_GetArraySize(v);
    if (!cJSON_IsArray(v) || n < min || n > max) {
        char msg[96];
        snprintf(msg, sizeof msg, "%%s: must be a list of %d..%d", min, max);
        fail(c, msg, key);
        return NULL;
    }
    return v;
}

static bool question_known(const cJSON *questions, const char *code)
{
    const cJSON *q;
    cJSON_ArrayForEach(q, questions)
    {
        const cJSON *qc = cJSON_GetObjectItemCaseSensitive(q, "code");
        if (cJSON_IsString(qc) && strcmp(qc->valuestring, code) == 0)
            return true;
    }
    return false;
}

static void questions(check *c, const cJSON *obj, cJSON *out)
{
    static const char *const keys[] = {"code", "text", "text_en", NULL};
    const cJSON *list_in = list(c, obj, "questions", 0, LIFE_EVENT_QUESTIONS_MAX);
    cJSON *qs = cJSON_AddArrayToObject(out, "questions");
    const cJSON *q;
    cJSON_ArrayForEach(q, list_in)
    {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(qs, o);
        known_keys(c, q, keys, "question");
        const char *code = text(c, q, "code", 40, o);
        if (!code_ok(code, 40, "_"))
            fail(c, "question %s: the code must be snake_case", code);
        cJSON *before = cJSON_DetachItemFromArray(qs, cJSON_GetArraySize(qs) - 1);
        if (question_known(qs, code))
            fail(c, "question %s: asked twice", code);
        cJSON_AddItemToArray(qs, before);
        text(c, q, "text", 200, o);
        text(c, q, "text_en", 400, o);
    }
}

static void services(check *c, const cJSON *obj, arena *a, life_event_def *d, cJSON *out)
{
    static const char *const keys[] = {"service", "required", "condition", NULL};
    const cJSON *in = list(c, obj, "services", LIFE_EVENT_SERVICES_MIN, LIFE_EVENT_SERVICES_MAX);
    const cJSON *qs = cJSON_GetObjectItemCaseSensitive(out, "questions");
    cJSON *svcs = cJSON_AddArrayToObject(out, "services");
    bool any_required = false;
    const cJSON *s;
    cJSON_ArrayForEach(s, in)
    {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(svcs, o);
        known_keys(c, s, keys, "service");
        life_event_service *ls = &d->services[d->n_services++];
        ls->code = arena_strdup(a, text(c, s, "service", CATALOG_CODE_MAX, o));
        const cJSON *req = cJSON_GetObjectItemCaseSensitive(s, "required");
        const cJSON *cond = cJSON_GetObjectItemCaseSensitive(s, "condition");
        if (!cJSON_IsBool(req))
            fail(c, "service %s: required must be true or false", ls->code);
        ls->required = cJSON_IsTrue(req);
        cJSON_AddBoolToObject(o, "required", ls->required);
        any_required = any_required || ls->required;
        if (ls->required && cond)
            fail(c, "service %s: a required service has no condition", ls->code);
        if (!ls->required) {
            if (!cJSON_IsString(cond) || !question_known(qs, cond->valuestring))
                fail(c,
                     "service %s: an optional service names one of the bundle's questions "
                     "as its condition",
                     ls->code);
            else
                ls->condition = arena_strdup(a, text(c, s, "condition", 40, o));
        }
        for (size_t i = 0; i + 1 < d->n_services; i++)
            if (strcmp(d->services[i].code, ls->code) == 0)
                fail(c, "service %s: listed twice", ls->code);
    }
    if (in && !any_required)
        fail(c, "%s: at least one service must be required", "services");
    const cJSON *q;
    cJSON_ArrayForEach(q, qs)
    {
        const char *qc = cJSON_GetObjectItemCaseSensitive(q, "code")->valuestring;
        bool used = false;
        for (size_t i = 0; i < d->n_services && !used; i++)
            used = d->services[i].condition && strcmp(d->services[i].condition, qc) == 0;
        if (!used)
            fail(c, "question %s: chooses no service", qc);
    }
}

static bool in_bundle(const life_event_def *d, const char *code)
{
    for (size_t i = 0; i < d->n_services; i++)
        if (strcmp(d->services[i].code, code) == 0)
            return true;
    return false;
}

static void products(check *c, const cJSON *obj, arena *a, life_event_def *d, cJSON *out)
{
    static const char *const keys[] = {"material", "service", NULL};
    cJSON *ps = cJSON_AddArrayToObject(out, "produces");
    if (!cJSON_GetObjectItemCaseSensitive(obj, "produces"))
        return;
    const cJSON *in = list(c, obj, "produces", 0, LIFE_EVENT_SERVICES_MAX);
    const cJSON *p;
    cJSON_ArrayForEach(p, in)
    {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(ps, o);
        known_keys(c, p, keys, "produces");
        life_event_product *lp = &d->products[d->n_products++];
        lp->material = arena_strdup(a, text(c, p, "material", 32, o));
        lp->service = arena_strdup(a, text(c, p, "service", CATALOG_CODE_MAX, o));
        if (!code_ok(lp->material, 32, "_"))
            fail(c, "produces %s: not a material code", lp->material);
        if (!in_bundle(d, lp->service))
            fail(c, "produces: %s is not a service of the bundle", lp->service);
        for (size_t i = 0; i + 1 < d->n_products; i++)
            if (strcmp(d->products[i].material, lp->material) == 0)
                fail(c, "produces %s: listed twice", lp->material);
    }
}

static const char *department(check *c, const cJSON *obj, const catalog_codes *codes, cJSON *out)
{
    const char *code = text(c, obj, "lead_department", 32, out);
    for (size_t i = 0; i < codes->n_depts; i++)
        if (strcmp(codes->depts[i].code, code) == 0)
            return codes->depts[i].code;
    fail(c, "lead_department %s: not a department code (data/codes.json)", code);
    return "";
}

int life_event_parse(const cJSON *obj, const catalog_codes *codes, arena *a, life_event_def *out,
                     char *why, size_t whylen)
{
    static const char *const keys[] = {"code",
                                       "name",
                                       "name_en",
                                       "description",
                                       "description_en",
                                       "lead_department",
                                       "source",
                                       "questions",
                                       "services",
                                       "produces",
                                       NULL};
    check c = {why, whylen, false};
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(obj)) {
        snprintf(why, whylen, "not an object");
        return -1;
    }
    cJSON *canon = cJSON_CreateObject();
    known_keys(&c, obj, keys, "bundle");
    out->code = arena_strdup(a, text(&c, obj, "code", LIFE_EVENT_CODE_MAX, canon));
    if (!code_ok(out->code, LIFE_EVENT_CODE_MAX, "-"))
        fail(&c, "code %s: only a-z, 0-9 and '-'", out->code);
    out->name = arena_strdup(a, text(&c, obj, "name", 100, canon));
    text(&c, obj, "name_en", 200, canon);
    text(&c, obj, "description", 2000, canon);
    text(&c, obj, "description_en", 4000, canon);
    out->lead_department_code = department(&c, obj, codes, canon);
    source(&c, obj, canon);
    questions(&c, obj, canon);
    services(&c, obj, a, out, canon);
    products(&c, obj, a, out, canon);
    char *json = c.failed ? NULL : cJSON_PrintUnformatted(canon);
    cJSON_Delete(canon);
    if (c.failed || !json) {
        cJSON_free(json);
        return -1;
    }
    out->definition = arena_strdup(a, json);
    crypto_hash_sha256(out->hash, (const unsigned char *)json, strlen(json));
    cJSON_free(json);
    return out->definition ? 0 : -1;
}

/* Appends s to the string list member key of obj (made when missing), once. */
static void add_once(cJSON *obj, const char *key, const char *s)
{
    cJSON *l = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!l)
        l = cJSON_AddArrayToObject(obj, key);
    const cJSON *e;
    cJSON_ArrayForEach(e, l)
    {
        if (strcmp(e->valuestring, s) == 0)
            return;
    }
    cJSON_AddItemToArray(l, cJSON_CreateString(s));
}

static bool listed_required(const cJSON *schema, const char *field)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(schema, "required"))
    {
        if (cJSON_IsString(r) && strcmp(r->valuestring, field) == 0)
            return true;
    }
    return false;
}

/* One part's fields into the merge; false on a conflicting definition. */
static bool merge_fields(const bundle_part *p, const cJSON *schema, cJSON *props, cJSON *required,
                         cJSON *fields, char *why, size_t whylen)
{
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(schema, "properties"))
    {
        const cJSON *have = cJSON_GetObjectItemCaseSensitive(props, f->string);
        if (have && !cJSON_Compare(have, f, true)) {
            snprintf(why, whylen, "form field %s: %s defines it differently", f->string, p->code);
            return false;
        }
        if (!have) {
            cJSON_AddItemToObject(props, f->string, cJSON_Duplicate(f, true));
            cJSON_AddItemToObject(fields, f->string, cJSON_CreateObject());
        }
        cJSON *info = cJSON_GetObjectItemCaseSensitive(fields, f->string);
        add_once(info, "services", p->code);
        if (!cJSON_GetObjectItemCaseSensitive(info, "required_by"))
            cJSON_AddArrayToObject(info, "required_by");
        if (p->in && listed_required(schema, f->string)) {
            add_once(info, "required_by", p->code);
            bool there = false;
            const cJSON *r;
            cJSON_ArrayForEach(r, required)
            {
                there = there || strcmp(r->valuestring, f->string) == 0;
            }
            if (!there)
                cJSON_AddItemToArray(required, cJSON_CreateString(f->string));
        }
    }
    return true;
}

cJSON *bundle_merge_form(const bundle_part *p, size_t n, cJSON **fields, char *why, size_t whylen)
{
    cJSON *form = cJSON_CreateObject();
    cJSON_AddStringToObject(form, "type", "object");
    cJSON *props = cJSON_AddObjectToObject(form, "properties");
    cJSON *required = cJSON_AddArrayToObject(form, "required");
    *fields = cJSON_CreateObject();
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        if (!p[i].listed || !p[i].form_schema)
            continue;
        cJSON *schema = cJSON_Parse(p[i].form_schema);
        ok = merge_fields(&p[i], schema, props, required, *fields, why, whylen);
        cJSON_Delete(schema);
    }
    if (!ok) {
        cJSON_Delete(form);
        cJSON_Delete(*fields);
        *fields = NULL;
        return NULL;
    }
    return form;
}

static const life_event_product *product_of(const life_event_product *products, size_t n,
                                            const char *material)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(products[i].material, material) == 0)
            return &products[i];
    return NULL;
}

static const bundle_part *part_of(const bundle_part *p, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(p[i].code, code) == 0)
            return &p[i];
    return NULL;
}

/* The definition without the bundle's own members, for comparing two services' entries. */
static bool same_definition(const cJSON *a, const cJSON *b)
{
    static const char *const keys[] = {"name", "accept", "max_bytes"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(a, keys[i]),
                           cJSON_GetObjectItemCaseSensitive(b, keys[i]), true))
            return false;
    return true;
}

static cJSON *entry_by_code(cJSON *all, const char *code)
{
    cJSON *e;
    cJSON_ArrayForEach(e, all)
    {
        if (strcmp(cJSON_GetObjectItemCaseSensitive(e, "code")->valuestring, code) == 0)
            return e;
    }
    return NULL;
}

static cJSON *new_entry(const cJSON *m, const bundle_part *p, size_t n,
                        const life_event_product *products, size_t n_products, const char *code)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "code", code);
    cJSON_AddItemToObject(e, "name",
                          cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(m, "name"), true));
    cJSON_AddBoolToObject(e, "required", false);
    cJSON_AddItemToObject(e, "accept",
                          cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(m, "accept"), true));
    cJSON_AddItemToObject(e, "max_bytes",
                          cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(m, "max_bytes"), true));
    cJSON_AddArrayToObject(e, "services");
    const life_event_product *pr = product_of(products, n_products, code);
    const bundle_part *producer = pr ? part_of(p, n, pr->service) : NULL;
    if (producer && producer->listed)
        cJSON_AddStringToObject(e, "produced_by", producer->code);
    else
        cJSON_AddNullToObject(e, "produced_by");
    return e;
}

/* One part's materials into the merge; false on a conflicting definition. */
static bool merge_materials(const bundle_part *all_parts, size_t n, const bundle_part *p,
                            const life_event_product *products, size_t n_products, cJSON *out,
                            char *why, size_t whylen)
{
    cJSON *defs = cJSON_Parse(p->materials ? p->materials : "[]");
    const cJSON *m;
    bool ok = true;
    cJSON_ArrayForEach(m, defs)
    {
        const char *code = cJSON_GetObjectItemCaseSensitive(m, "code")->valuestring;
        cJSON *e = entry_by_code(out, code);
        if (e && !same_definition(e, m)) {
            snprintf(why, whylen, "material %s: %s defines it differently", code, p->code);
            ok = false;
            break;
        }
        if (!e) {
            e = new_entry(m, all_parts, n, products, n_products, code);
            cJSON_AddItemToArray(out, e);
        }
        add_once(e, "services", p->code);
        const life_event_product *pr = product_of(products, n_products, code);
        const bundle_part *producer = pr ? part_of(all_parts, n, pr->service) : NULL;
        bool produced = producer && producer->in && producer != p;
        if (p->in && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "required")) && !produced)
            cJSON_ReplaceItemInObjectCaseSensitive(e, "required", cJSON_CreateTrue());
    }
    cJSON_Delete(defs);
    return ok;
}

cJSON *bundle_merge_materials(const bundle_part *p, size_t n, const life_event_product *products,
                              size_t n_products, char *why, size_t whylen)
{
    cJSON *out = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        if (p[i].listed && !merge_materials(p, n, &p[i], products, n_products, out, why, whylen)) {
            cJSON_Delete(out);
            return NULL;
        }
    return out;
}

size_t life_event_products(const cJSON *def, life_event_product *out, size_t cap)
{
    size_t n = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(def, "produces"))
    {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(p, "material");
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(p, "service");
        if (n < cap && cJSON_IsString(m) && cJSON_IsString(s))
            out[n++] = (life_event_product){m->valuestring, s->valuestring};
    }
    return n;
}
