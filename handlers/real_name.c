/* POST /me/real-name (API.md §3): binds a real name and resident ID number to the citizen's
 * account once an identity provider has verified that they belong together
 * (auth/identity_provider.h), which sets the account's assurance level.
 *
 * - A verified account cannot change its name or ID number this way: the same pair again is
 *   a retry (200); anything else is 409 without asking the provider (its own data).
 * - The provider is asked before it is known whether another account holds the ID number, so
 *   the 409 for a taken number answers only someone who knows the name that goes with it: no
 *   oracle for which numbers are registered. A mismatch and an unknown number are the same
 *   422. Operators resolve a dispute with onewindow-admin unbind-identity (audited).
 * - Tries share the per-IP login budget, and each account may ask the provider
 *   TRIES_PER_DAY times a day. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <unictype.h>
#include <unistr.h>

#include "auth/gb_ids.h"
#include "auth/identity_provider.h"
#include "auth/pii.h"
#include "auth/token.h"
#include "db/audit_store.h"
#include "db/citizen_store.h"
#include "db/rate_store.h"
#include "handlers/common.h"
#include "handlers/handlers.h"
#include "handlers/identity.h"

#define NAME_MAX_CHARS 32
#define ID_NUMBER_CHARS 18
#define TRIES_PER_DAY 10
#define DAY_S 86400

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

/* The body: name and ID number (its check letter upper case) into id_upper; false after
 * answering 400. */
static bool read_identity(req *r, resp *w, const char **name, char id_upper[ID_NUMBER_CHARS + 1])
{
    const cJSON *body = req_body_object(r);
    const char *id_number = NULL;
    if (body) {
        req_json_string(r, body, "/name", 1, NAME_MAX_CHARS, true, name);
        req_json_string(r, body, "/id_number", ID_NUMBER_CHARS, ID_NUMBER_CHARS, true, &id_number);
    }
    if (*name && !name_ok(*name))
        req_add_error(r, "/name", "姓名只能包含文字和间隔号“·”。",
                      "A name holds letters and '·' only.");
    if (id_number && !gb11643_valid(id_number, today_yyyymmdd()))
        req_add_error(r, "/id_number", "身份证号码无效。", "Not a valid resident ID number.");
    if (r->n_errors) {
        resp_invalid(r, w);
        return false;
    }
    snprintf(id_upper, ID_NUMBER_CHARS + 1, "%s", id_number);
    if (id_upper[17] == 'x')
        id_upper[17] = 'X';
    return true;
}

/* The account is bound already: the same pair again is a retry (200); any other is 409. */
static void answer_bound(req *r, resp *w, const citizen_row *c, const char *name,
                         const char *id_number)
{
    char stored_name[NAME_MAX_CHARS * 4 + 1], stored_id[ID_NUMBER_CHARS + 1];
    bool same =
        pii_decrypt("name", c->name_enc, c->name_len, stored_name, sizeof stored_name) == 0 &&
        pii_decrypt("id_number", c->id_number_enc, c->id_number_len, stored_id, sizeof stored_id) ==
            0 &&
        strcmp(stored_name, name) == 0 && strcmp(stored_id, id_number) == 0;
    sodium_memzero(stored_name, sizeof stored_name);
    sodium_memzero(stored_id, sizeof stored_id);
    if (same)
        identity_answer_me(r, w, c->id);
    else
        resp_problem2(
            r, w, PROBLEM_CONFLICT,
            "本账户已完成实名认证，姓名和身份证号码不能更改；如有错误，请联系窗口工作人员。",
            "This account is verified: its name and ID number cannot change (the "
            "service desk corrects mistakes).");
}

/* Counts one question to the provider for the account; true after answering 429 (or the
 * failure) when it asked TRIES_PER_DAY times today. */
static bool tries_used_up(req *r, resp *w, int64_t citizen_id)
{
    uint8_t key[PII_INDEX_BYTES];
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)citizen_id);
    pii_index("real-name-tries", id, key);
    int64_t hits = 0;
    int rc = rate_hit(db_primary(), "real_name", key, DAY_S, false, &hits);
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "real-name binding: tries");
        return true;
    }
    if (hits <= TRIES_PER_DAY)
        return false;
    common_answer_rate_limited(r, w, DAY_S - (int64_t)time(NULL) % DAY_S,
                               "今天的实名认证次数已用完，请明天再试。",
                               "No more real-name checks for this account today.");
    return true;
}

/* Stores the verified pair with its audit row: true, or answered (409, or the failure). */
static bool bind(req *r, resp *w, int64_t citizen_id, const char *name, const char *id_number,
                 int level)
{
    uint8_t name_enc[NAME_MAX_CHARS * 4 + PII_SEAL_OVERHEAD], id_enc[18 + PII_SEAL_OVERHEAD];
    uint8_t bidx[PII_INDEX_BYTES];
    citizen_identity idn = {name_enc, id_enc, 0, 0, bidx, level};
    pii_encrypt("name", name, name_enc, &idn.name_len);
    pii_encrypt("id_number", id_number, id_enc, &idn.id_len);
    pii_index("id_number", id_number, bidx);
    char target[32], detail[32];
    snprintf(target, sizeof target, "citizen:%lld", (long long)citizen_id);
    snprintf(detail, sizeof detail, "assurance level %d", level);
    audit_entry au = {"citizen", r->claims->sub,       "identity.bind",     target,
                      detail,    r->server_request_id, r->client_request_id};
    int rc = citizen_bind_identity(db_primary(), citizen_id, &idn, &au);
    if (rc == DB_DUPLICATE || rc == DB_NOT_FOUND) /* another account; or a parallel binding */
        resp_problem2(r, w, PROBLEM_CONFLICT,
                      "这个身份证号码已绑定其他账户；如属本人，请联系窗口工作人员。",
                      "This ID number is bound to another account; if it is yours, ask the "
                      "service desk.");
    else if (rc != DB_OK)
        common_answer_failure(r, w, rc, "real-name binding");
    return rc == DB_OK;
}

void handle_me_real_name(req *r, resp *w)
{
    const char *name = NULL;
    char id_number[ID_NUMBER_CHARS + 1];
    if (!read_identity(r, w, &name, id_number))
        return;
    /* guesses of ID numbers share the login budget */
    if (!common_personal_data_ready(r, w) || identity_login_limited(r, w))
        return;
    int64_t id = common_principal_id(r);
    citizen_row c;
    int rc = citizen_by_id(db_primary(), &r->arena, id, &c);
    if (rc != DB_OK) { /* DB_NOT_FOUND too: a token's citizen exists */
        common_answer_failure(r, w, rc, "real-name binding");
        return;
    }
    if (c.id_number_enc) {
        answer_bound(r, w, &c, name, id_number);
        return;
    }
    if (tries_used_up(r, w, id))
        return;
    int level = 0;
    identity_verdict v = identity_provider_verify(name, id_number, r->server_request_id, &level);
    if (v == IDENTITY_UNAVAILABLE)
        resp_unavailable(r, w, "real-name binding", "the identity provider gave no answer");
    else if (v == IDENTITY_NO_MATCH)
        resp_problem(r, w, PROBLEM_IDENTITY_NOT_VERIFIED, NULL);
    else if (bind(r, w, id, name, id_number, level))
        identity_answer_me(r, w, id);
}
