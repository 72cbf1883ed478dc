#include "core/http_client.h"

#include <string.h>

#include "core/config.h"

void http_client_limits(CURL *curl, long total_ms)
{
    const ow_config *cfg = config_current();
    long connect_ms = cfg ? cfg->outbound_connect_timeout_ms : 2000;
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     connect_ms < total_ms ? connect_ms : total_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, total_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
}

static size_t collect(char *p, size_t size, size_t n, void *ctx)
{
    http_reply *r = ctx;
    size_t len = size * n;
    if (r->len + len >= sizeof r->body)
        return 0; /* too big: abort the transfer */
    memcpy(r->body + r->len, p, len);
    r->len += len;
    r->body[r->len] = '\0';
    return len;
}

int http_client_call(const http_call *call, http_reply *reply)
{
    const ow_config *cfg = config_current();
    memset(reply, 0, sizeof *reply);
    CURL *curl = curl_easy_init();
    if (!curl) {
        reply->error = "out of memory";
        return -1;
    }
    struct curl_slist *headers = NULL;
    char type[96];
    if (call->body) {
        snprintf(type, sizeof type, "Content-Type: %s",
                 call->content_type ? call->content_type : "application/json");
        headers = curl_slist_append(headers, type);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call->body);
    }
    for (const char *const *h = call->headers; h && *h; h++)
        headers = curl_slist_append(headers, *h);
    curl_easy_setopt(curl, CURLOPT_URL, call->url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, reply);
    http_client_limits(curl, cfg ? cfg->outbound_timeout_ms : 5000);
    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply->status);
    else {
        reply->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
        reply->error = curl_easy_strerror(rc);
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return rc == CURLE_OK ? 0 : -1;
}
