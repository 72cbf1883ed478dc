#include "db/bench_store.h"

#include <string.h>

#include "core/arena.h"

int bench_citizens(db_conn *c, const bench_blobs *b, int64_t from, int64_t count)
{
    /* IGNORE: a batch run again (its first run's outcome unknown) adds nothing twice. A real
     * name checked for form only: assurance level 2 (migration 0027), what submitting to the
     * catalog's services needs (else the bench's submissions are answered 403). */
    return db_exec(c,
                   "INSERT IGNORE INTO citizens (phone_enc, phone_bidx, name_enc, id_number_enc, "
                   "id_number_bidx, assurance_level, identity_verified_at) "
                   "SELECT ?, UNHEX(SHA2(CONCAT(?, 'p', seq + ?), 256)), ?, ?, "
                   "UNHEX(SHA2(CONCAT(?, 'i', seq + ?), 256)), 2, NOW(3) FROM seq_1_to_100000 "
                   "WHERE seq <= ?",
                   "bsibbsii", b->phone, b->phone_len, b->tag, from, b->name, b->name_len,
                   b->id_number, b->id_number_len, b->tag, from, count);
}

int bench_citizen_numbers(db_conn *c, int64_t after_id, int64_t *n)
{
    /* numbered by a table, not by id arithmetic: bulk inserts leave gaps in auto-increment
     * ids (InnoDB allocates them in growing chunks), between batches and between runs */
    int rc = db_exec(c, "DROP TEMPORARY TABLE IF EXISTS bench_citizen_numbers", "");
    if (rc == DB_OK)
        rc = db_exec_count(c, n,
                           "CREATE TEMPORARY TABLE bench_citizen_numbers (PRIMARY KEY (k)) "
                           "SELECT ROW_NUMBER() OVER (ORDER BY id) - 1 AS k, id FROM citizens "
                           "WHERE id > ?",
                           "i", after_id);
    return rc;
}

int bench_services(db_conn *c, int64_t *n)
{
    int rc = db_exec(c, "DROP TEMPORARY TABLE IF EXISTS bench_services", "");
    if (rc == DB_OK)
        rc = db_exec_count(
            c, n,
            "CREATE TEMPORARY TABLE bench_services (PRIMARY KEY (k)) "
            "SELECT ROW_NUMBER() OVER (ORDER BY s.id) AS k, s.id, s.code, s.name, "
            "s.department_code, d.name AS department_name, "
            "s.handled_by_type, COALESCE(s.handled_by_name, d.name) AS handler_name, "
            "s.promised_days FROM services s "
            "JOIN departments d ON d.code = s.department_code WHERE s.retired_at IS NULL",
            "");
    return rc;
}

/* clang-format off */
/* one Crockford base32 character from byte i of the hash h */
#define B32(i) \
    "SUBSTRING('0123456789ABCDEFGHJKMNPQRSTVWXYZ', 1 + ASCII(SUBSTRING(t.h, " #i ", 1)) % 32, 1)"

static const char sql_applications[] =
    "INSERT IGNORE INTO applications (application_no, query_code, citizen_id, service_id, "
    "service_code, service_name, department_code, department_name, handler_type, "
    "handler_name, status, result, is_open, form_enc, materials, submitted_at, due_date, "
    "finished_at, updated_at) "
    "SELECT CONCAT(DATE_FORMAT(t.at, '%Y%m%d'), '-', "
    B32(1) ", " B32(2) ", " B32(3) ", " B32(4) ", " B32(5) ", '-', "
    B32(6) ", " B32(7) ", " B32(8) ", " B32(9) ", " B32(10) "), "
    "LPAD(t.n % 100000000, 8, '0'), p.id, s.id, s.code, s.name, s.department_code, "
    "s.department_name, s.handled_by_type, s.handler_name, "
    "ELT(1 + t.n % 10, 'completed', 'completed', 'completed', 'completed', 'completed', "
    "'completed', 'accepted', 'need_materials', 'not_accepted', 'withdrawn'), "
    "IF(t.n % 10 < 6, IF(t.n % 7 = 0, 'denied', 'approved'), NULL), "
    "IF(t.n % 10 IN (6, 7), 1, 0), ?, '[{\"name\":\"居民身份证\"}]', t.at, "
    "DATE(t.at) + INTERVAL s.promised_days DAY, "
    "IF(t.n % 10 IN (6, 7), NULL, t.at + INTERVAL 1 HOUR), t.at + INTERVAL 1 HOUR "
    "FROM (SELECT seq + ? AS n, UNHEX(SHA2(CONCAT(?, 'a', seq + ?), 256)) AS h, "
    "CURRENT_TIMESTAMP(3) - INTERVAL 1 DAY - INTERVAL ((seq + ?) * ? % 31536000) SECOND AS at "
    "FROM seq_1_to_100000 WHERE seq <= ?) t JOIN bench_services s ON s.k = 1 + t.n % ? "
    "JOIN bench_citizen_numbers p ON p.k = t.n % ?";
