/* Citizen login (API.md §3): SMS codes, phone + code or phone + password (the first SMS
 * login registers the citizen), and WeChat mini-program login. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "auth/gb_ids.h"
#include "auth/lockout.h"
#include "auth/login_codes.h"
#include "auth/password.h"
#include "auth/pii.h"
#include "auth/sessions.h"
#include "auth/sms.h"
#include "auth/wechat.h"
#include "core/config.h"
#include "db/citizen_store.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "handlers/identity.h"

#define SMS_INTERVAL_S 60
#define SMS_PER_DAY 10
#define CITIZEN_CLIENT_ID "citizen-app"

/* Midnight today in the service time zone (the worker's TZ), as unix seconds. */
static int64_t day_start(int64_t now)
{
    time_t t = (time_t)now;
    struct tm tm;
    localtime_r(&t, &tm);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

static bool read_phone(req *r, const cJSON *body, const char **phone)
{
    req_json_string(r, body, "/phone", 1, 16, true, phone);
    if (*phone && !mobile_valid(*phone))
        req_add_error(r, "/phone", "请输入 11 位手机号码。",
                      "A mainland mobile number: 11 digits.");
    return r->n_errors == 0;
}

typedef struct send_check {
    req *r;
    resp *w;
    int64_t now;
} send_check;

/* Answers 429 when one of the limits is reached (called inside the send's transaction). */
static bool limited(req *r, resp *w, const sms_counts *n, int64_t now)
{
    if (n->last_age_s >= 0 && n->last_age_s < SMS_INTERVAL_S) {
        common_answer_rate_limited(r, w, SMS_INTERVAL_S - n->last_age_s,
                                   "验证码发送太频繁，请稍后再试。",
                                   "A code was just sent: wait a minute.");
        return true;
    }
    if (n->today >= SMS_PER_DAY) {
        common_answer_rate_limited(r, w, day_start(now) + 86400 - now,
                                   "今天的验证码次数已用完，请明天再试。",
                                   "No more codes today for this number.");
        return true;
    }
    if (n->ip_hour >= config_current()->sms_per_ip_per_hour) {
        common_answer_rate_limited(r, w, 3600, "请求太频繁，请稍后再试。",
                                   "Too many requests: try again later.");
        return true;
    }
    return false;
}

static bool may_send(const sms_counts *n, void *ctx)
{
    send_check *s = ctx;
    return !limited(s->r, s->w, n, s->now);
}

void handle_sms_send(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *phone = NULL;
    if (!body || !read_phone(r, body, &phone)) {
        resp_invalid(r, w);
        return;
    }
    if (!common_personal_data_ready(r, w))
        return;
    int rc;
    uint8_t phone_bidx[PII_INDEX_BYTES], ip_bidx[PII_INDEX_BYTES], hash[PII_INDEX_BYTES];
    pii_index("phone", phone, phone_bidx);
    pii_index("ip", r->client_key, ip_bidx);
    /* the checks and the insert run one at a time per phone (parallel sends: one code) and
     * per address (parallel sends for many phones: its hourly limit), on any host */
    send_check check = {r, w, (int64_t)time(NULL)};
    char code[8];
    int64_t code_id = 0;
    snprintf(code, sizeof code, "%06u", (unsigned)randombytes_uniform(1000000));
    login_code_hash(phone, code, hash);
    rc = sms_code_issue(db_primary(), &r->arena, phone_bidx, ip_bidx, day_start(check.now), hash,
                        LOGIN_CODE_TTL_S, may_send, &check, &code_id);
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "SMS send");
        return;
    }
    if (code_id == 0) /* refused: answered by limited() */
        return;
    if (sms_send_code(phone, code) != 0) {
        sms_code_delete(db_primary(), code_id); /* never arrived: no wait, no count */
        resp_unavailable(r, w, "SMS send", "the gateway refused or is away"); /* retry later */
        return;
    }
    cJSON *out = resp_new_object(r);
    cJSON_AddNumberToObject(out, "retry_after", SMS_INTERVAL_S);
    resp_json(r, w, 202, out);
}

/* Phone + password under the login throttle, whether an account has the phone (with a
 * password) or not: DB_OK with *verdict (and *id when right, *retry when it must wait), or a
 * failure. */
static int password_matches(req *r, const char *phone, const uint8_t bidx[PII_INDEX_BYTES],
                            const char *password, int64_t *id, int64_t *retry,
                            password_verdict *verdict)
{
    citizen_row c;
    *verdict = PASSWORD_WRONG;
    int rc = citizen_by_phone(db_primary(), &r->arena, bidx, &c);
    if (rc != DB_OK && rc != DB_NOT_FOUND)
        return rc;
    const char *hash = rc == DB_OK ? c.password_hash : NULL;
    *id = rc == DB_OK ? c.id : 0;
    return lockout_try_password(&r->arena, LOGIN_CITIZEN, phone, r->client_key, hash, password,
                                verdict, retry);
}

static void start_session(req *r, resp *w, int64_t citizen_id)
{
    cJSON *me = NULL;
    int level = 0;
    int rc = identity_me_json(r, citizen_id, &me, &level);
    if (rc != DB_OK) { /* DB_NOT_FOUND too: the citizen was just found or made */
        common_answer_failure(r, w, rc, "citizen login");
        return;
    }
    token_claims c;
    identity_citizen_claims(citizen_id, level, CITIZEN_CLIENT_ID, &c);
    token_pair p;
    session_status st = session_start(&c, citizen_id, &r->arena, &p);
    if (st != SESSION_OK) {
        cJSON_Delete(me);
        identity_answer_session_error(r, w, st);
        return;
    }
    identity_answer_tokens(r, w, &p, "citizen", me); /* which takes me */
}

