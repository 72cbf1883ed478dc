"""API.md §5 due dates on the working-day calendar, through nginx, with the test hook
`X-Test-Today` (config/test.conf: test_routes = 1) as the submission day, the day the clock
stops (need_materials), the resubmission day and the day `overdue` is judged on.

The expected dates are worked out by hand from data/holidays.tsv (State Council notices):
2026 国庆 10-01..10-07 holidays with 09-20 (Sunday) and 10-10 (Saturday) adjusted workdays,
中秋 09-25..09-27, 春节 02-15..02-23 with 02-14 and 02-28 workdays, 元旦 01-01..01-03 with 01-04,
劳动节 05-01..05-05 with 05-09, 端午 06-19..06-21. `set-holidays` is checked with a file for
2027 (a year the shipped table does not have)."""
import pytest

from conftest import assert_problem
from helpers import wait_for
from people import (APPS, GA_0, GA_2, GA_3, GA_5, SJ_1, call, detail, new_citizen, new_staff,
                    service_days, staff_step, submit, submitted, supplement, PROGRESS)

# (what, service, submission day, expected due date)
SUBMISSIONS = [
    ("Monday, 3 days", GA_3, "2026-03-09", "2026-03-12"),
    ("Friday, 3 days: into the next week", GA_3, "2026-03-13", "2026-03-18"),
    ("Saturday, 3 days", GA_3, "2026-03-14", "2026-03-18"),
    ("Sunday, 3 days", GA_3, "2026-03-15", "2026-03-18"),
    ("Thursday, 2 days", GA_2, "2026-03-12", "2026-03-16"),
    ("Monday, 5 days", GA_5, "2026-03-09", "2026-03-16"),
    ("Friday, 1 day", SJ_1, "2026-03-13", "2026-03-16"),
    ("the Sunday 09-20 is a workday", GA_3, "2026-09-18", "2026-09-22"),
    ("中秋 09-25..27", GA_3, "2026-09-24", "2026-09-30"),
    ("across 国庆, 10-10 Saturday works", GA_5, "2026-09-30", "2026-10-13"),
    ("submitted during 国庆", GA_3, "2026-10-03", "2026-10-10"),
    ("1 day from 10-09: the adjusted Saturday", SJ_1, "2026-10-09", "2026-10-10"),
    ("2 days from 10-09", GA_2, "2026-10-09", "2026-10-12"),
    ("submitted on the adjusted Saturday", SJ_1, "2026-10-10", "2026-10-12"),
    ("端午 06-19..21", SJ_1, "2026-06-18", "2026-06-22"),
    ("劳动节, 3 days", GA_3, "2026-04-30", "2026-05-08"),
    ("劳动节, 5 days: 05-09 Saturday works", GA_5, "2026-04-30", "2026-05-11"),
    ("春节: 02-14 Saturday works", GA_3, "2026-02-13", "2026-02-25"),
    ("元旦 across the year: 01-04 Sunday works", GA_3, "2025-12-31", "2026-01-06"),
    ("2024 国庆 with 09-29 Sunday", GA_3, "2024-09-27", "2024-10-08"),
    ("即办件 on a working day: the same day", GA_0, "2026-03-10", "2026-03-10"),
    ("即办件 on a Saturday", GA_0, "2026-03-14", "2026-03-16"),
    ("即办件 on a holiday", GA_0, "2026-10-01", "2026-10-08"),
    ("即办件 on the adjusted Saturday", GA_0, "2026-10-10", "2026-10-10"),
    ("即办件 on the adjusted Sunday", GA_0, "2026-09-20", "2026-09-20"),
]


def test_services_of_the_table():
    assert [service_days(s) for s in (GA_0, SJ_1, GA_2, GA_3, GA_5)] == [0, 1, 2, 3, 5]


