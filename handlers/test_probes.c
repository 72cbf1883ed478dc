/* Test-only endpoints (test_routes = 1): they show the generic request machinery at work
 * through nginx — typed JSON and query accessors, body rules, slow in-flight requests. */
#include <time.h>

#include "handlers/handlers.h"

void handle_test_echo(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *text = NULL;
    long count = 0;
    bool flag = false;
    if (body) {
        req_json_string(r, body, "/text", 1, 100, true, &text);
        req_json_int(r, body, "/count", 0, 1000, false, &count);
        req_json_bool(r, body, "/flag", false, &flag);
    }
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    cJSON *out = resp_new_object(r);
    cJSON_AddStringToObject(out, "text", text);
    cJSON_AddNumberToObject(out, "count", (double)count);
    cJSON_AddBoolToObject(out, "flag", flag);
    resp_json(r, w, 200, out);
}

void handle_test_query(req *r, resp *w)
{
    static const char *const sorts[] = {"oldest", "due", NULL};
    long page = 0;
    const char *q = NULL, *sort = NULL;
    bool unread = false;
    req_query_int(r, "page", 1, 1, 1000, &page);
    req_query_string(r, "q", 64, &q);
    req_query_enum(r, "sort", sorts, &sort);
    req_query_bool(r, "unread", false, &unread);
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    cJSON *out = resp_new_object(r);
    cJSON_AddNumberToObject(out, "page", (double)page);
    if (q)
        cJSON_AddStringToObject(out, "q", q);
    else
        cJSON_AddNullToObject(out, "q");
    cJSON_AddStringToObject(out, "sort", sort ? sort : "oldest");
    cJSON_AddBoolToObject(out, "unread", unread);
    resp_json(r, w, 200, out);
}

void handle_test_sleep(req *r, resp *w)
{
    long ms = 0;
    if (!req_query_int(r, "ms", 0, 0, 5000, &ms)) {
        resp_invalid(r, w);
        return;
    }
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) /* the shutdown kick interrupts it: sleep on */
        ;
    cJSON *out = resp_new_object(r);
    cJSON_AddNumberToObject(out, "slept_ms", (double)ms);
    resp_json(r, w, 200, out);
}

void handle_test_item(req *r, resp *w)
{
    cJSON *out = resp_new_object(r);
    cJSON_AddStringToObject(out, "id", req_path_param(r, "id"));
    resp_json(r, w, 200, out);
}
