"""The organization's routes of API.md §7 through nginx: each with its scope (403 with
error="insufficient_scope" without it), the services delegated to the caller, the change
feed's basics (order, cursor, status filter, bad input; its concurrency is
test_org_feed.py's), the detail with the applicant's data (each read audited with the
client id), the department's steps taken by the organization (actor organization, its name
on the timeline, the same answers and errors as staff's), messages to the applicant (inbox and
push, limited per organization), and isolation: another organization's application, one
submitted after a revocation, one of a service never delegated → 404 on every route."""
import pytest

from conftest import assert_problem
from helpers import HEX32, field_errors, sql, unique_id
from orgs import (ORG_APPS, ORG_DELIVERIES, ORG_SERVICES, SCOPE_CHALLENGE, Delegated, Org,
                  delegate, revoke, take_service, take_services)
from people import (CITIZEN_ONLY_KEYS, DETAIL_KEYS, STAFF_DETAIL_KEYS, SUMMARY_KEYS, call, detail,
                    new_citizen, new_staff, q, shanghai_today, submitted, supplement, valid_form,
                    withdraw)

ROUTES = [  # method, path (with {no}), scope, body
    ("GET", ORG_SERVICES, "services:read", None),
    ("GET", ORG_APPS, "applications:read", None),
    ("GET", ORG_APPS + "/{no}", "applications:read", None),
    ("POST", ORG_APPS + "/{no}/events", "applications:write", {"status": "accepted"}),
    ("POST", ORG_APPS + "/{no}/messages", "notifications:write", {"title": "t", "body": "b"}),
    ("GET", ORG_DELIVERIES, "applications:read", None),
]
ALL = ("applications:read", "applications:write", "notifications:write", "services:read")


@pytest.fixture(scope="module")
def world(stack):
    """Two organizations; the first has a delegated service with an application."""
    import requests
    http = requests.Session()
    base = stack.base
    code, dept = take_service()
    staff = new_staff(stack, http, base, dept)
    a, b = Org(stack, http, base), Org(stack, http, base)
    d = delegate(http, base, staff, a, code)
    citizen = new_citizen(stack, http, base)
    yield {"code": code, "dept": dept, "staff": staff, "a": a, "b": b, "delegation": d,
           "citizen": citizen}
    revoke(http, base, staff, d["id"])


def path_of(template, no):
    return template.replace("{no}", no)


def test_every_route_needs_its_scope(world, stack, http, base):
    a, c = world["a"], world["citizen"]
    no = submitted(http, base, c, world["code"])["application_no"]
    for method, template, scope, body in ROUTES:
        others = " ".join(s for s in ALL if s != scope)
        token = a.new_token(scope=others)
        r = call(http, base, method, path_of(template, no), token,
                 body if body is not None else None) if body is not None else \
            call(http, base, method, path_of(template, no), token)
        assert_problem(r, 403, "forbidden")
        assert r.headers["WWW-Authenticate"] == SCOPE_CHALLENGE, (template, r.headers)
        # with only that scope: past the check
        token = a.new_token(scope=scope)
        r = call(http, base, method, path_of(template, no), token, body) if body is not None \
            else call(http, base, method, path_of(template, no), token)
        assert r.status_code in (200, 201), (template, r.text)
        # citizens and staff: 403 too; no token: 401
        for who in (c.token, world["staff"].token):
            r = call(http, base, method, path_of(template, no), who, body) if body is not None \
                else call(http, base, method, path_of(template, no), who)
            assert_problem(r, 403, "forbidden")
        r = call(http, base, method, path_of(template, no))
        assert_problem(r, 401, "unauthorized")


def test_services_lists_what_is_delegated_to_the_caller(world, stack, http, base):
    a, b = world["a"], world["b"]
    r = a.get(ORG_SERVICES)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["id"] for i in items] == [world["delegation"]["id"]], items
    item = items[0]
    assert item["service"]["code"] == world["code"] and item["status"] == "active", item
    assert item["organization"] == {"id": a.id, "name": a.name}
    assert r.json()["next_cursor"] is None
    assert b.get(ORG_SERVICES).json() == {"items": [], "next_cursor": None}
    # paging: three more of one department, one per page, ending first first
    codes, dept = take_services(3)
    staff = new_staff(stack, http, base, dept)
    today = shanghai_today()
    import datetime
    made = [delegate(http, base, staff, b, code, today,
                     today + datetime.timedelta(days=10 + i))["id"]
            for i, code in enumerate(reversed(codes))]
    seen, cursor = [], None
    for _ in range(10):
        page = b.get(ORG_SERVICES, limit=1, **({"cursor": cursor} if cursor else {})).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == made, (seen, made)
    assert field_errors(b.get(ORG_SERVICES, cursor="bm9wZQ")) == ["cursor"]
    assert field_errors(b.get(ORG_SERVICES, limit=0)) == ["limit"]
    for i in made:
        revoke(http, base, staff, i)
    assert b.get(ORG_SERVICES).json()["items"] == []


