/* Public questions (公开问答, API.md §8; migrations 0085, 0086): a consultation's question and
 * answer as staff wrote them for the public, one per feedback ticket, and the version every
 * publication or retirement bumps (the workers' questions index follows it). */
#ifndef OW_QUESTION_STORE_H
#define OW_QUESTION_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

typedef struct question_new {
    int64_t ticket_id;
    const char *department_code, *service_code; /* service_code NULL: none */
    const char *question, *answer;
    int64_t published_by; /* staff id */
} question_new;

/* DB_DUPLICATE when the ticket is published already. */
int question_insert(db_conn *c, const question_new *n, int64_t *id);

typedef struct question_row {
    int64_t id;
    const char *department_code, *service_code, *question, *answer;
    const char *published_at, *retired_at; /* retired_at NULL: public */
} question_row;

/* live: only a question that is not retired. */
int question_by_id(db_conn *c, arena *a, int64_t id, bool live, bool for_update, question_row *out);

/* The public ones of ids_json (a JSON array of ids), in its order (the ranked page of a search,
 * read in one query): up to max rows into out. */
int question_page_by_ids(db_conn *c, arena *a, const char *ids_json, question_row *out, size_t max,
                         size_t *n);

/* The public questions, newest first, id < before, up to limit rows; department_code and
 * service_code NULL: any. */
typedef struct question_query {
    const char *department_code, *service_code;
    int64_t before;
    int limit;
} question_query;

int question_list(db_conn *c, arena *a, const question_query *q, question_row *out, size_t *n);

/* DB_NOT_FOUND when retired already. */
int question_set_retired(db_conn *c, int64_t id, int64_t staff_id);

int question_bump_version(db_conn *c);
int question_version(db_conn *c, arena *a, uint64_t *version);

/* Every public question in id order, in pages (the questions index's build); fn returns 0 or
 * -1 to stop (DB_ERROR). */
typedef int (*question_row_fn)(const question_row *row, void *ctx);
int question_each_live(db_conn *c, question_row_fn fn, void *ctx);

#endif
