"""API.md §5 applications from the department's side, through nginx: the queue (own
department only, the open statuses by default, status filter, sort oldest / due with overdue
first, cursor paging), the staff detail with the applicant's full data and the form (every
read audited), and the state machine: every legal edge writes exactly one timeline event, one
audit_log row, one notification and one outbox row; every illegal one is 409
invalid_transition with current_status and changes nothing. Also the note/result rules,
another department's numbers (404), role checks and the append-only audit_log.

Queue tests each use a department no other test submits to (and only look at their own
applications), so the tests do not depend on each other."""
import base64
import json
import subprocess

import pytest

from conftest import assert_problem
from helpers import HEX32, sql, unique_id
from people import (CITIZEN_ONLY_KEYS, APPLICANT, APPS, DETAIL_KEYS, GA_3, OPEN_STATUSES, RFC3339_UTC,
                    STAFF_APPS, STAFF_DETAIL_KEYS, STATUSES, SUMMARY_KEYS, all_pages, app_id,
                    app_row, assert_one_step, bring_to, call, detail, event, new_citizen,
                    new_staff, q, read_audit_count, required_materials, service_of_department,
                    staff_detail,
                    staff_step, step_counts, submitted, supplement, withdraw)
from helpers import field_errors

NOTE_MAX = 500
AUDIT_KEYS = {"id", "actor_type", "actor_id", "action", "target", "detail", "request_id",
              "client_request_id", "created_at"}


def queue(http, base, staff, limit=100, **params):
    """Every item of the staff member's queue (all pages)."""
    items, _ = all_pages(http, base, staff, STAFF_APPS, limit=limit, **params)
    return items


def mine(items, numbers):
    """The application numbers of items that are in numbers, in the items' order."""
    numbers = set(numbers)
    return [i["application_no"] for i in items if i["application_no"] in numbers]


def audit_lines(stack, no):
    out = stack.admin("audit", "--target", no).stdout
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    for line in lines:
        assert line["target"] == no, line
    ids = [int(line["id"]) for line in lines]
    assert ids == sorted(ids), ids
    return lines


# --- the queue -------------------------------------------------------------------------------
def test_queue_holds_only_the_own_department(base, http, stack):
    cl_service, ny_service = service_of_department("CL"), service_of_department("NY")
    c = new_citizen(stack, http, base)
    cl_staff = new_staff(stack, http, base, "CL")
    ny_staff = new_staff(stack, http, base, "NY")
    cl_no = submitted(http, base, c, cl_service)["application_no"]
    ny_no = submitted(http, base, c, ny_service)["application_no"]
    cl_items = queue(http, base, cl_staff)
    ny_items = queue(http, base, ny_staff)
    assert mine(cl_items, [cl_no, ny_no]) == [cl_no]
    assert mine(ny_items, [cl_no, ny_no]) == [ny_no]
    assert all(i["service"]["code"].startswith("CL-") for i in cl_items), cl_items
    assert all(i["service"]["code"].startswith("NY-") for i in ny_items), ny_items
    for i in cl_items:
        assert set(i) == SUMMARY_KEYS, i
        assert set(i["service"]) == {"code", "name"}, i
    # also with a status filter and the due sort
    for params in ({"status": "submitted"}, {"sort": "due"}):
        assert mine(queue(http, base, cl_staff, **params), [cl_no, ny_no]) == [cl_no]


def test_queue_default_is_the_open_statuses_and_status_filter(base, http, stack):
    service = service_of_department("SL")
    c = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "SL")
    numbers = {status: bring_to(http, base, c, s, status, service) for status in STATUSES}
    everything = list(numbers.values())
    items = queue(http, base, s)
    assert all(i["status"] in OPEN_STATUSES for i in items), [i["status"] for i in items]
    assert sorted(mine(items, everything)) == sorted(numbers[st] for st in OPEN_STATUSES)
    for status in STATUSES:
        items = queue(http, base, s, status=status)
        assert all(i["status"] == status for i in items), (status, items)
        assert mine(items, everything) == [numbers[status]], status
    for bad in ("bogus", "open", "Submitted", "withdrawn,completed"):
        r = call(http, base, "GET", f"{STAFF_APPS}?status={bad}", s.token)
        assert field_errors(r) == ["status"], (bad, r.text)
    for bad in ("newest", "DUE", "due_date", "-due"):
        r = call(http, base, "GET", f"{STAFF_APPS}?sort={bad}", s.token)
        assert field_errors(r) == ["sort"], (bad, r.text)
    for bad in ("0", "101", "x"):
        r = call(http, base, "GET", f"{STAFF_APPS}?limit={bad}", s.token)
        assert field_errors(r) == ["limit"], (bad, r.text)


