"""API.md §8 public performance statistics through nginx: every department, one department
with its monthly series, one service, over ranges of local days (at most 366; 400 beyond,
for a bad date and a reversed range), public and cacheable. The figures are checked against
the raw tables: the test recomputes every count with its own SQL (and its own working-day
calendar from data/holidays.tsv and calendar_days) for every department and every month of
the last year, makes activity through the API (completions, ratings of every level, cases
closed, return visits), and requires the change of the served figures to equal the change
of the recomputed ones, exactly (the difference keeps earlier tests' hand-made rows out)."""
import collections
import datetime
import os

import pytest

from conftest import assert_problem
from helpers import field_errors, sql
from people import (APPS, GA_3, bring_to, call, new_citizen, new_staff, q, shanghai_today,
                    staff_step, submitted)

STATS = "/api/v1/stats"
COUNTS = ("applications_completed", "on_time_count", "processing_days_total", "rating_count",
          "bad_rating_count", "rectified_count", "return_visit_count",
          "return_visit_satisfied_count", "overdue_count")
HOLIDAYS = os.path.join(os.path.dirname(__file__), "..", "..", "data", "holidays.tsv")
LOCAL = "CONVERT_TZ({}, '+00:00', '+08:00')"  # Asia/Shanghai keeps no summer time


def get(http, base, path, **params):
    return http.get(base + STATS + path, params=params, timeout=30)


def ok(http, base, path, **params):
    r = get(http, base, path, **params)
    assert r.status_code == 200, r.text
    return r.json()


