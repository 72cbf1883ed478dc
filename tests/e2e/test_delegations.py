"""Delegations (授权委托, API.md §7) through nginx: staff of a department delegate their own
services to an organization for a window of days in the service's time zone (GET/POST
/api/v1/staff/delegations, GET/DELETE /api/v1/staff/delegations/{id}) and operators do the
same from onewindow-admin (delegate, revoke-delegation). At most one delegation of a service
is in force on any day; handled_by of the service and of the applications submitted in the
window names the organization; an application submitted during a delegation stays with the
organization until it is final, even after a revocation, which takes effect at once for new
applications and the organization's view; the department reads them but acts only after a
revocation. Every change is in the audit log.

Each test delegates its own services (orgs.take_service) and X-Test-Today moves "today"
where a window's edges are tested."""
import datetime
import json
import threading

from conftest import assert_problem
from helpers import field_errors, sql
from orgs import (DELEGATIONS, ORG_APPS, ORG_SERVICES, Delegated, Org, delegate, revoke,
                  take_service, take_services)
from people import (APPS, GA_3, call, detail, new_citizen, new_staff, q, shanghai_today,
                    staff_step, submitted, supplement, withdraw)

DAY = datetime.timedelta(days=1)
DELEGATION_KEYS = {"id", "service", "organization", "department_code", "from", "to", "status",
                   "created_at", "revoked_at"}


def service_detail(http, base, code, today=None):
    r = call(http, base, "GET", f"{API_SERVICES}/{code}", today=today)
    assert r.status_code == 200, r.text
    return r.json()


API_SERVICES = "/api/v1/services"


def audit_rows(stack, target):
    return sql(stack, f"SELECT actor_type, actor_id, action, detail FROM audit_log "
                      f"WHERE target = {q(target)} ORDER BY id")


# --- making one --------------------------------------------------------------------------------
def test_staff_delegate_a_service_and_it_is_handled_by_the_organization(stack, http, base):
    code, dept = take_service()
    staff = new_staff(stack, http, base, dept)
    org = Org(stack, http, base)
    today = shanghai_today()
    r = call(http, base, "POST", DELEGATIONS, staff.token,
             {"service_code": code, "org_id": org.id, "from": str(today),
              "to": str(today + 30 * DAY)})
    assert r.status_code == 201, r.text
    d = r.json()
    assert set(d) == DELEGATION_KEYS, d
    assert r.headers["Location"] == f"{DELEGATIONS}/{d['id']}"
    assert r.headers["Cache-Control"] == "no-store"
    assert d["service"]["code"] == code and d["organization"] == {"id": org.id, "name": org.name}
    assert (d["from"], d["to"], d["status"], d["revoked_at"]) == (
        str(today), str(today + 30 * DAY), "active", None)
    assert d["department_code"] == dept
    # the same through GET, and in the department's list
    r = call(http, base, "GET", r.headers["Location"], staff.token)
    assert r.status_code == 200 and r.json() == d, r.text
    r = call(http, base, "GET", DELEGATIONS, staff.token)
    assert r.status_code == 200 and r.json()["items"][0] == d, r.text
    # the service says who handles it now, and so do its applications
    assert service_detail(http, base, code)["handled_by"] == {"type": "organization",
                                                              "name": org.name}
    c = new_citizen(stack, http, base)
    no = submitted(http, base, c, code)["application_no"]
    assert detail(http, base, c, no)["handled_by"] == {"type": "organization", "name": org.name}
    assert org.detail(no)["application_no"] == no
    # audited, as the staff member
    rows = audit_rows(stack, f"delegation:{d['id']}")
    assert [(r[0], r[1], r[2]) for r in rows] == [("staff", staff.id, "delegation.create")], rows
    assert code in rows[0][3] and str(today) in rows[0][3], rows
    revoke(http, base, staff, d["id"])
    assert service_detail(http, base, code)["handled_by"]["type"] == "department"