def test_queue_sort_oldest_and_due_with_overdue_first(base, http, stack):
    service = service_of_department("SF", promised_days=3)
    c = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "SF")
    # submission order a, b, cc, d; due dates (3 working days) 03-19, 03-05, 03-12, 03-12
    a = submitted(http, base, c, service, today="2026-03-16")
    b = submitted(http, base, c, service, today="2026-03-02")
    cc = submitted(http, base, c, service, today="2026-03-09")
    d = submitted(http, base, c, service, today="2026-03-09")
    assert [x["due_date"] for x in (a, b, cc, d)] == [
        "2026-03-19", "2026-03-05", "2026-03-12", "2026-03-12"]
    staff_step(http, base, s, b["application_no"], "accepted", today="2026-03-03")
    numbers = [x["application_no"] for x in (a, b, cc, d)]
    a, b, cc, d = numbers

    def ordered(sort=None, today="2026-03-10", limit=100):
        params = {} if sort is None else {"sort": sort}
        items = [i for i in all_pages_today(http, base, s, today, limit, **params)
                 if i["application_no"] in numbers]
        return [i["application_no"] for i in items], {i["application_no"]: i["overdue"]
                                                       for i in items}

    order, overdue = ordered()
    assert order == [a, b, cc, d], order  # default: oldest submission first
    assert ordered("oldest")[0] == [a, b, cc, d]
    order, overdue = ordered("due")
    assert order == [b, cc, d, a], order  # ascending due date, ties by submission
    assert overdue == {a: False, b: True, cc: False, d: False}, overdue
    order, overdue = ordered("due", today="2026-03-13")
    assert order == [b, cc, d, a], order
    assert overdue == {a: False, b: True, cc: True, d: True}, overdue
    # the same with pages of one
    assert ordered("due", limit=1)[0] == [b, cc, d, a]
    assert ordered("oldest", limit=1)[0] == [a, b, cc, d]


def all_pages_today(http, base, staff, today, limit, **params):
    items, cursor = [], None
    for _ in range(500):
        query = dict(params, limit=limit)
        if cursor:
            query["cursor"] = cursor
        r = http.get(base + STAFF_APPS, params=query, timeout=30,
                     headers={"Authorization": f"Bearer {staff.token}", "X-Test-Today": today})
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("too many pages")


def test_queue_paging(base, http, stack):
    service = service_of_department("YC")
    c = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "YC")
    days = ["2026-04-13", "2026-03-02", "2026-04-01", "2026-03-02", "2026-05-06"]
    numbers = [submitted(http, base, c, service, today=day)["application_no"] for day in days]
    whole = queue(http, base, s)
    assert mine(whole, numbers) == numbers  # oldest first
    items, sizes = all_pages(http, base, s, STAFF_APPS, limit=2)
    got = [i["application_no"] for i in items]
    assert len(got) == len(set(got)), got  # no repeats
    assert mine(items, numbers) == numbers and got == [i["application_no"] for i in whole]
    assert all(size == 2 for size in sizes[:-1]), sizes
    # due order across pages: the same as one page, sorted by (due date, submission)
    by_due = queue(http, base, s, sort="due")
    items, _ = all_pages(http, base, s, STAFF_APPS, limit=2, sort="due")
    assert [i["application_no"] for i in items] == [i["application_no"] for i in by_due]
    index = {no: k for k, no in enumerate(numbers)}
    mine_by_due = [i for i in by_due if i["application_no"] in index]
    keys = [(i["due_date"], index[i["application_no"]]) for i in mine_by_due]
    assert keys == sorted(keys) and len(keys) == 5, keys
    assert [i["application_no"] for i in mine_by_due] != numbers  # the sort did something


