#include "db/catalog_store.h"

#include <string.h>

#define ITEM_PAGE 2000

int catalog_store_version(db_conn *c, arena *a, uint64_t *version)
{
    int64_t v = 0;
    int rc = db_query_int(c, a, &v, "SELECT version FROM catalog_state WHERE id = 1", "");
    *version = (uint64_t)v;
    return rc;
}

static const char sql_items_page[] =
    "SELECT s.id, s.code, s.name, s.department_code, s.topic_codes, s.audience, s.kind, "
    "s.online_level, s.promised_days, s.keywords, s.description, "
    "COALESCE(st.ranked, 0), s.name_en, s.description_en, s.materials "
    "FROM services s LEFT JOIN service_stats st ON st.service_id = s.id "
    "WHERE s.retired_at IS NULL AND s.id > ? ORDER BY s.id LIMIT ?";

static int epoch_in_tx(db_conn *c, int interval_s)
{
    int rc = db_exec_changed(c,
                             "UPDATE catalog_state SET version = version + 1, "
                             "popularity_at = CURRENT_TIMESTAMP(3) WHERE id = 1 "
                             "AND popularity_at <= CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND",
                             "i", (int64_t)interval_s);
    if (rc != DB_OK)
        return rc; /* DB_NOT_FOUND: not due, or another worker started this epoch */
    return db_exec(c, "UPDATE service_stats SET ranked = views + 5 * applications", "");
}

int catalog_store_popularity_epoch(db_conn *c, int interval_s)
{
    int rc = db_begin(c);
    if (rc != DB_OK)
        return rc;
    rc = epoch_in_tx(c, interval_s);
    if (rc == DB_OK)
        rc = db_commit(c);
    if (rc != DB_OK)
        db_rollback(c);
    return rc;
}

int catalog_store_each_item(db_conn *c, catalog_row_fn fn, void *ctx)
{
    int64_t after = 0;
    arena a;
    arena_init(&a, 1 << 20);
    int rc = DB_OK;
    for (;;) {
        db_rows rows;
        rc = db_query(c, &rows, &a, sql_items_page, "ii", after, (int64_t)ITEM_PAGE);
        if (rc != DB_OK)
            break;
        size_t n = 0;
        catalog_row r;
        while ((rc = db_row_next(&rows, "issssssiississs", &r.service_id, &r.code, &r.name,
                                 &r.department_code, &r.topic_codes, &r.audience, &r.kind,
                                 &r.online_level, &r.promised_days, &r.keywords, &r.description,
                                 &r.popularity, &r.name_en, &r.description_en, &r.materials)) > 0) {
            n++;
            after = r.service_id;
            if (fn(&r, ctx) != 0) {
                rc = DB_ERROR;
                break;
            }
        }
        rc = db_rows_done(&rows, rc);
        arena_reset(&a);
        if (rc != DB_OK || n < ITEM_PAGE)
            break;
    }
    arena_destroy(&a);
    return rc;
}

static int each_pair(db_conn *c, arena *a, const char *sql, catalog_pair_fn fn, void *ctx)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, sql, "");
    if (rc != DB_OK)
        return rc;
    const char *x, *y;
    while ((rc = db_row_next(&rows, "ss", &x, &y)) > 0)
        if (fn(x, y, ctx) != 0) {
            rc = DB_ERROR;
            break;
        }
    return db_rows_done(&rows, rc);
}

static int each_triple(db_conn *c, arena *a, const char *sql,
                       int (*fn)(const char *, const char *, const char *, void *), void *ctx)
{
    db_rows rows;
    int rc = db_query(c, &rows, a, sql, "");
    if (rc != DB_OK)
        return rc;
    const char *x, *y, *z;
    while ((rc = db_row_next(&rows, "sss", &x, &y, &z)) > 0)
        if (fn(x, y, z, ctx) != 0) {
            rc = DB_ERROR;
            break;
        }
    return db_rows_done(&rows, rc);
}

