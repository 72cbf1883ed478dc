#include "workflow/bundles.h"

#include <string.h>

#include "core/config.h"
#include "db/bundle_store.h"
#include "db/notification_store.h"
#include "workflow/application_no.h"
#include "workflow/calendar_cache.h"

#define BUNDLE_NOTICE_KIND "bundle"

int bundle_def_load(db_conn *c, arena *a, const char *code, bundle_def *out)
{
    memset(out, 0, sizeof *out);
    int rc = life_event_by_code(c, a, code, &out->row);
    if (rc == DB_OK)
        rc =
            life_event_parts(c, a, out->row.id, out->parts, LIFE_EVENT_SERVICES_MAX, &out->n_parts);
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

/* The fields of form that the service's schema names (compact JSON text). */
static const char *child_form(arena *a, const cJSON *form, const app_service *svc)
{
    cJSON *schema = svc->form_schema ? cJSON_Parse(svc->form_schema) : NULL;
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    cJSON *mine = cJSON_CreateObject();
    const cJSON *f;
    cJSON_ArrayForEach(f, form)
    {
        if (!schema || cJSON_GetObjectItemCaseSensitive(props, f->string))
            cJSON_AddItemToObject(mine, f->string, cJSON_Duplicate(f, true));
    }
    char *text = cJSON_PrintUnformatted(mine);
    const char *copy = text ? arena_strdup(a, text) : NULL;
    cJSON_free(text);
    cJSON_Delete(mine);
    cJSON_Delete(schema);
    return copy;
}

static bool defines(const char *materials, const char *code)
{
    cJSON *defs = cJSON_Parse(materials ? materials : "[]");
    const cJSON *d;
    bool found = false;
    cJSON_ArrayForEach(d, defs)
    {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(d, "code");
        found = found || (cJSON_IsString(c) && strcmp(c->valuestring, code) == 0);
    }
    cJSON_Delete(defs);
    return found;
}

/* The checked materials the service defines; attach[k]: not yet attached to a sibling. */
static size_t child_materials(const app_service *svc, const material_checked *all, size_t n,
                              bool *attached, material_checked *mine, bool *attach)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (defines(svc->materials, all[i].code)) {
            mine[k] = all[i];
            attach[k++] = !attached[i];
            attached[i] = true;
        }
    return k;
}

#define NUMBER_TRIES 5

static int insert_bundle(db_conn *c, const bundle_submission *s, bundle_new *n,
                         bundle_submitted *out)
{
    int rc = DB_DUPLICATE;
    query_code_stored stored;
    for (int i = 0; i < NUMBER_TRIES && rc == DB_DUPLICATE; i++) {
        application_no_new(s->today, out->no);
        query_code_new(out->query_code);
        query_code_store(out->no, out->query_code, &stored);
        n->no = out->no;
        n->code = (app_query_code){stored.hash, stored.sealed, stored.sealed_len};
        rc = bundle_insert(c, n, &out->id);
    }
    return rc;
}

/* The bundle's row: its days and due date from the chosen services. */
static int write_bundle(db_conn *c, const bundle_submission *s, bundle_submitted *out)
{
    const bundle_def *d = s->def;
    int64_t longest = 0, sum = 0, n = 0;
    for (size_t i = 0; i < d->n_parts; i++)
        if (s->chosen[i]) {
            int64_t days = d->parts[i].service.promised_days;
            longest = days > longest ? days : longest;
            sum += days;
            n++;
        }
    cal_day_format(calendar_due_date(s->today, (int)longest), out->due_date);
    bundle_new row = {.citizen_id = s->who->numeric_id,
                      .life_event_id = d->row.id,
                      .life_event_code = d->row.code,
                      .life_event_name = d->row.name,
                      .answers = s->answers,
                      .children = n,
                      .promised_days = longest,
                      .separate_days = sum,
                      .due_date = out->due_date};
    return insert_bundle(c, s, &row, out);
}

static int notify_submitted(db_conn *c, arena *a, const bundle_submission *s,
                            const bundle_submitted *out)
{
    const ow_config *cfg = config_current();
    notification_new n = {s->who->numeric_id,
                          out->children[0].sub.id,
                          BUNDLE_NOTICE_KIND,
                          "“一件事”已提交",
                          arena_printf(a,
                                       "您的「%s」已提交，编号 %s，共 %zu 个事项由各部门同步办理。",
                                       s->def->row.name, out->no, out->n_children),
                          cfg ? cfg->wechat_status_template : NULL,
                          false};
    int64_t id, deliveries;
    return notification_insert(c, &n, &id, &deliveries);
}

