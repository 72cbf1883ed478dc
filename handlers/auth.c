/* Login sessions (API.md §3): staff login, refresh, logout. Citizen logins (SMS, password,
 * WeChat) are in handlers/auth_citizen.c; both share handlers/identity.c and the session
 * machinery (auth/sessions.c). */
#include <stdio.h>
#include <string.h>

#include "auth/lockout.h"
#include "auth/password.h"
#include "auth/sessions.h"
#include "db/identity_store.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "handlers/identity.h"

#define STAFF_CLIENT_ID "staff-web"

static cJSON *staff_json(const staff_row *s)
{
    cJSON *o = cJSON_CreateObject();
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)s->id);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "username", s->username);
    cJSON_AddStringToObject(o, "role", s->operator? "operator" : "staff");
    if (!s->department_code[0]) {
        cJSON_AddNullToObject(o, "department"); /* an operator of the platform */
        return o;
    }
    cJSON *d = cJSON_AddObjectToObject(o, "department");
    cJSON_AddStringToObject(d, "code", s->department_code);
    cJSON_AddStringToObject(d, "name", s->department_name);
    return o;
}

static void staff_claims(const staff_row *s, token_claims *c)
{
    memset(c, 0, sizeof *c);
    c->role = s->operator? ROLE_OPERATOR : ROLE_STAFF;
    snprintf(c->sub, sizeof c->sub, "%lld", (long long)s->id);
    snprintf(c->dept, sizeof c->dept, "%s", s->department_code);
    snprintf(c->client_id, sizeof c->client_id, "%s", STAFF_CLIENT_ID);
}

/* The staff member's password under the lockout: true when right, else answered (401, 429,
 * or the failure). */
static bool staff_password_right(req *r, resp *w, const staff_row *s, const char *password)
{
    if (s->locked_for_s > 0) {
        common_answer_locked(r, w, s->locked_for_s);
        return false;
    }
    password_verdict v;
    int rc = lockout_try_password(ACCOUNT_STAFF, s->id, s->password_hash, password, &v);
    if (rc != DB_OK)
        common_answer_failure(r, w, rc, "staff login");
    else if (v == PASSWORD_LOCKED)
        common_answer_locked(r, w, LOGIN_LOCK_S);
    else if (v == PASSWORD_WRONG)
        resp_problem(r, w, PROBLEM_UNAUTHORIZED, NULL);
    return rc == DB_OK && v == PASSWORD_RIGHT;
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
    if (identity_login_limited(r, w))
        return;
    staff_row s;
    int rc = staff_by_username(db_primary(), &r->arena, username, &s);
    if (rc == DB_NOT_FOUND) { /* as slow as a wrong password: usernames cannot be probed */
        password_verify_dummy(password);
        resp_problem(r, w, PROBLEM_UNAUTHORIZED, NULL);
        return;
    }
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "staff login");
        return;
    }
    if (!staff_password_right(r, w, &s, password))
        return;
    token_claims c;
    staff_claims(&s, &c);
    token_pair p;
    session_status st = session_start(&c, s.id, &r->arena, &p);
    if (st != SESSION_OK) {
        identity_answer_session_error(r, w, st);
        return;
    }
    identity_answer_tokens(r, w, &p, "staff", staff_json(&s));
}

/* The access claims of a session's principal: DB_OK, DB_NOT_FOUND (gone), or a failure. */
static int claims_of_session(const session_row *session, arena *a, token_claims *c)
{
    if (strcmp(session->role, "citizen") == 0) {
        /* the session exists, so does its citizen (rows are never deleted) */
        identity_citizen_claims(session->principal_id, session->client_id, c);
        return DB_OK;
    }
    staff_row s;
    int rc = staff_by_id(db_primary(), a, session->principal_id, &s);
    if (rc == DB_OK)
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
        identity_answer_session_error(r, w, st);
        return;
    }
    bool citizen = strcmp(session.role, "citizen") == 0;
    cJSON *principal = NULL;
    staff_row s;
    int rc = citizen ? identity_me_json(r, session.principal_id, true, &principal)
                     : staff_by_id(db_primary(), &r->arena, session.principal_id, &s);
    if (rc != DB_OK && rc != DB_NOT_FOUND) {
        common_answer_failure(r, w, rc, "refresh");
        return;
    }
    if (!citizen && rc == DB_OK)
        principal = staff_json(&s);
    identity_answer_tokens(r, w, &p, citizen ? "citizen" : "staff", principal);
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
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "logout");
        return;
    }
    resp_body(w, 204, NULL, NULL, 0);
}