def test_due_dates_of_submissions(base, http, stack):
    c = new_citizen(stack, http, base)
    wrong = []
    for what, service, day, expected in SUBMISSIONS:
        b = submitted(http, base, c, service, today=day)
        d = detail(http, base, c, b["application_no"], today=day)
        if (b["due_date"], d["due_date"], d["overdue"]) != (expected, expected, False):
            wrong.append((what, day, expected, b["due_date"], d["due_date"], d["overdue"]))
    assert not wrong, "\n".join(map(str, wrong))


def test_bad_test_today_header_is_refused_or_ignored(base, http, stack):
    """A malformed hook value must not crash or move the day to nonsense: either 400 or the
    real day (the spec does not say which), never a 5xx."""
    c = new_citizen(stack, http, base)
    for value in ("2026-02-30", "tomorrow", "2026-1-5"):
        r = submit(http, base, c, GA_0, today=value)
        assert r.status_code in (201, 400), (value, r.text)


def test_need_materials_stops_the_clock(base, http, stack):
    c = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "GA")

    def paused(service, submitted_on, due, paused_on, resubmitted_on, new_due):
        b = submitted(http, base, c, service, today=submitted_on)
        no = b["application_no"]
        assert b["due_date"] == due, b
        d = staff_step(http, base, s, no, "need_materials", note="请补充", today=paused_on)
        assert d["due_date"] == due, d  # it moves on resubmission
        assert d["overdue"] is False
        r = supplement(http, base, c, no, today=resubmitted_on)
        assert r.status_code == 200, r.text
        got = (r.json()["due_date"], detail(http, base, c, no, today=resubmitted_on)["due_date"])
        return got == (new_due, new_due) or (submitted_on, paused_on, resubmitted_on, new_due,
                                             got)

    results = [
        # stopped Tuesday 03-10, back Monday 03-16: 4 working days (11, 12, 13, 16) later
        paused(GA_3, "2026-03-09", "2026-03-12", "2026-03-10", "2026-03-16", "2026-03-18"),
        # back the same day: no working day passed
        paused(GA_3, "2026-03-09", "2026-03-12", "2026-03-10", "2026-03-10", "2026-03-12"),
        # stopped Friday, back Sunday: no working day passed
        paused(GA_5, "2026-03-09", "2026-03-16", "2026-03-13", "2026-03-15", "2026-03-16"),
        # stopped 09-29, back 10-09: 09-30, 10-08, 10-09 → 3 more from 10-08, over 10-10
        paused(GA_3, "2026-09-28", "2026-10-08", "2026-09-29", "2026-10-09", "2026-10-12"),
    ]
    assert all(r is True for r in results), results


def test_two_pauses_add_up(base, http, stack):
    c = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "GA")
    no = submitted(http, base, c, GA_5, today="2026-03-02")["application_no"]  # due 03-09
    staff_step(http, base, s, no, "need_materials", note="一", today="2026-03-03")
    r = supplement(http, base, c, no, today="2026-03-05")  # 03-04, 03-05: 2 days → 03-11
    assert r.status_code == 200 and r.json()["due_date"] == "2026-03-11", r.text
    staff_step(http, base, s, no, "need_materials", note="二", today="2026-03-06")
    r = supplement(http, base, c, no, today="2026-03-09")  # 03-09: 1 day → 03-12
    assert r.status_code == 200 and r.json()["due_date"] == "2026-03-12", r.text


