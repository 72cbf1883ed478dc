#include "push/channel.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <sodium.h>

#include "auth/pii.h"
#include "core/config.h"

#define HTTP_TIMEOUT_MS 5000L

static push_outcome outcome(outbox_outcome o, const char *error, bool permanent)
{
    return (push_outcome){o, error, permanent};
}

/* {"delivery_id","phone","title","body"} — the provider's request, and the log line. */
static char *message_json(const outbox_row *row, const char *phone)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "delivery_id", row->delivery_id);
    cJSON_AddStringToObject(o, "phone", phone);
    cJSON_AddStringToObject(o, "template", "notification");
    cJSON *p = cJSON_AddObjectToObject(o, "params");
    cJSON_AddStringToObject(p, "title", row->title);
    cJSON_AddStringToObject(p, "body", row->body);
    char at[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON_AddStringToObject(o, "at", at);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

static push_outcome send_log(const ow_config *cfg, const char *text)
{
    char path[300];
    snprintf(path, sizeof path, "%s/sms-notifications.jsonl", cfg->var_dir);
    size_t len = strlen(text);
    char *line = malloc(len + 2);
    if (!line)
        return outcome(OUTCOME_RETRY, "out of memory", false);
    memcpy(line, text, len);
    memcpy(line + len, "\n", 2);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    /* one write(2) with O_APPEND, newline included: lines of several pushd processes never
     * interleave */
    bool ok = fd >= 0 && write(fd, line, len + 1) == (ssize_t)(len + 1);
    free(line);
    if (fd >= 0)
        close(fd);
    return ok ? outcome(OUTCOME_DONE, NULL, false)
              : outcome(OUTCOME_RETRY, "cannot write the SMS log", false);
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * n;
}

static push_outcome send_http(const ow_config *cfg, const char *text)
{
    CURL *curl = curl_easy_init();
    if (!curl)
        return outcome(OUTCOME_RETRY, "out of memory", false);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, cfg->sms_url);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, HTTP_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK)
        return outcome(OUTCOME_RETRY,
                       rc == CURLE_OPERATION_TIMEDOUT ? "gateway timeout" : "gateway unreachable",
                       false);
    if (status >= 200 && status < 300)
        return outcome(OUTCOME_DONE, NULL, false);
    /* 4xx (but 429) is the gateway refusing this message: retrying cannot help */
    bool permanent = status >= 400 && status < 500 && status != 429;
    return outcome(permanent ? OUTCOME_DEAD : OUTCOME_RETRY, "gateway refused", permanent);
}

push_outcome channel_sms_send(const outbox_row *row, arena *a)
{
    const ow_config *cfg = config_current();
    if (!row->title || !row->body)
        return outcome(OUTCOME_DONE, "notification gone", false);
    if (!row->phone_enc)
        return outcome(OUTCOME_DEAD, "no phone", true);
    char phone[64];
    if (pii_ready() != 0 ||
        pii_decrypt("phone", row->phone_enc, row->phone_len, phone, sizeof phone) != 0)
        return outcome(OUTCOME_RETRY, "personal-data key not available", false);
    char *text = message_json(row, phone);
    sodium_memzero(phone, sizeof phone);
    (void)a;
    if (!text)
        return outcome(OUTCOME_RETRY, "out of memory", false);
    push_outcome o =
        strcmp(cfg->sms_provider, "http") == 0 ? send_http(cfg, text) : send_log(cfg, text);
    cJSON_free(text);
    return o;
}