def test_delegation_input_errors(stack, http, base):
    code, dept = take_service()
    staff = new_staff(stack, http, base, dept)
    org = Org(stack, http, base)
    today = shanghai_today()
    good = {"service_code": code, "org_id": org.id, "from": str(today), "to": str(today + DAY)}

    def errors(**change):
        body = {k: v for k, v in {**good, **change}.items() if v is not None}
        return field_errors(call(http, base, "POST", DELEGATIONS, staff.token, body))

    assert field_errors(call(http, base, "POST", DELEGATIONS, staff.token, {})) == [
        "/from", "/org_id", "/service_code", "/to"]
    assert errors(org_id=12) == ["/org_id"]                    # ids are strings
    assert errors(org_id="01") == ["/org_id"]
    assert errors(org_id="abc") == ["/org_id"]
    assert errors(org_id="9" * 20) == ["/org_id"]
    assert errors(org_id="987654321") == ["/org_id"]           # no such organization
    assert errors(service_code="NO-SUCH-001") == ["/service_code"]
    assert errors(service_code="x" * 65) == ["/service_code"]
    assert errors(**{"from": "2026-02-30"}) == ["/from"]
    assert errors(to="tomorrow") == ["/to"]
    assert errors(to=str(today - DAY), **{"from": str(today - 2 * DAY)}) == ["/to"]  # ended
    assert errors(to=str(today), **{"from": str(today + DAY)}) == ["/to"]            # reversed
    # at most five years: 1827 days, counted inclusively
    assert errors(to=str(today + 1827 * DAY)) == ["/to"]
    assert errors(service_code=GA_3) == ["/service_code"]  # another department's
    # a disabled organization takes none
    off = Org(stack, http, base)
    assert stack.admin("disable-org", "--org", off.id).returncode == 0
    assert errors(org_id=off.id) == ["/org_id"]
    r = delegate(http, base, staff, org, code, today, today + 1826 * DAY)
    assert r["to"] == str(today + 1826 * DAY)
    revoke(http, base, staff, r["id"])
    # only staff
    citizen = new_citizen(stack, http, base, verified=False)
    r = call(http, base, "POST", DELEGATIONS, citizen.token, good)
    assert_problem(r, 403, "forbidden")
    r = call(http, base, "POST", DELEGATIONS, None, good)
    assert_problem(r, 401, "unauthorized")
    r = call(http, base, "GET", DELEGATIONS, org.token)
    assert_problem(r, 403, "forbidden")


def test_at_most_one_delegation_of_a_service_on_any_day(stack, http, base):
    code, dept = take_service()
    staff = new_staff(stack, http, base, dept)
    a, b = Org(stack, http, base), Org(stack, http, base)
    today = shanghai_today()
    first = delegate(http, base, staff, a, code, today, today + 9 * DAY)
    # a window sharing one day: 409, for any organization
    for org, start, end in ((b, today + 9 * DAY, today + 20 * DAY), (a, today, today),
                            (b, today - DAY, today + 30 * DAY)):
        r = call(http, base, "POST", DELEGATIONS, staff.token,
                 {"service_code": code, "org_id": org.id, "from": str(start), "to": str(end)})
        assert_problem(r, 409, "conflict")
    # the day after: fine (the next organization takes over)
    second = delegate(http, base, staff, b, code, today + 10 * DAY, today + 20 * DAY)
    assert second["status"] == "scheduled"
    # after a revocation the days are free again
    revoke(http, base, staff, first["id"])
    third = delegate(http, base, staff, b, code, today, today + 9 * DAY)
    for d in (second, third):
        revoke(http, base, staff, d["id"])


