#include "workflow/questions.h"

#include <string.h>

#include "db/audit_store.h"
#include "db/feedback_store.h"

static int audit(db_conn *c, arena *a, const app_actor_ref *who, const char *action, int64_t id,
                 const char *detail)
{
    const char *target = arena_printf(a, "question:%lld", (long long)id);
    audit_entry au = {who->audit_type,       who->id, action, target, detail, who->request_id,
                      who->client_request_id};
    return target ? audit_insert(c, &au) : DB_ERROR;
}

/* The ticket's state allows a publication: a consultation staff answered. */
static int publishable(db_conn *c, arena *a, const feedback_row *t)
{
    if (strcmp(t->kind, "consultation") != 0)
        return QUESTION_NOT_CONSULTATION;
    int rc = feedback_has_reply(c, a, t->id);
    return rc == DB_NOT_FOUND ? QUESTION_UNANSWERED : rc;
}

static int service_of(db_conn *c, arena *a, const char *service_code, const char *department)
{
    const char *owner = NULL;
    if (!service_code)
        return DB_OK;
    int rc = feedback_service_department(c, a, service_code, &owner);
    if (rc == DB_OK && (!owner || strcmp(owner, department) != 0))
        rc = DB_NOT_FOUND;
    return rc == DB_NOT_FOUND ? QUESTION_UNKNOWN_SERVICE : rc;
}

static int publish_in_tx(db_conn *c, arena *a, const question_publication *p,
                         const feedback_viewer *v, const app_actor_ref *who, int64_t *id)
{
    feedback_row t = {0};
    int rc = feedback_by_id(c, a, p->ticket_id, true, &t);
    if (rc == DB_OK && !feedback_visible(&t, v))
        rc = DB_NOT_FOUND;
    if (rc == DB_OK)
        rc = publishable(c, a, &t);
    /* a general-queue ticket is published under the desk's department */
    const char *department = t.department_code ? t.department_code : v->department_code;
    if (rc == DB_OK)
        rc = service_of(c, a, p->service_code, department);
    if (rc != DB_OK)
        return rc;
    question_new n = {p->ticket_id, department, p->service_code,
                      p->question,  p->answer,  who->numeric_id};
    rc = question_insert(c, &n, id);
    if (rc == DB_DUPLICATE)
        return QUESTION_PUBLISHED;
    if (rc == DB_OK)
        rc = question_bump_version(c);
    char *ticket = arena_printf(a, "feedback:%lld", (long long)p->ticket_id);
    return rc == DB_OK ? audit(c, a, who, "question.publish", *id, ticket) : rc;
}

static int retire_in_tx(db_conn *c, arena *a, int64_t id, const char *department_code,
                        const app_actor_ref *who, question_row *out)
{
    int rc = question_by_id(c, a, id, false, true, out);
    if (rc == DB_OK && strcmp(out->department_code, department_code) != 0)
        rc = DB_NOT_FOUND;
    if (rc == DB_OK && out->retired_at)
        rc = QUESTION_RETIRED;
    if (rc == DB_OK)
        rc = question_set_retired(c, id, who->numeric_id);
    if (rc == DB_OK)
        rc = question_bump_version(c);
    if (rc == DB_OK)
        rc = audit(c, a, who, "question.retire", id, NULL);
    return rc == DB_OK ? question_by_id(c, a, id, false, false, out) : rc;
}

int questions_publish(db_conn *c, arena *a, const question_publication *p, const feedback_viewer *v,
                      const app_actor_ref *who, int64_t *id)
{
    int rc = db_begin(c);
    if (rc == DB_OK && (rc = publish_in_tx(c, a, p, v, who, id)) != DB_OK)
        db_rollback(c);
    return rc;
}

int questions_retire(db_conn *c, arena *a, int64_t id, const char *department_code,
                     const app_actor_ref *who, question_row *out)
{
    int rc = db_begin(c);
    if (rc == DB_OK && (rc = retire_in_tx(c, a, id, department_code, who, out)) != DB_OK)
        db_rollback(c);
    return rc;
}
