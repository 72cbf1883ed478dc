"""API.md §8 rectification of bad ratings (差评整改) through nginx: the department's queue (its
own cases and those of the organizations it delegated to, nobody else's), the organization's
(its own), the response that closes a case (the organization answers delegated work, the
department gets 403), overdue cases flagged, the citizen seeing the response on the
application, and the return visit (回访): once, after the response."""
import secrets

import pytest

from conftest import assert_problem
from helpers import field_errors, sql
from orgs import Org, delegate, take_service
from people import (APPS, GA_3, STAFF_APPS, bring_to, call, detail, new_citizen, new_staff, q,
                    submitted)

STAFF_CASES = "/api/v1/staff/rectifications"
ORG_CASES = "/api/v1/org/rectifications"
ORG_APPS = "/api/v1/org/applications"
BAD = {"score": 1, "tags": ["slow"], "comment": "等了很久"}
RESPONSE = {"verification": "核实：受理后未及时审核", "measure": "immediate",
            "response": "已加快审核流程并向您致歉"}
ANSWERED = "rectification_answered"  # the inbox kind of a closed case (API.md §6)
CASE_KEYS = {"id", "application_no", "department_code", "handled_by", "status", "opened_day",
             "deadline", "overdue", "verification", "measure", "response", "closed_at", "visit",
             "rating"}


def rate_badly(http, base, citizen, no, **kw):
    r = call(http, base, "POST", f"{APPS}/{no}/rating", citizen.token, BAD, **kw)
    assert r.status_code == 201, r.text
    return r.json()


def cases(http, base, who, path=STAFF_CASES, **params):
    items, cursor = [], None
    for _ in range(100):
        p = dict(params, limit=100)
        if cursor:
            p["cursor"] = cursor
        r = http.get(base + path, params=p, headers={"Authorization": f"Bearer {who.token}"},
                     timeout=30)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return {c["application_no"]: c for c in items}
    raise AssertionError("too many pages")


def resolve(http, base, who, case_id, body=RESPONSE, path=STAFF_CASES, **kw):
    return call(http, base, "POST", f"{path}/{case_id}/resolve", who.token, body, **kw)


def visit(http, base, citizen, no, satisfied=True):
    return call(http, base, "POST", f"{APPS}/{no}/rectification/visit", citizen.token,
                {"satisfied": satisfied})


@pytest.fixture
def dept_case(stack, http, base):
    """(citizen, GA staff, application number, case) of a bad rating on GA's own work."""
    c, s = new_citizen(stack, http, base), new_staff(stack, http, base, "GA")
    no = bring_to(http, base, c, s, "completed", GA_3)
    rate_badly(http, base, c, no)
    return c, s, no, cases(http, base, s)[no]


def test_the_department_lists_its_cases_and_closes_one(stack, http, base, dept_case):
    c, s, no, case = dept_case
    assert set(case) == CASE_KEYS, case
    assert case["status"] == "open" and case["handled_by"] == "department", case
    rating = dict(case["rating"])
    assert rating.pop("id") == detail(http, base, c, no)["rating"]["id"], case  # to appeal it
    assert rating == {"score": 1, "tags": ["slow"], "comment": "等了很久"}, case
    assert case["verification"] is None and case["visit"] is None, case
    assert no in cases(http, base, s, status="open") and no not in cases(http, base, s,
                                                                         status="closed")
    # another department sees nothing of it
    mz = new_staff(stack, http, base, "MZ")
    assert no not in cases(http, base, mz)
    assert_problem(resolve(http, base, mz, case["id"]), 404, "not_found")
    # the response closes it, audited; the citizen sees measure and response, not the finding
    r = resolve(http, base, s, case["id"], rid="close-1")
    assert r.status_code == 200, r.text
    closed = r.json()
    assert closed["status"] == "closed" and closed["verification"] == RESPONSE["verification"]
    assert closed["closed_at"] and closed["measure"] == "immediate", closed
    mine = detail(http, base, c, no)["rectification"]
    assert mine["status"] == "closed" and mine["response"] == RESPONSE["response"], mine
    assert "verification" not in mine, mine
    assert no in cases(http, base, s, status="closed")
    assert_problem(resolve(http, base, s, case["id"]), 409, "conflict")
    audit = sql(stack, f"SELECT actor_type, actor_id, detail, client_request_id FROM audit_log "
                       f"WHERE target = {q(no)} AND action = 'rectification.close'")
    assert audit == [["staff", s.id, f"case {case['id']}; immediate", "close-1"]], audit


