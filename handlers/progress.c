/* The public progress query (API.md §5): anyone with an application's number and its query
 * code sees the status and the timeline, without personal data, notes or materials. The
 * code travels in the body (not in URLs or logs), is compared in constant time, and a wrong
 * code is answered exactly like an unknown number. Limited per client IP. */
#include <string.h>

#include <sodium.h>

#include "auth/pii.h"
#include "core/config.h"
#include "db/rate_store.h"
#include "handlers/application_views.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "catalog/life_event.h"
#include "workflow/application_no.h"

#define WINDOW_S 60
/* Wrong codes for one number from one client before the number answers that client nothing
 * for the rest of the hour. Per (number, client), so that a stranger's guesses cannot lock the
 * owner out; with 10^8 codes, spreading guesses over many addresses does not pay either. */
#define WRONG_CODES_PER_HOUR 10
#define HOUR_S 3600

static bool over_limit(req *r, resp *w)
{
    uint8_t ip[PII_INDEX_BYTES];
    pii_index("ip", r->client_key, ip);
    int64_t hits = 0;
    int rc = rate_hit(db_primary(), "progress", ip, WINDOW_S, randombytes_uniform(64) == 0, &hits);
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "progress query: rate");
        return true;
    }
    if (hits <= config_current()->progress_per_ip_per_minute)
        return false;
    common_answer_rate_limited(
        r, w, WINDOW_S, "查询太频繁，请稍后再试。",
        "Too many progress queries from this address: try again in a minute.");
    return true;
}

/* 0 to go on; 1 after answering (the number is locked for this client: the same 404 as any
 * miss; or 503). Counts a wrong code of a known number. */
static int guessed_too_often(req *r, resp *w, const char *no, bool right)
{
    uint8_t key[PII_INDEX_BYTES];
    const char *guesser = arena_printf(&r->arena, "%s|%s", no, r->client_key);
    pii_index("progress-guesses", guesser ? guesser : no, key);
    int64_t wrong = 0;
    int rc = right ? rate_peek(db_primary(), &r->arena, "progress_wrong", key, HOUR_S, &wrong)
                   : rate_hit(db_primary(), "progress_wrong", key, HOUR_S, false, &wrong);
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "progress query: wrong codes");
        return 1;
    }
    if (wrong < WRONG_CODES_PER_HOUR)
        return 0;
    resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
    return 1;
}

/* A bundle's progress (API.md §5 "Bundles"): the same rules as an application's. */
static void bundle_progress(req *r, resp *w, const char *number, const char *code)
{
    char no[APP_NO_BYTES];
    bundle_row b;
    int rc = application_no_normalize(number, no)
                 ? bundle_by_no(db_reader(), &r->arena, no, false, &b)
                 : DB_NOT_FOUND;
    if (rc != DB_OK && rc != DB_NOT_FOUND) {
        common_answer_failure(r, w, rc, "progress query");
        return;
    }
    bool known = rc == DB_OK;
    app_row code_row = {.no = known ? b.no : "", .code = known ? b.code : (app_query_code){0}};
    bool right = query_code_matches(known ? &code_row : NULL, code);
    if (known && guessed_too_often(r, w, no, right) != 0)
        return;
    app_row children[LIFE_EVENT_SERVICES_MAX];
    size_t n = 0;
    if (!right)
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
    else if (load_bundle(r, w, db_reader(), no, 0, &b, children, &n)) {
        cJSON *o = bundle_json(r, &b, children, n, VIEW_PUBLIC);
        arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, o);
        common_answer_private(r, w, 200, o);
    }
}

void handle_progress(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *number = NULL, *bundle = NULL, *code = NULL;
    if (body) {
        bool by_bundle = cJSON_GetObjectItemCaseSensitive(body, "bundle_no") != NULL;
        if (by_bundle && cJSON_GetObjectItemCaseSensitive(body, "application_no"))
            req_add_error(r, "/bundle_no", "application_no 与 bundle_no 只能给一个。",
                          "Give application_no or bundle_no, not both.");
        else if (by_bundle)
            req_json_string(r, body, "/bundle_no", 1, 32, true, &bundle);
        else
            req_json_string(r, body, "/application_no", 1, 32, true, &number);
        req_json_string(r, body, "/query_code", 1, 16, true, &code);
    }
    if (r->n_errors) { /* before the limit: a malformed query uses up nothing */
        resp_invalid(r, w);
        return;
    }
    if (!common_personal_data_ready(r, w) || over_limit(r, w))
        return;
    if (bundle) {
        bundle_progress(r, w, bundle, code);
        return;
    }
    char no[APP_NO_BYTES];
    app_row a;
    /* the primary: a number just submitted or stepped is answered as it is now (a replica
     * could lag behind, and a second lookup after a miss there would tell by its time which
     * numbers exist) */
    int rc = application_no_normalize(number, no)
                 ? app_by_no(db_primary(), &r->arena, no, false, &a)
                 : DB_NOT_FOUND;
    if (rc != DB_OK && rc != DB_NOT_FOUND) {
        common_answer_failure(r, w, rc, "progress query");
        return;
    }
    /* an unknown number costs the same work as a wrong code */
    bool known = rc == DB_OK;
    bool right = query_code_matches(known ? &a : NULL, code);
    if (known && guessed_too_often(r, w, no, right) != 0)
        return;
    if (!right) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    respond_application(r, w, &a, VIEW_PUBLIC, NULL);
}