def test_concurrent_delegations_of_one_service_make_exactly_one(stack, http, base):
    code, dept = take_service()
    staff = new_staff(stack, http, base, dept)
    orgs = [Org(stack, http, base) for _ in range(6)]
    today = str(shanghai_today())
    results, barrier = [], threading.Barrier(len(orgs))

    def one(org):
        import requests
        with requests.Session() as s:
            barrier.wait()
            r = call(s, base, "POST", DELEGATIONS, staff.token,
                     {"service_code": code, "org_id": org.id, "from": today, "to": today})
            results.append(r)

    threads = [threading.Thread(target=one, args=(o,)) for o in orgs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201] + [409] * (len(orgs) - 1), [r.text for r in results]
    made = [r.json() for r in results if r.status_code == 201][0]
    count = sql(stack, f"SELECT COUNT(*) FROM delegations d JOIN services s ON s.id = "
                       f"d.service_id WHERE s.code = {q(code)} AND d.revoked_at IS NULL")
    assert count == [["1"]], count
    revoke(http, base, staff, made["id"])


# --- windows ---------------------------------------------------------------------------------
def test_a_delegation_that_starts_tomorrow(stack, http, base):
    code, dept = take_service()
    staff = new_staff(stack, http, base, dept)
    org = Org(stack, http, base)
    today = shanghai_today()
    d = delegate(http, base, staff, org, code, today + DAY, today + 5 * DAY)
    assert d["status"] == "scheduled"
    c = new_citizen(stack, http, base)
    # today: the department's still
    assert service_detail(http, base, code)["handled_by"]["type"] == "department"
    no_today = submitted(http, base, c, code)["application_no"]
    assert detail(http, base, c, no_today)["handled_by"]["type"] == "department"
    # tomorrow: the organization's
    tomorrow = str(today + DAY)
    assert service_detail(http, base, code, today=tomorrow)["handled_by"] == {
        "type": "organization", "name": org.name}
    no_tomorrow = submitted(http, base, c, code, today=tomorrow)["application_no"]
    assert detail(http, base, c, no_tomorrow)["handled_by"]["name"] == org.name
    # the organization lists it already (still to come), and sees only tomorrow's application
    services = org.get(ORG_SERVICES).json()["items"]
    assert [(s["id"], s["status"]) for s in services] == [(d["id"], "scheduled")], services
    assert org.get(f"{ORG_APPS}/{no_today}").status_code == 404
    assert org.get(f"{ORG_APPS}/{no_tomorrow}").status_code == 200
    # the last day counts; the day after does not
    last = str(today + 5 * DAY)
    after = str(today + 6 * DAY)
    assert detail(http, base, c, submitted(http, base, c, code, today=last)[
        "application_no"])["handled_by"]["type"] == "organization"
    assert detail(http, base, c, submitted(http, base, c, code, today=after)[
        "application_no"])["handled_by"]["type"] == "department"
    revoke(http, base, staff, d["id"])


def test_a_delegation_that_ended_yesterday(stack, http, base):
    code, dept = take_service()
    staff = new_staff(stack, http, base, dept)
    org = Org(stack, http, base)
    today = shanghai_today()
    # made ten days ago for a window that ended yesterday
    d = delegate(http, base, staff, org, code, today - 10 * DAY, today - DAY,
                 today=str(today - 10 * DAY))
    r = call(http, base, "GET", f"{DELEGATIONS}/{d['id']}", staff.token)
    assert r.json()["status"] == "ended", r.text
    c = new_citizen(stack, http, base)
    yesterday = str(today - DAY)
    old = submitted(http, base, c, code, today=yesterday)["application_no"]
    new = submitted(http, base, c, code)["application_no"]
    assert detail(http, base, c, old)["handled_by"]["type"] == "organization"
    assert detail(http, base, c, new)["handled_by"]["type"] == "department"
    assert service_detail(http, base, code)["handled_by"]["type"] == "department"
    # the ended delegation is gone from the organization's services, not its application:
    # submitted during the delegation, it stays the organization's until final
    assert org.get(ORG_SERVICES).json()["items"] == []
    assert org.detail(old)["status"] == "submitted"
    assert org.get(f"{ORG_APPS}/{new}").status_code == 404
    r = org.step(old, "accepted")
    assert r.status_code == 200, r.text
    r = org.step(old, "completed", result="approved")
    assert r.status_code == 200 and r.json()["status"] == "completed", r.text
    # the new one is the department's to handle
    assert staff_step(http, base, staff, new, "accepted")["status"] == "accepted"