static int submit_in_tx(db_conn *c, arena *a, const bundle_submission *s, bundle_submitted *out)
{
    material_checked *checked = arena_calloc(a, s->n_given ? s->n_given : 1, sizeof *checked);
    bool *attached = arena_calloc(a, s->n_given ? s->n_given : 1, sizeof *attached);
    if (!checked || !attached)
        return DB_ERROR;
    int rc = materials_check(c, a, s->definitions, s->who->numeric_id, s->given, s->n_given, true,
                             "/materials", s->errors.fn, s->errors.ctx, checked);
    if (rc != 0)
        return rc < 0 ? rc : APP_INVALID;
    rc = write_bundle(c, s, out);
    out->n_children = 0;
    for (size_t i = 0; i < s->def->n_parts && rc == DB_OK; i++) {
        if (!s->chosen[i])
            continue;
        const app_service *svc = &s->def->parts[i].service;
        material_checked *mine = arena_calloc(a, s->n_given + 1, sizeof *mine);
        bool *attach = arena_calloc(a, s->n_given + 1, sizeof *attach);
        if (!mine || !attach)
            return DB_ERROR;
        size_t k = child_materials(svc, checked, s->n_given, attached, mine, attach);
        bool personal = strcmp(svc->audience, "personal") == 0;
        app_submission child = {svc,
                                child_form(a, s->form, svc),
                                NULL,
                                k,
                                personal ? (app_enterprise){0, NULL, NULL, NULL} : s->enterprise,
                                s->errors,
                                s->today,
                                s->who};
        bundle_child *bc = &out->children[out->n_children++];
        bc->service = svc;
        rc = child.form ? application_insert_child(c, a, &child, out->id, mine, attach, &bc->sub)
                        : DB_ERROR;
    }
    if (rc == DB_OK)
        rc = out->n_children ? notify_submitted(c, a, s, out) : BUNDLE_REFUSED_NOTHING;
    if (rc == DB_OK)
        rc = bundle_submitted_at(c, a, out->id, &out->submitted_at);
    return rc;
}

int bundle_submit(db_conn *c, arena *a, const bundle_submission *s, bundle_submitted *out)
{
    int rc = db_begin(c);
    if (rc == DB_OK && (rc = submit_in_tx(c, a, s, out)) != DB_OK)
        db_rollback(c);
    return rc;
}

const char *bundle_status(const app_row *children, size_t n)
{
    size_t final = 0, withdrawn = 0, submitted = 0;
    for (size_t i = 0; i < n; i++) {
        app_status st = app_status_parse(children[i].status);
        if (st == APP_NEED_MATERIALS)
            return "need_materials";
        final += app_status_is_final(st);
        withdrawn += st == APP_WITHDRAWN;
        submitted += st == APP_SUBMITTED;
    }
    if (n && withdrawn == n)
        return "withdrawn";
    if (final == n)
        return "completed";
    return submitted == n ? "submitted" : "in_progress";
}

const char *bundle_finished_at(const app_row *children, size_t n)
{
    const char *finished = NULL; /* RFC 3339 UTC strings order as times */
    for (size_t i = 0; i < n; i++) {
        if (!app_status_is_final(app_status_parse(children[i].status)))
            return NULL;
        if (children[i].finished_at && (!finished || strcmp(children[i].finished_at, finished) > 0))
            finished = children[i].finished_at;
    }
    return finished;
}

int bundle_lock_own(db_conn *c, arena *a, const char *no, int64_t citizen_id, bundle_row *b,
                    app_row *children, size_t *n)
{
    *n = 0;
    int rc = bundle_by_no(c, a, no, true, b);
    if (rc == DB_OK && b->citizen_id != citizen_id)
        rc = DB_NOT_FOUND;
    return rc == DB_OK ? app_by_bundle(c, a, b->id, true, children, LIFE_EVENT_SERVICES_MAX, n)
                       : rc;
}

static int withdraw_in_tx(db_conn *c, arena *a, const char *no, const app_actor_ref *who,
                          const char *note, cal_day today, size_t *withdrawn)
{
    bundle_row b;
    app_row children[LIFE_EVENT_SERVICES_MAX];
    size_t n = 0;
    int rc = bundle_lock_own(c, a, no, who->numeric_id, &b, children, &n);
    app_step st = {.to = APP_WITHDRAWN, .note = note, .today = today, .quiet = true};
    *withdrawn = 0;
    for (size_t i = 0; i < n && rc == DB_OK; i++) {
        if (!app_transition_allowed(app_status_parse(children[i].status), APP_WITHDRAWN,
                                    ACTOR_CITIZEN))
            continue;
        rc = application_step(c, a, &children[i], who, &st);
        if (rc != DB_OK)
            return rc; /* rolled back by application_step */
        (*withdrawn)++;
    }
    if (rc == DB_OK && *withdrawn == 0)
        rc = BUNDLE_NOTHING_TO_WITHDRAW;
    if (rc == DB_OK) {
        const ow_config *cfg = config_current();
        notification_new msg = {who->numeric_id,
                                children[0].id,
                                BUNDLE_NOTICE_KIND,
                                "“一件事”已撤回",
                                arena_printf(a, "您的「%s」（编号 %s）已撤回 %zu 个事项。",
                                             b.life_event_name, b.no, *withdrawn),
                                cfg ? cfg->wechat_status_template : NULL,
                                false};
        int64_t id, deliveries;
        rc = notification_insert(c, &msg, &id, &deliveries);
    }
    if (rc != DB_OK)
        db_rollback(c);
    return rc;
}

