"""Another principal's id, on every route that takes one (API.md §1: another principal's
resource is 404, like an unknown one, and stays as it was).

The routes come from the route table itself (`onewindow-admin routes`): every protected route
whose pattern has a path parameter must have an entry in RESOURCES below -- how to make a
resource owned by one principal, and who the other principal is -- or
test_every_route_with_an_id_is_covered fails. A new route with an id is thereby covered, or
flagged, the day it is added.

For each route: the owner makes the resource; the other principal (a citizen, staff of
another department, or another organization) calls the route with it and must get the same 404 as for an unknown id,
and the resource must be unchanged; then the owner's own call must not be a 404 (so that the
other's call was well-formed and the 404 meant something). A platform-wide route of the
operators (every operator acts on every id) has no other principal: department staff get 403
and leave the resource unchanged, and an unknown id is the operator's 404."""
import datetime
import secrets

import pytest
import requests

from conftest import assert_problem
from helpers import credit_code, sql
from orgs import Org, delegate, take_services
from people import (API, APPS, GA_3, STAFF_APPS, call, new_citizen, new_operator, new_staff, q,
                    shanghai_today, staff_step, submitted)


def route_table(stack):
    out = stack.admin("routes").stdout
    routes = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and "test-only" not in parts:
            routes.append((parts[0], parts[1], parts[2]))
    return routes


# Protected routes whose path parameter names public catalog data, not a principal's own
# resource: any citizen may use any value (so there is no other principal to keep out).
PUBLIC_PARAMETER = {
    "/api/v1/life-events/{code}/applications",  # {code}: a life event of the public catalog
}


def routes_with_ids(stack):
    return [(m, p, a) for m, p, a in route_table(stack)
            if "{" in p and a != "public" and p not in PUBLIC_PARAMETER]


# --- how to make a resource owned by one principal --------------------------------------------
class World:
    """Two citizens, two staff members of different departments and two organizations (one
    handling a service its department delegated to it), made once."""

    def __init__(self, stack, base):
        self.stack, self.base = stack, base
        self.http = requests.Session()
        self.owner = new_citizen(stack, self.http, base)
        self.other = new_citizen(stack, self.http, base)
        self.staff = new_staff(stack, self.http, base, "GA")
        self.other_staff = new_staff(stack, self.http, base, "MZ")
        (self.org_service, self.spare_service), dept = take_services(2)
        self.delegating_staff = new_staff(stack, self.http, base, dept)
        self.org = Org(stack, self.http, base)
        self.other_org = Org(stack, self.http, base)
        self.operator = new_operator(stack, self.http, base)
        delegate(self.http, base, self.delegating_staff, self.org, self.org_service)
        self.windows = 0


def citizen_application(w):
    no = submitted(w.http, w.base, w.owner, GA_3)["application_no"]
    return no, w.owner, w.other, lambda: app_state(w.stack, no)


def staff_application(w):
    no = submitted(w.http, w.base, w.owner, GA_3)["application_no"]  # of department GA
    return no, w.staff, w.other_staff, lambda: app_state(w.stack, no)


def org_application(w):
    """An application of a service delegated to w.org: that organization's, not another's."""
    no = submitted(w.http, w.base, w.owner, w.org_service)["application_no"]
    return no, w.org, w.other_org, lambda: app_state(w.stack, no)


def staff_delegation(w):
    """A delegation made by staff of the service's department (each in a window of its own,
    so that none overlaps another): another department's staff must not see it."""
    w.windows += 1
    start = shanghai_today() + datetime.timedelta(days=30 * w.windows)
    d = delegate(w.http, w.base, w.delegating_staff, w.org, w.spare_service, start,
                 start + datetime.timedelta(days=10))
    return d["id"], w.delegating_staff, w.staff, lambda: sql(
        w.stack, f"SELECT COALESCE(revoked_at, 'live'), (SELECT COUNT(*) FROM audit_log "
                 f"WHERE target = 'delegation:{int(d['id'])}') FROM delegations "
                 f"WHERE id = {int(d['id'])}")


