#include "db/catalog_import.h"

#include <stdlib.h>
#include <string.h>

static int load_codes(db_conn *c, arena *a, const char *sql, catalog_code **out, size_t *n)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, sql, "");
    if (rc != DB_OK)
        return rc;
    size_t cap = 64;
    *out = arena_alloc(a, cap * sizeof **out);
    *n = 0;
    const char *code, *name;
    while ((rc = db_row_next(&rows, "ss", &code, &name)) > 0) {
        if (*n == cap) {
            catalog_code *bigger = arena_alloc(a, cap * 2 * sizeof *bigger);
            if (!bigger) {
                rc = DB_ERROR;
                break;
            }
            memcpy(bigger, *out, cap * sizeof *bigger);
            *out = bigger;
            cap *= 2;
        }
        (*out)[(*n)++] = (catalog_code){code, name};
    }
    return db_rows_done(&rows, rc);
}

int catalog_import_codes(db_conn *c, arena *a, catalog_codes *codes)
{
    int rc = load_codes(c, a, "SELECT code, name FROM departments", &codes->depts, &codes->n_depts);
    if (rc == DB_OK)
        rc = load_codes(c, a, "SELECT code, name FROM topics", &codes->topics, &codes->n_topics);
    return rc;
}

static int bump_version(db_conn *c)
{
    return db_exec(c, "UPDATE catalog_state SET version = version + 1 WHERE id = 1", "");
}

/* The item's columns in the order both statements below bind them, code last. */
#define ITEM_TYPES "sssssiiiisssssssssbs"
#define ITEM_VALUES(it)                                                                            \
    (it)->name, (it)->department_code, (it)->topic_codes, (it)->audience, (it)->kind,              \
        (it)->online_level, (it)->legal_days, (it)->promised_days, (it)->min_assurance_level,      \
        (it)->fee, (it)->materials, (it)->form_schema, (it)->keywords, (it)->description,          \
        (it)->handled_by_type, (it)->handled_by_name, (it)->name_en, (it)->description_en,         \
        (it)->hash, sizeof(it)->hash, (it)->code

