#include "workflow/delegations.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "db/audit_store.h"
#include "db/webhook_store.h"

delegation_window delegation_window_check(cal_day from, cal_day to, cal_day today)
{
    if (to < from)
        return DELEGATION_WINDOW_REVERSED;
    if (to < today)
        return DELEGATION_WINDOW_ENDED;
    if (to - from + 1 > DELEGATION_DAYS_MAX)
        return DELEGATION_WINDOW_TOO_LONG;
    return DELEGATION_WINDOW_OK;
}

/* "staff:12", "operator:alice": the delegation's created_by / revoked_by. */
static const char *actor_label(arena *a, const delegation_actor *who)
{
    return arena_printf(a, "%s:%s", who->audit_type, who->id);
}

static int audit(db_conn *c, arena *a, const delegation_actor *who, const char *action,
                 const delegation_row *d)
{
    const char *detail = arena_printf(a, "service %s, organization %lld, %s..%s", d->service_code,
                                      (long long)d->org_id, d->from, d->to);
    audit_entry au = {who->audit_type,
                      who->id,
                      action,
                      arena_printf(a, "delegation:%lld", (long long)d->id),
                      detail,
                      who->request_id,
                      who->client_request_id};
    return detail && au.target ? audit_insert(c, &au) : DB_ERROR;
}

static int create_in_tx(db_conn *c, arena *a, const delegation_request *rq,
                        const delegation_actor *who, delegation_row *out)
{
    delegation_service svc;
    const char *org_name;
    int64_t overlapping = 0, id = 0;
    /* the service's row stays locked to the commit: two delegations of one service are
     * checked and written one after the other */
    int rc = delegation_lock_service(c, a, rq->service_code, &svc);
    if (rc == DB_NOT_FOUND || (rc == DB_OK && svc.retired))
        return DELEGATION_NO_SERVICE;
    if (rc == DB_OK && who->department_code && strcmp(who->department_code, svc.department_code))
        return DELEGATION_OTHER_DEPARTMENT;
    if (rc == DB_OK)
        rc = delegation_org_name(c, a, rq->org_id, &org_name);
    if (rc == DB_NOT_FOUND)
        return DELEGATION_NO_ORG;
    if (rc == DB_OK)
        rc = delegation_overlaps(c, a, svc.id, rq->from, rq->to, &overlapping);
    if (rc == DB_OK && overlapping > 0)
        return DELEGATION_OVERLAP;
    delegation_new d = {svc.id,   rq->org_id, svc.department_code,
                        rq->from, rq->to,     actor_label(a, who)};
    if (rc == DB_OK)
        rc = delegation_insert(c, &d, &id);
    if (rc == DB_OK)
        rc = delegation_by_id(c, a, id, false, out);
    if (rc == DB_OK)
        rc = audit(c, a, who, "delegation.create", out);
    return rc;
}

int delegation_create(db_conn *c, arena *a, const delegation_request *rq,
                      const delegation_actor *who, delegation_row *out)
{
    int rc = db_begin(c);
    if (rc == DB_OK && (rc = create_in_tx(c, a, rq, who, out)) != DB_OK)
        db_rollback(c);
    return rc;
}

/* The organization's delegation.revoked event (API.md §7). */
static int revoked_event(db_conn *c, const delegation_row *d)
{
    cJSON *o = cJSON_CreateObject();
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)d->id);
    cJSON_AddStringToObject(o, "delegation_id", id);
    cJSON *s = cJSON_AddObjectToObject(o, "service");
    cJSON_AddStringToObject(s, "code", d->service_code);
    cJSON_AddStringToObject(s, "name", d->service_name);
    cJSON_AddStringToObject(o, "from", d->from);
    cJSON_AddStringToObject(o, "to", d->to);
    cJSON_AddStringToObject(o, "revoked_at", d->revoked_at ? d->revoked_at : "");
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    int rc = text ? webhook_event_insert(c, d->org_id, "delegation.revoked", text) : DB_ERROR;
    cJSON_free(text);
    return rc;
}

static int revoke_in_tx(db_conn *c, arena *a, int64_t id, const delegation_actor *who,
                        delegation_row *out)
{
    int rc = delegation_by_id(c, a, id, true, out);
    if (rc == DB_OK && who->department_code && strcmp(who->department_code, out->department_code))
        return DB_NOT_FOUND; /* another department's: as if there were none */
    if (rc != DB_OK || out->revoked_at)
        return rc; /* revoked before: nothing more to write */
    rc = delegation_set_revoked(c, id, actor_label(a, who));
    if (rc == DB_OK)
        rc = delegation_by_id(c, a, id, false, out);
    if (rc == DB_OK)
        rc = audit(c, a, who, "delegation.revoke", out);
    if (rc == DB_OK)
        rc = revoked_event(c, out);
    return rc == DB_NOT_FOUND ? DB_ERROR : rc; /* the row was locked: it is there */
}

int delegation_revoke(db_conn *c, arena *a, int64_t id, const delegation_actor *who,
                      delegation_row *out)
{
    int rc = db_begin(c);
    if (rc == DB_OK && (rc = revoke_in_tx(c, a, id, who, out)) != DB_OK)
        db_rollback(c);
    return rc;
}