# --- the staff detail ------------------------------------------------------------------------
def test_staff_detail_shows_the_applicant_and_form_and_is_audited(base, http, stack):
    c = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "GA")
    form = {"申请事由": "出国务工", "copies": 3, "nested": {"list": [1, "二", None, True]},
            "empty": {}}
    b = submitted(http, base, c, GA_3, form)
    no = b["application_no"]
    assert read_audit_count(stack, no) == 0
    rid1, rid2 = unique_id("read"), unique_id("read")
    r = call(http, base, "GET", f"{STAFF_APPS}/{no}", s.token, rid=rid1)
    assert r.status_code == 200, r.text
    d = r.json()
    assert set(d) == STAFF_DETAIL_KEYS, d
    assert d["applicant"] == {"name": c.name, "id_number": c.id_number, "phone": c.phone}, d
    assert d["form"] == form, d
    assert b["query_code"] not in r.text
    citizen_view = detail(http, base, c, no)
    for k in DETAIL_KEYS - CITIZEN_ONLY_KEYS:
        assert d[k] == citizen_view[k], k
    assert read_audit_count(stack, no) == 1
    assert staff_detail(http, base, s, no, rid=rid2) == d
    assert read_audit_count(stack, no) == 2

    lines = audit_lines(stack, no)
    reads = [l for l in lines if l["action"] == "application.read"]
    assert [(l["actor_type"], str(l["actor_id"]), l["client_request_id"]) for l in reads] == [
        ("staff", s.id, rid1), ("staff", s.id, rid2)], reads
    assert all(HEX32.match(l["request_id"]) for l in reads), reads  # the server's own ids
    others = [l for l in lines if l["action"] != "application.read"]
    assert len(others) == 1, lines  # the submission
    assert (others[0]["actor_type"], str(others[0]["actor_id"])) == ("citizen", c.id), others
    # the personal data is not in the audit rows
    text = json.dumps(lines, ensure_ascii=False)
    for value in (c.name, c.id_number, c.phone):
        assert value not in text, value


def test_audit_command_prints_the_documented_fields(base, http, stack):
    c = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "GA")
    no = submitted(http, base, c, GA_3)["application_no"]
    rid = unique_id("read")
    staff_detail(http, base, s, no, rid=rid)
    lines = audit_lines(stack, no)
    assert len(lines) >= 2, lines
    for line in lines:
        assert set(line) == AUDIT_KEYS, line
        assert RFC3339_UTC.match(line["created_at"]), line
    assert any(l["action"] == "application.read" and l["client_request_id"] == rid
               and HEX32.match(l["request_id"]) for l in lines)
    assert stack.admin("audit", "--target", "00000000-00000-00000").stdout.strip() == ""


def test_staff_detail_accepts_lower_case_and_refuses_malformed_numbers(base, http, stack):
    c = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "GA")
    no = submitted(http, base, c, GA_3)["application_no"]
    assert staff_detail(http, base, s, no.lower())["application_no"] == no
    for bad in (no[:-1], no + "A", no.replace("-", ""), no[:9] + "U" + no[10:], "1"):
        assert_problem(call(http, base, "GET", f"{STAFF_APPS}/{bad}", s.token), 404,
                       "not_found")
        r = event(http, base, s, bad, "accepted")
        assert_problem(r, 404, "not_found")
    assert app_row(stack, no)[2] == "submitted"


# --- transitions -----------------------------------------------------------------------------
def test_every_legal_transition_writes_one_of_each(base, http, stack):
    c = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "GA")

    def citizen_submits():
        rid = unique_id("sub")
        r = call(http, base, "POST", APPS, c.token, {
            "service_code": GA_3, "form": {"a": 1},
            "materials": required_materials(http, base, c, GA_3)}, rid=rid)
        assert r.status_code == 201, r.text
        no = r.json()["application_no"]
        assert_one_step(stack, no, (0, 0, 0, 0), c, "citizen", c.id, rid)
        return no

    def staff_moves(no, status, note=None, result=None, expect_result=None):
        before = step_counts(stack, no)
        rid = unique_id("evt")
        r = event(http, base, s, no, status, note, result, rid=rid)
        assert r.status_code == 200, r.text
        d = r.json()
        # the step's answer: the detail without the applicant's data (GET shows it, audited)
        assert set(d) == STAFF_DETAIL_KEYS - {"applicant", "form"}, d
        assert d["status"] == status and d["result"] == expect_result, d
        last = d["timeline"][-1]
        assert (last["status"], last["result"], last["note"], last["actor"],
                last["actor_name"]) == (status, expect_result, note, "department", "市公安局")
        assert_one_step(stack, no, before, c, "staff", s.id, rid)
        return d

    def citizen_moves(no, action, status):
        before = step_counts(stack, no)
        rid = unique_id("cit")
        if action == "withdraw":
            r = withdraw(http, base, c, no, rid=rid)
        else:
            r = supplement(http, base, c, no, rid=rid)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == status
        last = r.json()["timeline"][-1]
        assert (last["status"], last["actor"], last["actor_name"]) == (
            status, "citizen", APPLICANT), last
        assert_one_step(stack, no, before, c, "citizen", c.id, rid)

    one = citizen_submits()
    staff_moves(one, "accepted")                                        # submitted → accepted
    d = staff_moves(one, "completed", result="approved", expect_result="approved")
    assert d["finished_at"] is not None                                 # accepted → completed
    two = citizen_submits()
    staff_moves(two, "accepted", note="材料齐全，予以受理")
    d = staff_moves(two, "completed", note="不符合条件", result="denied", expect_result="denied")
    assert d["finished_at"] is not None
    three = citizen_submits()
    staff_moves(three, "need_materials", note="请补充照片")              # submitted → need_materials
    citizen_moves(three, "supplement", "submitted")                     # need_materials → submitted
    staff_moves(three, "need_materials", note="照片不清晰")
    citizen_moves(three, "withdraw", "withdrawn")                       # need_materials → withdrawn
    four = citizen_submits()
    d = staff_moves(four, "not_accepted", note="不属于本部门受理范围")    # submitted → not_accepted
    assert d["finished_at"] is not None
    five = citizen_submits()
    citizen_moves(five, "withdraw", "withdrawn")                        # submitted → withdrawn
    for no, final in ((one, "completed"), (two, "completed"), (three, "withdrawn"),
                      (four, "not_accepted"), (five, "withdrawn")):
        assert app_row(stack, no)[2] == final
    assert detail(http, base, c, two)["result"] == "denied"
    # the citizen's inbox rows point at the applications
    rows = sql(stack, f"SELECT COUNT(*) FROM notifications WHERE citizen_id = {int(c.id)} "
                      f"AND kind = 'application'")
    assert rows[0][0] == str(3 + 3 + 5 + 2 + 2), rows