def inbox(http, base, citizen, kind=ANSWERED):
    r = call(http, base, "GET", "/api/v1/notifications", citizen.token)
    assert r.status_code == 200, r.text
    return [n for n in r.json()["items"] if n["kind"] == kind]


def test_the_answer_reaches_the_citizens_inbox_and_devices(stack, http, base, dept_case):
    c, s, no, case = dept_case
    assert inbox(http, base, c) == []
    token = "rect-" + secrets.token_hex(32)
    r = call(http, base, "POST", "/api/v1/devices", c.token, {"platform": "apns", "token": token})
    assert r.status_code == 201, r.text
    device = r.json()["id"]
    # a refused answer (another department) tells the citizen nothing
    assert resolve(http, base, new_staff(stack, http, base, "MZ"), case["id"]).status_code == 404
    assert inbox(http, base, c) == []
    assert resolve(http, base, s, case["id"]).status_code == 200
    got = inbox(http, base, c)
    assert len(got) == 1, got
    n = got[0]
    assert n["application_no"] == no and n["title"] == "您的评价有了整改答复", n
    assert n["body"] == f"办件 {no} 的差评整改已答复（立行立改）：{RESPONSE['response']}", n
    assert n["read_at"] is None, n
    # the push fan-out of the same transaction: one delivery to the citizen's device
    rows = sql(stack, f"SELECT o.channel, o.target_id FROM outbox o JOIN notifications n "
                      f"ON n.id = o.notification_id WHERE n.id = {int(n['id'])}")
    assert rows == [["apns", device]], rows
    # a second close is 409 and tells nothing twice
    assert_problem(resolve(http, base, s, case["id"]), 409, "conflict")
    assert len(inbox(http, base, c)) == 1


@pytest.mark.parametrize("body, pointer", [
    ({}, "/verification"),
    (dict(RESPONSE, verification=""), "/verification"),
    (dict(RESPONSE, verification="核" * 1001), "/verification"),
    (dict(RESPONSE, measure="later"), "/measure"),
    ({k: v for k, v in RESPONSE.items() if k != "measure"}, "/measure"),
    (dict(RESPONSE, response="答" * 1001), "/response"),
    (dict(RESPONSE, response=None), "/response"),
])
def test_a_bad_response_is_400_and_closes_nothing(stack, http, base, dept_case, body, pointer):
    _, s, no, case = dept_case
    r = resolve(http, base, s, case["id"], body)
    assert_problem(r, 400, "invalid_argument")
    assert pointer in field_errors(r), r.text
    assert cases(http, base, s)[no]["status"] == "open"


def test_the_longest_response_is_taken(stack, http, base, dept_case):
    _, s, _, case = dept_case
    body = {"verification": "核" * 1000, "measure": "scheduled", "response": "答" * 1000}
    r = resolve(http, base, s, case["id"], body)
    assert r.status_code == 200, r.text
    assert r.json()["response"] == "答" * 1000
    # the inbox line is cut to the notification's 500 characters
    n = inbox(http, base, dept_case[0])[0]
    assert len(n["body"]) == 500 and n["body"].endswith("答" * 100), n


def test_overdue_is_flagged_open_and_after_a_late_close(stack, http, base, dept_case):
    _, s, no, case = dept_case
    deadline = case["deadline"]
    r = http.get(base + STAFF_CASES, headers={"Authorization": f"Bearer {s.token}",
                                              "X-Test-Today": deadline}, timeout=30)
    assert {c["application_no"]: c for c in r.json()["items"]}[no]["overdue"] is False
    late = "2099-01-01"
    r = http.get(base + STAFF_CASES, headers={"Authorization": f"Bearer {s.token}",
                                              "X-Test-Today": late}, timeout=30)
    assert {c["application_no"]: c for c in r.json()["items"]}[no]["overdue"] is True
    r = resolve(http, base, s, case["id"], today=late)
    assert r.status_code == 200 and r.json()["overdue"] is True, r.text
    assert cases(http, base, s)[no]["overdue"] is True  # closed after the deadline: still late


