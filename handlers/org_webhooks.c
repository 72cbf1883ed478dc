/* GET /api/v1/org/webhook-deliveries (API.md §7): the organization's recent webhook tries,
 * newest first (onewindow-pushd writes one line per try; kept outbox_keep_days), all of them
 * or one event's (?event_id=), so that an organization can see why an event did not arrive. */
#include <stdio.h>
#include <string.h>

#include "auth/token.h"
#include "core/json_out.h"
#include "db/webhook_store.h"
#include "handlers/common.h"
#include "handlers/handlers.h"

#define EVENT_ID_CHARS 36 /* a UUID */

static bool is_uuid(const char *s)
{
    if (strlen(s) != EVENT_ID_CHARS)
        return false;
    for (int i = 0; i < EVENT_ID_CHARS; i++)
        if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-'
                                                      : !strchr("0123456789abcdef", s[i]))
            return false;
    return true;
}

static cJSON *attempt_json(req *r, const webhook_attempt *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", arena_printf(&r->arena, "%lld", (long long)t->id));
    cJSON_AddStringToObject(o, "event_id", t->event_id);
    cJSON_AddStringToObject(o, "type", t->type);
    cJSON_AddNumberToObject(o, "attempt", (double)t->attempt);
    cJSON_AddStringToObject(o, "result", t->result);
    if (t->http_status)
        cJSON_AddNumberToObject(o, "status_code", (double)t->http_status);
    else
        cJSON_AddNullToObject(o, "status_code");
    json_add_string_or_null(o, "error", t->error);
    cJSON_AddNumberToObject(o, "duration_ms", (double)t->duration_ms);
    cJSON_AddStringToObject(o, "at", t->at);
    json_add_string_or_null(o, "next_attempt_at", t->next_attempt_at);
    return o;
}

void handle_org_webhook_deliveries(req *r, resp *w)
{
    int limit = 0;
    int64_t before = INT64_MAX;
    const char *event = NULL;
    common_read_limit(r, &limit);
    common_read_id_cursor(r, &before);
    if (req_query_string(r, "event_id", EVENT_ID_CHARS, &event) && event && !is_uuid(event))
        req_add_error(r, "event_id", "须为事件编号（OneWindow-Event-Id 的值）。",
                      "must be an event id (the value of OneWindow-Event-Id).");
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    webhook_attempt *items = arena_alloc(&r->arena, sizeof *items * (size_t)(limit + 1));
    size_t n = 0;
    int rc = items ? webhook_attempt_list(db_primary(), &r->arena, common_principal_id(r), event,
                                          before, limit + 1, items, &n)
                   : DB_ERROR;
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "webhook deliveries");
        return;
    }
    cJSON *o = resp_new_object(r);
    cJSON *list = cJSON_AddArrayToObject(o, "items");
    for (size_t i = 0; i < n && i < (size_t)limit; i++)
        cJSON_AddItemToArray(list, attempt_json(r, &items[i]));
    bool more = n > (size_t)limit;
    common_answer_id_page(r, w, o, more, more ? items[limit - 1].id : 0);
}