int bundle_withdraw(db_conn *c, arena *a, const char *no, const app_actor_ref *who,
                    const char *note, cal_day today, size_t *withdrawn)
{
    int rc = db_begin(c);
    return rc == DB_OK ? withdraw_in_tx(c, a, no, who, note, today, withdrawn) : rc;
}

/* The merged material definitions of the waiting children's services (each code once; the
 * import guarantees one definition per code within a bundle) into *merged (JSON text; NULL:
 * no child waits), and each waiting child's own in defs[i] (NULL: not waiting). */
static int waiting_definitions(db_conn *c, arena *a, const app_row *children, size_t n,
                               const char **defs, const char **merged)
{
    bundle_part parts[LIFE_EVENT_SERVICES_MAX];
    size_t k = 0;
    *merged = NULL;
    for (size_t i = 0; i < n; i++) {
        defs[i] = NULL;
        if (app_status_parse(children[i].status) != APP_NEED_MATERIALS)
            continue;
        int rc = app_service_materials(c, a, children[i].service_code, &defs[i]);
        if (rc != DB_OK)
            return rc;
        parts[k++] = (bundle_part){children[i].service_code, NULL, defs[i], true, false};
    }
    if (!k)
        return DB_OK;
    char why[200];
    cJSON *all = bundle_merge_materials(parts, k, NULL, 0, why, sizeof why);
    char *text = all ? cJSON_PrintUnformatted(all) : NULL;
    *merged = text ? arena_strdup(a, text) : NULL;
    cJSON_free(text);
    cJSON_Delete(all);
    return *merged ? DB_OK : DB_ERROR;
}

/* One waiting child's step with the given materials its service defines (none: untouched). */
static int answer_child(db_conn *c, arena *a, app_row *child, const char *defs,
                        const bundle_supplement_in *in, const material_checked *checked,
                        bool *attached, bool *stepped)
{
    material_checked *mine = arena_calloc(a, in->n_given + 1, sizeof *mine);
    bool *attach = arena_calloc(a, in->n_given + 1, sizeof *attach);
    if (!mine || !attach)
        return DB_ERROR;
    size_t k = 0;
    for (size_t i = 0; i < in->n_given; i++)
        if (defines(defs, checked[i].code)) {
            mine[k] = checked[i];
            attach[k++] = !attached[i];
            attached[i] = true;
        }
    *stepped = k > 0;
    app_step st = {.to = APP_SUBMITTED,
                   .note = in->note,
                   .today = in->today,
                   .n_given = k,
                   .checked = mine,
                   .attach = attach,
                   .quiet = true};
    return k ? application_step(c, a, child, in->who, &st) : DB_OK;
}

static int notify_supplemented(db_conn *c, arena *a, const bundle_row *b, int64_t child_id,
                               size_t answered)
{
    const ow_config *cfg = config_current();
    notification_new msg = {b->citizen_id,
                            child_id,
                            BUNDLE_NOTICE_KIND,
                            "“一件事”材料已补正",
                            arena_printf(a,
                                         "您已为「%s」（编号 %s）补齐补正材料，%zu "
                                         "个事项请等待部门审核。",
                                         b->life_event_name, b->no, answered),
                            cfg ? cfg->wechat_status_template : NULL,
                            false};
    int64_t id, deliveries;
    return notification_insert(c, &msg, &id, &deliveries);
}

static int supplement_in_tx(db_conn *c, arena *a, const bundle_supplement_in *in, size_t *answered)
{
    bundle_row b;
    app_row children[LIFE_EVENT_SERVICES_MAX];
    const char *defs[LIFE_EVENT_SERVICES_MAX];
    size_t n = 0;
    int rc = bundle_lock_own(c, a, in->no, in->who->numeric_id, &b, children, &n);
    if (rc != DB_OK)
        return rc;
    const char *merged;
    rc = waiting_definitions(c, a, children, n, defs, &merged);
    if (rc != DB_OK || !merged)
        return rc != DB_OK ? rc : BUNDLE_NOTHING_WAITING;
    material_checked *checked = arena_calloc(a, in->n_given + 1, sizeof *checked);
    bool *attached = arena_calloc(a, in->n_given + 1, sizeof *attached);
    if (!checked || !attached)
        return DB_ERROR;
    rc = materials_check(c, a, merged, b.citizen_id, in->given, in->n_given, false, "/materials",
                         in->errors.fn, in->errors.ctx, checked);
    if (rc != 0)
        return rc < 0 ? rc : APP_INVALID;
    int64_t first = 0;
    for (size_t i = 0; i < n && rc == DB_OK; i++) {
        bool stepped = false;
        if (defs[i])
            rc = answer_child(c, a, &children[i], defs[i], in, checked, attached, &stepped);
        if (rc != DB_OK)
            return rc; /* rolled back by application_step */
        *answered += stepped;
        first = first ? first : stepped ? children[i].id : 0;
    }
    return notify_supplemented(c, a, &b, first, *answered);
}

int bundle_supplement(db_conn *c, arena *a, const bundle_supplement_in *in, size_t *answered)
{
    *answered = 0;
    int rc = db_begin(c);
    if (rc == DB_OK && (rc = supplement_in_tx(c, a, in, answered)) != DB_OK)
        db_rollback(c);
    return rc;
}
