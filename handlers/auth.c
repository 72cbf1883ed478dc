/* Login sessions (API.md §3): staff login, refresh, logout. Citizen logins (SMS, password,
 * WeChat) are in handlers/auth_citizen.c; both share handlers/identity.c and the session
 * machinery (auth/sessions.c). */
#include <stdio.h>
#include <string.h>

#include "auth/lockout.h"
#include "auth/password.h"
#include "auth/sessions.h"
#include "db/citizen_store.h"
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

/* The password of a username under the login throttle, whether an account has the name or
 * not (s NULL): true when right, else answered (401, 429, or the failure). */
static bool staff_password_right(req *r, resp *w, const char *username, const staff_row *s,
                                 const char *password)
{
    password_verdict v;
    int64_t wait_s = 0;
    int rc = lockout_try_password(&r->arena, LOGIN_STAFF, username, r->client_key,
                                  s ? s->password_hash : NULL, password, &v, &wait_s);
    if (rc != DB_OK)
        common_answer_failure(r, w, rc, "staff login");
    else if (v == PASSWORD_WAIT)
        common_answer_locked(r, w, wait_s);
    else if (v == PASSWORD_BUSY)
        common_answer_busy(r, w, "staff login");
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
    if (rc != DB_OK && rc != DB_NOT_FOUND) {
        common_answer_failure(r, w, rc, "staff login");
        return;
    }
    /* an unknown username is throttled and answered alike: usernames cannot be probed */
    if (!staff_password_right(r, w, username, rc == DB_OK ? &s : NULL, password))
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
    if (strcmp(session->role, "citizen") == 0) { /* with the citizen's assurance level now */
        citizen_row citizen;
        int rc = citizen_profile(db_primary(), a, session->principal_id, &citizen);
        if (rc == DB_OK)
            identity_citizen_claims(session->principal_id, (int)citizen.assurance_level,
                                    session->client_id, c);
        return rc;
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
    int rc = citizen ? identity_me_json(r, session.principal_id, &principal, NULL)
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
    if (rc == DB_OK && token) /* the client's stored session, when the bearer is of another */
        rc = session_end_named(token, token_role_name(r->claims->role), common_principal_id(r));
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "logout");
        return;
    }
    resp_body(w, 204, NULL, NULL, 0);
}
