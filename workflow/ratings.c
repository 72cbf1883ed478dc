#include "workflow/ratings.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "db/audit_store.h"
#include "workflow/calendar_cache.h"
#include "workflow/rating_tags.h"
#include "workflow/stats_counts.h"

#define SECONDS_PER_DAY 86400

int rating_last_day(const app_row *a, cal_day *out)
{
    return rating_last_day_after(a->finished_at, out);
}

int rating_last_day_after(const char *finished_at, cal_day *out)
{
    struct tm t = {0};
    if (!finished_at || sscanf(finished_at, "%4d-%2d-%2dT%2d:%2d:%2d", &t.tm_year, &t.tm_mon,
                               &t.tm_mday, &t.tm_hour, &t.tm_min, &t.tm_sec) != 6)
        return -1;
    t.tm_year -= 1900;
    t.tm_mon -= 1;
    const ow_config *cfg = config_current();
    int window = cfg ? cfg->rating_window_days : 30;
    *out = cal_day_of((int64_t)timegm(&t)) + window; /* the final step's local day + window */
    return 0;
}

static int open_case(db_conn *c, const app_row *row, int64_t rating_id, cal_day today,
                     rating_made *out)
{
    const ow_config *cfg = config_current();
    char opened[CAL_DATE_BYTES];
    cal_day_format(today, opened);
    cal_day_format(calendar_due_date(today, cfg ? cfg->rectification_days : 5), out->deadline);
    rectification_new k = {rating_id, row->id,      row->org_id, row->no, row->department_code,
                           opened,    out->deadline};
    return rectification_insert(c, &k, &out->case_id);
}

static int rate_in_tx(db_conn *c, arena *a, const app_row *row, const app_actor_ref *who,
                      const rating_input *in, cal_day today, rating_made *out)
{
    char finished[CAL_DATE_BYTES], rated[CAL_DATE_BYTES];
    cal_day last;
    if (strcmp(row->status, "completed") != 0 && strcmp(row->status, "not_accepted") != 0)
        return RATING_NOT_FINAL;
    if (rating_last_day(row, &last) != 0)
        return RATING_NOT_FINAL;
    cal_day_format(last, out->last_day);
    if (today > last)
        return RATING_WINDOW_OVER;
    const ow_config *cfg = config_current();
    cal_day_format(last - (cfg ? cfg->rating_window_days : 30), finished);
    cal_day_format(today, rated);
    int64_t staff = 0;
    int rc = row->org_id ? DB_OK : rating_final_staff(c, a, row->id, &staff);
    rating_new n = {.application_id = row->id,
                    .citizen_id = row->citizen_id,
                    .service_id = 0,
                    .org_id = row->org_id,
                    .staff_id = staff,
                    .application_no = row->no,
                    .service_code = row->service_code,
                    .service_name = row->service_name,
                    .department_code = row->department_code,
                    .department_name = row->department_name,
                    .channel = in->channel,
                    .handler_type = row->handler_type,
                    .handler_name = row->handler_name,
                    .app_status = row->status,
                    .app_result = row->result,
                    .finished_day = finished,
                    .rated_day = rated,
                    .score = in->score,
                    .tags = in->tags,
                    .comment = in->comment};
    memcpy(n.dimensions, in->dimensions, sizeof n.dimensions);
    if (rc == DB_OK)
        rc = rating_service_id(c, a, row->id, &n.service_id);
    if (rc == DB_OK)
        rc = rating_insert(c, &n, &out->rating_id);
    if (rc == DB_DUPLICATE)
        return RATING_EXISTS;
    if (rc == DB_OK)
        rc = rating_totals_add(c, n.service_id, in->score);
    if (rc == DB_OK)
        rc = stats_count_rating(c, row->department_code, row->service_code, rated, in->score);
    out->case_id = 0;
    out->deadline[0] = '\0';
    if (rc == DB_OK && in->score <= RATING_BAD_MAX)
        rc = open_case(c, row, out->rating_id, today, out);
    char detail[64];
    snprintf(detail, sizeof detail, "score %d%s", in->score, out->case_id ? "; rectification" : "");
    audit_entry au = {who->audit_type, who->id,         "rating.create",       row->no,
                      detail,          who->request_id, who->client_request_id};
    if (rc == DB_OK)
        rc = audit_insert(c, &au);
    if (rc == DB_OK)
        rc = rating_forward(c, out->rating_id, RATING_EVENT_CREATED);
    return rc;
}

int rating_forward(db_conn *c, int64_t rating_id, const char *event)
{
    const ow_config *cfg = config_current();
    if (!cfg || !cfg->haocha_url[0])
        return DB_OK; /* forwarding is off: no row at all */
    return rating_forward_insert(c, rating_id, event);
}

int rating_submit(db_conn *c, arena *a, const app_row *row, const app_actor_ref *who,
                  const rating_input *in, cal_day today, rating_made *out)
{
    int rc = rate_in_tx(c, a, row, who, in, today, out);
    if (rc != DB_OK)
        db_rollback(c);
    return rc;
}