def test_feed_basics(world, stack, http, base):
    a, c = world["a"], world["citizen"]
    _, start = a.feed_all()
    numbers = [submitted(http, base, c, world["code"])["application_no"] for _ in range(3)]
    items, cursor = a.feed_all(start, limit=2)
    assert [i["application_no"] for i in items] == numbers, items
    for i in items:
        assert set(i) == SUMMARY_KEYS | {"change_seq"}, i
    seqs = [i["change_seq"] for i in items]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3, seqs
    # nothing new: an empty page and the same position
    page = a.feed(cursor)
    assert page["items"] == [] and page["next_cursor"] == cursor and page["has_more"] is False
    # a change moves the application to the end of the feed, once
    assert a.step(numbers[0], "accepted").status_code == 200
    items, cursor2 = a.feed_all(cursor)
    assert [(i["application_no"], i["status"]) for i in items] == [(numbers[0], "accepted")]
    assert items[0]["change_seq"] > seqs[-1]
    # the status filter: only the accepted one of mine
    accepted, _ = a.feed_all(start, status="accepted")
    assert [i["application_no"] for i in accepted if i["application_no"] in numbers] == [
        numbers[0]]
    for bad in ({"cursor": "!!"}, {"cursor": "MTI"}, {"cursor": "Yy0x"}, {"limit": 101},
                {"limit": 0}, {"status": "open"}):
        r = a.get(ORG_APPS, **bad)
        assert r.status_code == 400, (bad, r.text)
    # another organization's feed holds none of them
    others, _ = world["b"].feed_all()
    assert not {i["application_no"] for i in others} & set(numbers)


def test_detail_shows_the_applicant_and_each_read_is_audited(world, stack, http, base):
    a, c = world["a"], world["citizen"]
    form = valid_form(world["code"])
    no = submitted(http, base, c, world["code"], form=form)["application_no"]
    rid = unique_id("orgread")
    r = call(http, base, "GET", f"{ORG_APPS}/{no}", a.token, rid=rid)
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    d = r.json()
    assert set(d) == STAFF_DETAIL_KEYS, set(d) ^ STAFF_DETAIL_KEYS
    assert d["applicant"] == {"name": c.name, "id_number": c.id_number, "phone": c.phone}
    assert d["form"] == form
    assert d["handled_by"] == {"type": "organization", "name": a.name}
    rows = sql(stack, f"SELECT actor_type, actor_id, detail, client_request_id, request_id "
                      f"FROM audit_log WHERE target = {q(no)} AND action = 'application.read'")
    assert [row[:4] for row in rows] == [
        ["organization", a.id, f"applicant data and form; client {a.client_id}", rid]], rows
    assert HEX32.match(rows[0][4]), rows  # the server's own request id beside the client's
    # number spellings are forgiven as for citizens
    assert a.get(f"{ORG_APPS}/{no.lower()}").status_code == 200


def test_steps_are_the_departments_with_the_organizations_name(world, stack, http, base):
    a, c = world["a"], world["citizen"]
    no = submitted(http, base, c, world["code"])["application_no"]
    rid = unique_id("orgstep")
    r = a.step(no, "need_materials", note="请补充退役证明", rid=rid)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == DETAIL_KEYS - CITIZEN_ONLY_KEYS, body  # no applicant data in the answer
    last = body["timeline"][-1]
    assert (last["status"], last["actor"], last["actor_name"], last["note"]) == (
        "need_materials", "organization", a.name, "请补充退役证明")
    # the citizen sees the organization on the timeline
    mine = detail(http, base, c, no)
    assert mine["timeline"][-1]["actor_name"] == a.name
    audit = sql(stack, f"SELECT actor_type, actor_id, action, client_request_id FROM audit_log "
                       f"WHERE target = {q(no)} AND action = 'application.transition'")
    assert audit == [["organization", a.id, "application.transition", rid]], audit
    # the citizen's notification, as for a department's step
    n = sql(stack, f"SELECT title FROM notifications n JOIN applications p ON "
                   f"p.id = n.application_id WHERE p.application_no = {q(no)} ORDER BY n.id")
    assert n[-1] == ["请补齐补正材料"], n
    # the same errors as staff's
    assert field_errors(a.step(no, "nonsense")) == ["/status"]
    assert field_errors(a.step(no, "not_accepted")) == ["/note"]
    r = a.step(no, "accepted")
    body = assert_problem(r, 409, "invalid_transition")
    assert body["current_status"] == "need_materials"
    assert supplement(http, base, c, no).status_code == 200
    # Idempotency-Key: a retry replays the first answer, nothing is done twice
    key = unique_id("k")
    first = a.step(no, "accepted", key=key)
    again = a.step(no, "accepted", key=key)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first.json()
    r = a.step(no, "completed", result="approved")
    assert r.status_code == 200 and r.json()["result"] == "approved", r.text