int catalog_store_each_department(db_conn *c, arena *a, catalog_code_fn fn, void *ctx)
{
    return each_triple(c, a, "SELECT code, name, name_en FROM departments ORDER BY code", fn, ctx);
}

int catalog_store_each_topic(db_conn *c, arena *a, catalog_code_fn fn, void *ctx)
{
    return each_triple(c, a, "SELECT code, name, name_en FROM topics ORDER BY code", fn, ctx);
}

int catalog_store_each_concept(db_conn *c, arena *a, catalog_concept_fn fn, void *ctx)
{
    return each_triple(c, a,
                       "SELECT name, situations, services FROM search_concepts "
                       "WHERE retired_at IS NULL ORDER BY id",
                       fn, ctx);
}

int catalog_store_each_synonym(db_conn *c, arena *a, catalog_pair_fn fn, void *ctx)
{
    return each_pair(c, a, "SELECT term, expansion FROM synonyms ORDER BY id", fn, ctx);
}

int catalog_store_add_counts(db_conn *c, int64_t service_id, int64_t views, int64_t applications)
{
    return db_exec(c,
                   "INSERT INTO service_stats (service_id, views, applications) "
                   "VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE views = views + VALUES(views), "
                   "applications = applications + VALUES(applications)",
                   "iii", service_id, views, applications);
}

int catalog_store_view_client(db_conn *c, const char *day, int64_t service_id,
                              const uint8_t client[16])
{
    return db_exec_changed(c,
                           "INSERT IGNORE INTO service_view_clients (day, service_id, client) "
                           "VALUES (?, ?, ?)",
                           "sib", day, service_id, client, (size_t)16);
}

int catalog_store_forget_view_clients(db_conn *c, const char *day)
{
    return db_exec(c, "DELETE FROM service_view_clients WHERE day < ?", "s", day);
}

int catalog_store_get(db_conn *c, arena *a, const char *code, const char *today, bool retired_too,
                      catalog_detail *d)
{
    db_rows rows;
    int rc = db_query(c, &rows, a,
                      "SELECT s.id, s.code, s.name, s.department_code, d.name, s.topic_codes, "
                      "s.audience, s.kind, s.online_level, s.legal_days, s.promised_days, s.fee, "
                      "s.materials, s.keywords, s.description, "
                      "IF(o.id IS NULL, s.handled_by_type, 'organization'), "
                      "COALESCE(o.name, s.handled_by_name, d.name), s.name_en, s.description_en, "
                      "d.name_en, s.min_assurance_level, COALESCE(t.rating_count, 0), "
                      "COALESCE(t.score_sum, 0), s.form_schema, "
                      "DATE_FORMAT(s.retired_at, '%Y-%m-%dT%H:%i:%sZ'), "
                      "DATE_FORMAT(s.updated_at, '%Y-%m-%dT%H:%i:%sZ') "
                      "FROM services s JOIN departments d ON d.code = s.department_code "
                      "LEFT JOIN service_rating_totals t ON t.service_id = s.id "
                      "LEFT JOIN delegations g ON g.service_id = s.id AND g.valid_to >= ? "
                      "AND g.valid_from <= ? AND g.revoked_at IS NULL "
                      "LEFT JOIN organizations o ON o.id = g.org_id AND o.disabled_at IS NULL "
                      "WHERE s.code = ? AND (s.retired_at IS NULL OR ?) LIMIT 1",
                      "sssi", today, today, code, (int64_t)retired_too);
    return db_row_one(&rows, rc, "isssssssiiisssssssssiiisss", &d->service_id, &d->code, &d->name,
                      &d->department_code, &d->department_name, &d->topic_codes, &d->audience,
                      &d->kind, &d->online_level, &d->legal_days, &d->promised_days, &d->fee,
                      &d->materials, &d->keywords, &d->description, &d->handled_by_type,
                      &d->handled_by_name, &d->name_en, &d->description_en, &d->department_name_en,
                      &d->min_assurance_level, &d->rating_count, &d->rating_sum, &d->form_schema,
                      &d->retired_at, &d->updated_at);
}
