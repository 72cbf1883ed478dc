"""API.md §8 feedback tickets (互动反馈) through nginx: a citizen writes a consultation,
complaint, suggestion or praise, routed to the department of the application, service or
department it names, or to the general queue (worked by the desk department, WL in
config/test.conf); staff list their queue (no body), read a ticket (audited), reply (the
citizen's inbox gets a notification) and close; the citizen lists and reads their own and
rates the answer once after closing; content limits; open and daily limits (429); another
citizen's or department's ticket is 404; Idempotency-Key replays a POST."""
import datetime

import pytest

from conftest import assert_problem
from helpers import field_errors, sql
from people import API, GA_3, call, new_citizen, new_staff, shanghai_today, submitted

FEEDBACK = API + "/feedback"
STAFF = API + "/staff/feedback"
NOTE = {"kind": "consultation", "title": "落户需要哪些材料？", "body": "孩子在外地出生，落户需要带什么？"}
SUMMARY_KEYS = {"id", "kind", "title", "application_no", "service_code", "department_code",
                "status", "created_at", "closed_at", "satisfaction"}
DETAIL_KEYS = SUMMARY_KEYS | {"body", "replies"}
OPEN_MAX, DAILY_MAX = 5, 10  # the defaults


def write(http, base, citizen, expect=201, **fields):
    r = call(http, base, "POST", FEEDBACK, citizen.token, dict(NOTE, **fields))
    assert r.status_code == expect, r.text
    return r.json()


def queue(http, base, staff, **params):
    r = http.get(base + STAFF, params=dict(params, limit=100),
                 headers={"Authorization": f"Bearer {staff.token}"}, timeout=30)
    assert r.status_code == 200, r.text
    return {t["id"]: t for t in r.json()["items"]}


def close(http, base, staff, tid, expect=200):
    r = call(http, base, "POST", f"{STAFF}/{tid}/close", staff.token)
    assert r.status_code == expect, r.text
    return r.json()


def audit_of(stack, tid):
    return sql(stack, f"SELECT actor_type, actor_id, action FROM audit_log "
                      f"WHERE target = 'feedback:{int(tid)}' ORDER BY id")


def test_a_ticket_about_a_service_goes_to_its_department_and_is_answered(stack, http, base):
    c, ga = new_citizen(stack, http, base), new_staff(stack, http, base, "GA")
    t = write(http, base, c, service_code=GA_3)
    assert set(t) == DETAIL_KEYS, t
    assert (t["department_code"], t["service_code"], t["status"], t["replies"],
            t["satisfaction"]) == ("GA", GA_3, "open", [], None), t
    # the queue shows it without its body; another department's does not
    listed = queue(http, base, ga)[t["id"]]
    assert set(listed) == SUMMARY_KEYS, listed
    mz = new_staff(stack, http, base, "MZ")
    assert t["id"] not in queue(http, base, mz)
    assert_problem(call(http, base, "GET", f"{STAFF}/{t['id']}", mz.token), 404, "not_found")
    # the staff's read is audited
    r = call(http, base, "GET", f"{STAFF}/{t['id']}", ga.token)
    assert r.status_code == 200 and r.json()["body"] == NOTE["body"], r.text
    assert audit_of(stack, t["id"]) == [["citizen", c.id, "feedback.create"],
                                        ["staff", ga.id, "feedback.read"]]
    # a reply reaches the citizen's inbox
    r = call(http, base, "POST", f"{STAFF}/{t['id']}/replies", ga.token,
             {"body": "请携带出生医学证明到户籍窗口办理。"}, key="reply-1")
    assert r.status_code == 200, r.text
    assert [x["body"] for x in r.json()["replies"]] == ["请携带出生医学证明到户籍窗口办理。"]
    again = call(http, base, "POST", f"{STAFF}/{t['id']}/replies", ga.token,
                 {"body": "请携带出生医学证明到户籍窗口办理。"}, key="reply-1")
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == r.json()
    inbox = call(http, base, "GET", API + "/notifications", c.token).json()["items"]
    assert [n["kind"] for n in inbox].count("feedback_reply") == 1, inbox
    assert NOTE["title"] in inbox[0]["title"] and inbox[0]["body"].startswith("请携带"), inbox[0]
    # the citizen reads it with the reply; rates only after closing, once
    mine = call(http, base, "GET", f"{FEEDBACK}/{t['id']}", c.token).json()
    assert mine["replies"][0]["department_code"] == "GA", mine
    rate = lambda s: call(http, base, "POST", f"{FEEDBACK}/{t['id']}/satisfaction", c.token,
                          {"satisfaction": s})
    assert_problem(rate(5), 409, "conflict")
    closed = close(http, base, ga, t["id"])
    assert closed["status"] == "closed" and closed["closed_at"], closed
    assert_problem(call(http, base, "POST", f"{STAFF}/{t['id']}/close", ga.token), 409,
                   "conflict")
    assert_problem(call(http, base, "POST", f"{STAFF}/{t['id']}/replies", ga.token,
                        {"body": "补充"}), 409, "conflict")
    r = rate(4)
    assert r.status_code == 200 and r.json()["satisfaction"] == 4, r.text
    assert_problem(rate(5), 409, "conflict")
    assert [a[2] for a in audit_of(stack, t["id"])][-3:] == ["feedback.reply", "feedback.close",
                                                            "feedback.rate"]
    assert queue(http, base, ga, status="closed")[t["id"]]["satisfaction"] == 4


