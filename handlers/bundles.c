/* One submission for a life event (高效办成一件事, API.md §5 "Bundles"): the answers choose
 * the optional services, one form and one material list serve them all, and one bundle
 * with a child application per service is written in one transaction; then the bundle's
 * detail with every child, its derived status, and its withdrawal. */
#include <string.h>

#include "api/idempotency.h"
#include "auth/token.h"
#include "handlers/application_views.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "handlers/rating_views.h"
#include "search/catalog_cache.h"
#include "workflow/application_no.h"
#include "workflow/bundles.h"

#define ANSWERS_MAX_BYTES 2048

/* The answers: {"question": true|false}, each a question of the bundle; a missing one is
 * false. Fills chosen[]; false after recording errors. */
static bool read_answers(req *r, const cJSON *body, const bundle_def *d, bool *chosen,
                         const char **text)
{
    const cJSON *answers = cJSON_GetObjectItemCaseSensitive(body, "answers");
    *text = "{}";
    if (!answers) {
        for (size_t i = 0; i < d->n_parts; i++)
            chosen[i] = d->parts[i].required;
        return true;
    }
    if (!cJSON_IsObject(answers)) {
        req_add_error(r, "/answers", "answers 须为 {问题代码: true|false}。",
                      "answers must be an object of {question code: true|false}.");
        return false;
    }
    const cJSON *questions = cJSON_GetObjectItemCaseSensitive(d->definition, "questions");
    bool ok = true;
    const cJSON *a;
    cJSON_ArrayForEach(a, answers)
    {
        bool known = false;
        const cJSON *q;
        cJSON_ArrayForEach(q, questions)
        {
            known = known || strcmp(cJSON_GetObjectItemCaseSensitive(q, "code")->valuestring,
                                    a->string) == 0;
        }
        const char *pointer = arena_printf(&r->arena, "/answers/%s", a->string);
        if (!known || !cJSON_IsBool(a)) {
            req_add_error(r, pointer ? pointer : "/answers",
                          known ? "回答须为 true 或 false。" : "这个“一件事”没有这个问题。",
                          known ? "An answer is true or false."
                                : "This life event asks no such question.");
            ok = false;
        }
    }
    for (size_t i = 0; i < d->n_parts; i++) {
        const char *cond = d->parts[i].condition;
        chosen[i] = d->parts[i].required ||
                    (cond && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(answers, cond)));
    }
    char *printed = ok ? cJSON_PrintUnformatted(answers) : NULL;
    if (printed && strlen(printed) <= ANSWERS_MAX_BYTES)
        *text = arena_strdup(&r->arena, printed);
    cJSON_free(printed);
    return ok;
}

/* What the chosen services need of the applicant together: the most demanding audience and
 * assurance level. */
static app_service needs_of(const bundle_def *d, const bool *chosen)
{
    app_service agg = {.audience = "personal", .min_assurance_level = 0};
    for (size_t i = 0; i < d->n_parts; i++) {
        const app_service *s = &d->parts[i].service;
        if (!chosen[i])
            continue;
        if (strcmp(s->audience, "enterprise") == 0)
            agg.audience = "enterprise";
        else if (strcmp(s->audience, "both") == 0 && strcmp(agg.audience, "personal") == 0)
            agg.audience = "both";
        if (s->min_assurance_level > agg.min_assurance_level)
            agg.min_assurance_level = s->min_assurance_level;
    }
    return agg;
}

/* The form against the merged schema (the chosen services' required fields), each bad field
 * once; and the merged material definitions of the chosen services (JSON text). False after
 * recording errors, or with *definitions NULL when the merge fails (answered 500). */
static bool merged_checks(req *r, const bundle_def *d, const bool *chosen, const cJSON *body,
                          const char **definitions)
{
    bundle_part all[LIFE_EVENT_SERVICES_MAX], only[LIFE_EVENT_SERVICES_MAX];
    bundle_def_parts(d, chosen, all);
    bundle_def_parts(d, chosen, only);
    for (size_t i = 0; i < d->n_parts; i++)
        only[i].listed = chosen[i];
    char why[200];
    cJSON *fields = NULL, *schema = bundle_merge_form(all, d->n_parts, &fields, why, sizeof why);
    cJSON *mats =
        bundle_merge_materials(only, d->n_parts, d->products, d->n_products, why, sizeof why);
    bool ok = schema && form_matches(r, schema, body);
    char *text = mats ? cJSON_PrintUnformatted(mats) : NULL;
    *definitions = schema && text ? arena_strdup(&r->arena, text) : NULL;
    cJSON_free(text);
    cJSON_Delete(schema);
    cJSON_Delete(fields);
    cJSON_Delete(mats);
    return ok;
}

