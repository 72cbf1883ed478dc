/* The citizen's own account (API.md §3): GET /me, PUT /me/password (the real-name binding is
 * in handlers/real_name.c). Personal data is decrypted only to be masked on the way out. */
#include <stdio.h>
#include <string.h>

#include "auth/lockout.h"
#include "auth/login_codes.h"
#include "auth/password.h"
#include "auth/pii.h"
#include "auth/token.h"
#include "db/citizen_store.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "handlers/identity.h"

void handle_me(req *r, resp *w)
{
    identity_answer_me(r, w, common_principal_id(r));
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
    int rc = lockout_try_password(&r->arena, LOGIN_CITIZEN, phone, r->client_key, c->password_hash,
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