def citizen_device(w):
    r = call(w.http, w.base, "POST", API + "/devices", w.owner.token,
             {"platform": "jpush", "token": "idor-" + secrets.token_hex(16)})
    assert r.status_code == 201, r.text
    device = r.json()["id"]
    return device, w.owner, w.other, lambda: sql(
        w.stack, f"SELECT active FROM devices WHERE id = {int(device)}")


def citizen_notification(w):
    no = submitted(w.http, w.base, w.owner, GA_3)["application_no"]
    staff_step(w.http, w.base, w.staff, no, "accepted")
    r = call(w.http, w.base, "GET", API + "/notifications", w.owner.token)
    assert r.status_code == 200, r.text
    note = r.json()["items"][0]["id"]
    return note, w.owner, w.other, lambda: sql(
        w.stack, f"SELECT COALESCE(read_at, 'unread') FROM notifications WHERE id = {int(note)}")


ORG_APPS = API + "/org/applications"
BAD_RATING = {"score": 1, "tags": ["slow"], "comment": "太慢"}
RESPONSE = {"verification": "已核实", "measure": "explanation", "response": "已向申请人说明"}


def rated_badly(w, no, finisher_token, finisher_path):
    """no completed by its handler (staff or organization), then rated 1 by its owner: the id
    of the rectification case it opened."""
    for body in ({"status": "accepted"}, {"status": "completed", "result": "approved"}):
        r = call(w.http, w.base, "POST", f"{finisher_path}/{no}/events", finisher_token, body)
        assert r.status_code == 200, r.text
    r = call(w.http, w.base, "POST", f"{APPS}/{no}/rating", w.owner.token, BAD_RATING)
    assert r.status_code == 201, r.text
    return sql(w.stack, f"SELECT id FROM rectifications WHERE application_no = {q(no)}")[0][0]


def case_state(stack, case_id):
    return sql(stack, f"SELECT status, COALESCE(visit, 'none'), COALESCE(response, 'none') "
                      f"FROM rectifications WHERE id = {int(case_id)}")


def citizen_case(w):
    """A bad rating's case on the owner's application (visited by the owner only)."""
    no = submitted(w.http, w.base, w.owner, GA_3)["application_no"]
    case_id = rated_badly(w, no, w.staff.token, STAFF_APPS)
    return no, w.owner, w.other, lambda: case_state(w.stack, case_id)


def staff_case(w):
    """A case of department GA: staff of another department must not see it."""
    no = submitted(w.http, w.base, w.owner, GA_3)["application_no"]
    case_id = rated_badly(w, no, w.staff.token, STAFF_APPS)
    return case_id, w.staff, w.other_staff, lambda: case_state(w.stack, case_id)


def org_case(w):
    """A case of an application w.org handled: another organization must not see it."""
    no = submitted(w.http, w.base, w.owner, w.org_service)["application_no"]
    case_id = rated_badly(w, no, w.org.token, ORG_APPS)
    return case_id, w.org, w.other_org, lambda: case_state(w.stack, case_id)


def appeal_state(stack, rating_id):
    return sql(stack, "SELECT COUNT(*), COALESCE(MAX(p.status), 'none'), r.excluded_at IS NULL "
                      f"FROM ratings r LEFT JOIN rating_appeals p ON p.rating_id = r.id "
                      f"WHERE r.id = {int(rating_id)} GROUP BY r.id")


def staff_rating(w):
    """A bad rating of GA's own work: staff of MZ must not appeal it."""
    no = submitted(w.http, w.base, w.owner, GA_3)["application_no"]
    rated_badly(w, no, w.staff.token, STAFF_APPS)
    rating_id = sql(w.stack, f"SELECT id FROM ratings WHERE application_no = {q(no)}")[0][0]
    return rating_id, w.staff, w.other_staff, lambda: appeal_state(w.stack, rating_id)