static cJSON *service_ref(const app_service *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "code", s->code);
    cJSON_AddStringToObject(o, "name", s->name);
    cJSON *d = cJSON_AddObjectToObject(o, "department");
    cJSON_AddStringToObject(d, "code", s->department_code);
    cJSON_AddStringToObject(d, "name", s->department_name);
    return o;
}

static cJSON *submitted_json(const bundle_submitted *b, const bundle_def *d)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "bundle_no", b->no);
    cJSON_AddStringToObject(o, "status", "submitted");
    cJSON *le = cJSON_AddObjectToObject(o, "life_event");
    cJSON_AddStringToObject(le, "code", d->row.code);
    cJSON_AddStringToObject(le, "name", d->row.name);
    cJSON_AddStringToObject(o, "submitted_at", b->submitted_at);
    cJSON_AddStringToObject(o, "due_date", b->due_date);
    cJSON_AddStringToObject(o, "query_code", b->query_code);
    cJSON *children = cJSON_AddArrayToObject(o, "children");
    for (size_t i = 0; i < b->n_children; i++) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "application_no", b->children[i].sub.no);
        cJSON_AddStringToObject(c, "status", "submitted");
        cJSON_AddItemToObject(c, "service", service_ref(b->children[i].service));
        cJSON_AddStringToObject(c, "due_date", b->children[i].sub.due_date);
        cJSON_AddItemToArray(children, c);
    }
    return o;
}

static bool code_is_sane(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n <= LIFE_EVENT_CODE_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* The bundle of the path; false after answering 404 or the failure. */
static bool load_def(req *r, resp *w, bundle_def *d)
{
    const char *code = req_path_param(r, "code");
    int rc = code_is_sane(code) ? bundle_def_load(db_primary(), &r->arena, code, d) : DB_NOT_FOUND;
    if (rc == DB_NOT_FOUND)
        resp_problem2(r, w, PROBLEM_NOT_FOUND, "没有这个“一件事”。", "No such life event.");
    else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "bundle submit");
    return rc == DB_OK;
}

static void commit_submission(req *r, resp *w, db_conn *c, const bundle_submitted *out,
                              const bundle_def *d)
{
    cJSON *o = submitted_json(out, d);
    arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, o);
    resp_header(w, "Location", arena_printf(&r->arena, "/api/v1/bundles/%s", out->no));
    common_answer_private(r, w, 201, o);
    if (idempotency_commit(r, w, c))
        for (size_t i = 0; i < out->n_children; i++)
            catalog_cache_count_application((uint32_t)out->children[i].service->id);
}

void handle_bundle_submit(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    bundle_def d;
    bool chosen[LIFE_EVENT_SERVICES_MAX] = {false};
    const char *answers = NULL, *definitions = NULL;
    material_given *given = NULL;
    size_t n_given = 0;
    if (!body) {
        resp_invalid(r, w);
        return;
    }
    if (!common_personal_data_ready(r, w) || !load_def(r, w, &d))
        return;
    read_answers(r, body, &d, chosen, &answers);
    const char *form = read_form(r, body);
    read_materials(r, body, false, &given, &n_given);
    if (form && !r->n_errors && !merged_checks(r, &d, chosen, body, &definitions) && !definitions &&
        !r->n_errors) {
        resp_internal(r, w, "bundle submit", "the services' forms no longer merge");
        return;
    }
    app_service needs = needs_of(&d, chosen);
    app_enterprise company;
    if (!read_enterprise(r, w, &needs, body, &company) && w->status)
        return;
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    if (!identity_sure_enough(r, w, &needs))
        return;
    app_actor_ref who = citizen_actor(r);
    bundle_submission s = {&d,
                           chosen,
                           answers,
                           cJSON_GetObjectItemCaseSensitive(body, "form"),
                           definitions,
                           given,
                           n_given,
                           company,
                           request_errors(r),
                           request_today(r),
                           &who};
    bundle_submitted *out = arena_calloc(&r->arena, 1, sizeof *out);
    db_conn *c = db_primary();
    int rc = out ? bundle_submit(c, &r->arena, &s, out) : DB_ERROR;
    if (rc == APP_INVALID)
        resp_invalid(r, w);
    else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "bundle submit");
    else
        commit_submission(r, w, c, out, &d);
}

/* The citizen's view of their bundle with its own rating ("rating": null before it is rated,
 * API.md §8 "Bundle ratings"); NULL after answering a failure. */
