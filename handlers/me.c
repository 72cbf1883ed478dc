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
#include "auth/login_codes.h"
#include "auth/password.h"
#include "auth/pii.h"
#include "auth/token.h"
#include "db/citizen_store.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "handlers/identity.h"

#define NAME_MAX_CHARS 32

static void respond_me(req *r, resp *w, bool just_written)
{
    cJSON *me = NULL;
    int rc = identity_me_json(r, common_principal_id(r), just_written, &me);
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
    respond_me(r, w, false);
}

/* The account's phone (decrypted into phone), or false after answering the failure. */
static bool account_phone(req *r, resp *w, const citizen_row *c, char *phone, size_t cap)
{
    if (pii_decrypt("phone", c->phone_enc, c->phone_len, phone, cap) == 0)
        return true;
    resp_internal(r, w, "password change", "the phone does not open");
    return false;
}

/* Guessing the old password obeys the login limits (the throttle of the account's phone, the
 * per-IP limit): true when right, else answered (400 on /old_password, 429, or the failure). */
static bool old_password_right(req *r, resp *w, const citizen_row *c, const char *old)
{
    char phone[32];
    if (identity_login_limited(r, w) || !account_phone(r, w, c, phone, sizeof phone))
        return false;
    password_verdict v;
    int64_t wait_s = 0;
    int rc = lockout_try_password(&r->arena, LOGIN_CITIZEN, phone, r->client_ip, c->password_hash,
                                  old, &v, &wait_s);
    if (rc != DB_OK)
        common_answer_failure(r, w, rc, "password change");
    else if (v == PASSWORD_WAIT)
        common_answer_locked(r, w, wait_s);
    else if (v == PASSWORD_BUSY)
        common_answer_busy(r, w, "password change");
    else if (v == PASSWORD_WRONG) {
        req_add_error(r, "/old_password", "原密码不正确。", "The old password is not right.");
        resp_invalid(r, w);
    }
    return rc == DB_OK && v == PASSWORD_RIGHT;
}

/* A fresh SMS code of the account's phone (API.md §3): true when right, else answered (400
 * on /sms_code, 429, or the failure). */
static bool sms_code_right(req *r, resp *w, const citizen_row *c, const char *code)
{
    char phone[32];
    if (identity_login_limited(r, w) || !account_phone(r, w, c, phone, sizeof phone))
        return false;
    uint8_t bidx[PII_INDEX_BYTES];
    bool right = false;
    pii_index("phone", phone, bidx);
    int rc = login_code_check(&r->arena, phone, bidx, code, &right);
    if (rc != DB_OK)
        common_answer_failure(r, w, rc, "password change: SMS code");
    else if (!right) {
        req_add_error(r, "/sms_code", "验证码不正确或已失效。", "The code is wrong or expired.");
        resp_invalid(r, w);
    }
    return rc == DB_OK && right;
}

/* The proof a change of password needs: the old password, or a fresh SMS code of the
 * account's phone (the only proof for a first password, so that a stolen access token
 * cannot become a permanent login). True, or answered. */
static bool change_proven(req *r, resp *w, const citizen_row *c, const char *old, const char *code)
{
    if (c->password_hash && old)
        return old_password_right(r, w, c, old);
    if (code)
        return sms_code_right(r, w, c, code);
    if (c->password_hash)
        req_add_error(r, "/old_password", "请输入原密码（或新收到的短信验证码）。",
                      "Give the old password (or a code just sent by SMS).");
    else
        req_add_error(r, "/sms_code", "设置密码需要新收到的短信验证码。",
                      "Setting a first password needs a code just sent by SMS.");
    resp_invalid(r, w);
    return false;
}

void handle_me_password(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *old = NULL, *fresh = NULL, *code = NULL;
    if (body) {
        req_json_string(r, body, "/old_password", 1, PASSWORD_MAX_CHARS, false, &old);
        req_json_string(r, body, "/sms_code", 6, 6, false, &code);
        req_json_string(r, body, "/new_password", 1, PASSWORD_MAX_CHARS, true, &fresh);
    }
    if (code && !login_code_well_formed(code))
        req_add_error(r, "/sms_code", "验证码为 6 位数字。", "The code is 6 digits.");
    if (fresh && !password_acceptable(fresh))
        req_add_error(r, "/new_password", "新密码至少 8 位，且不能全是数字。",
                      "The new password needs at least 8 characters, not only digits.");
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    citizen_row c;
    int rc = pii_ready();
    if (rc == DB_OK)
        rc = citizen_by_id(db_primary(), &r->arena, common_principal_id(r), &c);
    if (rc != DB_OK) { /* DB_NOT_FOUND too: a token's citizen exists */
        common_answer_failure(r, w, rc, "password change");
        return;
    }
    if (!change_proven(r, w, &c, old, code))
        return;
    char hash[PASSWORD_HASH_BYTES];
    if (!password_slot_take()) {
        common_answer_busy(r, w, "password change");
        return;
    }
    int hashed = password_hash(fresh, hash);
    password_slot_give();
    if (hashed != 0) {
        resp_internal(r, w, "password change", "the password hash failed");
        return;
    }
    /* every other session ends with the old password (API.md §3) */
    rc = citizen_set_password(db_primary(), c.id, hash, r->claims->sid);
    common_answer_changed(r, w, rc, "password change");
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
    respond_me(r, w, true);
}