def operator_appeal(w):
    """A pending appeal of GA's rating: the operators' to decide, nobody else's (other None)."""
    rating_id, *_ = staff_rating(w)
    r = call(w.http, w.base, "POST", f"{API}/staff/ratings/{rating_id}/appeal", w.staff.token,
             {"reason": "评价对象有误，请复核。"})
    assert r.status_code == 201, r.text
    return r.json()["id"], w.operator, None, lambda: appeal_state(w.stack, rating_id)


def feedback_ticket(w, department):
    """A ticket of a fresh citizen (each has open-ticket limits of their own) routed to
    department."""
    owner = new_citizen(w.stack, w.http, w.base)
    r = call(w.http, w.base, "POST", API + "/feedback", owner.token,
             {"kind": "consultation", "title": "问", "body": "请问", "department_code": department})
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    return owner, tid, lambda: sql(
        w.stack, f"SELECT status, COALESCE(satisfaction, 0), (SELECT COUNT(*) FROM "
                 f"feedback_replies WHERE ticket_id = {int(tid)}) FROM feedback_tickets "
                 f"WHERE id = {int(tid)}")


def citizen_feedback(w):
    owner, tid, state = feedback_ticket(w, "GA")
    return tid, owner, w.other, state


def staff_feedback(w):
    """A ticket of department GA: staff of another department must not see it."""
    _, tid, state = feedback_ticket(w, "GA")
    return tid, w.staff, w.other_staff, state


def staff_publication(w):
    """A ticket of department GA to publish as a public question: staff of another department
    must not publish it (the owner's call is 409 until it is answered, not 404)."""
    _, tid, state = feedback_ticket(w, "GA")
    return tid, w.staff, w.other_staff, lambda: (state(), sql(
        w.stack, f"SELECT COUNT(*) FROM public_questions WHERE ticket_id = {int(tid)}"))


def staff_question(w):
    """A public question of department GA: staff of another department must not retire it."""
    _, tid, _ = feedback_ticket(w, "GA")
    r = call(w.http, w.base, "POST", f"{API}/staff/feedback/{tid}/replies", w.staff.token,
             {"body": "答复"})
    assert r.status_code == 200, r.text
    r = call(w.http, w.base, "POST", f"{API}/staff/feedback/{tid}/publish", w.staff.token,
             {"question": "越权检查的问题？", "answer": "越权检查的答复。"})
    assert r.status_code == 201, r.text
    qid = r.json()["id"]
    return qid, w.staff, w.other_staff, lambda: sql(
        w.stack, f"SELECT retired_at, retired_by FROM public_questions WHERE id = {int(qid)}")


def staff_catalog_item(w):
    """An item of department GA made by its staff; the other is staff of MZ."""
    code = "IDOR-" + secrets.token_hex(6).upper()
    r = call(w.http, w.base, "POST", API + "/staff/catalog/items", w.staff.token,
             dict(CATALOG_ITEM, code=code), key=secrets.token_hex(16))
    assert r.status_code == 201, r.text
    return code, w.staff, w.other_staff, lambda: sql(
        w.stack, f"SELECT name, updated_at, retired_at, (SELECT COUNT(*) FROM audit_log "
                 f"WHERE target = {q(code)}) FROM services WHERE code = {q(code)}")


# an item in the import format (the code comes from the path when left out)
CATALOG_ITEM = {"name": "越权检查事项", "department": "GA", "topics": ["户籍办理"],
                "audience": "personal", "kind": "即办件", "online_level": 2, "legal_days": 5,
                "promised_days": 1, "keywords": ["越权"], "description": "越权检查用的事项。"}