def test_the_citizens_return_visit(stack, http, base, dept_case):
    c, s, no, case = dept_case
    assert_problem(visit(http, base, c, no), 409, "conflict")  # not answered yet
    assert resolve(http, base, s, case["id"]).status_code == 200
    other = new_citizen(stack, http, base)
    assert_problem(visit(http, base, other, no), 404, "not_found")
    r = call(http, base, "POST", f"{APPS}/{no}/rectification/visit", c.token, {"satisfied": 1})
    assert_problem(r, 400, "invalid_argument")
    r = visit(http, base, c, no, satisfied=False)
    assert r.status_code == 200 and r.json()["visit"] == "unsatisfied", r.text
    assert detail(http, base, c, no)["rectification"]["visit"] == "unsatisfied"
    assert cases(http, base, s)[no]["visit"] == "unsatisfied"
    assert_problem(visit(http, base, c, no, satisfied=True), 409, "conflict")  # once
    # an application without a case (a good rating) has nothing to visit
    good = bring_to(http, base, c, s, "completed", GA_3)
    r = call(http, base, "POST", f"{APPS}/{good}/rating", c.token, {"score": 5})
    assert r.status_code == 201, r.text
    assert_problem(visit(http, base, c, good), 404, "not_found")


def test_delegated_work_is_answered_by_the_organization(stack, http, base):
    service, dept = take_service()
    staff, other_org_staff = new_staff(stack, http, base, dept), new_staff(stack, http, base, "MZ")
    org, other = Org(stack, http, base), Org(stack, http, base)
    delegate(http, base, staff, org, service)
    c = new_citizen(stack, http, base)
    no = submitted(http, base, c, service)["application_no"]
    for body in ({"status": "accepted"}, {"status": "completed", "result": "approved"}):
        r = call(http, base, "POST", f"{ORG_APPS}/{no}/events", org.token, body)
        assert r.status_code == 200, r.text
    rate_badly(http, base, c, no)
    row = sql(stack, f"SELECT handler_type, org_id, COALESCE(staff_id, 'NULL') FROM ratings "
                     f"WHERE application_no = {q(no)}")
    assert row == [["organization", org.id, "NULL"]], row
    mine = cases(http, base, org, ORG_CASES)
    assert mine[no]["handled_by"] == "organization", mine[no]
    assert no not in cases(http, base, other, ORG_CASES)
    assert no not in cases(http, base, other_org_staff)
    # the delegating department sees it, but the organization answers
    seen = cases(http, base, staff)[no]
    assert seen["handled_by"] == "organization" and seen["id"] == mine[no]["id"], seen
    assert_problem(resolve(http, base, staff, seen["id"]), 403, "forbidden")
    assert_problem(resolve(http, base, other, seen["id"], path=ORG_CASES), 404, "not_found")
    r = resolve(http, base, org, seen["id"], path=ORG_CASES)
    assert r.status_code == 200, r.text
    assert cases(http, base, staff)[no]["status"] == "closed"
    assert [n["application_no"] for n in inbox(http, base, c)] == [no]
    audit = sql(stack, f"SELECT actor_type, actor_id FROM audit_log WHERE target = {q(no)} "
                       f"AND action = 'rectification.close'")
    assert audit == [["organization", org.id]], audit
    # the scopes: reading needs applications:read, answering applications:write
    reader = org.new_token(scope="applications:read")
    r = call(http, base, "POST", f"{ORG_CASES}/{seen['id']}/resolve", reader, RESPONSE)
    assert r.status_code == 403, r.text


def test_queue_paging_and_bad_queries(stack, http, base):
    c, s = new_citizen(stack, http, base), new_staff(stack, http, base, "GA")
    numbers = []
    for _ in range(3):
        no = bring_to(http, base, c, s, "completed", GA_3)
        rate_badly(http, base, c, no)
        numbers.append(no)
    seen, cursor = [], None
    for _ in range(50):
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        r = http.get(base + STAFF_CASES, params=params,
                     headers={"Authorization": f"Bearer {s.token}"}, timeout=30)
        assert r.status_code == 200 and len(r.json()["items"]) <= 1, r.text
        seen += [i["application_no"] for i in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert [n for n in seen if n in numbers] == numbers[::-1]  # newest first, none twice
    assert len(seen) == len(set(seen))
    for params in ({"status": "pending"}, {"limit": 0}, {"limit": 101}, {"cursor": "zz"}):
        r = http.get(base + STAFF_CASES, params=params,
                     headers={"Authorization": f"Bearer {s.token}"}, timeout=30)
        assert_problem(r, 400, "invalid_argument")
    assert http.get(base + STAFF_CASES, timeout=30).status_code == 401
    r = http.get(base + STAFF_CASES, headers={"Authorization": f"Bearer {c.token}"}, timeout=30)
    assert r.status_code == 403, r.text
