/* What every handler may use: the caller's id, numeric path ids, list paging (limit and
 * opaque cursors), the personal-data key check, and the answers handlers share — a failure
 * (503/500, logged once with what failed), the 204-or-404 of a change, the 429s. A helper
 * that answers says so in its name (common_answer_…); a bool helper that returns false has
 * answered or recorded a validation error, as its comment says. */
#ifndef OW_HANDLERS_COMMON_H
#define OW_HANDLERS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/request.h"
#include "api/response.h"

#define LIST_LIMIT_DEFAULT 20
#define LIST_LIMIT_MAX 100

/* The numeric id of the token's principal (sub): a citizen, a staff member, an organization. */
int64_t common_principal_id(const req *r);

/* A path parameter that is one of our numeric ids (decimal, no sign or leading zero, fits
 * int64); false for anything else, which cannot name a row (answer 404). */
bool common_path_id(const req *r, const char *name, int64_t *out);

/* ?limit (1..100, default 20); false after recording a validation error. */
bool common_read_limit(req *r, int *limit);
/* ?cursor decoded into out (NUL-terminated); *present false without one. False after
 * recording a validation error (not a cursor of ours). */
bool common_read_cursor(req *r, char *out, size_t cap, bool *present);
/* ?cursor naming the last row shown by its id (the next page starts below it): *before is
 * INT64_MAX without one. False after recording a validation error. */
bool common_read_id_cursor(req *r, int64_t *before);
/* An opaque cursor for text, or for a row's id (from the arena). */
const char *common_make_cursor(req *r, const char *text);
const char *common_id_cursor(req *r, int64_t id);
/* Ends a list page o (its "items" filled): "next_cursor" names last_id when more rows follow,
 * else null; answered 200 as private (no-store). */
void common_answer_id_page(req *r, resp *w, cJSON *o, bool more, int64_t last_id);

/* A failed call below (db_status rc: DB_UNAVAILABLE → 503 with Retry-After, anything else →
 * 500), with the one log line naming what failed ("application submit"). */
void common_answer_failure(req *r, resp *w, int rc, const char *what);
/* The answer of a change to one of the caller's records: DB_OK → 204, DB_NOT_FOUND (not
 * theirs, or no such record) → 404, else the failure of what. */
void common_answer_changed(req *r, resp *w, int rc, const char *what);
/* 429 rate_limited with Retry-After (at least 1 s) and a sentence for each language. */
void common_answer_rate_limited(req *r, resp *w, int64_t seconds, const char *zh, const char *en);
/* 429 for a login name that must wait after wrong passwords, for seconds more. */
void common_answer_locked(req *r, resp *w, int64_t seconds);
/* 503 with Retry-After: 1 when every argon2 slot of the process is taken (auth/password.h). */
void common_answer_busy(req *r, resp *w, const char *what);
/* An answer about one person (Cache-Control: no-store). */
void common_answer_private(req *r, resp *w, int status, const cJSON *json);

/* The personal-data key ready (auth/pii.c), or an answer given (503/500) and false. */
bool common_personal_data_ready(req *r, resp *w);

#endif
