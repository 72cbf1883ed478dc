/* Login sessions (API.md §3): staff login, refresh, logout. Citizen logins (SMS, password,
 * WeChat) come next and share the session machinery (auth/sessions.c). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "auth/password.h"
#include "auth/pii.h"
#include "core/config.h"
#include "db/citizen_store.h"
#include "auth/sessions.h"
#include "db/identity_store.h"
#include "handlers/handlers.h"

#define STAFF_CLIENT_ID "staff-web"

void respond_session_error(req *r, resp *w, int st)
{
    if (st == SESSION_REFUSED)
        resp_problem(r, w, PROBLEM_UNAUTHORIZED, NULL);
    else
        respond_db_error(r, w, st == SESSION_UNAVAILABLE ? DB_UNAVAILABLE : DB_ERROR);
}

static cJSON *staff_json(const staff_row *s)
{
    cJSON *o = cJSON_CreateObject();
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)s->id);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "username", s->username);
    cJSON *d = cJSON_AddObjectToObject(o, "department");
    cJSON_AddStringToObject(d, "code", s->department_code);
    cJSON_AddStringToObject(d, "name", s->department_name);
    return o;
}

void respond_token_pair(req *r, resp *w, const token_pair *p, const char *who, cJSON *principal)
{
    cJSON *out = resp_new_object(r);
    cJSON_AddStringToObject(out, "access_token", p->access_token);
    cJSON_AddStringToObject(out, "token_type", "Bearer");
    cJSON_AddNumberToObject(out, "expires_in", p->expires_in);
    cJSON_AddStringToObject(out, "refresh_token", p->refresh_token);
    cJSON_AddNumberToObject(out, "refresh_expires_in", p->refresh_expires_in);
    if (principal)
        cJSON_AddItemToObject(out, who, principal);
    resp_header(w, "Cache-Control", "no-store");
    resp_json(r, w, 200, out);
}

static void staff_claims(const staff_row *s, token_claims *c)
{
    memset(c, 0, sizeof *c);
    c->role = ROLE_STAFF;
    snprintf(c->sub, sizeof c->sub, "%lld", (long long)s->id);
    snprintf(c->dept, sizeof c->dept, "%s", s->department_code);
    snprintf(c->client_id, sizeof c->client_id, "%s", STAFF_CLIENT_ID);
}

void respond_rate_limited(req *r, resp *w, int64_t seconds, const char *zh, const char *en)
{
    char retry[24];
    snprintf(retry, sizeof retry, "%lld", (long long)(seconds > 0 ? seconds : 1));
    resp_header(w, "Retry-After", arena_strdup(&r->arena, retry));
    resp_problem2(r, w, PROBLEM_RATE_LIMITED, zh, en);
}

/* A locked account: 429 with the seconds left. */
void respond_locked(req *r, resp *w, int64_t seconds)
{
    respond_rate_limited(r, w, seconds, "密码错误次数过多，账户已暂时锁定，请稍后再试。",
                         "Too many wrong passwords: the account is locked for a while.");
}

bool login_rate_limited(req *r, resp *w)
{
    if (pii_ready() != DB_OK)
        return false; /* the login itself will answer 503 */
    uint8_t ip[PII_INDEX_BYTES];
    pii_index("ip", r->client_ip ? r->client_ip : "", ip);
    int64_t n = 0;
    int rc = login_attempt(db_primary(), &r->arena, ip, randombytes_uniform(64) == 0, &n);
    if (rc < 0) {
        respond_db_error(r, w, rc);
        return true;
    }
    if (n <= config_current()->login_per_ip_per_minute)
        return false;
    respond_rate_limited(r, w, 60, "登录尝试太频繁，请稍后再试。",
                         "Too many login attempts from this address: try again in a minute.");
    return true;
}

const char *sign_access_token(req *r, resp *w, const token_request *rq)
{
    char *token = token_sign_now(rq);
    if (!token) { /* no usable signing key yet (the ring loads from the database) */
        respond_db_error(r, w, DB_UNAVAILABLE);
        return NULL;
    }
    arena_defer(&r->arena, free, token);
    return token;
}

