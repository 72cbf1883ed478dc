#include "workflow/bundle_ratings.h"

#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "db/audit_store.h"
#include "workflow/bundles.h"

static int rate_in_tx(db_conn *c, arena *a, const char *no, const app_actor_ref *who,
                      const rating_input *in, cal_day today, rating_made *out, int64_t *bundle_id)
{
    bundle_row b;
    app_row children[LIFE_EVENT_SERVICES_MAX];
    size_t n = 0;
    int rc = bundle_lock_own(c, a, no, who->numeric_id, &b, children, &n);
    if (rc != DB_OK)
        return rc;
    *bundle_id = b.id;
    cal_day last;
    if (strcmp(bundle_status(children, n), "completed") != 0 ||
        rating_last_day_after(bundle_finished_at(children, n), &last) != 0)
        return RATING_NOT_FINAL;
    cal_day_format(last, out->last_day);
    if (today > last)
        return RATING_WINDOW_OVER;
    const ow_config *cfg = config_current();
    char finished[CAL_DATE_BYTES], rated[CAL_DATE_BYTES];
    cal_day_format(last - (cfg ? cfg->rating_window_days : 30), finished);
    cal_day_format(today, rated);
    bundle_rating_new r = {.bundle_id = b.id,
                           .citizen_id = b.citizen_id,
                           .bundle_no = b.no,
                           .life_event_code = b.life_event_code,
                           .life_event_name = b.life_event_name,
                           .channel = in->channel,
                           .finished_day = finished,
                           .rated_day = rated,
                           .score = in->score,
                           .tags = in->tags,
                           .comment = in->comment};
    memcpy(r.dimensions, in->dimensions, sizeof r.dimensions);
    rc = bundle_rating_insert(c, &r, &out->rating_id);
    if (rc == DB_DUPLICATE)
        return RATING_EXISTS;
    char detail[32];
    snprintf(detail, sizeof detail, "score %d", in->score);
    audit_entry au = {who->audit_type, who->id,         "bundle_rating.create", b.no,
                      detail,          who->request_id, who->client_request_id};
    return rc == DB_OK ? audit_insert(c, &au) : rc;
}

int bundle_rating_submit(db_conn *c, arena *a, const char *no, const app_actor_ref *who,
                         const rating_input *in, cal_day today, rating_made *out,
                         int64_t *bundle_id)
{
    *out = (rating_made){0};
    int rc = db_begin(c);
    if (rc == DB_OK && (rc = rate_in_tx(c, a, no, who, in, today, out, bundle_id)) != DB_OK)
        db_rollback(c);
    return rc;
}
