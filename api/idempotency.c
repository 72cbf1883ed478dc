#include "api/idempotency.h"

#include <string.h>

#include <sodium.h>

#include "api/router.h"
#include "auth/pii.h"
#include "auth/token.h"
#include "core/config.h"
#include "core/metrics.h"
#include "db/idempotency_store.h"

#define WHAT "Idempotency-Key"

#define KEY_MAX_BYTES 64
#define SEALED_FIELD "idempotent-answer"
#define TAKEOVER_TRIES 3

struct idempotency_claim {
    idem_ref ref;
    bool saved; /* the answer is stored (committed) */
};

static bool key_is_sane(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > KEY_MAX_BYTES)
        return false;
    for (size_t i = 0; i < n; i++)
        if (k[i] < 0x21 || k[i] > 0x7e)
            return false;
    return true;
}

static void request_hash(const req *r, uint8_t out[IDEM_HASH_BYTES])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)r->method, strlen(r->method));
    crypto_hash_sha256_update(&st, (const uint8_t *)" ", 1);
    crypto_hash_sha256_update(&st, (const uint8_t *)r->path, strlen(r->path));
    crypto_hash_sha256_update(&st, (const uint8_t *)"\n", 1);
    if (r->body)
        crypto_hash_sha256_update(&st, (const uint8_t *)r->body, r->body_len);
    if (r->has_body_file) /* a spooled file: its hash stands for its bytes */
        crypto_hash_sha256_update(&st, (const uint8_t *)r->body_sha256, 64);
    crypto_hash_sha256_final(&st, out);
}

/* 503 when the database is away, else 500 (logged once). */
static void answer_failure(req *r, resp *w, int rc)
{
    if (rc == DB_UNAVAILABLE)
        resp_unavailable(r, w, WHAT, db_status_name(rc));
    else
        resp_internal(r, w, WHAT, db_status_name(rc));
}

/* A kept body in clear (from the arena), opened when it was stored sealed; NULL on failure. */
static char *kept_body(req *r, const idem_state *s, size_t *len)
{
    char *body = arena_alloc(&r->arena, s->body_len + 1);
    if (!body)
        return NULL;
    if (!s->sealed) {
        memcpy(body, s->body, s->body_len);
        body[s->body_len] = '\0';
    } else if (pii_ready() != DB_OK ||
               pii_decrypt(SEALED_FIELD, s->body, s->body_len, body, s->body_len + 1) != 0)
        return NULL;
    *len = strlen(body);
    return body;
}

static void replay(req *r, resp *w, const idem_state *s)
{
    size_t len = 0;
    char *body = kept_body(r, s, &len);
    if (!body) {
        resp_internal(r, w, WHAT " replay", "the kept answer does not open");
        return;
    }
    resp_header(w, "Idempotent-Replayed", "true");
    resp_header(w, "Cache-Control", "no-store");
    if (s->location)
        resp_header(w, "Location", arena_strdup(&r->arena, s->location));
    resp_body(w, (int)s->status,
              s->content_type && *s->content_type ? arena_strdup(&r->arena, s->content_type) : NULL,
              body, len);
}

/* The key exists: replay, refuse, or take an abandoned claim over. true: proceed. */
static bool existing_key(req *r, resp *w, idempotency_claim *cl, int lease_s)
{
    for (int tries = 0; tries < TAKEOVER_TRIES; tries++) {
        idem_state s;
        int rc = idem_read(db_primary(), &r->arena, &cl->ref, &s);
        if (rc == DB_NOT_FOUND) { /* pruned meanwhile: claim it afresh */
            rc = idem_claim(db_primary(), &cl->ref, lease_s);
            if (rc == DB_OK)
                return true;
            if (rc == DB_DUPLICATE)
                continue;
        }
        if (rc != DB_OK) {
            answer_failure(r, w, rc);
            return false;
        }
        bool same = s.hash_len == IDEM_HASH_BYTES &&
                    sodium_memcmp(s.hash, cl->ref.hash, IDEM_HASH_BYTES) == 0;
        if (!s.stale && !same) {
            resp_problem(r, w, PROBLEM_IDEMPOTENCY_KEY_REUSED, NULL);
            return false;
        }
        if (!s.stale && s.status) {
            replay(r, w, &s);
            return false;
        }
        if (!s.stale && s.leased) {
            rc = same ? idem_take_over_gone(db_primary(), &cl->ref, lease_s) : DB_NOT_FOUND;
            if (rc == DB_OK) {
                metrics_count(METRIC_IDEMPOTENCY_TAKEOVERS);
                return true;
            }
            if (rc != DB_NOT_FOUND) {
                answer_failure(r, w, rc);
                return false;
            }
            resp_problem2(r, w, PROBLEM_CONFLICT, "使用同一幂等键的请求仍在处理中，请稍后重试。",
                          "A request with this Idempotency-Key is still running: retry later.");
            return false;
        }
        rc = idem_take_over(db_primary(), &cl->ref, lease_s, s.stale != 0);
        if (rc == DB_OK)
            return true;
        if (rc != DB_NOT_FOUND) { /* DB_NOT_FOUND: another request was first, look again */
            answer_failure(r, w, rc);
            return false;
        }
    }
    resp_problem(r, w, PROBLEM_CONFLICT, NULL);
    return false;
}