/* clang-format on */

int bench_applications(db_conn *c, const bench_blobs *b, int64_t from, int64_t count,
                       int64_t citizens, int64_t n_services, bool year, int64_t count_all,
                       int64_t *inserted)
{
    /* a second apart, or (year) evenly over the 365 days before yesterday */
    int64_t stride = year && count_all < BENCH_YEAR_SECONDS ? BENCH_YEAR_SECONDS / count_all : 1;
    /* a rare clash of random numbers is skipped (INSERT IGNORE): *inserted says how many */
    return db_exec_count(c, inserted, sql_applications, "bisiiiiii", b->form, b->form_len, from,
                         b->tag, from, from, stride, count, n_services, citizens);
}

int bench_events(db_conn *c, int64_t first, int64_t last, int64_t *events)
{
    static const char *const passes[] = {
        /* submitted, by the citizen */
        "INSERT INTO application_events (application_id, status, actor, actor_id, actor_name, "
        "created_at) SELECT id, 'submitted', 'citizen', citizen_id, '申请人', submitted_at "
        "FROM applications WHERE id BETWEEN ? AND ?",
        /* a third of the completed ones went through need_materials and a supplement */
        "INSERT INTO application_events (application_id, status, note, actor, actor_name, "
        "created_at) SELECT id, 'need_materials', '请补充户口簿首页复印件。', 'department', "
        "handler_name, submitted_at + INTERVAL 10 MINUTE FROM applications "
        "WHERE id BETWEEN ? AND ? AND status = 'completed' AND id % 3 = 0",
        "INSERT INTO application_events (application_id, status, actor, actor_id, actor_name, "
        "created_at) SELECT id, 'submitted', 'citizen', citizen_id, '申请人', "
        "submitted_at + INTERVAL 20 MINUTE FROM applications "
        "WHERE id BETWEEN ? AND ? AND status = 'completed' AND id % 3 = 0",
        /* the department's first answer */
        "INSERT INTO application_events (application_id, status, note, actor, actor_name, "
        "created_at) SELECT id, IF(status IN ('need_materials', 'not_accepted'), status, "
        "'accepted'), IF(status IN ('need_materials', 'not_accepted'), '材料不齐全。', NULL), "
        "'department', handler_name, submitted_at + INTERVAL 30 MINUTE FROM applications "
        "WHERE id BETWEEN ? AND ? AND status <> 'withdrawn'",
        /* the end */
        "INSERT INTO application_events (application_id, status, result, actor, actor_name, "
        "created_at) SELECT id, status, result, IF(status = 'withdrawn', 'citizen', "
        "'department'), IF(status = 'withdrawn', '申请人', handler_name), "
        "COALESCE(finished_at, submitted_at + INTERVAL 50 MINUTE) FROM applications "
        "WHERE id BETWEEN ? AND ? AND status IN ('completed', 'withdrawn')",
    };
    /* One transaction, skipped when an earlier run of the same batch committed (its outcome
     * unknown to it): run again after a failure, it leaves the same rows. */
    *events = 0;
    int64_t done = 0;
    arena a;
    arena_init(&a, 1024);
    int rc = db_begin(c);
    if (rc == DB_OK)
        rc = db_query_int(c, &a, &done,
                          "SELECT COUNT(*) FROM application_events "
                          "WHERE application_id BETWEEN ? AND ?",
                          "ii", first, last);
    arena_destroy(&a);
    if (rc == DB_OK && done > 0) {
        db_rollback(c);
        return DB_OK;
    }
    for (size_t i = 0; rc == DB_OK && i < sizeof passes / sizeof passes[0]; i++) {
        int64_t n = 0;
        rc = db_exec_count(c, &n, passes[i], "ii", first, last);
        *events += n;
    }
    /* the timeline projection, as the steps' own appends would have left it: one grouping of
     * the batch's events (not a correlated subquery, which made an on-disk temporary table
     * for each application) */
    if (rc == DB_OK)
        rc = db_exec(c,
                     "UPDATE applications a JOIN (SELECT e.application_id, JSON_ARRAYAGG("
                     "JSON_OBJECT('status', e.status, 'result', e.result, 'note', e.note, "
                     "'actor', e.actor, 'actor_name', e.actor_name, 'at', "
                     "DATE_FORMAT(e.created_at, '%Y-%m-%dT%H:%i:%sZ')) ORDER BY e.id) AS t "
                     "FROM application_events e WHERE e.application_id BETWEEN ? AND ? "
                     "GROUP BY e.application_id) x ON x.application_id = a.id SET a.timeline = x.t",
                     "ii", first, last);
    /* the citizen's inbox: a notification of each step, as the steps would have left it */
    if (rc == DB_OK)
        rc = db_exec(c,
                     "INSERT INTO notifications (citizen_id, kind, title, body, application_id, "
                     "created_at, read_at) SELECT a.citizen_id, 'application', '办件进度更新', "
                     "CONCAT('您申请的「', a.service_name, '」', ELT(FIELD(e.status, 'submitted', "
                     "'accepted', 'need_materials', 'not_accepted', 'withdrawn', 'completed'), "
                     "'已提交', '已受理', '需要补充材料', '未予受理', '已撤回', '已办结'), '。'), "
                     "a.id, e.created_at, IF(e.id % 3 = 0, NULL, e.created_at + INTERVAL 1 HOUR) "
                     "FROM application_events e JOIN applications a ON a.id = e.application_id "
                     "WHERE e.application_id BETWEEN ? AND ? ORDER BY e.id",
                     "ii", first, last);
    if (rc == DB_OK)
        rc = db_commit(c);
    if (rc != DB_OK)
        db_rollback(c);
    return rc;
}

