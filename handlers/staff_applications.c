/* A department's queue (API.md §5): the staff member's department only (another department's
 * number is 404), the detail with the applicant's personal data in full and the form (each
 * read written to the audit log), and the handler's steps of the state machine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/token.h"
#include "core/decimal_id.h"
#include "handlers/application_views.h"
#include "handlers/common.h"
#include "handlers/handlers.h"

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

void handle_staff_application(req *r, resp *w)
{
    app_row a;
    if (load_application(r, w, db_primary(), LOAD_WITH_TIMELINE, of_department, r->claims->dept,
                         &a))
        respond_application(r, w, &a, VIEW_STAFF, app_with_applicant);
}

void handle_staff_event(req *r, resp *w)
{
    app_step st = {.today = request_today(r)};
    if (!read_handler_step(r, &st)) {
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
