/* A delivery channel of onewindow-pushd (API.md §6). For each claimed outbox row the engine
 * (push/pushd.c) asks the channel to prepare a request (a libcurl easy handle), runs all of
 * a batch's requests at once on one multi handle (HTTP/2 multiplexed where the provider
 * speaks it, connections kept between batches), then asks the channel what the answer means:
 * done, retry, dead, or gone (the token or grant is no more). One file per channel
 * (push/channel_NAME.c), listed once in push/channels.c. */
#ifndef OW_PUSH_CHANNEL_H
#define OW_PUSH_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <curl/curl.h>

#include "core/arena.h"
#include "core/config.h"
#include "db/outbox_store.h"

#define PUSH_RESPONSE_MAX (64 * 1024)

typedef struct push_outcome {
    outbox_outcome outcome;
    const char
        *error; /* a short reason for operators, never personal data; ASCII (outbox.last_error) */
} push_outcome;

typedef struct push_job {
    const outbox_row *row;
    CURL *easy; /* NULL: answered without a request (outcome set by prepare) */
    struct curl_slist *headers;
    char *body; /* the request body (owned) */
    char *response;
    size_t response_len;
    long http_status;
    int64_t duration_ms;
    CURLcode curl_result;
    bool target_refused; /* the connection went to an address the channel does not allow */
    push_outcome outcome;
} push_job;

typedef struct push_channel {
    const char *name; /* outbox.channel */
    bool device;      /* deliveries go to registered devices: a platform of POST /devices */
    bool (*configured)(const ow_config *cfg);
    /* NULL: always on. Else false when the deployment has the channel switched off (nothing
     * is ever queued for it then): pushd leaves it out without a warning. */
    bool (*enabled)(const ow_config *cfg);
    /* Sets job->easy up, or job->outcome when there is nothing to send or it cannot be. */
    void (*prepare)(push_job *job);
    /* What the provider's answer means (job->curl_result, http_status, response). */
    push_outcome (*finish)(push_job *job);
    /* NULL: a retry waits pushd_retry_delay_ms, and push_max_attempts tries end in dead.
     * Else the channel's own wait before try attempts + 1, or -1: dead. */
    int64_t (*retry_delay_ms)(int64_t attempts, const ow_config *cfg);
} push_channel;

/* Shared by the channels (push/push_http.c). */
push_outcome push_outcome_of(outbox_outcome o, const char *error);
/* A POST of body (taken over) to url with the pushd's timeout, CA and response capture. */
bool push_http_post(push_job *job, const char *url, char *body, const char *content_type);
/* A JSON POST of body (taken over; NULL: out of memory) with the extra header lines (a NULL-ended
 * list); false with job->outcome set when it cannot be made. */
bool push_http_post_json(push_job *job, const char *url, char *body, const char *const *headers);
/* A blocking POST for a provider's access token: the parsed JSON answer, or NULL. */
struct cJSON *push_http_fetch_json(const char *url, const char *body, const char *content_type);
/* The answer's JSON (NULL when it is not JSON); freed by the caller. */
struct cJSON *push_response_json(const push_job *job);
/* A provider's OAuth-style access token, cached until a minute before it expires. */
typedef struct push_token {
    char *value;
    time_t expires;
} push_token;
/* The cached token while it is good, else NULL. */
const char *push_token_cached(const push_token *t);
/* The cached token, or a new one from POSTing body to url (an answer with "access_token" and
 * "expires_in"; default_ttl_s when it gives none); NULL when none can be had. */
const char *push_token_get(push_token *t, const char *url, const char *body,
                           const char *content_type, time_t default_ttl_s);
/* The provider refused it: the next push_token_get fetches a new one. */
void push_token_drop(push_token *t);
/* A transport failure or a 429/5xx: retry (with the reason). */
bool push_transient(const push_job *job, push_outcome *out);
/* s cut to at most max code points (a copy from the arena-less heap: free it). */
char *push_cut_chars(const char *s, size_t max);

#endif