def test_messages_reach_the_inbox_and_devices(world, stack, http, base):
    a, c = world["a"], world["citizen"]
    no = submitted(http, base, c, world["code"])["application_no"]
    r = call(http, base, "POST", "/api/v1/devices", c.token,
             {"platform": "jpush", "token": unique_id("dev")})
    assert r.status_code == 201, r.text
    r = a.post(f"{ORG_APPS}/{no}/messages", {"title": "请携带原件", "body": "周三上午到服务中心核验。"})
    assert r.status_code == 201, r.text
    mid = r.json()["id"]
    assert r.json() == {"id": mid, "application_no": no}
    r = call(http, base, "GET", "/api/v1/notifications", c.token)
    item = [i for i in r.json()["items"] if i["id"] == mid][0]
    assert item["kind"] == "organization_message" and item["application_no"] == no, item
    assert item["title"] == f"【{a.name}】请携带原件" and item["body"] == "周三上午到服务中心核验。"
    pushes = sql(stack, f"SELECT channel FROM outbox WHERE notification_id = {int(mid)}")
    assert pushes == [["jpush"]], pushes
    audit = sql(stack, f"SELECT actor_type, actor_id FROM audit_log WHERE target = {q(no)} "
                       f"AND action = 'application.message'")
    assert audit == [["organization", a.id]], audit
    # limits of the body
    m = f"{ORG_APPS}/{no}/messages"
    assert field_errors(a.post(m, {})) == ["/body", "/title"]
    assert field_errors(a.post(m, {"title": "x" * 51, "body": "b"})) == ["/title"]
    assert field_errors(a.post(m, {"title": "t", "body": "字" * 501})) == ["/body"]
    assert a.post(m, {"title": "字" * 50, "body": "字" * 500}).status_code == 201
    # a final application can still be written to (e.g. where to fetch the result)
    assert withdraw(http, base, c, no).status_code == 200
    assert a.post(m, {"title": "t", "body": "b"}).status_code == 201


def test_messages_are_limited_per_organization(stack, http, base):
    """org_messages_per_minute (60 in the test configuration, the default): the 61st within a
    window is 429 with Retry-After; a window may turn over during the test, so up to twice
    as many may pass before the first 429."""
    case = Delegated(stack, http, base)
    code, staff, org, d = case.code, case.staff, case.org, case.delegation
    c = new_citizen(stack, http, base)
    no = submitted(http, base, c, code)["application_no"]
    sent, limited = 0, None
    for _ in range(122):
        r = org.post(f"{ORG_APPS}/{no}/messages", {"title": "t", "body": "b"})
        if r.status_code == 429:
            limited = r
            break
        assert r.status_code == 201, r.text
        sent += 1
    assert limited is not None, f"{sent} messages without a 429"
    assert_problem(limited, 429, "rate_limited")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert 60 <= sent <= 120, sent
    # another organization is not held back by it
    other = Org(stack, http, base)
    code2, dept2 = take_service()
    staff2 = new_staff(stack, http, base, dept2)
    d2 = delegate(http, base, staff2, other, code2)
    no2 = submitted(http, base, c, code2)["application_no"]
    assert other.post(f"{ORG_APPS}/{no2}/messages", {"title": "t", "body": "b"}).status_code == 201
    revoke(http, base, staff, d["id"])
    revoke(http, base, staff2, d2["id"])


def test_isolation_every_route_is_404(world, stack, http, base):
    """Another organization's application, one submitted after the revocation, one of a service
    never delegated, an unknown or malformed number: 404 on every route with {no}."""
    a, b, c = world["a"], world["b"], world["citizen"]
    mine = submitted(http, base, c, world["code"])["application_no"]
    never = submitted(http, base, c, "GA-GG-019")["application_no"]
    code2, dept2 = take_service()
    staff2 = new_staff(stack, http, base, dept2)
    d2 = delegate(http, base, staff2, a, code2)
    before = submitted(http, base, c, code2)["application_no"]
    revoke(http, base, staff2, d2["id"])
    after = submitted(http, base, c, code2)["application_no"]
    cases = [(b, mine), (a, never), (a, after), (b, before), (a, "20261128-00000-00000"),
             (a, "nonsense")]
    for org, no in cases:
        for method, template, _, body in ROUTES:
            if "{no}" not in template:
                continue
            path = path_of(template, no)
            r = call(http, base, method, path, org.token, body) if body is not None else \
                call(http, base, method, path, org.token)
            assert_problem(r, 404, "not_found")
    # what stays the caller's: the one submitted before the revocation
    assert a.get(f"{ORG_APPS}/{before}").status_code == 200
    items, _ = b.feed_all()
    assert mine not in {i["application_no"] for i in items}
    # nothing was changed by those attempts
    assert detail(http, base, c, mine)["status"] == "submitted"
    assert len(detail(http, base, c, mine)["timeline"]) == 1


def test_deliveries_log_paging_and_filter(world, stack, http, base):
    a = world["a"]
    r = a.get(ORG_DELIVERIES, limit=1)
    assert r.status_code == 200 and set(r.json()) == {"items", "next_cursor"}, r.text
    assert field_errors(a.get(ORG_DELIVERIES, event_id="not-a-uuid")) == ["event_id"]
    assert field_errors(a.get(ORG_DELIVERIES, limit=500)) == ["limit"]
    assert a.get(ORG_DELIVERIES, event_id="00000000-0000-0000-0000-000000000000").json() == {
        "items": [], "next_cursor": None}
