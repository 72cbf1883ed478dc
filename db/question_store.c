#include "db/question_store.h"

#define TS(col) "DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"
#define PAGE 1000

int question_insert(db_conn *c, const question_new *n, int64_t *id)
{
    int rc = db_exec(c,
                     "INSERT INTO public_questions (ticket_id, department_code, service_code, "
                     "question, answer, published_by) VALUES (?, ?, ?, ?, ?, ?)",
                     "issssi", n->ticket_id, n->department_code, n->service_code, n->question,
                     n->answer, n->published_by);
    if (rc == DB_OK)
        *id = db_last_insert_id(c);
    return rc;
}

#define FIELDS                                                                                     \
    "id, department_code, service_code, question, answer, " TS("published_at") ", " TS(            \
        "retired_at") " "
#define TYPES "issssss"

static int row_next(db_rows *rows, question_row *o)
{
    return db_row_next(rows, TYPES, &o->id, &o->department_code, &o->service_code, &o->question,
                       &o->answer, &o->published_at, &o->retired_at);
}

static const char sql_by_id[] = "SELECT " FIELDS "FROM public_questions WHERE id = ? "
                                "AND (? = 0 OR retired_at IS NULL)";
static const char sql_by_id_locked[] = "SELECT " FIELDS "FROM public_questions WHERE id = ? "
                                       "AND (? = 0 OR retired_at IS NULL) FOR UPDATE";

int question_by_id(db_conn *c, arena *a, int64_t id, bool live, bool for_update, question_row *out)
{
    db_rows rows;
    int rc =
        db_query(c, &rows, a, for_update ? sql_by_id_locked : sql_by_id, "ii", id, (int64_t)live);
    if (rc != DB_OK)
        return rc;
    rc = row_next(&rows, out);
    db_rows_close(&rows);
    return rc == 1 ? DB_OK : rc == 0 ? DB_NOT_FOUND : rc;
}

static const char sql_page[] =
    "SELECT q.id, q.department_code, q.service_code, q.question, q.answer, " TS(
        "q.published_at") ", " TS("q.retired_at") " FROM JSON_TABLE(?, '$[*]' COLUMNS "
                                                  "(at FOR ORDINALITY, id BIGINT UNSIGNED PATH "
                                                  "'$')) j JOIN public_questions q ON q.id = j.id "
                                                  "WHERE q.retired_at IS NULL ORDER BY j.at";

int question_page_by_ids(db_conn *c, arena *a, const char *ids_json, question_row *out, size_t max,
                         size_t *n)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, sql_page, "s", ids_json);
    *n = 0;
    if (rc != DB_OK)
        return rc;
    while (*n < max && (rc = row_next(&rows, &out[*n])) > 0)
        (*n)++;
    return db_rows_done(&rows, rc);
}

static const char sql_list[] = "SELECT " FIELDS "FROM public_questions WHERE retired_at IS NULL "
                               "AND (? IS NULL OR department_code = ?) "
                               "AND (? IS NULL OR service_code = ?) "
                               "AND id < ? ORDER BY id DESC LIMIT ?";

int question_list(db_conn *c, arena *a, const question_query *q, question_row *out, size_t *n)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, sql_list, "ssssii", q->department_code, q->department_code,
                      q->service_code, q->service_code, q->before, (int64_t)q->limit);
    *n = 0;
    if (rc != DB_OK)
        return rc;
    while ((rc = row_next(&rows, &out[*n])) > 0)
        (*n)++;
    return db_rows_done(&rows, rc);
}

int question_set_retired(db_conn *c, int64_t id, int64_t staff_id)
{
    return db_exec_changed(c,
                           "UPDATE public_questions SET retired_at = CURRENT_TIMESTAMP(3), "
                           "retired_by = ? WHERE id = ? AND retired_at IS NULL",
                           "ii", staff_id, id);
}

int question_bump_version(db_conn *c)
{
    return db_exec(c, "UPDATE public_questions_state SET version = version + 1 WHERE id = 1", "");
}

int question_version(db_conn *c, arena *a, uint64_t *version)
{
    int64_t v = 0;
    int rc = db_query_int(c, a, &v, "SELECT version FROM public_questions_state WHERE id = 1", "");
    *version = (uint64_t)v;
    return rc;
}

int question_each_live(db_conn *c, question_row_fn fn, void *ctx)
{
    int64_t after = 0;
    arena a;
    arena_init(&a, 1 << 20);
    int rc = DB_OK;
    for (;;) {
        db_rows rows;
        rc = db_query(c, &rows, &a,
                      "SELECT " FIELDS "FROM public_questions WHERE retired_at IS NULL "
                      "AND id > ? ORDER BY id LIMIT ?",
                      "ii", after, (int64_t)PAGE);
        if (rc != DB_OK)
            break;
        size_t n = 0;
        question_row r;
        while ((rc = row_next(&rows, &r)) > 0) {
            n++;
            after = r.id;
            if (fn(&r, ctx) != 0) {
                rc = DB_ERROR;
                break;
            }
        }
        rc = db_rows_done(&rows, rc);
        arena_reset(&a);
        if (rc != DB_OK || n < PAGE)
            break;
    }
    arena_destroy(&a);
    return rc;
}
