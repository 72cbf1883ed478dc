/* sms (API.md §6): the citizen's phone, opened from its sealed form, through the configured
 * provider: `log` appends a JSON line to <var_dir>/sms-notifications.jsonl (development; one
 * write(2) with O_APPEND, so lines of several pushd never interleave), `http` posts
 * {"delivery_id","phone","template","params":{"title","body"},"at"} to sms_url. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "auth/pii.h"
#include "core/clock.h"
#include "push/channel.h"

static bool sms_configured(const ow_config *cfg)
{
    return strcmp(cfg->sms_provider, "log") == 0 || cfg->sms_url[0];
}

/* The message as one line (newline included). */
static char *message_line(const outbox_row *row, const char *phone)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "delivery_id", row->delivery_id);
    cJSON_AddStringToObject(o, "phone", phone);
    cJSON_AddStringToObject(o, "template", "notification");
    cJSON *p = cJSON_AddObjectToObject(o, "params");
    cJSON_AddStringToObject(p, "title", row->title);
    cJSON_AddStringToObject(p, "body", row->body);
    char at[CLOCK_RFC3339_BYTES];
    clock_rfc3339(time(NULL), at);
    cJSON_AddStringToObject(o, "at", at);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    size_t len = text ? strlen(text) : 0;
    char *line = text ? malloc(len + 2) : NULL;
    if (line) {
        memcpy(line, text, len);
        memcpy(line + len, "\n", 2);
    }
    cJSON_free(text);
    return line;
}

static push_outcome append_log(const ow_config *cfg, const char *line)
{
    char path[300];
    snprintf(path, sizeof path, "%s/sms-notifications.jsonl", cfg->var_dir);
    size_t len = strlen(line);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write(fd, line, len) == (ssize_t)len;
    if (fd >= 0)
        close(fd);
    return ok ? push_outcome_of(OUTCOME_DONE, NULL)
              : push_outcome_of(OUTCOME_RETRY, "cannot write the SMS log");
}

static void sms_prepare(push_job *job)
{
    const ow_config *cfg = config_current();
    const outbox_row *row = job->row;
    char phone[64];
    if (!row->title || !row->body) {
        job->outcome = push_outcome_of(OUTCOME_DONE, "notification gone");
        return;
    }
    if (!row->phone_enc) {
        job->outcome = push_outcome_of(OUTCOME_DEAD, "no phone");
        return;
    }
    if (pii_ready() != 0 ||
        pii_decrypt("phone", row->phone_enc, row->phone_len, phone, sizeof phone) != 0) {
        job->outcome = push_outcome_of(OUTCOME_RETRY, "personal-data key not available");
        return;
    }
    char *line = message_line(row, phone);
    sodium_memzero(phone, sizeof phone);
    if (!line) {
        job->outcome = push_outcome_of(OUTCOME_RETRY, "out of memory");
        return;
    }
    if (strcmp(cfg->sms_provider, "http") != 0) {
        job->outcome = append_log(cfg, line);
        free(line);
        return;
    }
    line[strlen(line) - 1] = '\0';
    push_http_post(job, cfg->sms_url, line, "application/json");
}

static push_outcome sms_finish(push_job *job)
{
    push_outcome o;
    if (push_transient(job, &o))
        return o;
    if (job->http_status >= 200 && job->http_status < 300)
        return push_outcome_of(OUTCOME_DONE, NULL);
    /* any other 4xx is the gateway refusing this message: retrying cannot help */
    return push_outcome_of(OUTCOME_DEAD, "gateway refused");
}

const push_channel channel_sms = {.name = "sms",
                                  .device = false,
                                  .configured = sms_configured,
                                  .prepare = sms_prepare,
                                  .finish = sms_finish};