def citizen_enterprise(w):
    r = call(w.http, w.base, "POST", API + "/me/enterprises", w.owner.token,
             {"credit_code": credit_code(), "name": "甲公司", "role": "agent"})
    assert r.status_code == 201, r.text
    eid = r.json()["id"]
    return eid, w.owner, w.other, lambda: sql(
        w.stack, f"SELECT credit_code, name, role FROM citizen_enterprises WHERE id = {int(eid)}")


def citizen_bundle(w):
    """A bundle of 退休一件事 with its two required services (neither needs an upload)."""
    from people import sample_value
    d = w.http.get(w.base + API + "/life-events/retirement", timeout=30).json()
    form = {f: sample_value(d["form_schema"]["properties"][f]) for f in d["form_schema"]["required"]}
    r = call(w.http, w.base, "POST", API + "/life-events/retirement/applications", w.owner.token,
             {"answers": {}, "form": form})
    assert r.status_code == 201, r.text
    no = r.json()["bundle_no"]
    return no, w.owner, w.other, lambda: sql(
        w.stack, "SELECT a.status, a.updated_at FROM applications a JOIN bundles b "
                 f"ON b.id = a.bundle_id WHERE b.bundle_no = {q(no)} ORDER BY a.id")


def app_state(stack, no):
    return sql(stack, f"SELECT status, updated_at, materials, (SELECT COUNT(*) FROM audit_log "
                      f"WHERE target = {q(no)}) FROM applications WHERE application_no = {q(no)}")


# pattern → (resource factory, a body for a well-formed call of the route's method)
RESOURCES = {
    "/api/v1/applications/{no}": (citizen_application, None),
    "/api/v1/applications/{no}/withdraw": (citizen_application, None),
    "/api/v1/applications/{no}/supplement": (
        citizen_application, {"materials": [{"code": "material_1", "upload_id": "0" * 32}]}),
    # {code}: a material every application to GA_3 has (its first required one)
    "/api/v1/applications/{no}/materials/{code}": (citizen_application, None),
    "/api/v1/me/enterprises/{id}": (citizen_enterprise, None),
    "/api/v1/devices/{id}": (citizen_device, None),
    "/api/v1/notifications/{id}/read": (citizen_notification, None),
    "/api/v1/staff/applications/{no}": (staff_application, None),
    "/api/v1/staff/applications/{no}/events": (staff_application, {"status": "accepted"}),
    "/api/v1/staff/catalog/items/{code}": (staff_catalog_item, CATALOG_ITEM),
    "/api/v1/staff/delegations/{id}": (staff_delegation, None),
    "/api/v1/org/applications/{no}": (org_application, None),
    "/api/v1/org/applications/{no}/events": (org_application, {"status": "accepted"}),
    "/api/v1/org/applications/{no}/messages": (org_application,
                                               {"title": "请携带原件", "body": "请带上身份证原件。"}),
    "/api/v1/applications/{no}/rating": (citizen_application, {"score": 5}),
    "/api/v1/applications/{no}/rectification/visit": (citizen_case, {"satisfied": True}),
    "/api/v1/staff/rectifications/{id}/resolve": (staff_case, RESPONSE),
    "/api/v1/org/rectifications/{id}/resolve": (org_case, RESPONSE),
    "/api/v1/feedback/{id}": (citizen_feedback, None),
    "/api/v1/feedback/{id}/satisfaction": (citizen_feedback, {"satisfaction": 5}),
    "/api/v1/staff/feedback/{id}": (staff_feedback, None),
    "/api/v1/staff/feedback/{id}/replies": (staff_feedback, {"body": "答复"}),
    "/api/v1/staff/feedback/{id}/close": (staff_feedback, None),
    "/api/v1/staff/feedback/{id}/publish": (staff_publication,
                                            {"question": "问题？", "answer": "答复。"}),
    "/api/v1/staff/questions/{id}/retire": (staff_question, None),
    "/api/v1/bundles/{no}": (citizen_bundle, None),
    "/api/v1/bundles/{no}/withdraw": (citizen_bundle, None),
    "/api/v1/bundles/{no}/supplement": (
        citizen_bundle, {"materials": [{"code": "birth_time_proof", "upload_id": "0" * 32}]}),
    "/api/v1/bundles/{no}/rating": (citizen_bundle, {"score": 5}),
    "/api/v1/staff/ratings/{id}/appeal": (staff_rating, {"reason": "评价对象有误，请复核。"}),
    "/api/v1/staff/rating-appeals/{id}/decision": (operator_appeal,
                                                   {"decision": "exclude", "reason": "经核实评价有误"}),
}