STAFF_ATTEMPTS = [("accepted", None, None), ("need_materials", "请补充", None),
                  ("not_accepted", "不予受理", None), ("completed", None, "approved"),
                  ("withdrawn", None, None), ("submitted", None, None)]
LEGAL = {("submitted", "staff", "accepted"), ("submitted", "staff", "need_materials"),
         ("submitted", "staff", "not_accepted"), ("submitted", "citizen", "withdraw"),
         ("need_materials", "citizen", "supplement"), ("need_materials", "citizen", "withdraw"),
         ("accepted", "staff", "completed")}


def test_illegal_transitions_are_409_and_change_nothing(base, http, stack):
    c = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "GA")
    wrong, tried = [], 0
    for state in STATUSES:
        no = bring_to(http, base, c, s, state)
        attempts = [("staff", st, note, result) for st, note, result in STAFF_ATTEMPTS]
        attempts += [("citizen", "withdraw", None, None), ("citizen", "supplement", None, None)]
        for actor, what, note, result in attempts:
            if (state, actor, what) in LEGAL:
                continue
            tried += 1
            before = (step_counts(stack, no), app_row(stack, no)[2])
            if actor == "staff":
                r = event(http, base, s, no, what, note, result)
            elif what == "withdraw":
                r = withdraw(http, base, c, no)
            else:
                r = supplement(http, base, c, no)
            after = (step_counts(stack, no), app_row(stack, no)[2])
            try:
                body = assert_problem(r, 409, "invalid_transition")
                assert body.get("current_status") == state, body
                assert after == before, (before, after)
            except AssertionError as e:
                wrong.append((state, actor, what, r.status_code, r.text[:200], str(e)[:200]))
        assert app_row(stack, no)[2] == state
    assert tried == 6 * 8 - len(LEGAL)
    assert not wrong, "\n".join(map(str, wrong))


def test_note_and_result_rules(base, http, stack):
    c = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "GA")
    no = submitted(http, base, c, GA_3)["application_no"]
    path = f"{STAFF_APPS}/{no}/events"
    before = step_counts(stack, no)
    cases = [({"status": "need_materials"}, ["/note"]),
             ({"status": "not_accepted"}, ["/note"]),
             ({"status": "need_materials", "note": "补" * (NOTE_MAX + 1)}, ["/note"]),
             ({"status": "accepted", "note": "受" * (NOTE_MAX + 1)}, ["/note"]),
             ({"status": "accepted", "note": 12}, ["/note"]),
             ({"status": "accepted", "result": "approved"}, ["/result"]),
             ({"status": "not_accepted", "note": "不符合", "result": "denied"}, ["/result"]),
             ({"status": "bogus"}, ["/status"]),
             ({"status": "ACCEPTED"}, ["/status"]),
             ({"status": 1}, ["/status"]),
             ({}, ["/status"]),
             ({"note": "无状态"}, ["/status"])]
    for body, fields in cases:
        r = call(http, base, "POST", path, s.token, body)
        assert field_errors(r) == fields, (body if len(str(body)) < 100 else fields, r.text)
    assert step_counts(stack, no) == before and app_row(stack, no)[2] == "submitted"
    # a 500-code-point note is fine
    d = staff_step(http, base, s, no, "accepted", note="受" * NOTE_MAX)
    assert d["timeline"][-1]["note"] == "受" * NOTE_MAX
    before = step_counts(stack, no)
    for body, fields in [({"status": "completed"}, ["/result"]),
                         ({"status": "completed", "result": "maybe"}, ["/result"]),
                         ({"status": "completed", "result": None}, ["/result"]),
                         ({"status": "completed", "result": "APPROVED"}, ["/result"])]:
        r = call(http, base, "POST", path, s.token, body)
        assert field_errors(r) == fields, (body, r.text)
    assert step_counts(stack, no) == before and app_row(stack, no)[2] == "accepted"
    staff_step(http, base, s, no, "completed", result="denied")


