#include "db/outbox_store.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <string.h>

#include "core/strbuf.h"

/* clang-format off */
static const char sql_due[] =
    "SELECT id, sending, channel FROM outbox WHERE status = 'pending' AND next_attempt_at <= CURRENT_TIMESTAMP(3) "
    "AND FIND_IN_SET(channel, ?) ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED";
static const char sql_lease[] =
    "UPDATE outbox o JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) j "
    "ON o.id = j.id SET o.next_attempt_at = CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND, "
    "o.attempts = o.attempts + 1, o.sending = 1";
/* Claimed rows given as [{"id","a"}] (a: attempts as claimed); only those still held by that
 * claim match. */
#define CLAIMED_ROWS                                                                               \
    "outbox o JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$.id', "               \
    "a INT UNSIGNED PATH '$.a')) j ON o.id = j.id AND o.status = 'pending' AND o.attempts = j.a"
static const char sql_renew[] =
    "UPDATE " CLAIMED_ROWS " SET o.next_attempt_at = CURRENT_TIMESTAMP(3) + INTERVAL ? SECOND";
static const char sql_ours[] = "SELECT o.id FROM " CLAIMED_ROWS " FOR UPDATE";
/* A push device counts only while it still belongs to the notification's citizen: a token
 * that moved to another account must not get this citizen's message. A device delivery's
 * channel is its device's platform (db/notification_store.c). */
static const char sql_details[] =
    "SELECT o.id, o.delivery_id, o.channel, COALESCE(o.notification_id, 0), "
    "COALESCE(o.citizen_id, 0), COALESCE(o.target_id, 0), o.target_ref, o.attempts, n.title, "
    "n.body, d.token, COALESCE(d.active, 0), c.phone_enc, c.wechat_openid, "
    "COALESCE(n.application_id, 0), o.payload, "
    "DATE_FORMAT(o.created_at, '%Y-%m-%dT%H:%i:%sZ'), w.webhook_url, w.webhook_secret_enc, "
    "IF(w.webhook_secret_prev_until > CURRENT_TIMESTAMP(3), w.webhook_secret_prev_enc, NULL), "
    "COALESCE(w.disabled_at IS NOT NULL, 0) "
    "FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) j "
    "JOIN outbox o ON o.id = j.id "
    "LEFT JOIN notifications n ON n.id = o.notification_id "
    "LEFT JOIN devices d ON d.id = o.target_id AND d.platform = o.channel "
    "AND d.citizen_id = o.citizen_id "
    "LEFT JOIN citizens c ON c.id = o.citizen_id "
    "LEFT JOIN organizations w ON w.id = o.target_id AND o.channel = 'webhook' ORDER BY o.id";
/* One statement for a whole batch of results. A row is written only by the claim that
 * leased it (same attempts count): a pushd that overran its lease cannot undo a newer one. */
static const char sql_record[] =
    "UPDATE outbox o JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$.id', "
    "a INT UNSIGNED PATH '$.a', r INT PATH '$.r', d BIGINT PATH '$.d', "
    "e VARCHAR(255) PATH '$.e')) j ON o.id = j.id "
    "SET o.status = IF(j.r = 1, 'pending', IF(j.r = 2, 'dead', 'done')), "
    "o.done_at = IF(j.r IN (0, 3), CURRENT_TIMESTAMP(3), NULL), "
    "o.next_attempt_at = IF(j.r = 1, CURRENT_TIMESTAMP(3) + INTERVAL j.d * 1000 MICROSECOND, "
    "o.next_attempt_at), o.last_error = j.e, o.sending = 0 "
    "WHERE o.status = 'pending' AND o.attempts = j.a";
/* Every try of a webhook, whatever became of its lease: it happened. */
static const char sql_webhook_attempts[] =
    "INSERT INTO webhook_attempts (org_id, delivery_id, event_type, attempt, result, "
    "http_status, error, duration_ms, next_attempt_at) "
    "SELECT o.target_id, o.delivery_id, o.target_ref, j.a, "
    "ELT(j.r + 1, 'delivered', 'failed', 'dead', 'delivered'), NULLIF(j.h, 0), j.e, j.ms, "
    "IF(j.r = 1, CURRENT_TIMESTAMP(3) + INTERVAL j.d * 1000 MICROSECOND, NULL) "
    "FROM JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$.id', "
    "a INT UNSIGNED PATH '$.a', r INT PATH '$.r', d BIGINT PATH '$.d', "
    "e VARCHAR(255) PATH '$.e', h INT PATH '$.h', ms INT PATH '$.ms')) j "
    "JOIN outbox o ON o.id = j.id JOIN organizations w ON w.id = o.target_id "
    "WHERE o.channel = 'webhook' AND o.target_ref IS NOT NULL";
/* clang-format on */