static bool keep_answer(int status)
{
    return status < 500 && status != 429;
}

bool idempotency_begin(req *r, resp *w)
{
    const char *key = req_header(r, "HTTP_IDEMPOTENCY_KEY");
    if (!key || strcmp(r->method, "POST") != 0 || r->route->auth == AUTH_PUBLIC || !r->claims ||
        (r->route->options & ROUTE_NEVER_REPLAYED))
        return true;
    if (!key_is_sane(key)) {
        req_add_error(r, "Idempotency-Key", "幂等键须为 1 到 64 个可打印 ASCII 字符。",
                      "Idempotency-Key must be 1 to 64 printable ASCII characters.");
        resp_invalid(r, w);
        return false;
    }
    idempotency_claim *cl = arena_alloc(&r->arena, sizeof *cl);
    if (!cl) {
        resp_internal(r, w, WHAT, "out of memory");
        return false;
    }
    memset(cl, 0, sizeof *cl);
    cl->ref.caller =
        arena_printf(&r->arena, "%s:%s", token_role_name(r->claims->role), r->claims->sub);
    cl->ref.key = key;
    request_hash(r, cl->ref.hash);
    randombytes_buf(cl->ref.owner, sizeof cl->ref.owner);
    int lease_s = config_current() ? config_current()->idempotency_lease_s : 30;
    int rc = idem_claim(db_primary(), &cl->ref, lease_s);
    if (rc == DB_DUPLICATE && !existing_key(r, w, cl, lease_s))
        return false;
    if (rc != DB_OK && rc != DB_DUPLICATE) {
        answer_failure(r, w, rc);
        return false;
    }
    r->idem = cl;
    return true;
}

/* The answer to keep: its body sealed under the personal-data key (it may hold what must not
 * sit in clear for a day, such as a submission's query code), or in clear when that key is
 * away (503s are not kept anyway). */
static idem_answer answer_of(req *r, const resp *w)
{
    idem_answer a = {w->status, w->content_type, resp_header_value(w, "Location"),
                     w->body,   w->body_len,     false};
    uint8_t *sealed =
        w->body && w->body_len && memchr(w->body, '\0', w->body_len) == NULL && pii_ready() == DB_OK
            ? arena_alloc(&r->arena, w->body_len + PII_SEAL_OVERHEAD + 1)
            : NULL;
    if (sealed) {
        char *text = arena_alloc(&r->arena, w->body_len + 1);
        if (!text)
            return a;
        memcpy(text, w->body, w->body_len);
        text[w->body_len] = '\0';
        pii_encrypt(SEALED_FIELD, text, sealed, &a.body_len);
        a.body = sealed;
        a.sealed = true;
    }
    return a;
}

/* Inside the transaction, after the answer is built: DB_OK (also when the request has no
 * key), DB_NOT_FOUND when another request took the key over, or a failure. */
static int save(req *r, db_conn *c, const resp *w)
{
    idempotency_claim *cl = r->idem;
    if (!cl || !keep_answer(w->status))
        return DB_OK;
    idem_answer answer = answer_of(r, w);
    int rc = idem_finish(c, &cl->ref, &answer);
    if (rc == DB_OK)
        cl->saved = true; /* provisional: cleared below if the commit fails */
    return rc;
}

bool idempotency_commit(req *r, resp *w, db_conn *c)
{
    if (!keep_answer(w->status)) { /* the work must not stay while its key is released */
        db_rollback(c);
        return false;
    }
    int rc = save(r, c, w);
    if (rc == DB_OK)
        rc = db_commit(c);
    if (rc == DB_OK)
        return true;
    db_rollback(c);
    if (r->idem)
        r->idem->saved = false;
    if (rc == DB_NOT_FOUND) /* the key was taken over */
        resp_problem(r, w, PROBLEM_CONFLICT, NULL);
    else
        answer_failure(r, w, rc);
    return false;
}

void idempotency_end(req *r, resp *w)
{
    idempotency_claim *cl = r->idem;
    if (!cl || cl->saved)
        return;
    if (keep_answer(w->status)) {
        idem_answer answer = answer_of(r, w);
        idem_finish(db_primary(), &cl->ref, &answer);
    } else
        idem_release(db_primary(), &cl->ref);
}

void idempotency_prune_task(bool stopping)
{
    if (!stopping)
        idem_prune(db_primary());
}