@pytest.fixture(scope="module")
def world(stack, base):
    w = World(stack, base)
    yield w
    w.http.close()


def test_every_route_with_an_id_is_covered(stack):
    routes = routes_with_ids(stack)
    assert routes, "no protected route with a path parameter?"
    missing = sorted({p for _, p, _ in routes} - set(RESOURCES))
    assert not missing, f"routes with an id but no IDOR check (add them to RESOURCES): {missing}"


def with_body(method, body):
    """The route's body, for the methods that take one (a pattern serves GET and DELETE too)."""
    return {} if body is None or method in ("GET", "DELETE") else {"body": body}


def fill(pattern, value):
    # {code} beside {no}: a material every application to GA_3 has; alone: the resource itself
    code = "material_1" if "{no}" in pattern else str(value)
    return (pattern.replace("{no}", str(value)).replace("{id}", str(value))
            .replace("{code}", code))


def test_another_principals_id_is_404_on_every_route(stack, world):
    checked = []
    for method, pattern, _ in routes_with_ids(stack):
        make, body = RESOURCES[pattern]
        rid, owner, other, state = make(world)
        before = state()
        path = fill(pattern, rid)
        kw = with_body(method, body)
        if other is None:  # platform-wide: staff are refused by role, unknown ids are 404
            assert_problem(call(world.http, world.base, method, path, world.staff.token, **kw),
                           403, "forbidden")
            assert state() == before, (method, pattern, "changed by department staff")
            assert_problem(call(world.http, world.base, method, fill(pattern, "9" * 15),
                                owner.token, **kw), 404, "not_found")
            mine = call(world.http, world.base, method, path, owner.token, **kw)
            assert mine.status_code != 404, (method, pattern, mine.text)
            checked.append((method, pattern))
            continue
        r = call(world.http, world.base, method, path, other.token, **kw)
        assert_problem(r, 404, "not_found")
        unknown = call(world.http, world.base, method, fill(pattern, "9" * 15 if "{id}" in pattern
                                                            else "20200101-00000-00000"),
                       other.token, **kw)
        assert_problem(unknown, 404, "not_found")
        strip = lambda resp: {k: v for k, v in resp.json().items() if k != "request_id"}
        assert strip(r) == strip(unknown), (method, pattern)  # the same answer as an unknown id
        assert state() == before, (method, pattern, "changed by another principal")
        mine = call(world.http, world.base, method, path, owner.token, **kw)
        assert mine.status_code != 404, (method, pattern, mine.text)
        checked.append((method, pattern))
    assert len(checked) == len(routes_with_ids(stack)), checked


def test_ids_are_not_enumerable_by_shape(stack, world):
    """Numbers and ids that cannot name a row are the same 404 too (no 400 that would tell a
    well-formed id from a taken one)."""
    for method, pattern, auth in routes_with_ids(stack):
        _, body = RESOURCES[pattern]
        token = {"staff": world.staff, "catalog": world.staff, "org": world.other_org,
                 "operator": world.operator}.get(auth, world.other).token
        for bad in ("0", "-1", "00001", "abc", "1" * 30, "%2e%2e"):
            r = call(world.http, world.base, method, fill(pattern, bad), token,
                     **with_body(method, body))
            assert_problem(r, 404, "not_found")