# --- other departments, roles, the audit log -------------------------------------------------
def test_another_departments_number_is_not_found(base, http, stack):
    c = new_citizen(stack, http, base)
    ga = new_staff(stack, http, base, "GA")
    mz = new_staff(stack, http, base, "MZ")
    no = submitted(http, base, c, GA_3)["application_no"]
    unknown = no[:9] + ("00000-00000" if no[9:] != "00000-00000" else "11111-11111")
    before = step_counts(stack, no)

    def strip(r):
        body = r.json()
        body.pop("request_id")
        return body
    for target in (no, no.lower()):
        r = call(http, base, "GET", f"{STAFF_APPS}/{target}", mz.token)
        assert_problem(r, 404, "not_found")
        u = call(http, base, "GET", f"{STAFF_APPS}/{unknown}", mz.token)
        assert strip(r) == strip(u), (r.text, u.text)
        for status, note in (("accepted", None), ("not_accepted", "不予受理")):
            r = event(http, base, mz, target, status, note)
            assert_problem(r, 404, "not_found")
            u = event(http, base, mz, unknown, status, note)
            assert strip(r) == strip(u), (r.text, u.text)
    assert step_counts(stack, no) == before and app_row(stack, no)[2] == "submitted"
    assert read_audit_count(stack, no) == 0
    # its own department sees it
    assert staff_detail(http, base, ga, no)["application_no"] == no


def test_staff_routes_refuse_citizens_and_anonymous_callers(base, http, stack):
    c = new_citizen(stack, http, base)
    no = submitted(http, base, c, GA_3)["application_no"]
    for method, path, body in (("GET", STAFF_APPS, None), ("GET", f"{STAFF_APPS}/{no}", None),
                               ("POST", f"{STAFF_APPS}/{no}/events", {"status": "accepted"})):
        kw = {} if body is None else {"body": body}
        assert_problem(call(http, base, method, path, c.token, **kw), 403, "forbidden")
        r = call(http, base, method, path, None, **kw)
        assert_problem(r, 401, "unauthorized")
        assert r.headers.get("WWW-Authenticate") == 'Bearer realm="onewindow"', r.headers
    assert app_row(stack, no)[2] == "submitted"
    assert read_audit_count(stack, no) == 0


def test_audit_log_is_append_only(base, http, stack):
    c = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "GA")
    no = submitted(http, base, c, GA_3)["application_no"]
    staff_detail(http, base, s, no)
    rows = sql(stack, f"SELECT id, action, actor_id FROM audit_log WHERE target = {q(no)} "
                      f"ORDER BY id")
    assert len(rows) == 2, rows
    for statement in (f"UPDATE audit_log SET action = 'tampered' WHERE target = {q(no)}",
                      f"UPDATE audit_log SET actor_id = '0' WHERE id = {rows[0][0]}",
                      f"DELETE FROM audit_log WHERE target = {q(no)}",
                      f"DELETE FROM audit_log WHERE id = {rows[1][0]}"):
        with pytest.raises(subprocess.CalledProcessError) as e:
            sql(stack, statement)
        assert "45000" in e.value.stderr or "append-only" in e.value.stderr, e.value.stderr
    assert sql(stack, f"SELECT id, action, actor_id FROM audit_log WHERE target = {q(no)} "
                      f"ORDER BY id") == rows
    assert app_id(stack, no) > 0


def b64url_text(text):
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("cursor", ["2026-01-05|", "2026-01-05|0", "2026-01-05|-3",
                                    "2026-01-05|+3", "2026-01-05| 3", "|7", "2026-13-01|7"])
def test_queue_refuses_cursors_it_never_made(base, http, stack, cursor):
    s = new_staff(stack, http, base, "GA")
    r = http.get(base + STAFF_APPS, params={"cursor": b64url_text(cursor)},
                 headers={"Authorization": f"Bearer {s.token}"}, timeout=30)
    assert field_errors(r) == ["cursor"], (cursor, r.text)