# --- revocation ------------------------------------------------------------------------------
def test_revocation_in_the_middle_of_a_case(stack, http, base):
    case = Delegated(stack, http, base)
    code, staff, org, d = case.code, case.staff, case.org, case.delegation
    c = new_citizen(stack, http, base)
    no = submitted(http, base, c, code)["application_no"]
    assert org.step(no, "need_materials", note="请补充身份证复印件").status_code == 200
    # the department reads it, but may not act while the delegation is in force
    r = call(http, base, "GET", f"/api/v1/staff/applications/{no}", staff.token)
    assert r.status_code == 200 and r.json()["handled_by"]["type"] == "organization", r.text
    r = call(http, base, "POST", f"/api/v1/staff/applications/{no}/events", staff.token,
             {"status": "accepted"})
    assert_problem(r, 403, "forbidden")
    revoke(http, base, staff, d["id"])
    # revoking again: 204 again, with one audit line and one event in all
    revoke(http, base, staff, d["id"])
    rows = audit_rows(stack, f"delegation:{d['id']}")
    assert [r[2] for r in rows] == ["delegation.create", "delegation.revoke"], rows
    events = sql(stack, f"SELECT payload FROM outbox WHERE channel = 'webhook' AND target_id = "
                        f"{org.id} AND target_ref = 'delegation.revoked'")
    assert len(events) == 1, events
    event = json.loads(events[0][0])
    assert event["delegation_id"] == d["id"] and event["service"]["code"] == code, event
    assert event["revoked_at"].endswith("Z"), event
    r = call(http, base, "GET", f"{DELEGATIONS}/{d['id']}", staff.token)
    assert r.json()["status"] == "revoked" and r.json()["revoked_at"], r.text
    # at once: new applications are the department's, the organization no longer lists it
    new = submitted(http, base, c, code)["application_no"]
    assert detail(http, base, c, new)["handled_by"]["type"] == "department"
    assert org.get(f"{ORG_APPS}/{new}").status_code == 404
    assert org.get(ORG_SERVICES).json()["items"] == []
    # the case in hand stays the organization's until it is final
    assert supplement(http, base, c, no).status_code == 200
    assert org.step(no, "accepted").status_code == 200
    # and, revoked, the department may act on it too
    body = staff_step(http, base, staff, no, "completed", result="denied")
    assert body["timeline"][-1]["actor"] == "department"
    assert [e["actor"] for e in body["timeline"]] == [
        "citizen", "organization", "citizen", "organization", "department"]
    assert org.step(no, "completed", result="approved").status_code == 409


def test_revoking_another_departments_delegation_is_404(stack, http, base):
    code, dept = take_service()
    staff = new_staff(stack, http, base, dept)
    other = new_staff(stack, http, base, "GA" if dept != "GA" else "MZ")
    org = Org(stack, http, base)
    d = delegate(http, base, staff, org, code)
    for method in ("GET", "DELETE"):
        r = call(http, base, method, f"{DELEGATIONS}/{d['id']}", other.token)
        assert_problem(r, 404, "not_found")
    assert d["id"] not in [i["id"] for i in
                           call(http, base, "GET", DELEGATIONS, other.token).json()["items"]]
    for bad in ("0", "abc", "99999999999", "1" * 25):
        r = call(http, base, "DELETE", f"{DELEGATIONS}/{bad}", staff.token)
        assert_problem(r, 404, "not_found")
    r = call(http, base, "GET", f"{DELEGATIONS}/{d['id']}", staff.token)
    assert r.json()["status"] == "active"
    revoke(http, base, staff, d["id"])


