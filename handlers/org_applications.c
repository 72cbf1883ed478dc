/* The applications an organization handles under its delegations (API.md §7): its change
 * feed, the detail with the applicant's data (each read audited with the client id), the
 * same steps as a department's (actor organization, the organization's name on the
 * timeline), and messages to the applicant (inbox and push, limited per organization).
 * Another organization's application, one submitted after a revocation, one of a service
 * never delegated: 404, like an unknown number. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "api/idempotency.h"
#include "auth/token.h"
#include "core/config.h"
#include "db/rate_store.h"
#include "handlers/application_views.h"
#include "handlers/common.h"
#include "handlers/handlers.h"

#define MESSAGE_TITLE_MAX_CHARS 50
#define MESSAGE_BODY_MAX_CHARS 500
#define MESSAGE_WINDOW_S 60

/* An application the organization handles (viewer: the organization's id). */
static bool of_org(const app_row *a, const void *org_id)
{
    return a->org_id != 0 && a->org_id == *(const int64_t *)org_id;
}

static app_actor_ref org_actor(const req *r, const app_row *a)
{
    /* the name the application was handed over under: the timeline shows the organization */
    return (app_actor_ref){ACTOR_ORGANIZATION,     "organization",  r->claims->sub,
                           common_principal_id(r), a->handler_name, r->server_request_id,
                           r->client_request_id};
}

/* ?cursor: the last change number seen (0 without one). */
static bool read_feed_cursor(req *r, int64_t *after)
{
    char cursor[64];
    bool present;
    *after = 0;
    if (!common_read_cursor(r, cursor, sizeof cursor, &present) || !present)
        return r->n_errors == 0;
    /* "c<number>" */
    char *end = cursor;
    long long v = cursor[0] == 'c' && cursor[1] >= '0' && cursor[1] <= '9'
                      ? strtoll(cursor + 1, &end, 10)
                      : -1;
    if (v < 0 || *end) {
        req_add_error(r, "cursor", "分页游标无效。", "The cursor is not valid.");
        return false;
    }
    *after = v;
    return true;
}

/* The feed never ends: next_cursor is the position after the last change shown (or the
 * one asked for, when nothing changed since), to be passed back later. */
static void respond_feed(req *r, resp *w, const app_summary *items, size_t n, int limit,
                         int64_t after)
{
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    int64_t last = shown ? items[shown - 1].change_seq : after;
    const char *cursor = common_make_cursor(r, arena_printf(&r->arena, "c%lld", (long long)last));
    summary_page p = {items, shown, cursor, true, n > shown};
    respond_summary_page(r, w, &p);
}

void handle_org_feed(req *r, resp *w)
{
    app_feed_query q = {.org_id = common_principal_id(r)};
    int limit = 0;
    req_query_enum(r, "status", app_status_names, &q.status);
    common_read_limit(r, &limit);
    read_feed_cursor(r, &q.after_seq);
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    q.limit = limit + 1;
    app_summary *items = arena_alloc(&r->arena, sizeof *items * (size_t)q.limit);
    size_t n = 0;
    /* the primary: a replica could show a later change before an earlier one's commit
     * reached it (the order the feed promises is the primary's commit order) */
    int rc = items ? app_feed(db_primary(), &r->arena, &q, items, &n) : DB_ERROR;
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "organization feed");
        return;
    }
    respond_feed(r, w, items, n, limit, q.after_seq);
}

void handle_org_application(req *r, resp *w)
{
    app_row a;
    int64_t me = common_principal_id(r);
    if (load_application(r, w, db_primary(), LOAD_WITH_TIMELINE, of_org, &me, &a))
        respond_application(r, w, &a, VIEW_STAFF, app_with_applicant);
}

void handle_org_event(req *r, resp *w)
{
    app_step st = {.today = request_today(r)};
    if (!read_handler_step(r, &st)) {
        resp_invalid(r, w);
        return;
    }
    db_conn *c = db_primary();
    int64_t me = common_principal_id(r);
    app_row a;
    if (!load_application(r, w, c, LOAD_FOR_STEP, of_org, &me, &a))
        return;
    app_actor_ref who = org_actor(r, &a);
    take_step(r, w, c, &a, &who, &st, VIEW_STAFF);
}

/* True while the organization may send another message this minute (counted across every
 * worker in the database); else answered 429 (or the failure). */
static bool message_allowed(req *r, resp *w)
{
    uint8_t key[32];
    const char *who = arena_printf(&r->arena, "org:%s", r->claims->sub);
    crypto_hash_sha256(key, (const uint8_t *)who, strlen(who));
    int64_t hits = 0;
    /* now and then a hit also clears the counters of windows older than a day */
    int rc = rate_hit(db_primary(), "org_messages", key, MESSAGE_WINDOW_S,
                      randombytes_uniform(64) == 0, &hits);
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "organization message limit");
        return false;
    }
    if (hits <= config_current()->org_messages_per_minute)
        return true;
    common_answer_rate_limited(r, w, MESSAGE_WINDOW_S - (int64_t)time(NULL) % MESSAGE_WINDOW_S,
                               "本组织发送消息过于频繁，请稍后再试。",
                               "Your organization sends messages too often: try again later.");
    return false;
}

void handle_org_message(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    const char *title = NULL, *text = NULL;
    if (body) {
        req_json_string(r, body, "/title", 1, MESSAGE_TITLE_MAX_CHARS, true, &title);
        req_json_string(r, body, "/body", 1, MESSAGE_BODY_MAX_CHARS, true, &text);
    }
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    app_row a;
    int64_t me = common_principal_id(r);
    if (!load_application(r, w, db_primary(), LOAD_WITH_TIMELINE, of_org, &me, &a) ||
        !message_allowed(r, w))
        return;
    db_conn *c = db_primary();
    app_actor_ref who = org_actor(r, &a);
    int64_t id = 0;
    int rc = application_message(c, &r->arena, &a, &who, title, text, &id);
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "organization message");
        return;
    }
    cJSON *o = resp_new_object(r);
    cJSON_AddStringToObject(o, "id", arena_printf(&r->arena, "%lld", (long long)id));
    cJSON_AddStringToObject(o, "application_no", a.no);
    common_answer_private(r, w, 201, o);
    idempotency_commit(r, w, c);
}