static cJSON *citizen_bundle_json(req *r, resp *w, db_conn *c, const bundle_row *b,
                                  const app_row *children, size_t n)
{
    rating_row rt;
    int rc = rating_of_bundle(c, &r->arena, b->id, &rt);
    if (rc != DB_OK && rc != DB_NOT_FOUND) {
        common_answer_failure(r, w, rc, "bundle detail");
        return NULL;
    }
    cJSON *o = bundle_json(r, b, children, n, VIEW_CITIZEN);
    arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, o);
    cJSON_AddItemToObject(o, "rating", rc == DB_OK ? rating_json(&rt) : cJSON_CreateNull());
    return o;
}

void handle_bundle_detail(req *r, resp *w)
{
    bundle_row b;
    app_row children[LIFE_EVENT_SERVICES_MAX];
    size_t n = 0;
    db_conn *c = db_primary();
    if (!load_bundle(r, w, c, req_path_param(r, "no"), common_principal_id(r), &b, children, &n))
        return;
    cJSON *o = citizen_bundle_json(r, w, c, &b, children, n);
    if (o)
        common_answer_private(r, w, 200, o);
}

/* The bundle after a citizen's step on it (its transaction open): its detail, kept under
 * the Idempotency-Key with the step. */
static void answer_bundle_step(req *r, resp *w, db_conn *c, const char *no)
{
    bundle_row b;
    app_row children[LIFE_EVENT_SERVICES_MAX];
    size_t n = 0;
    if (!load_bundle(r, w, c, no, common_principal_id(r), &b, children, &n)) {
        db_rollback(c);
        return;
    }
    cJSON *o = citizen_bundle_json(r, w, c, &b, children, n);
    if (!o) {
        db_rollback(c);
        return;
    }
    common_answer_private(r, w, 200, o);
    idempotency_commit(r, w, c);
}

void handle_bundle_withdraw(req *r, resp *w)
{
    const cJSON *body = r->json ? req_body_object(r) : NULL;
    const char *note = NULL, *number = req_path_param(r, "no");
    if (body)
        req_json_string(r, body, "/note", 0, NOTE_MAX_CHARS, false, &note);
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    char no[APP_NO_BYTES];
    app_actor_ref who = citizen_actor(r);
    db_conn *c = db_primary();
    size_t withdrawn = 0;
    int rc = number && application_no_normalize(number, no)
                 ? bundle_withdraw(c, &r->arena, no, &who, note && *note ? note : NULL,
                                   request_today(r), &withdrawn)
                 : DB_NOT_FOUND;
    if (rc == DB_NOT_FOUND) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    if (rc == BUNDLE_NOTHING_TO_WITHDRAW) {
        resp_problem2(r, w, PROBLEM_INVALID_TRANSITION, "这个“一件事”已没有可以撤回的事项。",
                      "No application of this bundle can be withdrawn any more.");
        return;
    }
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "bundle withdraw");
        return;
    }
    answer_bundle_step(r, w, c, no);
}

void handle_bundle_supplement(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *note = NULL, *number = req_path_param(r, "no");
    material_given *given = NULL;
    size_t n_given = 0;
    if (body) {
        req_json_string(r, body, "/note", 0, NOTE_MAX_CHARS, false, &note);
        read_materials(r, body, true, &given, &n_given);
    }
    if (!body || r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    char no[APP_NO_BYTES];
    app_actor_ref who = citizen_actor(r);
    bundle_supplement_in in = {
        no, &who, note && *note ? note : NULL, given, n_given, request_errors(r), request_today(r)};
    db_conn *c = db_primary();
    size_t answered = 0;
    int rc = number && application_no_normalize(number, no)
                 ? bundle_supplement(c, &r->arena, &in, &answered)
                 : DB_NOT_FOUND;
    if (rc == DB_NOT_FOUND)
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
    else if (rc == BUNDLE_NOTHING_WAITING)
        resp_problem2(r, w, PROBLEM_INVALID_TRANSITION, "这个“一件事”没有事项在等待补正材料。",
                      "No application of this bundle is waiting for materials.");
    else if (rc == APP_INVALID || rc == APP_MATERIALS_FULL) {
        if (rc == APP_MATERIALS_FULL)
            req_add_error(r, "/materials", "事项的材料已达 200 项上限。",
                          "An application of this bundle already has the maximum of 200 "
                          "materials.");
        resp_invalid(r, w);
    } else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "bundle supplement");
    else
        answer_bundle_step(r, w, c, no);
}
