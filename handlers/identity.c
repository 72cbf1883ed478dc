#include "handlers/identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth/pii.h"
#include "auth/sessions.h"
#include "auth/token.h"
#include "core/config.h"
#include "db/citizen_store.h"
#include "handlers/common.h"

void identity_answer_tokens(req *r, resp *w, const token_pair *p, const char *who, cJSON *principal)
{
    cJSON *out = resp_new_object(r);
    cJSON_AddStringToObject(out, "access_token", p->access_token);
    cJSON_AddStringToObject(out, "token_type", "Bearer");
    cJSON_AddNumberToObject(out, "expires_in", p->expires_in);
    cJSON_AddStringToObject(out, "refresh_token", p->refresh_token);
    cJSON_AddNumberToObject(out, "refresh_expires_in", p->refresh_expires_in);
    if (principal)
        cJSON_AddItemToObject(out, who, principal);
    common_answer_private(r, w, 200, out);
}

void identity_answer_session_error(req *r, resp *w, int st)
{
    if (st == SESSION_REFUSED)
        resp_problem(r, w, PROBLEM_UNAUTHORIZED, NULL);
    else
        common_answer_failure(r, w, st == SESSION_UNAVAILABLE ? DB_UNAVAILABLE : DB_ERROR,
                              "session");
}

const char *identity_sign_access_token(req *r, resp *w, const token_request *rq)
{
    char *token = token_sign_now(rq);
    if (!token) { /* no usable signing key yet (the ring loads from the database) */
        resp_unavailable(r, w, "access token", "no signing key");
        return NULL;
    }
    arena_defer(&r->arena, free, token);
    return token;
}

bool identity_login_limited(req *r, resp *w)
{
    if (pii_ready() != DB_OK)
        return false; /* the login itself will answer 503 */
    uint8_t ip[PII_INDEX_BYTES];
    pii_index("ip", r->client_key, ip);
    int64_t n = 0;
    int rc = login_attempt(db_primary(), &r->arena, ip, randombytes_uniform(64) == 0, &n);
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "login attempt count");
        return true;
    }
    if (n <= config_current()->login_per_ip_per_minute)
        return false;
    common_answer_rate_limited(r, w, 60, "登录尝试太频繁，请稍后再试。",
                               "Too many login attempts from this address: try again in a minute.");
    return true;
}

static void masked(const char *field, const void *enc, size_t len,
                   void (*mask)(const char *, char *, size_t), char *out, size_t cap)
{
    char clear[512];
    out[0] = '\0';
    if (enc && pii_decrypt(field, enc, len, clear, sizeof clear) == 0)
        mask(clear, out, cap);
}

int identity_me_json(req *r, int64_t citizen_id, cJSON **out, int *level)
{
    citizen_row c;
    int rc = pii_ready();
    if (rc == DB_OK)
        rc = citizen_profile(db_primary(), &r->arena, citizen_id, &c);
    if (rc != DB_OK)
        return rc;
    char id[24], phone[32], name[160];
    snprintf(id, sizeof id, "%lld", (long long)c.id);
    masked("phone", c.phone_enc, c.phone_len, pii_mask_phone, phone, sizeof phone);
    masked("name", c.name_enc, c.name_len, pii_mask_name, name, sizeof name);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "phone_masked", phone);
    if (name[0])
        cJSON_AddStringToObject(o, "name_masked", name);
    else
        cJSON_AddNullToObject(o, "name_masked");
    cJSON_AddBoolToObject(o, "real_name_verified", c.id_number_enc != NULL);
    cJSON_AddNumberToObject(o, "assurance_level", (double)c.assurance_level);
    cJSON_AddBoolToObject(o, "wechat_bound", c.wechat_bound != 0);
    cJSON_AddStringToObject(o, "created_at", c.created_at);
    *out = o;
    if (level)
        *level = (int)c.assurance_level;
    return DB_OK;
}

void identity_answer_me(req *r, resp *w, int64_t citizen_id)
{
    cJSON *me = NULL;
    int rc = identity_me_json(r, citizen_id, &me, NULL);
    if (rc == DB_NOT_FOUND) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "me");
        return;
    }
    arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, me);
    common_answer_private(r, w, 200, me);
}

void identity_citizen_claims(int64_t citizen_id, int level, const char *client_id, token_claims *c)
{
    memset(c, 0, sizeof *c);
    c->role = ROLE_CITIZEN;
    c->assurance_level = level;
    snprintf(c->sub, sizeof c->sub, "%lld", (long long)citizen_id);
    snprintf(c->client_id, sizeof c->client_id, "%s", client_id);
}