void handle_citizen_login(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *phone = NULL, *code = NULL, *password = NULL;
    if (body) {
        read_phone(r, body, &phone);
        req_json_string(r, body, "/code", 6, 6, false, &code);
        req_json_string(r, body, "/password", 1, PASSWORD_MAX_CHARS, false, &password);
        if (code && !login_code_well_formed(code)) { /* a sure miss costs the code no try */
            req_add_error(r, "/code", "验证码为 6 位数字。", "The code is 6 digits.");
            code = NULL;
        }
        if (!code == !password)
            req_add_error(r, "/code", "请输入验证码或密码（二选一）。",
                          "Give either code or password.");
    }
    if (!body || r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    if (!common_personal_data_ready(r, w) || identity_login_limited(r, w))
        return;
    uint8_t bidx[PII_INDEX_BYTES];
    pii_index("phone", phone, bidx);
    int64_t id = 0, retry = 0;
    password_verdict v;
    int rc;
    if (code) {
        bool right = false;
        rc = login_code_check(&r->arena, phone, bidx, code, &right);
        v = right ? PASSWORD_RIGHT : PASSWORD_WRONG;
        if (rc == DB_OK && right) { /* the first SMS login registers the citizen */
            uint8_t enc[32 + PII_SEAL_OVERHEAD];
            size_t len;
            pii_encrypt("phone", phone, enc, &len);
            rc = citizen_get_or_create(db_primary(), bidx, enc, len, &id);
        }
    } else
        rc = password_matches(r, phone, bidx, password, &id, &retry, &v);
    if (rc != DB_OK)
        common_answer_failure(r, w, rc, "citizen login");
    else if (v == PASSWORD_WAIT)
        common_answer_locked(r, w, retry);
    else if (v == PASSWORD_BUSY)
        common_answer_busy(r, w, "citizen login");
    else if (v == PASSWORD_WRONG)
        resp_problem(r, w, PROBLEM_UNAUTHORIZED, NULL);
    else
        start_session(r, w, id);
}

static void respond_wechat_error(req *r, resp *w, wechat_status st)
{
    if (st == WECHAT_BAD_CODE) {
        req_add_error(r, "/code", "微信登录凭证无效或已使用，请重新进入小程序。",
                      "The WeChat code is invalid or used: log in again.");
        resp_invalid(r, w);
    } else if (st == WECHAT_RISKY)
        resp_problem2(r, w, PROBLEM_FORBIDDEN, "微信判断该账号存在风险，暂不能登录。",
                      "WeChat refuses this account as high-risk.");
    else /* busy or away: 503 with Retry-After */
        resp_unavailable(r, w, "WeChat login", "WeChat busy or away");
}

/* An unknown openid: the phone from the phone button, the citizen of that phone (created
 * if new), linked to the openid. True with *id, or false after answering. */
static bool link_by_phone(req *r, resp *w, const char *openid, const char *phone_code, int64_t *id)
{
    char phone[24];
    wechat_status st = wechat_phone(phone_code, phone, sizeof phone);
    if (st != WECHAT_OK) {
        if (st == WECHAT_BAD_CODE) {
            req_add_error(r, "/phone_code", "手机号授权凭证无效，请重新授权。",
                          "The phone code is invalid: authorize again.");
            resp_invalid(r, w);
        } else
            respond_wechat_error(r, w, st);
        return false;
    }
    uint8_t bidx[PII_INDEX_BYTES], enc[32 + PII_SEAL_OVERHEAD];
    size_t len;
    pii_index("phone", phone, bidx);
    pii_encrypt("phone", phone, enc, &len);
    int rc = citizen_get_or_create(db_primary(), bidx, enc, len, id);
    if (rc == DB_OK)
        rc = citizen_link_wechat(db_primary(), *id, openid);
    if (rc == DB_NOT_FOUND || rc == DB_DUPLICATE) {
        resp_problem2(r, w, PROBLEM_CONFLICT, "这个手机号已绑定其他微信账号。",
                      "This phone is bound to another WeChat account.");
        return false;
    }
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "WeChat login: link");
        return false;
    }
    return true;
}

void handle_wechat_login(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *code = NULL, *phone_code = NULL;
    if (body) {
        req_json_string(r, body, "/code", 1, 128, true, &code);
        req_json_string(r, body, "/phone_code", 1, 128, false, &phone_code);
        if (code && !wechat_code_ok(code))
            req_add_error(r, "/code", "微信登录凭证格式无效。", "Not a WeChat login code.");
        if (phone_code && !wechat_code_ok(phone_code))
            req_add_error(r, "/phone_code", "手机号授权凭证格式无效。", "Not a WeChat phone code.");
    }
    if (!body || r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    /* the login limit: every attempt also costs a call to WeChat */
    if (!common_personal_data_ready(r, w) || identity_login_limited(r, w))
        return;
    char openid[128];
    wechat_status st = wechat_openid(code, openid, sizeof openid);
    if (st != WECHAT_OK) {
        respond_wechat_error(r, w, st);
        return;
    }
    citizen_row c;
    int rc = citizen_by_openid(db_primary(), &r->arena, openid, &c);
    if (rc != DB_OK && rc != DB_NOT_FOUND) {
        common_answer_failure(r, w, rc, "WeChat login");
        return;
    }
    int64_t id = rc == DB_OK ? c.id : 0;
    if (rc == DB_NOT_FOUND) { /* one account per person: found through the phone */
        if (!phone_code) {
            resp_problem(r, w, PROBLEM_PHONE_REQUIRED, NULL);
            return;
        }
        if (!link_by_phone(r, w, openid, phone_code, &id))
            return;
    }
    start_session(r, w, id);
}