def test_routing_by_application_department_or_the_general_queue(stack, http, base):
    c = new_citizen(stack, http, base)
    no = submitted(http, base, c, GA_3)["application_no"]
    by_app = write(http, base, c, kind="complaint", application_no=no)
    assert (by_app["department_code"], by_app["application_no"]) == ("GA", no), by_app
    by_dept = write(http, base, c, kind="suggestion", department_code="MZ")
    assert by_dept["department_code"] == "MZ", by_dept
    general = write(http, base, c, kind="praise")
    assert general["department_code"] is None, general
    # the general queue: the desk department (WL) sees it, others do not
    wl, ga = new_staff(stack, http, base, "WL"), new_staff(stack, http, base, "GA")
    assert general["id"] in queue(http, base, wl) and general["id"] not in queue(http, base, ga)
    assert by_app["id"] in queue(http, base, ga) and by_app["id"] not in queue(http, base, wl)
    assert call(http, base, "GET", f"{STAFF}/{general['id']}", wl.token).status_code == 200
    # the citizen's list: newest first, by status
    r = call(http, base, "GET", FEEDBACK, c.token)
    assert [t["id"] for t in r.json()["items"]] == [general["id"], by_dept["id"], by_app["id"]]
    close(http, base, wl, general["id"])
    r = http.get(base + FEEDBACK, params={"status": "closed"},
                 headers={"Authorization": f"Bearer {c.token}"}, timeout=30)
    assert [t["id"] for t in r.json()["items"]] == [general["id"]], r.text


def test_bad_input_names_the_field(stack, http, base):
    c, other = new_citizen(stack, http, base), new_citizen(stack, http, base)
    theirs = submitted(http, base, other, GA_3)["application_no"]
    cases = [
        ({"kind": "rumour"}, "/kind"),
        ({"title": ""}, "/title"),
        ({"title": "字" * 101}, "/title"),
        ({"body": "字" * 2001}, "/body"),
        ({"application_no": theirs}, "/application_no"),  # not the caller's: no such one
        ({"service_code": "NO-SUCH-1"}, "/service_code"),
        ({"department_code": "NOPE"}, "/department_code"),
        ({"service_code": GA_3, "department_code": "GA"}, "/application_no"),
    ]
    for fields, pointer in cases:
        r = call(http, base, "POST", FEEDBACK, c.token, dict(NOTE, **fields))
        assert_problem(r, 400, "invalid_argument")
        assert pointer in field_errors(r), (fields, r.text)
    # at the limits
    t = write(http, base, c, title="字" * 100, body="字" * 2000)
    assert len(t["title"]) == 100 and len(t["body"]) == 2000
    staff = new_staff(stack, http, base, "WL")
    r = call(http, base, "POST", f"{STAFF}/{t['id']}/replies", staff.token, {"body": "字" * 2001})
    assert_problem(r, 400, "invalid_argument")
    r = call(http, base, "POST", f"{FEEDBACK}/{t['id']}/satisfaction", c.token,
             {"satisfaction": 6})
    assert_problem(r, 400, "invalid_argument")
    assert sql(stack, f"SELECT COUNT(*) FROM feedback_tickets WHERE citizen_id = {int(c.id)}") \
        == [["1"]]


def test_another_citizens_ticket_is_404(stack, http, base):
    c, other = new_citizen(stack, http, base), new_citizen(stack, http, base)
    t = write(http, base, c)
    assert_problem(call(http, base, "GET", f"{FEEDBACK}/{t['id']}", other.token), 404,
                   "not_found")
    assert t["id"] not in {x["id"] for x in call(http, base, "GET", FEEDBACK,
                                                 other.token).json()["items"]}
    close(http, base, new_staff(stack, http, base, "WL"), t["id"])
    r = call(http, base, "POST", f"{FEEDBACK}/{t['id']}/satisfaction", other.token,
             {"satisfaction": 1})
    assert_problem(r, 404, "not_found")
    assert sql(stack, f"SELECT satisfaction FROM feedback_tickets WHERE id = {int(t['id'])}") \
        == [["NULL"]]


def test_open_tickets_are_limited(stack, http, base):
    c, wl = new_citizen(stack, http, base), new_staff(stack, http, base, "WL")
    made = [write(http, base, c) for _ in range(OPEN_MAX)]
    r = call(http, base, "POST", FEEDBACK, c.token, NOTE)
    assert_problem(r, 429, "rate_limited")
    assert int(r.headers["Retry-After"]) > 0
    close(http, base, wl, made[0]["id"])
    write(http, base, c)


def test_tickets_a_day_are_limited(stack, http, base):
    c, wl = new_citizen(stack, http, base), new_staff(stack, http, base, "WL")
    for _ in range(DAILY_MAX):
        close(http, base, wl, write(http, base, c)["id"])
    assert_problem(call(http, base, "POST", FEEDBACK, c.token, NOTE), 429, "rate_limited")
    tomorrow = shanghai_today() + datetime.timedelta(days=1)
    r = call(http, base, "POST", FEEDBACK, c.token, NOTE, today=tomorrow)
    assert r.status_code == 201, r.text


def test_a_replayed_submission_writes_one_ticket(stack, http, base):
    c = new_citizen(stack, http, base)
    first = call(http, base, "POST", FEEDBACK, c.token, NOTE, key="fb-1")
    again = call(http, base, "POST", FEEDBACK, c.token, NOTE, key="fb-1")
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first.json()
    assert sql(stack, f"SELECT COUNT(*) FROM feedback_tickets WHERE citizen_id = {int(c.id)}") \
        == [["1"]]


@pytest.mark.parametrize("path", [FEEDBACK, STAFF])
def test_a_bad_query_is_400(stack, http, base, path):
    who = new_citizen(stack, http, base) if path == FEEDBACK else new_staff(stack, http, base)
    r = http.get(base + path, params={"status": "lost"},
                 headers={"Authorization": f"Bearer {who.token}"}, timeout=30)
    assert_problem(r, 400, "invalid_argument")
