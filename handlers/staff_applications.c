/* A department's queue (API.md §5): the staff member's department only (another department's
 * number is 404), the detail with the applicant's personal data in full and the form (each
 * read written to the audit log), and the handler's steps of the state machine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/pii.h"
#include "auth/token.h"
#include "core/decimal_id.h"
#include "db/audit_store.h"
#include "db/citizen_store.h"
#include "handlers/application_views.h"
#include "handlers/common.h"
#include "handlers/handlers.h"

#define PII_TEXT_MAX 512

static const char *const sorts[] = {"oldest", "due", NULL};

static const char *queue_cursor(req *r, const app_summary *last)
{
    return common_make_cursor(
        r, arena_printf(&r->arena, "%s|%lld", last->due_date, (long long)last->id));
}

/* "due|id" of queue_cursor. */
static bool parse_queue_cursor(req *r, char *text, app_queue_query *q)
{
    char *bar = strchr(text, '|');
    cal_day d;
    if (!bar)
        return false;
    *bar = '\0';
    if (!decimal_id_parse(bar + 1, strlen(bar + 1), &q->after_id) || cal_day_parse(text, &d) != 0)
        return false;
    q->after_due = arena_strdup(&r->arena, text);
    return true;
}

void handle_staff_queue(req *r, resp *w)
{
    app_queue_query q = {.department_code = r->claims->dept};
    const char *sort = NULL;
    char cursor[64];
    bool has_cursor;
    req_query_enum(r, "status", app_status_names, &q.status);
    req_query_enum(r, "sort", sorts, &sort);
    common_read_limit(r, &q.limit);
    if (common_read_cursor(r, cursor, sizeof cursor, &has_cursor) && has_cursor &&
        !parse_queue_cursor(r, cursor, &q))
        req_add_error(r, "cursor", "分页游标无效。", "The cursor is not valid.");
    if (r->n_errors) {
        resp_invalid(r, w);
        return;
    }
    q.by_due = sort && strcmp(sort, "due") == 0;
    int limit = q.limit;
    q.limit = limit + 1;
    app_summary *items = arena_alloc(&r->arena, sizeof *items * (size_t)q.limit);
    size_t n = 0;
    int rc = items ? app_queue(db_primary(), &r->arena, &q, items, &n) : DB_ERROR;
    if (rc != DB_OK) {
        common_answer_failure(r, w, rc, "staff queue");
        return;
    }
    respond_summaries(r, w, items, n, limit, queue_cursor);
}

/* An application of the staff member's department (viewer: the department's code). */
static bool of_department(const app_row *a, const void *department_code)
{
    return strcmp(a->department_code, department_code) == 0;
}

static void add_clear(cJSON *o, const char *name, const char *field, const void *enc, size_t len)
{
    char clear[PII_TEXT_MAX];
    if (enc && pii_decrypt(field, enc, len, clear, sizeof clear) == 0)
        cJSON_AddStringToObject(o, name, clear);
    else
        cJSON_AddNullToObject(o, name);
}

/* The applicant's data and the form, read under an audit row (in the primary's
 * transaction of the caller, or on its own). */
static cJSON *with_applicant(req *r, const app_row *a, cJSON *detail, int *rc)
{
    citizen_row c;
    const void *form_enc;
    size_t form_len;
    audit_entry au = {"staff",
                      r->claims->sub,
                      "application.read",
                      a->no,
                      "applicant data and form",
                      r->server_request_id,
                      r->client_request_id};
    if ((*rc = pii_ready()) != DB_OK || (*rc = audit_insert(db_primary(), &au)) != DB_OK)
        return NULL;
    *rc = citizen_by_id(db_primary(), &r->arena, a->citizen_id, &c);
    if (*rc == DB_OK)
        *rc = app_form(db_primary(), &r->arena, a->id, &form_enc, &form_len);
    if (*rc != DB_OK) /* DB_NOT_FOUND too: an application's citizen and form exist */
        return NULL;
    cJSON *who = cJSON_AddObjectToObject(detail, "applicant");
    add_clear(who, "name", "name", c.name_enc, c.name_len);
    add_clear(who, "id_number", "id_number", c.id_number_enc, c.id_number_len);
    add_clear(who, "phone", "phone", c.phone_enc, c.phone_len);
    char *form = arena_alloc(&r->arena, form_len + 1);
    cJSON *parsed = form && pii_decrypt("form", form_enc, form_len, form, form_len + 1) == 0
                        ? cJSON_Parse(form)
                        : NULL;
    if (!parsed) {
        *rc = DB_ERROR; /* a form that does not open: the data key is wrong */
        return NULL;
    }
    cJSON_AddItemToObject(detail, "form", parsed);
    return detail;
}

void handle_staff_application(req *r, resp *w)
{
    app_row a;
    if (load_application(r, w, db_primary(), LOAD_WITH_TIMELINE, of_department, r->claims->dept,
                         &a))
        respond_application(r, w, &a, VIEW_STAFF, with_applicant);
}

/* {"status","note","result"}: note required to refuse or ask for materials; result exactly
 * when completing. */
static bool read_step(req *r, app_step *st)
{
    const cJSON *body = req_body_object(r);
    const char *status = NULL, *note = NULL, *result = NULL;
    if (!body)
        return false;
    req_json_string(r, body, "/status", 1, 32, true, &status);
    req_json_string(r, body, "/note", 0, NOTE_MAX_CHARS, false, &note);
    req_json_string(r, body, "/result", 1, 16, false, &result);
    if (r->n_errors)
        return false;
    st->to = app_status_parse(status);
    st->result = app_result_parse(result);
    st->note = note && *note ? note : NULL;
    if (st->to == APP_STATUS_NONE)
        req_add_error(r, "/status",
                      "状态须为 accepted、need_materials、not_accepted 或 completed。",
                      "status must be accepted, need_materials, not_accepted or completed.");
    else if ((st->to == APP_NEED_MATERIALS || st->to == APP_NOT_ACCEPTED) && !st->note)
        req_add_error(r, "/note", "补齐补正和不予受理须写明原因。",
                      "A note is required to ask for materials or to refuse.");
    if (st->to == APP_COMPLETED && st->result == RESULT_NONE)
        req_add_error(r, "/result", "办结须给出结果：approved 或 denied。",
                      "Completing needs a result: approved or denied.");
    else if (st->to != APP_COMPLETED && result)
        req_add_error(r, "/result", "只有办结时才能给出结果。",
                      "A result is given only when completing.");
    else if (result && st->result == RESULT_NONE)
        req_add_error(r, "/result", "结果须为 approved 或 denied。",
                      "result must be approved or denied.");
    return r->n_errors == 0;
}

void handle_staff_event(req *r, resp *w)
{
    app_step st = {.today = request_today(r)};
    if (!read_step(r, &st)) {
        resp_invalid(r, w);
        return;
    }
    db_conn *c = db_primary();
    app_row a;
    if (!load_application(r, w, c, LOAD_FOR_STEP, of_department, r->claims->dept, &a))
        return;
    app_actor_ref who = {ACTOR_DEPARTMENT,       "staff",           r->claims->sub,
                         common_principal_id(r), a.department_name, r->server_request_id,
                         r->client_request_id};
    /* the answer leaves the applicant's data out: it may be kept under an Idempotency-Key
     * and replayed, and a read of personal data is a GET of its own, audited each time */
    take_step(r, w, c, &a, &who, &st, VIEW_STAFF);
}