int bench_max_id(db_conn *c, const char *table, int64_t *id)
{
    arena a;
    arena_init(&a, 4096);
    int rc = strcmp(table, "citizens") == 0
                 ? db_query_int(c, &a, id, "SELECT COALESCE(MAX(id), 0) FROM citizens", "")
                 : db_query_int(c, &a, id, "SELECT COALESCE(MAX(id), 0) FROM applications", "");
    arena_destroy(&a);
    return rc;
}

int bench_orgs(db_conn *c, const bench_blobs *b, int64_t count, int64_t *first, int64_t *last)
{
    int rc = db_exec(c,
                     "INSERT INTO organizations (name, credit_code, webhook_url, "
                     "webhook_secret_enc) SELECT CONCAT('基准社会组织 ', ?, '-', seq), "
                     "CONCAT('B', LEFT(?, 8), LPAD(seq, 9, '0')), 'http://127.0.0.1:9/bench', ? "
                     "FROM seq_1_to_100000 WHERE seq <= ?",
                     "ssbi", b->tag, b->tag, b->phone, b->phone_len, count);
    if (rc != DB_OK)
        return rc;
    arena a;
    arena_init(&a, 4096);
    db_rows rows;
    int64_t n = 0;
    rc = db_query(c, &rows, &a,
                  "SELECT MIN(id), MAX(id), COUNT(*) FROM organizations "
                  "WHERE credit_code LIKE CONCAT('B', LEFT(?, 8), '%')",
                  "s", b->tag);
    rc = db_row_one(&rows, rc, "iii", first, last, &n);
    arena_destroy(&a);
    if (rc == DB_OK && n != *last - *first + 1)
        rc = DB_ERROR; /* the ids must be one range: another writer interleaved */
    if (rc == DB_OK)
        rc = db_exec(c,
                     "INSERT IGNORE INTO org_feed (org_id) SELECT id FROM organizations "
                     "WHERE id BETWEEN ? AND ?",
                     "ii", *first, *last);
    return rc;
}

int bench_delegation_window(db_conn *c, int64_t window, const char *from, const char *to,
                            int64_t first, int64_t n, int64_t *made)
{
    /* a service that has a delegation on one of these days already keeps it alone */
    return db_exec_count(c, made,
                         "INSERT INTO delegations (service_id, org_id, department_code, "
                         "valid_from, valid_to, created_by) "
                         "SELECT s.id, ? + (s.id * ? + ?) % ?, s.department_code, ?, ?, "
                         "'operator' FROM services s WHERE s.retired_at IS NULL "
                         "AND NOT EXISTS (SELECT 1 FROM delegations x WHERE x.service_id = s.id "
                         "AND x.revoked_at IS NULL AND x.valid_to >= ? AND x.valid_from <= ?)",
                         "iiiissss", first, (int64_t)BENCH_DELEGATION_WINDOWS, window, n, from, to,
                         from, to);
}

