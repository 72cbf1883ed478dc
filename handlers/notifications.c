/* The citizen's inbox (API.md §6): the list, the unread count, marking read. Another
 * citizen's notification is answered 404, like an unknown one. Reads go to the primary: a
 * notification marked read must not come back unread from a lagging replica. */
#include <stdlib.h>

#include "auth/token.h"
#include "db/notification_store.h"
#include "handlers/application_views.h"
#include "handlers/handlers.h"

/* The cursor is the id of the last item shown: the next page starts below it. */
static bool read_before(req *r, int64_t *before)
{
    char cursor[32];
    bool present;
    *before = INT64_MAX;
    if (!read_cursor(r, cursor, sizeof cursor, &present))
        return false;
    if (!present)
        return true;
    char *end;
    *before = strtoll(cursor, &end, 10);
    if (*end || *before <= 0) {
        req_add_error(r, "cursor", "分页游标无效。", "The cursor is not valid.");
        return false;
    }
    return true;
}

static cJSON *item_json(req *r, const notification_item *it)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", arena_printf(&r->arena, "%lld", (long long)it->id));
    cJSON_AddStringToObject(o, "kind", it->kind);
    cJSON_AddStringToObject(o, "title", it->title);
    cJSON_AddStringToObject(o, "body", it->body);
    if (it->application_no)
        cJSON_AddStringToObject(o, "application_no", it->application_no);
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
    if (n > shown)
        cJSON_AddStringToObject(
            o, "next_cursor",
            make_cursor(r, arena_printf(&r->arena, "%lld", (long long)items[shown - 1].id)));
    else
        cJSON_AddNullToObject(o, "next_cursor");
    resp_header(w, "Cache-Control", "no-store");
    resp_json(r, w, 200, o);
}

void handle_notification_list(req *r, resp *w)
{
    bool unread = false;
    int limit = 0;
    int64_t before;
    req_query_bool(r, "unread", false, &unread);
    read_limit(r, &limit);
    read_before(r, &before);
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    notification_item *items = arena_alloc(&r->arena, sizeof *items * (size_t)(limit + 1));
    size_t n = 0;
    int rc = items ? notification_list(db_primary(), &r->arena, principal_id(r), unread, before,
                                       limit + 1, items, &n)
                   : DB_ERROR;
    if (rc != DB_OK)
        respond_db_error(r, w, rc);
    else
        respond_page(r, w, items, n, limit);
}

void handle_notification_unread_count(req *r, resp *w)
{
    int64_t count = 0;
    int rc = notification_unread_count(db_primary(), &r->arena, principal_id(r), &count);
    if (rc != DB_OK) {
        respond_db_error(r, w, rc);
        return;
    }
    cJSON *o = resp_new_object(r);
    cJSON_AddNumberToObject(o, "count", (double)count);
    resp_header(w, "Cache-Control", "no-store");
    resp_json(r, w, 200, o);
}

/* Reading twice is not an error: the app may mark one read from two screens. */
void handle_notification_read(req *r, resp *w)
{
    int64_t id;
    if (!read_path_id(r, "id", &id)) {
        resp_problem(r, w, PROBLEM_NOT_FOUND, NULL);
        return;
    }
    respond_changed(r, w, notification_mark_read(db_primary(), &r->arena, principal_id(r), id));
}

void handle_notification_read_all(req *r, resp *w)
{
    int rc = notification_mark_all_read(db_primary(), principal_id(r));
    if (rc != DB_OK)
        respond_db_error(r, w, rc);
    else
        resp_body(w, 204, NULL, NULL, 0);
}