static const char *const result_names[] = {"done", "retry", "dead", "gone"};
#define RESULT_RESENT 4 /* a claim of a row whose last try was never recorded */

/* Counts per (channel, result) for push_counters: a batch holds a few channels. */
typedef struct tally {
    struct {
        const char *channel;
        int result;
        int64_t n;
    } e[32];
    size_t kinds;
} tally;

static void tally_add(tally *t, const char *channel, int result)
{
    size_t k = 0;
    while (k < t->kinds && !(t->e[k].result == result && strcmp(t->e[k].channel, channel) == 0))
        k++;
    if (k == t->kinds) {
        if (k == sizeof t->e / sizeof t->e[0])
            return;
        t->e[t->kinds].channel = channel;
        t->e[t->kinds].result = result;
        t->e[t->kinds++].n = 0;
    }
    t->e[k].n++;
}

static int tally_write(db_conn *c, const char *host, const tally *t)
{
    for (size_t k = 0; k < t->kinds; k++) {
        const char *result =
            t->e[k].result == RESULT_RESENT ? "resent" : result_names[t->e[k].result];
        int rc = db_exec(c,
                         "INSERT INTO push_counters (host, channel, result, n) "
                         "VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE n = n + VALUES(n)",
                         "sssi", host, t->e[k].channel, result, t->e[k].n);
        if (rc != DB_OK)
            return rc;
    }
    return DB_OK;
}

static int lease_ids(db_conn *c, arena *a, const char *host, const char *channels, int batch,
                     int lease_s, const char **ids_json, size_t *n)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, sql_due, "si", channels, (int64_t)batch);
    if (rc != DB_OK)
        return rc;
    strbuf sb;
    sb_init(&sb, a, 16 * (size_t)batch + 2);
    sb_puts(&sb, "[");
    int64_t id, sending;
    const char *channel;
    tally resent = {.kinds = 0};
    *n = 0;
    while ((rc = db_row_next(&rows, "iis", &id, &sending, &channel)) > 0) {
        sb_printf(&sb, "%s%lld", (*n)++ ? "," : "", (long long)id);
        if (sending)
            tally_add(&resent, channel, RESULT_RESENT);
    }
    sb_puts(&sb, "]");
    rc = db_rows_done(&rows, rc);
    if (rc == DB_OK && sb.failed)
        rc = DB_ERROR;
    *ids_json = sb.data;
    if (rc != DB_OK || *n == 0)
        return rc;
    rc = db_exec(c, sql_lease, "si", sb.data, (int64_t)lease_s);
    return rc == DB_OK ? tally_write(c, host, &resent) : rc;
}

static int details(db_conn *c, arena *a, const char *ids_json, size_t n, outbox_row **rows_out,
                   size_t *got)
{
    outbox_row *out = arena_alloc(a, (n ? n : 1) * sizeof *out);
    db_rows rows;
    int rc = out ? db_query(c, &rows, a, sql_details, "s", ids_json) : DB_ERROR;
    if (rc != DB_OK)
        return rc;
    size_t k = 0;
    while (k < n) {
        outbox_row *o = &out[k];
        rc = db_row_next(&rows, "issiiisisssibsisssbbi", &o->id, &o->delivery_id, &o->channel,
                         &o->notification_id, &o->citizen_id, &o->target_id, &o->target_ref,
                         &o->attempts, &o->title, &o->body, &o->device_token, &o->device_active,
                         &o->phone_enc, &o->phone_len, &o->openid, &o->application_id, &o->payload,
                         &o->created_at, &o->webhook_url, &o->webhook_secret_enc,
                         &o->webhook_secret_len, &o->webhook_prev_secret_enc,
                         &o->webhook_prev_secret_len, &o->org_disabled);
        if (rc <= 0)
            break;
        k++;
    }
    *rows_out = out;
    *got = k;
    return db_rows_done(&rows, rc);
}

int outbox_claim(db_conn *c, arena *a, const char *host, const char *channels, int batch,
                 int lease_s, outbox_row **rows, size_t *n)
{
    if (batch < 1)
        batch = 1;
    if (batch > OUTBOX_BATCH_MAX)
        batch = OUTBOX_BATCH_MAX;
    *n = 0;
    const char *ids = NULL;
    size_t leased = 0;
    int rc = db_begin(c);
    if (rc == DB_OK)
        rc = lease_ids(c, a, host, channels, batch, lease_s, &ids, &leased);
    if (rc == DB_OK)
        rc = db_commit(c);
    if (rc != DB_OK) {
        db_rollback(c);
        return rc;
    }
    return leased ? details(c, a, ids, leased, rows, n) : DB_OK;
}

