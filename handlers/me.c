/* The citizen's own account (API.md §3): GET /me, PUT /me/password, POST /me/real-name.
 * Personal data is decrypted only to be masked on the way out. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include <unictype.h>
#include <unistr.h>

#include "auth/gb_ids.h"
#include "auth/password.h"
#include "auth/pii.h"
#include "auth/token.h"
#include "db/citizen_store.h"
#include "handlers/handlers.h"

#define NAME_MAX_CHARS 32

static void masked(const char *field, const void *enc, size_t len,
                   void (*mask)(const char *, char *, size_t), char *out, size_t cap)
{
    char clear[512];
    out[0] = '\0';
    if (enc && pii_decrypt(field, enc, len, clear, sizeof clear) == 0)
        mask(clear, out, cap);
}

int me_json(req *r, int64_t citizen_id, bool just_written, cJSON **out)
{
    citizen_row c;
    int rc = pii_ready();
    if (rc == DB_OK)
        /* after a write, the primary: a replica may not have it yet */
        rc = citizen_profile(just_written ? db_primary() : db_reader(), &r->arena, citizen_id, &c);
    if (rc <= 0)
        return rc < 0 ? rc : 0;
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
    cJSON_AddBoolToObject(o, "wechat_bound", c.wechat_bound != 0);
    cJSON_AddStringToObject(o, "created_at", c.created_at);
    *out = o;
    return 1;
}

int citizen_claims(int64_t citizen_id, const char *client_id, token_claims *c)
{
    memset(c, 0, sizeof *c);
    c->role = ROLE_CITIZEN;
    snprintf(c->sub, sizeof c->sub, "%lld", (long long)citizen_id);
    snprintf(c->client_id, sizeof c->client_id, "%s", client_id);
    return 1; /* the session exists, so does its citizen (rows are never deleted) */
}

int64_t principal_id(const req *r)
{
    return strtoll(r->claims->sub, NULL, 10);
}

static void respond_me(req *r, resp *w, bool just_written)
{
    cJSON *me = NULL;
    int rc = me_json(r, principal_id(r), just_written, &me);
    if (rc < 0) {
        respond_db_error(r, w, rc);
        return;
    }
    if (rc == 0) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    arena_defer(&r->arena, (void (*)(void *))cJSON_Delete, me);
    resp_header(w, "Cache-Control", "no-store");
    resp_json(r, w, 200, me);
}

void handle_me(req *r, resp *w)
{
    respond_me(r, w, false);
}

void handle_me_password(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *old = NULL, *fresh = NULL;
    if (body) {
        req_json_string(r, body, "/old_password", 1, PASSWORD_MAX_CHARS, false, &old);
        req_json_string(r, body, "/new_password", 1, PASSWORD_MAX_CHARS, true, &fresh);
    }
    if (fresh && !password_acceptable(fresh))
        req_add_error(r, "/new_password", "新密码至少 8 位，且不能全是数字。",
                      "The new password needs at least 8 characters, not only digits.");
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    citizen_row c;
    int rc = citizen_by_id(db_primary(), &r->arena, principal_id(r), &c);
    if (rc <= 0) {
        respond_db_error(r, w, rc < 0 ? rc : DB_ERROR);
        return;
    }
    if (c.password_hash) { /* guessing the old password obeys the login limits */
        if (c.locked_for_s > 0) {
            respond_locked(r, w, c.locked_for_s);
            return;
        }
        if (login_rate_limited(r, w))
            return;
        rc = password_try(ACCOUNT_CITIZEN, c.id, c.password_hash, old);
        if (rc != PASSWORD_RIGHT) {
            if (rc < 0)
                respond_db_error(r, w, rc);
            else if (rc == PASSWORD_LOCKED)
                respond_locked(r, w, LOGIN_LOCK_S);
            else {
                req_add_error(r, "/old_password", "原密码不正确。",
                              "The old password is not right.");
                resp_invalid(r, w);
            }
            return;
        }
    }
    char hash[PASSWORD_HASH_BYTES];
    if (password_hash(fresh, hash) != 0) {
        resp_problem(r, w, PROBLEM_INTERNAL, NULL);
        return;
    }
    rc = citizen_set_password(db_primary(), c.id, hash);
    if (rc < 0) {
        respond_db_error(r, w, rc);
        return;
    }
    resp_body(w, 204, NULL, NULL, 0);
}

static long today_yyyymmdd(void)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm); /* the worker runs in the service time zone (TZ) */
    return (long)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

/* 1..32 characters: letters (any script) and the middle dot of transliterated names. */
static bool name_ok(const char *name)
{
    size_t len = strlen(name), chars = 0;
    const uint8_t *s = (const uint8_t *)name;
    for (size_t i = 0; i < len;) {
        ucs4_t c;
        int k = u8_mbtouc(&c, s + i, len - i);
        if (k <= 0 || !(uc_is_alpha(c) || c == 0x00B7 || c == 0x30FB))
            return false;
        i += (size_t)k;
        chars++;
    }
    return chars >= 1 && chars <= NAME_MAX_CHARS;
}

void handle_me_real_name(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *name = NULL, *id_number = NULL;
    if (body) {
        req_json_string(r, body, "/name", 1, NAME_MAX_CHARS, true, &name);
        req_json_string(r, body, "/id_number", 18, 18, true, &id_number);
    }
    if (name && !name_ok(name))
        req_add_error(r, "/name", "姓名只能包含文字和间隔号“·”。",
                      "A name holds letters and '·' only.");
    if (id_number && !gb11643_valid(id_number, today_yyyymmdd()))
        req_add_error(r, "/id_number", "身份证号码无效。", "Not a valid resident ID number.");
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    if (!personal_data_ready(r, w))
        return;
    if (login_rate_limited(r, w)) /* guesses of ID numbers share the login budget */
        return;
    int rc;
    char id_upper[19];
    snprintf(id_upper, sizeof id_upper, "%s", id_number);
    if (id_upper[17] == 'x')
        id_upper[17] = 'X';
    uint8_t name_enc[NAME_MAX_CHARS * 4 + PII_SEAL_OVERHEAD], id_enc[18 + PII_SEAL_OVERHEAD];
    uint8_t bidx[PII_INDEX_BYTES];
    size_t name_len, id_len;
    pii_encrypt("name", name, name_enc, &name_len);
    pii_encrypt("id_number", id_upper, id_enc, &id_len);
    pii_index("id_number", id_upper, bidx);
    rc = citizen_set_real_name(db_primary(), principal_id(r), name_enc, name_len, id_enc, id_len,
                               bidx);
    if (rc == DB_DUPLICATE) {
        resp_problem2(r, w, PROBLEM_CONFLICT,
                      "这个身份证号码已绑定其他账户，或本账户已完成实名认证。",
                      "This ID number belongs to another account, or this account is "
                      "verified already.");
        return;
    }
    if (rc < 0) {
        respond_db_error(r, w, rc);
        return;
    }
    respond_me(r, w, true);
}
