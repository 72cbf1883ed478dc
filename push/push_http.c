#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/http_client.h"
#include "core/utf8_cut.h"
#include "push/channel.h"

push_outcome push_outcome_of(outbox_outcome o, const char *error)
{
    return (push_outcome){o, error};
}

static size_t capture(char *p, size_t size, size_t n, void *ctx)
{
    push_job *job = ctx;
    size_t len = size * n;
    if (job->response_len + len > PUSH_RESPONSE_MAX)
        return len; /* the rest is not needed to understand the answer */
    char *grown = realloc(job->response, job->response_len + len + 1);
    if (!grown)
        return 0;
    memcpy(grown + job->response_len, p, len);
    job->response = grown;
    job->response_len += len;
    grown[job->response_len] = '\0';
    return len;
}

static void common_options(CURL *curl, const ow_config *cfg)
{
    http_client_limits(curl, (long)cfg->push_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    if (cfg->push_ca_file[0])
        curl_easy_setopt(curl, CURLOPT_CAINFO, cfg->push_ca_file);
}

bool push_http_post(push_job *job, const char *url, char *body, const char *content_type)
{
    const ow_config *cfg = config_current();
    job->body = body;
    job->easy = body ? curl_easy_init() : NULL;
    char ct[96];
    snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
    struct curl_slist *h = job->easy ? curl_slist_append(job->headers, ct) : NULL;
    if (!h) {
        if (job->easy)
            curl_easy_cleanup(job->easy);
        job->easy = NULL;
        job->outcome = push_outcome_of(OUTCOME_RETRY, "out of memory");
        return false;
    }
    job->headers = h;
    CURL *curl = job->easy;
    common_options(curl, cfg);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, job->body);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, job->headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, capture);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, job);
    /* over TLS a provider may speak HTTP/2: wait to multiplex on its connection rather than
     * open one per request. Plain http is HTTP/1.1: waiting would serialize the batch on
     * one connection, so each request takes a connection of its own (up to
     * push_connections_per_host, kept between batches). */
    if (strncmp(url, "https://", 8) == 0)
        curl_easy_setopt(curl, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(curl, CURLOPT_PRIVATE, job);
    return true;
}

bool push_http_post_json(push_job *job, const char *url, char *body, const char *const *headers)
{
    for (size_t i = 0; body && headers[i]; i++) {
        struct curl_slist *h = curl_slist_append(job->headers, headers[i]);
        if (!h) { /* the list so far stays the job's, freed with it */
            free(body);
            body = NULL;
        } else
            job->headers = h;
    }
    if (!body) {
        job->outcome = push_outcome_of(OUTCOME_RETRY, "out of memory");
        return false;
    }
    return push_http_post(job, url, body, "application/json");
}

cJSON *push_http_fetch_json(const char *url, const char *body, const char *content_type)
{
    push_job job;
    memset(&job, 0, sizeof job);
    char *copy = strdup(body);
    if (!push_http_post(&job, url, copy, content_type))
        return NULL;
    CURLcode rc = curl_easy_perform(job.easy);
    curl_easy_getinfo(job.easy, CURLINFO_RESPONSE_CODE, &job.http_status);
    cJSON *answer = rc == CURLE_OK && job.http_status == 200 ? push_response_json(&job) : NULL;
    curl_easy_cleanup(job.easy);
    curl_slist_free_all(job.headers);
    free(job.body);
    free(job.response);
    return answer;
}

cJSON *push_response_json(const push_job *job)
{
    return job->response ? cJSON_ParseWithLength(job->response, job->response_len) : NULL;
}

bool push_transient(const push_job *job, push_outcome *out)
{
    if (job->curl_result != CURLE_OK) {
        *out = push_outcome_of(OUTCOME_RETRY, job->curl_result == CURLE_OPERATION_TIMEDOUT
                                                  ? "provider timeout"
                                                  : "provider unreachable");
        return true;
    }
    if (job->http_status == 429 || job->http_status >= 500) {
        *out = push_outcome_of(OUTCOME_RETRY,
                               job->http_status == 429 ? "provider rate limit" : "provider error");
        return true;
    }
    return false;
}

char *push_cut_chars(const char *s, size_t max)
{
    char *copy = strdup(s ? s : "");
    utf8_cut(copy, max);
    return copy;
}

const char *push_token_cached(const push_token *t)
{
    return t->value && time(NULL) < t->expires ? t->value : NULL;
}

const char *push_token_get(push_token *t, const char *url, const char *body,
                           const char *content_type, time_t default_ttl_s)
{
    if (push_token_cached(t))
        return t->value;
    cJSON *answer = push_http_fetch_json(url, body, content_type);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(answer, "access_token");
    const cJSON *ttl = cJSON_GetObjectItemCaseSensitive(answer, "expires_in");
    if (cJSON_IsString(v) && *v->valuestring) {
        free(t->value);
        t->value = strdup(v->valuestring);
        t->expires =
            time(NULL) + (cJSON_IsNumber(ttl) ? (time_t)ttl->valuedouble : default_ttl_s) - 60;
    }
    cJSON_Delete(answer);
    return push_token_cached(t);
}

void push_token_drop(push_token *t)
{
    t->expires = 0;
}