def test_overdue(base, http, stack):
    c = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "GA")
    b = submitted(http, base, c, GA_3, today="2026-03-09")
    no, code = b["application_no"], b["query_code"]
    assert b["due_date"] == "2026-03-12"

    def overdue(today):
        d = detail(http, base, c, no, today=today)
        r = call(http, base, "GET", APPS, c.token, today=today)
        item = next(i for i in r.json()["items"] if i["application_no"] == no)
        p = call(http, base, "POST", PROGRESS, None, {"application_no": no, "query_code": code},
                 today=today)
        assert p.status_code == 200, p.text
        values = {d["overdue"], item["overdue"], p.json()["overdue"]}
        assert len(values) == 1, (today, d["overdue"], item["overdue"], p.json()["overdue"])
        return values.pop()

    assert overdue("2026-03-09") is False
    assert overdue("2026-03-12") is False  # due today
    assert overdue("2026-03-13") is True
    # accepted and late: still overdue; by the real clock (after March 2026) too
    d = staff_step(http, base, s, no, "accepted", today="2026-03-13")
    assert d["overdue"] is True, d
    assert overdue("2026-03-13") is True and overdue("2026-03-11") is False
    assert detail(http, base, c, no)["overdue"] is True
    # completed: never overdue
    staff_step(http, base, s, no, "completed", result="approved", today="2026-03-20")
    assert overdue("2026-03-20") is False
    assert detail(http, base, c, no)["overdue"] is False

    # need_materials: the clock stops, not overdue
    no2 = submitted(http, base, c, GA_3, today="2026-03-09")["application_no"]
    staff_step(http, base, s, no2, "need_materials", note="请补充", today="2026-03-10")
    assert detail(http, base, c, no2, today="2026-03-20")["overdue"] is False
    assert detail(http, base, c, no2)["overdue"] is False
    # withdrawn: not overdue
    r = call(http, base, "POST", f"{APPS}/{no2}/withdraw", c.token, today="2026-03-20")
    assert r.status_code == 200 and r.json()["overdue"] is False, r.text


def write_calendar(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("# e2e: a calendar for 2027 only\n"
                    + "".join(f"{day}\t{kind}\t{label}\n" for day, kind, label in lines),
                    encoding="utf-8")
    return str(path)


def test_set_holidays_changes_the_calendar_of_its_year(base, http, stack, tmp_path):
    c = new_citizen(stack, http, base)

    def dues():
        return (submitted(http, base, c, SJ_1, today="2027-03-09")["due_date"],
                submitted(http, base, c, GA_3, today="2027-03-09")["due_date"])

    def shipped_years_unchanged():
        assert submitted(http, base, c, GA_5, today="2026-09-30")["due_date"] == "2026-10-13"
        assert submitted(http, base, c, GA_3, today="2025-12-31")["due_date"] == "2026-01-06"

    def everywhere(expected):
        # every worker: several answers in a row
        wait_for(lambda: all(dues() == expected for _ in range(4)), 3.0, interval=0.05,
                 what=f"2027 due dates {expected}")

    # 2027 is in no table: Monday to Friday. Tuesday 2027-03-09 + 1 → 03-10, + 3 → 03-12
    assert dues() == ("2027-03-10", "2027-03-12")
    v1 = write_calendar(tmp_path, "v1.tsv", [("2027-03-10", "holiday", "测试假日"),
                                             ("2027-03-11", "holiday", "测试假日"),
                                             ("2027-03-13", "workday", "测试调休")])
    p = stack.admin("set-holidays", v1, check=False)
    assert p.returncode == 0, (p.stdout, p.stderr)
    # + 1 → 03-12 (Friday); + 3 → 03-12, 03-13 (Saturday, works), 03-15
    everywhere(("2027-03-12", "2027-03-15"))
    shipped_years_unchanged()
    # a new file for 2027 replaces the year: 03-10 works again, 03-13 no longer does
    v2 = write_calendar(tmp_path, "v2.tsv", [("2027-03-11", "holiday", "测试假日")])
    p = stack.admin("set-holidays", v2, check=False)
    assert p.returncode == 0, (p.stdout, p.stderr)
    # + 1 → 03-10; + 3 → 03-10, 03-12, 03-15
    everywhere(("2027-03-10", "2027-03-15"))
    shipped_years_unchanged()


def test_set_holidays_refuses_a_bad_file(stack, tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("2027-02-30\tholiday\t不存在的日子\n", encoding="utf-8")
    p = stack.admin("set-holidays", str(bad), check=False)
    assert p.returncode != 0, p.stdout
    bad.write_text("2027-03-01\tvacation\t错误种类\n", encoding="utf-8")
    assert stack.admin("set-holidays", str(bad), check=False).returncode != 0
    p = stack.admin("set-holidays", str(tmp_path / "missing.tsv"), check=False)
    assert p.returncode != 0