int bench_delegate_applications(db_conn *c, int64_t from, int64_t to, int64_t first, int64_t last,
                                const char *last_day, int64_t *changed)
{
    /* the delegation of the application's service whose window (ending on last_day, or a
     * multiple of BENCH_DELEGATION_DAYS before) holds its submission day: one lookup of
     * delegations_service (service_id, valid_to) per application */
    int rc =
        db_exec_count(c, changed,
                      "UPDATE applications a JOIN delegations g ON g.service_id = "
                      "a.service_id AND g.valid_to = DATE(a.submitted_at) + "
                      "INTERVAL MOD(DATEDIFF(?, DATE(a.submitted_at)), ?) DAY "
                      "AND g.valid_from <= DATE(a.submitted_at) "
                      "AND g.valid_to >= DATE(a.submitted_at) AND g.revoked_at IS NULL "
                      "AND g.org_id BETWEEN ? AND ? "
                      "JOIN organizations o ON o.id = g.org_id "
                      "SET a.org_id = g.org_id, a.delegation_id = g.id, "
                      "a.handler_type = 'organization', a.handler_name = o.name "
                      "WHERE a.id BETWEEN ? AND ? AND a.org_id IS NULL",
                      "siiiii", last_day, (int64_t)BENCH_DELEGATION_DAYS, first, last, from, to);
    if (rc == DB_OK)
        rc = db_exec(c,
                     "INSERT INTO org_feed_entries (org_id, change_seq, application_id, "
                     "application_no, status, result, service_code, service_name, "
                     "submitted_at, updated_at, due_date) SELECT org_id, id, id, "
                     "application_no, status, result, service_code, service_name, "
                     "submitted_at, updated_at, due_date FROM applications "
                     "WHERE id BETWEEN ? AND ? AND org_id BETWEEN ? AND ?",
                     "iiii", from, to, first, last);
    return rc;
}

int bench_org_feeds(db_conn *c, int64_t first, int64_t last, int64_t last_seq)
{
    return db_exec(c, "UPDATE org_feed SET last_seq = ? WHERE org_id BETWEEN ? AND ?", "iii",
                   last_seq, first, last);
}

/* clang-format off */
/* "never after now": a minute before it, so that every day is a past local day */
#define NOT_AFTER_NOW(e) "LEAST(" e ", CURRENT_TIMESTAMP(3) - INTERVAL 1 MINUTE)"
#define LOCAL_SLOT(e) "UNIX_TIMESTAMP(" e ") DIV 900"
/* the level of rating k (a number of the application, independent of its last digit, which
 * chose the status): 5 half the time, 4 a quarter, 3, 2 and 1 the rest (1 twice as often
 * as 2: those who are unhappy say so) */
#define SCORE(k) "ELT(1 + (" k ") % 20, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 3, 3, 2, 1, 1)"

/* SET runs left to right: updated_at takes the new finished_at */
static const char sql_spread_finishes[] =
    "UPDATE applications SET finished_at = " NOT_AFTER_NOW(
        "submitted_at + INTERVAL id % 23 DAY + INTERVAL 1 + id % 17 HOUR "
        "+ INTERVAL id % 60 MINUTE") ", "
    "updated_at = finished_at WHERE id BETWEEN ? AND ? AND status = 'completed'";

