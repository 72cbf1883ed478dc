/* JSON-line logging to stderr: one write(2) per line, so lines from several threads and
 * processes sharing the file never interleave. Never pass personal data to these.
 *
 * While a thread serves a request (log_request_begin … log_request_end, called by
 * api/server.c), every line it writes carries the request's id, so that an operator goes
 * from a client's request_id to the cause. A failure is logged once: a lower layer notes its
 * cause (log_cause: the database's error and statement), and the one line of the answer that
 * reports the failure (log_failure, by the answering code) carries that cause; a cause no
 * answer reported is written when the request ends, and so is a 5xx answer without a line. */
#ifndef OW_LOG_H
#define OW_LOG_H

#include <stdint.h>

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

void log_set_level(const char *name);
void log_set_component(const char *name); /* "fcgi", "admin", "master" … */
void log_msg(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Around each request on its thread: id is the request's (it must stay valid until the end,
 * and may be filled in after the begin). status is the answer's. */
void log_request_begin(const char *id);
void log_request_end(int status);
/* A failure's cause seen below the answering code: inside a request it waits for the
 * answer's line (only the first is kept, with a count of the others); outside one it is
 * written at once at level. */
void log_cause(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The one line of a failure answered to the client: "<what> failed: <how>", with the noted
 * cause. what names the operation ("application submit"), never personal data. */
void log_failure(log_level level, const char *what, const char *how);

/* The access-log line: no path, no query, no body, no client IP: only the route pattern.
 * server_request_id is written too when it differs from request_id (the client chose that
 * one): the audit log records the server's. */
void log_access(const char *request_id, const char *server_request_id, const char *method,
                const char *route, int status, int64_t duration_us);

/* Formats t (UTC) as RFC 3339 with milliseconds; buf must hold 32 bytes. */
void log_time_rfc3339(char *buf, int64_t unix_ms);

#endif