static int insert_item(db_conn *c, const catalog_item *it)
{
    return db_exec(c,
                   "INSERT INTO services (name, department_code, topic_codes, audience, kind, "
                   "online_level, legal_days, promised_days, min_assurance_level, fee, "
                   "materials, form_schema, keywords, description, handled_by_type, "
                   "handled_by_name, name_en, description_en, content_hash, code) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   ITEM_TYPES, ITEM_VALUES(it));
}

static int update_item(db_conn *c, const catalog_item *it)
{
    return db_exec(c,
                   "UPDATE services SET name = ?, department_code = ?, topic_codes = ?, "
                   "audience = ?, kind = ?, online_level = ?, legal_days = ?, promised_days = ?, "
                   "min_assurance_level = ?, fee = ?, materials = ?, form_schema = ?, "
                   "keywords = ?, description = ?, handled_by_type = ?, handled_by_name = ?, "
                   "name_en = ?, description_en = ?, content_hash = ?, retired_at = NULL, "
                   "updated_at = CURRENT_TIMESTAMP(3) WHERE code = ?",
                   ITEM_TYPES, ITEM_VALUES(it));
}

static int retire_code(db_conn *c, const char *code)
{
    return db_exec_changed(
        c,
        "UPDATE services SET retired_at = CURRENT_TIMESTAMP(3), "
        "updated_at = CURRENT_TIMESTAMP(3) WHERE code = ? AND retired_at IS NULL",
        "s", code);
}

/* One existing row, as the merge with the file needs it. */
typedef struct existing {
    const char *code;
    const void *hash;
    size_t hash_len;
    int64_t retired;
} existing;

static int apply_item(db_conn *c, const catalog_item *it, const existing *e,
                      catalog_import_report *r)
{
    if (!e) {
        r->created++;
        return insert_item(c, it);
    }
    bool same = e->hash_len == sizeof it->hash && memcmp(e->hash, it->hash, e->hash_len) == 0;
    if (same && !e->retired) {
        r->unchanged++;
        return DB_OK;
    }
    if (e->retired)
        r->restored++;
    else
        r->updated++;
    return update_item(c, it);
}

/* Merges the sorted file with the rows (ORDER BY code: utf8mb4_bin is byte order, as strcmp). */
static int merge(db_conn *c, db_rows *rows, const catalog_item *items, size_t n,
                 bool retire_missing, catalog_import_report *r)
{
    existing e;
    int more = db_row_next(rows, "sbi", &e.code, &e.hash, &e.hash_len, &e.retired);
    size_t i = 0;
    while (i < n || more > 0) {
        if (more < 0)
            return more;
        int cmp = more <= 0 ? -1 : i == n ? 1 : strcmp(items[i].code, e.code);
        int rc = DB_OK;
        if (cmp < 0)
            rc = apply_item(c, &items[i++], NULL, r);
        else if (cmp == 0)
            rc = apply_item(c, &items[i++], &e, r);
        else if (retire_missing && !e.retired) {
            rc = retire_code(c, e.code);
            r->retired++;
        }
        if (rc < 0)
            return rc;
        if (cmp >= 0)
            more = db_row_next(rows, "sbi", &e.code, &e.hash, &e.hash_len, &e.retired);
    }
    return more < 0 ? more : DB_OK; /* a failed fetch after the last item, too */
}

int catalog_import(db_conn *c, arena *a, const catalog_item *items, size_t n, bool retire_missing,
                   catalog_import_report *report)
{
    memset(report, 0, sizeof *report);
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    db_rows rows;
    rc = db_query(c, &rows, a,
                  "SELECT code, content_hash, retired_at IS NOT NULL FROM services "
                  "ORDER BY code FOR UPDATE",
                  "");
    if (rc == DB_OK) {
        rc = merge(c, &rows, items, n, retire_missing, report);
        db_rows_close(&rows);
    }
    bool changed = report->created + report->updated + report->restored + report->retired > 0;
    if (rc == DB_OK && changed)
        rc = bump_version(c);
    if (rc == DB_OK)
        rc = db_commit(c);
    else
        db_rollback(c);
    return rc;
}

/* Ends the transaction of one change whose status is rc: a change (DB_OK) bumps the version
 * and commits; nothing to change (DB_NOT_FOUND) or a failure rolls back. rc, or the failure
 * of the bump or commit. */
static int end_change(db_conn *c, int rc)
{
    if (rc == DB_OK)
        rc = bump_version(c);
    if (rc == DB_OK)
        rc = db_commit(c);
    else
        db_rollback(c);
    return rc;
}

int catalog_retire(db_conn *c, const char *code)
{
    int rc = db_begin(c);
    return rc == DB_OK ? end_change(c, retire_code(c, code)) : rc;
}

int catalog_item_lock(db_conn *c, arena *a, const char *code, const char **dept, bool *retired)
{
    db_rows rows;
    int64_t r = 0;
    int rc = db_query(c, &rows, a,
                      "SELECT department_code, retired_at IS NOT NULL FROM services "
                      "WHERE code = ? FOR UPDATE",
                      "s", code);
    rc = db_row_one(&rows, rc, "si", dept, &r);
    *retired = r != 0;
    return rc;
}

int catalog_item_insert(db_conn *c, const catalog_item *it)
{
    return insert_item(c, it);
}

int catalog_item_update(db_conn *c, const catalog_item *it)
{
    return update_item(c, it);
}

int catalog_item_retire(db_conn *c, const char *code)
{
    return retire_code(c, code);
}

int catalog_synonym_insert(db_conn *c, const char *term, const char *expansion)
{
    return db_exec_changed(c, "INSERT IGNORE INTO synonyms (term, expansion) VALUES (?, ?)", "ss",
                           term, expansion);
}

int catalog_concept_insert(db_conn *c, const char *name, const char *situations,
                           const char *services)
{
    return db_exec(c, "INSERT INTO search_concepts (name, situations, services) VALUES (?, ?, ?)",
                   "sss", name, situations, services);
}

int catalog_bump_version(db_conn *c)
{
    return bump_version(c);
}

int catalog_add_synonym(db_conn *c, const char *term, const char *expansion)
{
    int rc = db_begin(c);
    if (rc == DB_OK)
        rc = end_change(c, db_exec_changed(c,
                                           "INSERT IGNORE INTO synonyms (term, expansion) "
                                           "VALUES (?, ?)",
                                           "ss", term, expansion));
    return rc;
}
