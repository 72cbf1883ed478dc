#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/metrics.h"

#define CAUSE_MAX 512

static log_level min_level = LOG_INFO;
static const char *component = "onewindow";
static const char *level_names[] = {"debug", "info", "warn", "error"};

/* The thread's current request (NULL outside one), its first noted cause, and whether a
 * failure line was written for it. */
static _Thread_local const char *current_id;
static _Thread_local char cause[CAUSE_MAX];
static _Thread_local log_level cause_level;
static _Thread_local int causes;
static _Thread_local bool failure_logged;

void log_set_level(const char *name)
{
    for (int i = LOG_DEBUG; i <= LOG_ERROR; i++)
        if (strcmp(name, level_names[i]) == 0)
            min_level = (log_level)i;
}

void log_set_component(const char *name)
{
    component = name;
}

void log_time_rfc3339(char *buf, int64_t unix_ms)
{
    time_t secs = (time_t)(unix_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, 32 - n, ".%03uZ", (unsigned)(unix_ms % 1000) % 1000u);
}

/* Copies s into out as the inside of a JSON string; returns the bytes written. */
static size_t json_escape(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s && n + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c < 0x20) {
            n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
        } else {
            out[n++] = (char)c;
        }
    }
    return n;
}

static void write_line(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(STDERR_FILENO, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) { /* disk full, log gone: nowhere to say so but /metrics */
            metrics_count(METRIC_LOG_LINES_LOST);
            return;
        }
        buf += w;
        len -= (size_t)w;
    }
}

static void write_msg(log_level level, const char *msg)
{
    if (level < min_level)
        return;
    char line[2400], ts[32];
    log_time_rfc3339(ts, clock_real_ms());
    size_t n = (size_t)snprintf(
        line, sizeof line, "{\"time\":\"%s\",\"level\":\"%s\",\"component\":\"%s\",\"pid\":%d,", ts,
        level_names[level], component, (int)getpid());
    if (current_id && *current_id) /* validated by api/request.c: no escaping needed */
        n += (size_t)snprintf(line + n, sizeof line - n, "\"request_id\":\"%.64s\",", current_id);
    memcpy(line + n, "\"msg\":\"", 7);
    n += 7;
    n += json_escape(line + n, sizeof line - n - 4, msg);
    memcpy(line + n, "\"}\n", 3);
    write_line(line, n + 3);
}

void log_msg(log_level level, const char *fmt, ...)
{
    if (level < min_level)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    write_msg(level, msg);
}

void log_request_begin(const char *id)
{
    current_id = id;
    cause[0] = '\0';
    causes = 0;
    failure_logged = false;
}

void log_cause(log_level level, const char *fmt, ...)
{
    char msg[CAUSE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!current_id) {
        write_msg(level, msg);
        return;
    }
    if (causes++ == 0) {
        memcpy(cause, msg, sizeof cause);
        cause_level = level;
    } else if (level > cause_level) {
        cause_level = level;
    }
}

/* The noted cause for a line ("" when none), and forgets it. */
static void take_cause(char *out, size_t cap)
{
    if (causes == 0)
        out[0] = '\0';
    else if (causes == 1)
        snprintf(out, cap, "; cause: %s", cause);
    else
        snprintf(out, cap, "; cause: %s (and %d more)", cause, causes - 1);
    causes = 0;
}

void log_failure(log_level level, const char *what, const char *how)
{
    char noted[CAUSE_MAX + 64];
    take_cause(noted, sizeof noted);
    log_msg(level, "%s failed: %s%s", what, how, noted);
    failure_logged = true;
}

void log_request_end(int status)
{
    char noted[CAUSE_MAX + 64];
    log_level level = cause_level;
    take_cause(noted, sizeof noted);
    if (status >= 500 && !failure_logged)
        log_msg(LOG_ERROR, "answered %d without a reported failure%s", status, noted);
    else if (noted[0]) /* a failure the request got over (its answer is not one) */
        log_msg(level, "a failure during the request%s", noted);
    current_id = NULL;
}

void log_access(const char *request_id, const char *server_request_id, const char *method,
                const char *route, int status, int64_t duration_us)
{
    char line[600], ts[32], server[64] = "";
    log_time_rfc3339(ts, clock_real_ms());
    if (server_request_id && strcmp(server_request_id, request_id) != 0)
        snprintf(server, sizeof server, "\"server_request_id\":\"%.32s\",", server_request_id);
    /* the ids, method and route are validated or ours: no escaping needed. */
    int n = snprintf(line, sizeof line,
                     "{\"time\":\"%s\",\"kind\":\"access\",\"request_id\":\"%s\",%s"
                     "\"method\":\"%s\",\"route\":\"%s\",\"status\":%d,\"duration_ms\":%.3f}\n",
                     ts, request_id, server, method, route, status, (double)duration_us / 1000.0);
    if (n > 0)
        write_line(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}
