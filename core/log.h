/* JSON-line logging to stderr: one write(2) per line, so lines from several threads and
 * processes sharing the file never interleave. Never pass personal data to these. */
#ifndef OW_LOG_H
#define OW_LOG_H

#include <stdint.h>

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

void log_set_level(const char *name);
void log_set_component(const char *name); /* "fcgi", "admin", "master" … */
void log_msg(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The access-log line: no path, no query, no body, no client IP: only the route pattern. */
void log_access(const char *request_id, const char *method, const char *route, int status,
                int64_t duration_us);

/* Formats t (UTC) as RFC 3339 with milliseconds; buf must hold 32 bytes. */
void log_time_rfc3339(char *buf, int64_t unix_ms);

#endif