# --- the independent recomputation -----------------------------------------------------------
def calendar(stack):
    """Exceptions to Monday-Friday: the shipped table, each year stored by set-holidays
    replacing the shipped one."""
    stored = {datetime.date.fromisoformat(d): k
              for d, k in sql(stack, "SELECT day, kind FROM calendar_days")}
    years = {d.year for d in stored}
    days = {}
    with open(HOLIDAYS, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                d, kind = line.split("\t")[:2]
                d = datetime.date.fromisoformat(d)
                if d.year not in years:
                    days[d] = kind
    days.update(stored)
    return days


def workdays(cal, after, upto):
    n, d = 0, after + datetime.timedelta(days=1)
    while d <= upto:
        kind = cal.get(d)
        n += kind == "workday" or (kind != "holiday" and d.weekday() < 5)
        d += datetime.timedelta(days=1)
    return n


def recompute(stack, scope):
    """{(code, "YYYY-MM"): Counter of every figure} from the raw tables (a rating excluded
    on appeal counts nowhere, nor its case)."""
    col = "department_code" if scope == "department" else "service_code"
    cal = calendar(stack)
    out = collections.defaultdict(collections.Counter)
    rows = sql(stack, f"SELECT {col}, DATE({LOCAL.format('submitted_at')}), "
                      f"DATE({LOCAL.format('finished_at')}), due_date FROM applications "
                      f"WHERE status = 'completed'")
    for code, sub, fin, due in rows:
        sub, fin, due = (datetime.date.fromisoformat(x) for x in (sub, fin, due))
        c = out[(code, fin.isoformat()[:7])]
        c["applications_completed"] += 1
        c["on_time_count"] += fin <= due
        c["processing_days_total"] += workdays(cal, sub, fin)
    # a rating excluded on review (申诉复核) counts nowhere, nor does its case
    for code, month, score, n in sql(stack, f"SELECT {col}, DATE_FORMAT(rated_day, '%Y-%m'), "
                                            f"score, COUNT(*) FROM ratings WHERE excluded_at IS NULL "
                                            f"GROUP BY 1, 2, 3"):
        c = out[(code, month)]
        c["rating_count"] += int(n)
        c["score_sum"] += int(score) * int(n)
        c[f"level_{score}"] += int(n)
        c["bad_rating_count"] += int(n) * (int(score) <= 2)
    today = shanghai_today().isoformat()
    for code, month, closed, visited, pleased, overdue in sql(
            stack, f"SELECT r.{col}, DATE_FORMAT(r.rated_day, '%Y-%m'), "
                   f"SUM(k.status = 'closed'), SUM(k.visit IS NOT NULL), "
                   f"SUM(k.visit <=> 'satisfied'), SUM(IF(k.status = 'closed', "
                   f"k.closed_day > k.deadline, k.deadline < '{today}')) FROM rectifications k "
                   f"JOIN ratings r ON r.id = k.rating_id WHERE r.excluded_at IS NULL "
                   f"GROUP BY 1, 2"):
        c = out[(code, month)]
        c["rectified_count"] += int(closed)
        c["return_visit_count"] += int(visited)
        c["return_visit_satisfied_count"] += int(pleased)
        c["overdue_count"] += int(overdue)
    return out


def served(item):
    """The counts of one answer (or series item) as a Counter."""
    c = collections.Counter({k: item[k] for k in COUNTS})
    for level, n in item["levels"].items():
        c[f"level_{level}"] = n
    if item["rating_count"]:
        c["score_sum"] = round(item["rating_average"] * item["rating_count"])
    return +c


def months_of(first, last):
    m, out = first.replace(day=1), []
    while m <= last:
        out.append(m.isoformat()[:7])
        m = (m + datetime.timedelta(days=32)).replace(day=1)
    return out


def snapshot(stack, http, base, first, last):
    """Served and recomputed counts of every department and month, and of one service."""
    departments = [d["code"] for d in ok(http, base, "/departments", **{
        "from": first.isoformat(), "to": last.isoformat()})["departments"]]
    served_by, raw = {}, recompute(stack, "department")
    for code in departments:
        body = ok(http, base, f"/departments/{code}", **{"from": first.isoformat(),
                                                         "to": last.isoformat()})
        assert [m["month"] for m in body["months"]] == months_of(first, last)
        for m in body["months"]:
            served_by[(code, m["month"])] = served(m)
    svc = ok(http, base, f"/services/{GA_3}", **{"from": first.isoformat(),
                                                 "to": last.isoformat()})
    raw_svc = recompute(stack, "service")
    for m in svc["months"]:
        served_by[("service", m["month"])] = served(m)
        raw[("service", m["month"])] = raw_svc[(GA_3, m["month"])]
    keys = set(served_by)
    return served_by, {k: +raw[k] for k in keys}


def change(after, before):
    return {k: dict(after[k] - before.get(k, collections.Counter())) for k in after}


def test_figures_move_exactly_with_the_events_every_department_every_month(stack, http, base):
    today = shanghai_today()
    first = today.replace(day=1)
    for _ in range(11):  # the first days of the eleven months before this one
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    served_before, raw_before = snapshot(stack, http, base, first, today)
    ga = new_staff(stack, http, base, "GA")
    for score in (5, 4, 3, 2, 1, 1):
        c = new_citizen(stack, http, base)
        no = bring_to(http, base, c, ga, "completed", GA_3)
        body = {"score": score, "tags": [] if score > 2 else ["slow"], "comment": "评价"}
        r = call(http, base, "POST", f"{APPS}/{no}/rating", c.token, body)
        assert r.status_code == 201, r.text
        if score <= 2:
            case = sql(stack, f"SELECT id FROM rectifications WHERE application_no = {q(no)}")
            r = call(http, base, "POST", f"/api/v1/staff/rectifications/{case[0][0]}/resolve",
                     ga.token, {"verification": "核实", "measure": "explanation",
                                "response": "已说明"})
            assert r.status_code == 200, r.text
            if score == 1:
                r = call(http, base, "POST", f"{APPS}/{no}/rectification/visit", c.token,
                         {"satisfied": True})
                assert r.status_code == 200, r.text
    c = new_citizen(stack, http, base)
    no = submitted(http, base, c, GA_3)["application_no"]
    staff_step(http, base, ga, no, "not_accepted", note="材料不符")  # not a completion
    served_after, raw_after = snapshot(stack, http, base, first, today)
    assert change(served_after, served_before) == change(raw_after, raw_before)
    month = today.isoformat()[:7]
    moved = change(served_after, served_before)[("GA", month)]
    assert moved["applications_completed"] == 6 and moved["rating_count"] == 6, moved
    assert moved["rectified_count"] == 3 and moved["return_visit_count"] == 2, moved
    assert moved["level_1"] == 2 and moved["score_sum"] == 16, moved
    assert moved == change(served_after, served_before)[("service", month)]


def test_overdue_cases_count_open_past_the_deadline_and_closed_after_it(stack, http, base):
    """overdue_count: of the range's bad ratings, the cases still open after their deadline
    (counted as read, today) and those closed after it (a counter moved at the closing); a
    case closed on time, or open within its deadline, is not overdue."""
    today = shanghai_today()
    params = {"from": today.isoformat(), "to": today.isoformat()}
    ga = new_staff(stack, http, base, "GA")

    def overdue():
        return (ok(http, base, "/departments/GA", **params)["overdue_count"],
                ok(http, base, f"/services/{GA_3}", **params)["overdue_count"])

    def bad_case():
        c = new_citizen(stack, http, base)
        no = bring_to(http, base, c, ga, "completed", GA_3)
        r = call(http, base, "POST", f"{APPS}/{no}/rating", c.token,
                 {"score": 1, "tags": ["slow"]})
        assert r.status_code == 201, r.text
        return sql(stack, f"SELECT id FROM rectifications WHERE application_no = {q(no)}")[0][0]

    def resolve(case):
        r = call(http, base, "POST", f"/api/v1/staff/rectifications/{case}/resolve", ga.token,
                 {"verification": "核实", "measure": "explanation", "response": "已说明"})
        assert r.status_code == 200, r.text

    before = overdue()
    on_time, late = bad_case(), bad_case()
    assert overdue() == before, "open within the deadline"
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    sql(stack, f"UPDATE rectifications SET deadline = '{yesterday}' WHERE id = {late}")
    assert overdue() == (before[0] + 1, before[1] + 1), "open past the deadline"
    resolve(on_time)
    resolve(late)
    assert overdue() == (before[0] + 1, before[1] + 1), "closed after the deadline"


def test_ranges_are_cut_exactly(stack, http, base):
    """Today's activity counts in every range that holds today and in none that does not,
    whether the range is whole months, ends mid-month or lies inside one month."""
    today = shanghai_today()
    ga = new_staff(stack, http, base, "GA")
    ranges = [(today - datetime.timedelta(days=365), today), (today, today),
              (today.replace(day=1), today), (today - datetime.timedelta(days=40), today),
              (today - datetime.timedelta(days=40), today - datetime.timedelta(days=1)),
              (today + datetime.timedelta(days=1), today + datetime.timedelta(days=70))]

    def figures():
        return [ok(http, base, "/departments/GA", **{"from": a.isoformat(),
                                                     "to": b.isoformat()})["rating_count"]
                for a, b in ranges]
    before = figures()
    c = new_citizen(stack, http, base)
    no = bring_to(http, base, c, ga, "completed", GA_3)
    r = call(http, base, "POST", f"{APPS}/{no}/rating", c.token, {"score": 4, "tags": []})
    assert r.status_code == 201, r.text
    assert [a - b for a, b in zip(figures(), before)] == [1, 1, 1, 1, 0, 0]


def test_answers_are_public_cacheable_and_documented(http, base):
    r = get(http, base, "/departments")
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "public, max-age=60"
    body = r.json()
    today = shanghai_today()
    assert body["to"] == today.isoformat()
    assert body["from"] == (today - datetime.timedelta(days=29)).isoformat()
    assert any(d["code"] == "GA" for d in body["departments"])
    one = ok(http, base, "/departments/GA", **{"from": "2025-01-15", "to": "2025-03-02"})
    assert one["department"]["code"] == "GA" and one["department"]["name"]
    assert [m["month"] for m in one["months"]] == ["2025-01", "2025-02", "2025-03"]
    svc = ok(http, base, f"/services/{GA_3}")
    assert svc["service"]["code"] == GA_3 and len(svc["months"]) in (1, 2)
    for item in (one, svc, body["departments"][0]):
        if item["rating_count"] == 0:
            assert item["rating_average"] is None and item["satisfaction_rate"] is None


@pytest.mark.parametrize("params, field", [
    ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),        # 367 days
    ({"from": "2025-03-02", "to": "2025-03-01"}, "from"),      # reversed
    ({"from": "2025-02-30"}, "from"),
    ({"to": "yesterday"}, "to"),
    ({"from": "2025-01-01x"}, "from"),
])
def test_bad_ranges_are_400(http, base, params, field):
    for path in ("/departments", "/departments/GA", f"/services/{GA_3}"):
        r = get(http, base, path, **params)
        assert_problem(r, 400, "invalid_argument")
        assert field in field_errors(r), r.text