def test_department_list_is_newest_first_with_a_cursor(stack, http, base):
    codes, dept = take_services(3)
    staff = new_staff(stack, http, base, dept)
    org = Org(stack, http, base)
    made = [delegate(http, base, staff, org, c)["id"] for c in codes]
    seen, cursor = [], None
    for _ in range(50):
        params = {"limit": 1}
        if cursor:
            params["cursor"] = cursor
        r = http.get(base + DELEGATIONS, params=params, timeout=30,
                     headers={"Authorization": f"Bearer {staff.token}"})
        assert r.status_code == 200, r.text
        page = r.json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None or len(seen) >= len(made):
            break
    assert seen[:len(made)] == list(reversed(made)), (seen, made)
    r = http.get(base + DELEGATIONS, params={"cursor": "!!"}, timeout=30,
                 headers={"Authorization": f"Bearer {staff.token}"})
    assert field_errors(r) == ["cursor"]
    for i in made:
        revoke(http, base, staff, i)


# --- the operator's commands ---------------------------------------------------------------------
def test_admin_delegate_and_revoke(stack, http, base):
    code, dept = take_service()
    org = Org(stack, http, base)
    today = shanghai_today()
    r = stack.admin("delegate", "--service", code, "--org", org.id, "--from", str(today),
                    "--to", str(today + 7 * DAY), check=False)
    assert r.returncode == 0, r.stderr
    out = dict(line.split(": ", 1) for line in r.stdout.splitlines())
    assert out["service"] == code and out["status"] == "delegated", out
    assert service_detail(http, base, code)["handled_by"]["name"] == org.name
    # the same window again: refused, exit 1
    again = stack.admin("delegate", "--service", code, "--org", org.id, "--from", str(today),
                        "--to", str(today), check=False)
    assert again.returncode == 1 and "shares a day" in again.stderr, again.stderr
    # usage errors: exit 2
    for args in (("--service", code), ("--service", code, "--org", org.id, "--from", "x",
                                       "--to", str(today)),
                 ("--service", code, "--org", "0", "--from", str(today), "--to", str(today)),
                 ("--service", code, "--org", org.id, "--from", str(today),
                  "--to", str(today - DAY))):
        assert stack.admin("delegate", *args, check=False).returncode == 2, args
    assert stack.admin("delegate", "--service", "NO-SUCH-9", "--org", org.id, "--from",
                       str(today), "--to", str(today), check=False).returncode == 1
    r = stack.admin("revoke-delegation", out["id"], check=False)
    assert r.returncode == 0 and "status: revoked" in r.stdout, (r.stdout, r.stderr)
    assert stack.admin("revoke-delegation", "987654321", check=False).returncode == 1
    assert stack.admin("revoke-delegation", "x", check=False).returncode == 2
    rows = audit_rows(stack, f"delegation:{out['id']}")
    assert [(r[0], r[2]) for r in rows] == [("operator", "delegation.create"),
                                            ("operator", "delegation.revoke")], rows
    assert service_detail(http, base, code)["handled_by"]["type"] == "department"
    assert dept


def test_citizen_steps_of_a_delegated_application_reach_the_organization(stack, http, base):
    """The citizen's own steps (withdraw) on a delegated application: the organization's
    feed shows them; nothing of another department changes."""
    case = Delegated(stack, http, base)
    code, staff, org, d = case.code, case.staff, case.org, case.delegation
    c = new_citizen(stack, http, base)
    no = submitted(http, base, c, code)["application_no"]
    assert withdraw(http, base, c, no).status_code == 200
    items, _ = org.feed_all()
    mine = [i for i in items if i["application_no"] == no]
    assert [i["status"] for i in mine] == ["withdrawn"], items
    r = call(http, base, "GET", f"{APPS}/{no}", c.token)
    assert r.json()["timeline"][-1]["actor"] == "citizen"
    revoke(http, base, staff, d["id"])