int password_try(login_account who, int64_t id, const char *hash, const char *given)
{
    int rc = login_lock_reserve(db_primary(), who, id, LOGIN_MAX_FAILURES);
    if (rc <= 0) /* locked meanwhile, or every try of the window is in flight */
        return rc < 0 ? rc : PASSWORD_LOCKED;
    if (!given || !password_verify(hash, given)) {
        rc = login_lock_failed(db_primary(), who, id, LOGIN_MAX_FAILURES, LOGIN_LOCK_S);
        return rc < 0 ? rc : PASSWORD_WRONG;
    }
    rc = login_lock_ok(db_primary(), who, id);
    return rc < 0 ? rc : PASSWORD_RIGHT;
}

void handle_staff_login(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *username = NULL, *password = NULL;
    if (body) {
        req_json_string(r, body, "/username", 1, 64, true, &username);
        req_json_string(r, body, "/password", 1, PASSWORD_MAX_CHARS, true, &password);
    }
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    if (login_rate_limited(r, w))
        return;
    staff_row s;
    int rc = staff_by_username(db_primary(), &r->arena, username, &s);
    if (rc < 0) {
        respond_db_error(r, w, rc);
        return;
    }
    if (rc == 0) { /* as slow as a wrong password: usernames cannot be probed by timing */
        password_verify_dummy(password);
        resp_problem(r, w, PROBLEM_UNAUTHORIZED, NULL);
        return;
    }
    if (s.locked_for_s > 0) {
        respond_locked(r, w, s.locked_for_s);
        return;
    }
    rc = password_try(ACCOUNT_STAFF, s.id, s.password_hash, password);
    if (rc != PASSWORD_RIGHT) {
        if (rc < 0)
            respond_db_error(r, w, rc);
        else if (rc == PASSWORD_LOCKED)
            respond_locked(r, w, LOGIN_LOCK_S);
        else
            resp_problem(r, w, PROBLEM_UNAUTHORIZED, NULL);
        return;
    }
    token_claims c;
    staff_claims(&s, &c);
    token_pair p;
    session_status st = session_start(&c, s.id, &r->arena, &p);
    if (st != SESSION_OK) {
        respond_session_error(r, w, st);
        return;
    }
    respond_token_pair(r, w, &p, "staff", staff_json(&s));
}

/* The access claims of a session's principal. */
static int claims_of_session(const session_row *session, arena *a, token_claims *c)
{
    if (strcmp(session->role, "citizen") == 0)
        return citizen_claims(session->principal_id, session->client_id, c);
    staff_row s;
    int rc = staff_by_id(db_primary(), a, session->principal_id, &s);
    if (rc == 1)
        staff_claims(&s, c);
    return rc;
}

void handle_refresh(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *token = NULL;
    if (body)
        req_json_string(r, body, "/refresh_token", 1, 128, true, &token);
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    token_pair p;
    session_row session;
    session_status st = session_rotate(token, &r->arena, claims_of_session, &p, &session);
    if (st != SESSION_OK) {
        respond_session_error(r, w, st);
        return;
    }
    if (strcmp(session.role, "citizen") == 0) {
        cJSON *me = NULL;
        int rc = me_json(r, session.principal_id, true, &me);
        if (rc < 0) {
            respond_db_error(r, w, rc);
            return;
        }
        respond_token_pair(r, w, &p, "citizen", me);
        return;
    }
    staff_row s;
    int rc = staff_by_id(db_primary(), &r->arena, session.principal_id, &s);
    if (rc < 0) {
        respond_db_error(r, w, rc);
        return;
    }
    respond_token_pair(r, w, &p, "staff", rc == 1 ? staff_json(&s) : NULL);
}

void handle_logout(req *r, resp *w)
{
    const cJSON *body = r->json ? req_body_object(r) : NULL;
    const char *token = NULL;
    if (body)
        req_json_string(r, body, "/refresh_token", 1, 128, false, &token);
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    int rc = r->claims->sid[0] ? session_revoke(db_primary(), r->claims->sid) : DB_OK;
    if (rc < 0) {
        respond_db_error(r, w, rc);
        return;
    }
    resp_body(w, 204, NULL, NULL, 0);
}