static const char sql_ratings[] =
    "INSERT IGNORE INTO ratings (application_id, application_no, citizen_id, service_id, "
    "service_code, service_name, department_code, department_name, channel, handler_type, "
    "handler_name, org_id, app_status, app_result, finished_day, score, tags, comment, "
    "rated_at, rated_day, excluded_at, excluded_reason) "
    "SELECT x.id, x.application_no, x.citizen_id, x.service_id, x.service_code, "
    "x.service_name, x.department_code, x.department_name, "
    "ELT(1 + x.id % 3, 'app', 'wechat', 'web'), x.handler_type, x.handler_name, x.org_id, "
    "x.status, x.result, fs.day, x.score, ELT(LEAST(x.score, 4), '[\"slow\"]', "
    "'[\"overdue\"]', '[\"could_be_faster\"]', '[\"fast\"]'), '基准测试评价', x.rated_at, "
    "rs.day, IF(x.id DIV 2 % 97 = 0, x.rated_at + INTERVAL 1 SECOND, NULL), "
    "IF(x.id DIV 2 % 97 = 0, '申诉复核：与本办件无关（基准数据）', NULL) "
    "FROM (SELECT a.*, " SCORE("a.id DIV 10") " AS score, "
    NOT_AFTER_NOW("a.finished_at + INTERVAL a.id % 5 DAY + INTERVAL a.id % 13 HOUR") " AS rated_at "
    "FROM applications a WHERE a.id BETWEEN ? AND ? AND a.status = 'completed' "
    "AND a.id % 2 = 0) x "
    "JOIN local_slots fs ON fs.slot = " LOCAL_SLOT("x.finished_at") " "
    "JOIN local_slots rs ON rs.slot = " LOCAL_SLOT("x.rated_at");

/* the deadline: the 5th working day after the rating day (workday_no counts the working days
 * up to and including a day, so it is the working day numbered 5 more); the case's fate from
 * independent parts of a hash of the rating's id: closed 0 … 10 days after the rating (some
 * after the deadline), except one in four of the last 14 days' (open: some past the
 * deadline, as a working department's few); a return visit for a third of the closed ones,
 * satisfied or not (1 in 2) */
static const char sql_cases[] =
    "INSERT IGNORE INTO rectifications (rating_id, application_id, application_no, "
    "department_code, org_id, status, opened_day, deadline, verification, measure, "
    "response, responder, closed_at, closed_day, visit, visited_at, created_at) "
    "SELECT x.id, x.application_id, x.application_no, x.department_code, x.org_id, "
    "IF(x.closed_at IS NULL, 'open', 'closed'), x.rated_day, dl.day, "
    "IF(x.closed_at IS NULL, NULL, '已核实（基准数据）'), "
    "IF(x.closed_at IS NULL, NULL, ELT(1 + x.h % 3, 'immediate', 'scheduled', 'explanation')), "
    "IF(x.closed_at IS NULL, NULL, '已整改（基准数据）'), "
    "IF(x.closed_at IS NULL, NULL, x.handler_name), x.closed_at, cs.day, "
    "IF(x.closed_at IS NOT NULL AND x.h DIV 64 % 3 = 0, "
    "IF(x.h DIV 256 % 2, 'satisfied', 'unsatisfied'), NULL), "
    "IF(x.closed_at IS NOT NULL AND x.h DIV 64 % 3 = 0, "
    NOT_AFTER_NOW("x.closed_at + INTERVAL 1 HOUR") ", NULL), x.rated_at "
    "FROM (SELECT y.*, IF(y.h % 4 = 0 AND y.rated_at > NOW() - INTERVAL 14 DAY, NULL, "
    NOT_AFTER_NOW("y.rated_at + INTERVAL y.h DIV 4 % 11 DAY + INTERVAL 2 HOUR") ") AS closed_at "
    "FROM (SELECT r.*, CRC32(r.id) AS h FROM ratings r "
    "WHERE r.application_id BETWEEN ? AND ? AND r.score <= 2) y) x "
    "JOIN local_days od ON od.day = x.rated_day "
    "JOIN local_days dl ON dl.workday_no = od.workday_no + 5 AND dl.workday = 1 "
    "LEFT JOIN local_slots cs ON cs.slot = " LOCAL_SLOT("x.closed_at");
/* clang-format on */

int bench_spread_finishes(db_conn *c, int64_t first, int64_t last)
{
    return db_exec(c, sql_spread_finishes, "ii", first, last);
}

int bench_ratings(db_conn *c, int64_t first, int64_t last, int64_t *rated)
{
    return db_exec_count(c, rated, sql_ratings, "ii", first, last);
}

int bench_cases(db_conn *c, int64_t first, int64_t last, int64_t *cases)
{
    return db_exec_count(c, cases, sql_cases, "ii", first, last);
}

int bench_rating_totals(db_conn *c)
{
    return db_exec(c,
                   "INSERT INTO service_rating_totals (service_id, rating_count, score_sum) "
                   "SELECT service_id, COUNT(*), SUM(score) FROM ratings "
                   "WHERE excluded_at IS NULL GROUP BY service_id "
                   "ON DUPLICATE KEY UPDATE rating_count = VALUES(rating_count), "
                   "score_sum = VALUES(score_sum)",
                   "");
}