def test_the_longest_range_is_366_days(http, base):
    body = ok(http, base, "/departments/GA", **{"from": "2024-01-01", "to": "2024-12-31"})
    assert len(body["months"]) == 12


def test_unknown_codes_are_404(http, base):
    for path in ("/departments/NOPE", "/services/NOPE-1", "/departments/" + "X" * 80):
        assert_problem(get(http, base, path), 404, "not_found")


def test_rebuild_stats_recomputes_every_counter_from_the_raw_tables(stack, http, base):
    """`onewindow-admin rebuild-stats` (for data from before migration 0081 or generated):
    counters deleted, rebuilt in one transaction; the answers equal the ones before and the
    raw tables, every department and month. Other tests leave rows the counters never saw
    (generate-applications, a finished_at moved by SQL): a first rebuild makes them right, the
    events after it move them exactly, and a second rebuild from nothing gives the same."""
    today = shanghai_today()
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    stack.admin("rebuild-stats")
    ga, c = new_staff(stack, http, base, "GA"), new_citizen(stack, http, base)
    no = bring_to(http, base, c, ga, "completed", GA_3)
    r = call(http, base, "POST", f"{APPS}/{no}/rating", c.token, {"score": 2, "tags": ["slow"]})
    assert r.status_code == 201, r.text
    served_before, raw_before = snapshot(stack, http, base, first, today)
    assert served_before == raw_before
    month = today.isoformat()[:7]
    assert served_before[("GA", month)]["rating_count"] >= 1, served_before[("GA", month)]
    sql(stack, "DELETE FROM stats_counters")
    served_empty, _ = snapshot(stack, http, base, first, today)
    # the counters' figures (overdue_count's open cases are read from the cases themselves)
    assert not any(+collections.Counter({k: n for k, n in c.items() if k != "overdue_count"})
                   for c in served_empty.values()), "the answers come from the counters"
    p = stack.admin("rebuild-stats")
    lines = dict(line.split(": ") for line in p.stdout.splitlines())
    assert int(lines["applications_completed"]) >= 1 and int(lines["ratings"]) >= 1, p.stdout
    served_after, raw_after = snapshot(stack, http, base, first, today)
    assert served_after == raw_after
    assert served_after == served_before