static int deactivate(db_conn *c, arena *a, const outbox_result *results, size_t n,
                      const bool *ours)
{
    strbuf devices, grants;
    sb_init(&devices, a, 256);
    sb_init(&grants, a, 256);
    sb_puts(&devices, "[");
    sb_puts(&grants, "[");
    size_t nd = 0, ng = 0;
    for (size_t i = 0; i < n; i++) {
        const outbox_result *r = &results[i];
        if (r->outcome != OUTCOME_GONE || !ours[i])
            continue;
        if (strcmp(r->channel, "wechat") == 0 && r->target_ref) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "c", (double)r->citizen_id);
            cJSON_AddStringToObject(o, "t", r->target_ref);
            char *text = cJSON_PrintUnformatted(o);
            sb_printf(&grants, "%s%s", ng++ ? "," : "", text ? text : "{}");
            cJSON_free(text);
            cJSON_Delete(o);
        } else if (r->target_id) {
            sb_printf(&devices, "%s%lld", nd++ ? "," : "", (long long)r->target_id);
        }
    }
    sb_puts(&devices, "]");
    sb_puts(&grants, "]");
    if (devices.failed || grants.failed)
        return DB_ERROR;
    int rc = DB_OK;
    if (nd)
        rc = db_exec(c,
                     "UPDATE devices d JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH "
                     "'$')) j ON d.id = j.id SET d.active = 0, d.updated_at = CURRENT_TIMESTAMP(3)",
                     "s", devices.data);
    if (rc == DB_OK && ng)
        rc = db_exec(c,
                     "UPDATE wechat_grants g JOIN JSON_TABLE(?, '$[*]' COLUMNS (c BIGINT UNSIGNED "
                     "PATH '$.c', t VARCHAR(64) PATH '$.t')) j ON g.citizen_id = j.c AND "
                     "g.template_id = j.t SET g.remaining = 0, g.updated_at = CURRENT_TIMESTAMP(3)",
                     "s", grants.data);
    return rc;
}

/* [{"id","a"}] of the rows, for CLAIMED_ROWS. */
static const char *claimed_json(arena *a, const outbox_result *rows, size_t n)
{
    strbuf sb;
    sb_init(&sb, a, 48 * n + 2);
    sb_puts(&sb, "[");
    for (size_t i = 0; i < n; i++)
        sb_printf(&sb, "%s{\"id\":%lld,\"a\":%lld}", i ? "," : "", (long long)rows[i].id,
                  (long long)rows[i].attempts);
    sb_puts(&sb, "]");
    return sb.failed ? NULL : sb.data;
}

int outbox_renew(db_conn *c, arena *a, const outbox_result *rows, size_t n, int lease_s)
{
    const char *json = n ? claimed_json(a, rows, n) : "[]";
    return json ? db_exec(c, sql_renew, "si", json, (int64_t)lease_s) : DB_ERROR;
}

/* Locks the rows still held by this claim and marks them in ours[]. */
static int lock_ours(db_conn *c, arena *a, const outbox_result *results, size_t n, bool *ours)
{
    const char *json = claimed_json(a, results, n);
    db_rows rows;
    int rc = json ? db_query(c, &rows, a, sql_ours, "s", json) : DB_ERROR;
    if (rc != DB_OK)
        return rc;
    memset(ours, 0, n * sizeof *ours);
    int64_t id;
    while ((rc = db_row_next(&rows, "i", &id)) > 0)
        for (size_t i = 0; i < n; i++)
            if (results[i].id == id)
                ours[i] = true;
    return db_rows_done(&rows, rc);
}

static int write_results(db_conn *c, arena *a, const char *host, const outbox_result *results,
                         size_t n, const bool *ours)
{
    cJSON *list = cJSON_CreateArray();
    bool webhooks = false;
    for (size_t i = 0; list && i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        webhooks = webhooks || strcmp(results[i].channel, "webhook") == 0;
        cJSON_AddNumberToObject(o, "id", (double)results[i].id);
        cJSON_AddNumberToObject(o, "a", (double)results[i].attempts);
        cJSON_AddNumberToObject(o, "r", (double)results[i].outcome);
        cJSON_AddNumberToObject(o, "d", (double)results[i].delay_ms);
        cJSON_AddNumberToObject(o, "h", (double)results[i].http_status);
        cJSON_AddNumberToObject(o, "ms", (double)results[i].duration_ms);
        if (results[i].error)
            cJSON_AddStringToObject(o, "e", results[i].error);
        else
            cJSON_AddNullToObject(o, "e");
        cJSON_AddItemToArray(list, o);
    }
    char *text = list ? cJSON_PrintUnformatted(list) : NULL;
    cJSON_Delete(list);
    if (!text)
        return DB_ERROR;
    int rc = db_exec(c, sql_record, "s", text);
    if (rc == DB_OK && webhooks)
        rc = db_exec(c, sql_webhook_attempts, "s", text);
    cJSON_free(text);
    if (rc == DB_OK)
        rc = deactivate(c, a, results, n, ours);
    tally counts = {.kinds = 0};
    for (size_t i = 0; i < n; i++)
        if (ours[i])
            tally_add(&counts, results[i].channel, (int)results[i].outcome);
    return rc == DB_OK ? tally_write(c, host, &counts) : rc;
}

