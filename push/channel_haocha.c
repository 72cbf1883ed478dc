/* haocha (docs/API.md §8 "Forwarding ratings"): a rating record POSTed to a provincial or
 * national 好差评 system at haocha_url, as the JSON the rating's transaction wrote into the
 * outbox row (db/rating_store.c builds it), with `Authorization: Bearer <haocha_token>` and
 * `Idempotency-Key: rating-<id>` (`rating-<id>-excluded` for an exclusion), so that the
 * receiver drops the repeat of an at-least-once resend. Any 2xx is delivered; a timeout, a
 * connection failure, 408, 429 and 5xx are tried again on the engine's back-off
 * (push_retry_base_ms, push_max_attempts); any other answer is the receiver refusing this
 * record for good: dead at once (`onewindow-admin outbox --dead`). Off until haocha_url is
 * set; rows wait (pending) while the token is missing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/rating_store.h"
#include "push/channel.h"

/* Forwarding is off while haocha_url is empty (the default): no row is ever queued. */
static bool haocha_enabled(const ow_config *cfg)
{
    return cfg->haocha_url[0] != '\0';
}

static bool haocha_configured(const ow_config *cfg)
{
    return cfg->haocha_url[0] && cfg->haocha_token[0];
}

static void haocha_prepare(push_job *job)
{
    const ow_config *cfg = config_current();
    const outbox_row *row = job->row;
    if (!row->payload || row->target_id <= 0) {
        job->outcome = push_outcome_of(OUTCOME_DEAD, "no rating record");
        return;
    }
    char auth[300], key[80];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", cfg->haocha_token);
    bool excluded = row->target_ref && strcmp(row->target_ref, RATING_EVENT_EXCLUDED) == 0;
    snprintf(key, sizeof key, "Idempotency-Key: rating-%lld%s", (long long)row->target_id,
             excluded ? "-excluded" : "");
    const char *const headers[] = {auth, key, NULL};
    if (push_http_post_json(job, cfg->haocha_url, strdup(row->payload), headers))
        curl_easy_setopt(job->easy, CURLOPT_FOLLOWLOCATION, 0L);
}

static push_outcome haocha_finish(push_job *job)
{
    push_outcome o;
    if (push_transient(job, &o))
        return o;
    if (job->http_status >= 200 && job->http_status < 300)
        return push_outcome_of(OUTCOME_DONE, NULL);
    if (job->http_status == 408)
        return push_outcome_of(OUTCOME_RETRY, "provider timeout");
    return push_outcome_of(OUTCOME_DEAD, "the haocha receiver refused");
}

const push_channel channel_haocha = {.name = "haocha",
                                     .device = false,
                                     .configured = haocha_configured,
                                     .enabled = haocha_enabled,
                                     .prepare = haocha_prepare,
                                     .finish = haocha_finish};
