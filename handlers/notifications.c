/* The citizen's inbox (API.md §6): the list, the unread count, marking read; and the
 * channel settings. Another citizen's notification is answered 404, like an unknown one.
 * Reads go to the primary: a notification marked read must not come back unread from a
 * lagging replica. */
#include <stdlib.h>

#include "auth/token.h"
#include "db/device_store.h"
#include "db/notification_store.h"
#include "handlers/common.h"
#include "handlers/handlers.h"

static cJSON *item_json(req *r, const notification_item *it)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", arena_printf(&r->arena, "%lld", (long long)it->id));
    cJSON_AddStringToObject(o, "kind", it->kind);
    cJSON_AddStringToObject(o, "title", it->title);
    cJSON_AddStringToObject(o, "body", it->body);
    if (it->application_no)
        cJSON_AddStringToObject(o, "application_no", it->application_no);
    if (it->bundle_no)
        cJSON_AddStringToObject(o, "bundle_no", it->bundle_no);
    cJSON_AddStringToObject(o, "created_at", it->created_at);
    if (it->read_at)
        cJSON_AddStringToObject(o, "read_at", it->read_at);
    else
        cJSON_AddNullToObject(o, "read_at");
    return o;
}

/* n holds one row more than the page when there is a next one. */
static void respond_page(req *r, resp *w, const notification_item *items, size_t n, int limit)
{
    cJSON *o = resp_new_object(r);
    cJSON *list = cJSON_AddArrayToObject(o, "items");
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    for (size_t i = 0; i < shown; i++)
        cJSON_AddItemToArray(list, item_json(r, &items[i]));
    common_answer_id_page(r, w, o, n > shown, shown ? items[shown - 1].id : 0);
}

void handle_notification_list(req *r, resp *w)
{
    bool unread = false;
    int limit = 0;
    int64_t before;
    req_query_bool(r, "unread", false, &unread);
    common_read_limit(r, &limit);
    common_read_id_cursor(r, &before);
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    notification_item *items = arena_alloc(&r->arena, sizeof *items * (size_t)(limit + 1));
    size_t n = 0;
    int rc = items ? notification_list(db_primary(), &r->arena, common_principal_id(r), unread,
                                       before, limit + 1, items, &n)
                   : DB_ERROR;
    if (rc != DB_OK)
        common_answer_failure(r, w, rc, "inbox");
    else
        respond_page(r, w, items, n, limit);
}

void handle_notification_unread_count(req *r, resp *w)
{
    int64_t count = 0;
    int rc = notification_unread_count(db_primary(), &r->arena, common_principal_id(r), &count);
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "unread count");
        return;
    }
    cJSON *o = resp_new_object(r);
    cJSON_AddNumberToObject(o, "count", (double)count);
    common_answer_private(r, w, 200, o);
}

/* Reading twice is not an error: the app may mark one read from two screens. */
void handle_notification_read(req *r, resp *w)
{
    int64_t id;
    if (!common_path_id(r, "id", &id)) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    common_answer_changed(
        r, w, notification_mark_read(db_primary(), &r->arena, common_principal_id(r), id),
        "notification read");
}

void handle_notification_read_all(req *r, resp *w)
{
    common_answer_changed(r, w, notification_mark_all_read(db_primary(), common_principal_id(r)),
                          "notifications read");
}

/* The channel settings (API.md §6): push on and SMS off until the citizen says otherwise. */
static void respond_settings(req *r, resp *w, bool push, bool sms)
{
    cJSON *o = resp_new_object(r);
    cJSON_AddBoolToObject(o, "push", push);
    cJSON_AddBoolToObject(o, "sms", sms);
    common_answer_private(r, w, 200, o);
}

void handle_notification_settings_get(req *r, resp *w)
{
    bool push, sms;
    int rc = device_settings_read(db_primary(), &r->arena, common_principal_id(r), &push, &sms);
    if (rc != DB_OK)
        common_answer_failure(r, w, rc, "notification settings");
    else
        respond_settings(r, w, push, sms);
}

void handle_notification_settings_put(req *r, resp *w)
{
    const cJSON *body = req_body_object(r);
    bool push = true, sms = false;
    if (body) {
        req_json_bool(r, body, "/push", true, &push);
        req_json_bool(r, body, "/sms", true, &sms);
    }
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    int rc = device_settings_write(db_primary(), common_principal_id(r), push, sms);
    if (rc != DB_OK)
        common_answer_failure(r, w, rc, "notification settings");
    else
        respond_settings(r, w, push, sms);
}