int outbox_record(db_conn *c, arena *a, const char *host, const outbox_result *results, size_t n,
                  bool *ours)
{
    if (n == 0)
        return DB_OK;
    int rc = db_begin(c);
    if (rc == DB_OK)
        rc = lock_ours(c, a, results, n, ours);
    if (rc == DB_OK)
        rc = write_results(c, a, host, results, n, ours);
    if (rc == DB_OK)
        rc = db_commit(c);
    if (rc != DB_OK)
        db_rollback(c);
    return rc;
}

int outbox_use_grant(db_conn *c, int64_t citizen_id, const char *template_id)
{
    return db_exec_changed(c,
                           "UPDATE wechat_grants SET remaining = remaining - 1, "
                           "updated_at = CURRENT_TIMESTAMP(3) WHERE citizen_id = ? "
                           "AND template_id = ? AND remaining > 0",
                           "is", citizen_id, template_id);
}

int outbox_each_dead(db_conn *c, arena *a, outbox_dead_fn fn, void *ctx)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT id, delivery_id, channel, attempts, last_error, "
                      "DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ') FROM outbox "
                      "WHERE status = 'dead' ORDER BY next_attempt_at, id LIMIT 10000",
                      "");
    if (rc != DB_OK)
        return rc;
    int64_t id, attempts;
    const char *delivery, *channel, *error, *created;
    while ((rc = db_row_next(&rows, "ississ", &id, &delivery, &channel, &attempts, &error,
                             &created)) > 0)
        fn(id, delivery, channel, attempts, error, created, ctx);
    return db_rows_done(&rows, rc);
}

int outbox_requeue(db_conn *c, int64_t id, int64_t *n)
{
    return id > 0 ? db_exec_count(c, n,
                                  "UPDATE outbox SET status = 'pending', attempts = 0, "
                                  "next_attempt_at = CURRENT_TIMESTAMP(3) WHERE id = ? "
                                  "AND status = 'dead'",
                                  "i", id)
                  : db_exec_count(c, n,
                                  "UPDATE outbox SET status = 'pending', attempts = 0, "
                                  "next_attempt_at = CURRENT_TIMESTAMP(3) WHERE status = 'dead'",
                                  "");
}

int outbox_depth(db_conn *c, arena *a, int64_t *pending, int64_t *oldest_due_s, int64_t *dead)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT COUNT(*), COALESCE(TIMESTAMPDIFF(SECOND, MIN(IF(next_attempt_at <= "
                      "CURRENT_TIMESTAMP(3), next_attempt_at, NULL)), CURRENT_TIMESTAMP(3)), 0), "
                      "(SELECT COUNT(*) FROM outbox WHERE status = 'dead') "
                      "FROM outbox WHERE status = 'pending'",
                      "");
    /* an aggregate: one row */
    return db_row_one(&rows, rc, "iii", pending, oldest_due_s, dead);
}

int outbox_each_counter(db_conn *c, arena *a, const char *host, outbox_counter_fn fn, void *ctx)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT channel, result, n FROM push_counters WHERE host = ? "
                      "ORDER BY channel, result",
                      "s", host);
    if (rc != DB_OK)
        return rc;
    const char *channel, *result;
    int64_t n;
    while ((rc = db_row_next(&rows, "ssi", &channel, &result, &n)) > 0)
        fn(channel, result, n, ctx);
    return db_rows_done(&rows, rc);
}

int outbox_prune(db_conn *c, int keep_days)
{
    /* delivered rows, then the webhook delivery log of the same age (migration 0043) */
    static const char *const deletes[] = {
        "DELETE FROM outbox WHERE status = 'done' "
        "AND next_attempt_at < CURRENT_TIMESTAMP(3) - INTERVAL ? DAY "
        "ORDER BY next_attempt_at LIMIT 1000",
        "DELETE FROM webhook_attempts WHERE created_at < CURRENT_TIMESTAMP(3) - INTERVAL ? DAY "
        "ORDER BY created_at LIMIT 1000",
    };
    int rc = DB_OK;
    for (size_t k = 0; k < sizeof deletes / sizeof deletes[0]; k++) {
        int64_t deleted = 1000;
        for (int i = 0; i < 100 && rc == DB_OK && deleted == 1000; i++)
            rc = db_exec_count(c, &deleted, deletes[k], "i", (int64_t)keep_days);
    }
    return rc;
}
