/* Life events (高效办成一件事, API.md §4): the bundles, and one bundle with its services,
 * questions, one merged form (each field asked once, saying which services use it), one
 * merged material list (each document uploaded once) and its promised working days. Public
 * reads of the catalog, like the services. */
#include <string.h>
#include <time.h>

#include "core/calendar.h"
#include "db/bundle_store.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "workflow/bundles.h"

static cJSON *member_copy(const cJSON *def, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(def, key);
    return v ? cJSON_Duplicate(v, true) : cJSON_CreateNull();
}

static void add_head(cJSON *o, const life_event_row *row, const cJSON *def)
{
    cJSON_AddStringToObject(o, "code", row->code);
    cJSON_AddStringToObject(o, "name", row->name);
    cJSON_AddItemToObject(o, "name_en", member_copy(def, "name_en"));
    cJSON_AddItemToObject(o, "description", member_copy(def, "description"));
    cJSON *dept = cJSON_AddObjectToObject(o, "lead_department");
    cJSON_AddStringToObject(dept, "code", row->lead_department_code);
    cJSON_AddStringToObject(dept, "name", row->lead_department_name);
    cJSON_AddItemToObject(o, "source", member_copy(def, "source"));
}

void handle_life_event_list(req *r, resp *w)
{
    life_event_row rows[LIFE_EVENTS_MAX];
    size_t n = 0;
    int rc = life_event_list(db_reader(), &r->arena, rows, LIFE_EVENTS_MAX, &n);
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "life event list");
        return;
    }
    cJSON *o = resp_new_object(r);
    cJSON *items = cJSON_AddArrayToObject(o, "items");
    for (size_t i = 0; i < n; i++) {
        cJSON *def = cJSON_Parse(rows[i].definition);
        cJSON *it = cJSON_CreateObject();
        add_head(it, &rows[i], def);
        cJSON_AddNumberToObject(
            it, "service_count",
            cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(def, "services")));
        cJSON_AddItemToArray(items, it);
        cJSON_Delete(def);
    }
    resp_json(r, w, 200, o);
}

static bool code_is_sane(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= LIFE_EVENT_CODE_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static cJSON *service_json(const life_event_part *p)
{
    const app_service *s = &p->service;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "code", s->code);
    cJSON_AddStringToObject(o, "name", s->name);
    cJSON *d = cJSON_AddObjectToObject(o, "department");
    cJSON_AddStringToObject(d, "code", s->department_code);
    cJSON_AddStringToObject(d, "name", s->department_name);
    cJSON *by = cJSON_AddObjectToObject(o, "handled_by");
    cJSON_AddStringToObject(by, "type", s->handler_type);
    cJSON_AddStringToObject(by, "name", s->handler_name);
    cJSON_AddStringToObject(o, "audience", s->audience);
    cJSON_AddNumberToObject(o, "promised_days", (double)s->promised_days);
    cJSON_AddBoolToObject(o, "required", p->required);
    if (p->condition)
        cJSON_AddStringToObject(o, "condition", p->condition);
    else
        cJSON_AddNullToObject(o, "condition");
    return o;
}

/* The detail: NULL when the merge fails (a catalog changed under the bundle since its
 * import; answered 500 with the reason logged). */
static cJSON *detail_json(req *r, const bundle_def *d, const char **why_out)
{
    bundle_part parts[LIFE_EVENT_SERVICES_MAX];
    bundle_def_parts(d, NULL, parts);
    char *why = arena_alloc(&r->arena, 200);
    cJSON *fields = NULL, *form = bundle_merge_form(parts, d->n_parts, &fields, why, 200);
    cJSON *mats =
        form ? bundle_merge_materials(parts, d->n_parts, d->products, d->n_products, why, 200)
             : NULL;
    if (!mats) {
        cJSON_Delete(form);
        cJSON_Delete(fields);
        *why_out = why;
        return NULL;
    }
    cJSON *o = resp_new_object(r);
    add_head(o, &d->row, d->definition);
    cJSON_AddItemToObject(o, "description_en", member_copy(d->definition, "description_en"));
    cJSON_AddItemToObject(o, "questions", member_copy(d->definition, "questions"));
    cJSON *svcs = cJSON_AddArrayToObject(o, "services");
    int64_t longest = 0, sum = 0;
    for (size_t i = 0; i < d->n_parts; i++) {
        cJSON_AddItemToArray(svcs, service_json(&d->parts[i]));
        int64_t days = d->parts[i].service.promised_days;
        longest = days > longest ? days : longest;
        sum += days;
    }
    cJSON_AddNumberToObject(o, "service_count", (double)d->n_parts);
    cJSON_AddItemToObject(o, "form_schema", form);
    cJSON_AddItemToObject(o, "fields", fields);
    cJSON_AddItemToObject(o, "materials", mats);
    cJSON_AddNumberToObject(o, "promised_days", (double)longest);
    cJSON_AddNumberToObject(o, "separate_promised_days", (double)sum);
    return o;
}

void handle_life_event_detail(req *r, resp *w)
{
    const char *code = req_path_param(r, "code");
    bundle_def d;
    int rc = code && code_is_sane(code) ? bundle_def_load(db_reader(), &r->arena, code, &d)
                                        : DB_NOT_FOUND;
    if (rc == DB_NOT_FOUND) {
        resp_problem2(r, w, PROBLEM_NOT_FOUND, "没有这个“一件事”。", "No such life event.");
        return;
    }
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "life event detail");
        return;
    }
    const char *why = NULL;
    cJSON *o = detail_json(r, &d, &why);
    if (!o) {
        resp_internal(r, w, "life event detail", why);
        return;
    }
    resp_json(r, w, 200, o);
}

void handle_life_event_stats(req *r, resp *w)
{
    bundle_stats st;
    char offset[CAL_OFFSET_BYTES];
    cal_utc_offset((int64_t)time(NULL), offset); /* the worker runs in the timezone setting */
    int rc = bundle_statistics(db_reader(), &r->arena, offset, &st);
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "life event statistics");
        return;
    }
    cJSON *o = resp_new_object(r);
    cJSON_AddNumberToObject(o, "bundles_submitted", (double)st.submitted);
    cJSON_AddNumberToObject(o, "bundles_completed", (double)st.completed);
    cJSON_AddNumberToObject(o, "bundles_on_time", (double)st.on_time);
    if (st.completed)
        cJSON_AddNumberToObject(o, "average_working_days_saved",
                                (double)st.days_saved_sum / (double)st.completed);
    else
        cJSON_AddNullToObject(o, "average_working_days_saved");
    resp_json(r, w, 200, o);
}
