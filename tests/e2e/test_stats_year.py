"""A generated year of activity (`onewindow-admin generate-applications --count N --year`:
completions spread over the days after submission, some late; half of them rated at every
level, a few excluded on appeal; a rectification case of each bad rating, most closed, some
after the deadline, some with a return visit), counted by `rebuild-stats`: the served figures
of every department and every month of the last 12, and of several services, equal the
independent recomputation of test_stats.py from the raw tables, exactly. Two completions
moved onto a month boundary of the service time zone (+08:00): 23:30 local on a month's last
day counts in that month, 00:30 local on the next day (still the last day in UTC) in the
next."""
import datetime

import pytest

from helpers import sql
from people import GA_3, shanghai_today
from test_stats import months_of, ok, recompute, served

GENERATED = 3000


def year_start(today):
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return first


def served_months(http, base, kind, code, first, last):
    body = ok(http, base, f"/{kind}/{code}", **{"from": first.isoformat(),
                                                "to": last.isoformat()})
    assert [m["month"] for m in body["months"]] == months_of(first, last)
    return {m["month"]: served(m) for m in body["months"]}


@pytest.fixture(scope="module")
def first_id(stack):
    """The id before the generated applications."""
    before = int(sql(stack, "SELECT COALESCE(MAX(id), 0) FROM applications")[0][0])
    p = stack.admin("generate-applications", "--count", str(GENERATED), "--year")
    lines = dict(line.split(": ", 1) for line in p.stdout.splitlines())
    assert int(lines["ratings"]) > GENERATED // 5 and int(lines["rectification_cases"]) > 0, \
        p.stdout
    return before


def test_the_generated_year_is_varied(stack, first_id):
    """What the recomputation must cover is there: late completions, every level, excluded
    ratings, cases closed on time and after the deadline, both verdicts and none (the few
    open cases of the last 14 days may be none at this size: test_stats covers them)."""
    where = f"a.id > {first_id}"
    late, completed = sql(stack, "SELECT SUM(DATE(CONVERT_TZ(finished_at, '+00:00', "
                                 "'+08:00')) > due_date), COUNT(*) FROM applications a "
                                 f"WHERE {where} AND status = 'completed'")[0]
    assert 0 < int(late) < int(completed)
    levels = sql(stack, "SELECT score, COUNT(*) FROM ratings r JOIN applications a "
                        f"ON a.id = r.application_id WHERE {where} GROUP BY score")
    assert sorted(int(s) for s, _ in levels) == [1, 2, 3, 4, 5]
    excluded, months = sql(stack, "SELECT SUM(r.excluded_at IS NOT NULL), "
                                  "COUNT(DISTINCT DATE_FORMAT(r.rated_day, '%Y-%m')) "
                                  "FROM ratings r JOIN applications a "
                                  f"ON a.id = r.application_id WHERE {where}")[0]
    assert int(excluded) > 0 and int(months) >= 12
    cases = sql(stack, "SELECT k.status, k.closed_day > k.deadline, k.visit, COUNT(*) "
                       "FROM rectifications k JOIN applications a ON a.id = k.application_id "
                       f"WHERE {where} GROUP BY 1, 2, 3")
    kinds = {(s, late, v) for s, late, v, _ in cases}
    assert {late for s, late, _ in kinds if s == "closed"} == {"0", "1"}, kinds
    assert {v for *_, v in kinds} >= {"satisfied", "unsatisfied", "NULL"}, kinds
    bad = sql(stack, "SELECT COUNT(*) FROM ratings r JOIN applications a "
                     f"ON a.id = r.application_id WHERE {where} AND r.score <= 2")[0][0]
    assert sum(int(n) for *_, n in cases) == int(bad), "a case for every bad rating"


def move_to_boundary(stack, first_id, month_end):
    """Two generated completions (not rated) moved: one to 23:30 local on month_end, one to
    00:30 local the day after (16:30 UTC on month_end); their department."""
    unrated = f"id > {first_id} AND status = 'completed' AND id % 2 = 1"
    dept = sql(stack, f"SELECT department_code FROM applications WHERE {unrated} "
                      "GROUP BY department_code HAVING COUNT(*) >= 2 LIMIT 1")[0][0]
    rows = sql(stack, f"SELECT id, department_code FROM applications WHERE {unrated} "
                      f"AND department_code = '{dept}' ORDER BY id LIMIT 2")
    for (app_id, _), utc in zip(rows, ("15:30:00", "16:30:00")):
        at = f"'{month_end.isoformat()} {utc}'"
        sql(stack, f"UPDATE applications SET finished_at = {at}, "
                   f"submitted_at = {at} - INTERVAL 3 DAY WHERE id = {app_id}")
    return dept


def day_count(http, base, dept, day):
    return ok(http, base, f"/departments/{dept}", **{"from": day.isoformat(),
                                                     "to": day.isoformat()})[
        "applications_completed"]


def test_rebuilt_figures_equal_the_raw_tables_every_department_every_month(stack, http, base,
                                                                          first_id):
    today = shanghai_today()
    first = year_start(today)
    month_end = today.replace(day=1) - datetime.timedelta(days=1)
    dept = move_to_boundary(stack, first_id, month_end)
    local = "DATE(CONVERT_TZ(finished_at, '+00:00', '+08:00'))"
    on_end, on_next = (int(sql(stack, "SELECT COUNT(*) FROM applications WHERE status = "
                                      f"'completed' AND department_code = '{dept}' "
                                      f"AND {local} = '{d.isoformat()}'")[0][0])
                       for d in (month_end, month_end + datetime.timedelta(days=1)))
    p = stack.admin("rebuild-stats")
    assert "applications_completed" in p.stdout, p.stdout
    assert day_count(http, base, dept, month_end) == on_end >= 1
    assert day_count(http, base, dept, month_end + datetime.timedelta(days=1)) == on_next >= 1

    raw = recompute(stack, "department")
    departments = [d["code"] for d in ok(http, base, "/departments", **{
        "from": first.isoformat(), "to": today.isoformat()})["departments"]]
    assert len(departments) > 1
    counted = 0
    for code in departments:
        got = served_months(http, base, "departments", code, first, today)
        for month, figures in got.items():
            assert figures == +raw[(code, month)], (code, month)
            counted += figures["applications_completed"]
    assert counted >= GENERATED // 2

    raw_services = recompute(stack, "service")
    busiest = sql(stack, "SELECT service_code FROM ratings GROUP BY service_code "
                         "ORDER BY COUNT(*) DESC, service_code LIMIT 4")
    for code in {GA_3, *(row[0] for row in busiest)}:
        got = served_months(http, base, "services", code, first, today)
        for month, figures in got.items():
            assert figures == +raw_services[(code, month)], (code, month)
