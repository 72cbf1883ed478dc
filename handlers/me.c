/* The citizen's own account (API.md §3): GET /me, PUT /me/password, POST /me/real-name.
 * Personal data is decrypted only to be masked on the way out. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include <unictype.h>
#include <unistr.h>

#include "auth/gb_ids.h"
#include "auth/lockout.h"
#include "auth/password.h"
#include "auth/pii.h"
#include "auth/token.h"
#include "db/citizen_store.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "handlers/identity.h"

#define NAME_MAX_CHARS 32

static void respond_me(req *r, resp *w)
{
    cJSON *me = NULL;
    int rc = identity_me_json(r, common_principal_id(r), &me);
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

void handle_me(req *r, resp *w)
{
    respond_me(r, w);
}

/* Guessing the old password obeys the login limits: true when right, else answered (400 on
 * /old_password, 429, or the failure). */
static bool old_password_right(req *r, resp *w, const citizen_row *c, const char *old)
{
    if (c->locked_for_s > 0) {
        common_answer_locked(r, w, c->locked_for_s);
        return false;
    }
    if (identity_login_limited(r, w))
        return false;
    password_verdict v;
    int rc = lockout_try_password(ACCOUNT_CITIZEN, c->id, c->password_hash, old, &v);
    if (rc != DB_OK)
        common_answer_failure(r, w, rc, "password change");
    else if (v == PASSWORD_LOCKED)
        common_answer_locked(r, w, LOGIN_LOCK_S);
    else if (v == PASSWORD_WRONG) {
        req_add_error(r, "/old_password", "原密码不正确。", "The old password is not right.");
        resp_invalid(r, w);
    }
    return rc == DB_OK && v == PASSWORD_RIGHT;
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
    int rc = citizen_by_id(db_primary(), &r->arena, common_principal_id(r), &c);
    if (rc != DB_OK) { /* DB_NOT_FOUND too: a token's citizen exists */
        common_answer_failure(r, w, rc, "password change");
        return;
    }
    if (c.password_hash && !old_password_right(r, w, &c, old))
        return;
    char hash[PASSWORD_HASH_BYTES];
    if (password_hash(fresh, hash) != 0) {
        resp_internal(r, w, "password change", "the password hash failed");
        return;
    }
    common_answer_changed(r, w, citizen_set_password(db_primary(), c.id, hash), "password change");
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
    /* guesses of ID numbers share the login budget */
    if (!common_personal_data_ready(r, w) || identity_login_limited(r, w))
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
    rc = citizen_set_real_name(db_primary(), common_principal_id(r), name_enc, name_len, id_enc,
                               id_len, bidx);
    if (rc == DB_DUPLICATE) {
        resp_problem2(r, w, PROBLEM_CONFLICT,
                      "这个身份证号码已绑定其他账户，或本账户已完成实名认证。",
                      "This ID number belongs to another account, or this account is "
                      "verified already.");
        return;
    }
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "real-name binding");
        return;
    }
    respond_me(r, w);
}
