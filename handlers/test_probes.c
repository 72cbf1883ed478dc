/* Test-only endpoints (test_routes = 1): they show the generic request machinery at work
 * through nginx — typed JSON and query accessors, body rules, slow in-flight requests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/token.h"
#include "core/config.h"
#include "handlers/handlers.h"
#include "handlers/identity.h"

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

/* {"raw_header", "raw_payload"}: those texts signed as they are (malformed tokens). */
static void answer_raw_token(req *r, resp *w, const cJSON *body)
{
    const char *header = NULL, *payload = NULL;
    req_json_string(r, body, "/raw_header", 1, 1024, true, &header);
    req_json_string(r, body, "/raw_payload", 1, 3000, true, &payload);
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    char *token = token_sign_parts(header, payload);
    if (!token) {
        resp_unavailable(r, w, "test token", "no signing key");
        return;
    }
    arena_defer(&r->arena, free, token);
    cJSON *out = resp_new_object(r);
    cJSON_AddStringToObject(out, "access_token", token);
    resp_json(r, w, 200, out);
}

/* POST /api/v1/test/token: an access token signed with the current key, with the claims and
 * time shifts a test asks for (expired, not yet valid, another audience …), or raw header and
 * payload texts signed as they are. */
void handle_test_token(req *r, resp *w)
{
    static const char *const roles[] = {"citizen", "staff", "org", NULL};
    const cJSON *body = req_body_object(r);
    token_claims c = {.role = ROLE_NONE};
    const char *sub = NULL, *role = NULL, *sid = "", *dept = "", *scope = "", *client = "";
    const char *aud = NULL;
    long ttl = config_current()->access_ttl_s, nbf = 0;
    if (body && cJSON_GetObjectItemCaseSensitive(body, "raw_payload")) {
        answer_raw_token(r, w, body);
        return;
    }
    if (body) {
        req_json_string(r, body, "/sub", 1, 64, true, &sub);
        req_json_string(r, body, "/role", 1, 16, true, &role);
        req_json_string(r, body, "/sid", 0, 64, false, &sid);
        req_json_string(r, body, "/dept", 0, 32, false, &dept);
        req_json_string(r, body, "/scope", 0, 256, false, &scope);
        req_json_string(r, body, "/client_id", 0, 64, false, &client);
        req_json_string(r, body, "/aud", 1, 64, false, &aud);
        req_json_int(r, body, "/ttl_s", -86400, 86400, false, &ttl);
        req_json_int(r, body, "/nbf_offset_s", 0, 86400, false, &nbf);
    }
    for (int i = 0; role && roles[i]; i++)
        if (strcmp(role, roles[i]) == 0)
            c.role = (token_role)i;
    if (role && c.role == ROLE_NONE)
        req_add_error(r, "/role", "角色无效。", "Unknown role.");
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    snprintf(c.sub, sizeof c.sub, "%s", sub);
    snprintf(c.sid, sizeof c.sid, "%s", sid);
    snprintf(c.dept, sizeof c.dept, "%s", dept);
    snprintf(c.scope, sizeof c.scope, "%s", scope);
    snprintf(c.client_id, sizeof c.client_id, "%s", client);
    token_request rq = {&c, (int)ttl, (int)nbf, aud};
    const char *token = identity_sign_access_token(r, w, &rq);
    if (!token)
        return;
    cJSON *out = resp_new_object(r);
    cJSON_AddStringToObject(out, "access_token", token);
    resp_json(r, w, 200, out);
}

/* GET /api/v1/test/{citizen,staff,org}: the verified claims of the bearer token. */
void handle_test_whoami(req *r, resp *w)
{
    const token_claims *c = r->claims;
    cJSON *out = resp_new_object(r);
    cJSON_AddStringToObject(out, "sub", c->sub);
    cJSON_AddStringToObject(out, "role", token_role_name(c->role));
    cJSON_AddStringToObject(out, "sid", c->sid);
    cJSON_AddStringToObject(out, "dept", c->dept);
    cJSON_AddStringToObject(out, "scope", c->scope);
    cJSON_AddStringToObject(out, "client_id", c->client_id);
    resp_json(r, w, 200, out);
}
