#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"

static log_level min_level = LOG_INFO;
static const char *component = "onewindow";
static const char *level_names[] = {"debug", "info", "warn", "error"};

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
        if (w <= 0)
            return; /* nowhere left to report it */
        buf += w;
        len -= (size_t)w;
    }
}

void log_msg(log_level level, const char *fmt, ...)
{
    if (level < min_level)
        return;
    char msg[1024], line[2400], ts[32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_time_rfc3339(ts, clock_real_ms());
    size_t n = (size_t)snprintf(line, sizeof line,
                                "{\"time\":\"%s\",\"level\":\"%s\",\"component\":\"%s\",\"pid\":%d,"
                                "\"msg\":\"",
                                ts, level_names[level], component, (int)getpid());
    n += json_escape(line + n, sizeof line - n - 4, msg);
    memcpy(line + n, "\"}\n", 3);
    write_line(line, n + 3);
}

void log_access(const char *request_id, const char *method, const char *route, int status,
                int64_t duration_us)
{
    char line[512], ts[32];
    log_time_rfc3339(ts, clock_real_ms());
    /* request_id, method and route are validated or ours: no escaping needed. */
    int n = snprintf(line, sizeof line,
                     "{\"time\":\"%s\",\"kind\":\"access\",\"request_id\":\"%s\","
                     "\"method\":\"%s\",\"route\":\"%s\",\"status\":%d,\"duration_ms\":%.3f}\n",
                     ts, request_id, method, route, status, (double)duration_us / 1000.0);
    if (n > 0)
        write_line(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}
