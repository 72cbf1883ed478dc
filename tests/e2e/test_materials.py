"""API.md §5 submissions that check everything: the form against the service's schema (a
pointer for each bad field), required materials as the citizen's own uploads, the audience
(an enterprise service needs a bound company), a supplement replacing a material, and
downloads by the owner, the department's staff (audited) and anyone else (404); companies a
citizen acts for (their limits, and the registry step that fails closed)."""
import concurrent.futures
import os
import subprocess

import requests

from conftest import assert_problem
from helpers import credit_code, field_errors, sql, unique_id
from media import pdf, png
from people import (APPS, GA_0, SJ_1, bound_enterprise, call, detail, new_citizen, new_staff,
                    required_materials, staff_step, submit, submitted, supplement, uploaded)
from stack import BIN, Stack

SCHEMA_SERVICE = "GA-GG-001"  # 居民身份证首次申领: enum, address and required fields


def test_service_detail_has_its_form_and_materials(base, http):
    body = http.get(f"{base}/api/v1/services/{SCHEMA_SERVICE}", timeout=30).json()
    assert body["form_schema"]["type"] == "object"
    assert "household_address" in body["form_schema"]["properties"]
    assert body["materials"][0] == {"code": "household_register", "name": "居民户口簿",
                                    "required": True, "max_bytes": 10485760,
                                    "accept": ["image/jpeg", "image/png", "application/pdf"]}
    old = http.get(f"{base}/api/v1/services/{GA_0}", timeout=30).json()
    assert old["form_schema"] is None
    assert old["materials"][0]["code"] == "material_1" and old["materials"][0]["required"]


def test_form_errors_have_a_pointer_each(base, http, stack):
    c = new_citizen(stack, http, base)
    form = {"id_first_apply_reason": "其他", "household_address": "x", "nonsense": 1}
    r = submit(http, base, c, SCHEMA_SERVICE, form=form)
    assert_problem(r, 400, "invalid_argument")
    errors = field_errors(r)
    assert set(errors) >= {"/form/id_first_apply_reason", "/form/household_address",
                           "/form/nonsense", "/form/delivery_method"}, errors
    assert submit(http, base, c, SCHEMA_SERVICE).status_code == 201


def test_required_materials_and_ownership(base, http, stack):
    c, other = new_citizen(stack, http, base), new_citizen(stack, http, base)
    r = submit(http, base, c, SCHEMA_SERVICE, materials=[])
    assert_problem(r, 400, "invalid_argument")
    assert "/materials" in field_errors(r)
    theirs = uploaded(http, base, other)["id"]
    r = submit(http, base, c, SCHEMA_SERVICE,
               materials=[{"code": "household_register", "upload_id": theirs}])
    assert_problem(r, 400, "invalid_argument")
    assert "/materials/0/upload_id" in field_errors(r)
    mine = required_materials(http, base, c, SCHEMA_SERVICE)
    assert submit(http, base, c, SCHEMA_SERVICE, materials=mine).status_code == 201
    # an attached upload cannot be attached again
    r = submit(http, base, c, SCHEMA_SERVICE, materials=mine)
    assert "/materials/0/upload_id" in field_errors(r)


def test_enterprise_services_need_a_bound_company(base, http, stack):
    c = new_citizen(stack, http, base)
    r = submit(http, base, c, SJ_1, enterprise_id="")
    assert_problem(r, 400, "invalid_argument")
    other = new_citizen(stack, http, base)
    r = submit(http, base, c, SJ_1, enterprise_id=bound_enterprise(http, base, other))
    assert "/enterprise_id" in field_errors(r)
    eid = bound_enterprise(http, base, c)
    no = submitted(http, base, c, SJ_1, enterprise_id=eid)["application_no"]
    staff = new_staff(stack, http, base, "SJ")
    body = call(http, base, "GET", f"/api/v1/staff/applications/{no}", staff.token).json()
    assert body["enterprise"]["id"] == eid and body["enterprise"]["role"] == "legal_representative"
    r = submit(http, base, c, GA_0, enterprise_id=eid)  # a personal service
    assert "/enterprise_id" in field_errors(r)


def test_enterprise_bindings(base, http, stack):
    c, other = new_citizen(stack, http, base), new_citizen(stack, http, base)
    r = call(http, base, "POST", "/api/v1/me/enterprises", c.token,
             {"credit_code": "91350100M000100Y44", "name": "某公司", "role": "agent"})
    assert "/credit_code" in field_errors(r)
    eid = bound_enterprise(http, base, c)
    items = call(http, base, "GET", "/api/v1/me/enterprises", c.token).json()["items"]
    assert [i["id"] for i in items] == [eid] and items[0]["verified_by"] == "dev"
    assert call(http, base, "DELETE", f"/api/v1/me/enterprises/{eid}",
                other.token).status_code == 404
    assert call(http, base, "DELETE", f"/api/v1/me/enterprises/{eid}",
                c.token).status_code == 204


def test_downloads_and_supplement_replacing_a_material(base, http, stack):
    c, stranger = new_citizen(stack, http, base), new_citizen(stack, http, base)
    staff, other_dept = new_staff(stack, http, base, "GA"), new_staff(stack, http, base, "MZ")
    data = png((12, 34))
    u = uploaded(http, base, c, data)
    no = submitted(http, base, c, GA_0, materials=[
        {"code": "material_1", "upload_id": u["id"]},
        *required_materials(http, base, c, GA_0)[1:]])["application_no"]
    path = f"{APPS}/{no}/materials/material_1"
    r = call(http, base, "GET", path, c.token)
    assert r.status_code == 200 and r.content == data, r.text
    assert r.headers["Content-Type"] == "image/png"
    assert "attachment" in r.headers["Content-Disposition"]
    before = sql(stack, f"SELECT COUNT(*) FROM audit_log WHERE target = '{no}' "
                        "AND action = 'material.download'")
    assert call(http, base, "GET", path, staff.token).content == data
    after = sql(stack, f"SELECT COUNT(*) FROM audit_log WHERE target = '{no}' "
                       "AND action = 'material.download'")
    assert int(after[0][0]) == int(before[0][0]) + 1
    for who in (stranger, other_dept):
        assert_problem(call(http, base, "GET", path, who.token), 404, "not_found")
    assert_problem(call(http, base, "GET", f"{APPS}/{no}/materials/nope", c.token), 404,
                   "not_found")
    # the department asks for materials; the supplement replaces material_1
    staff_step(http, base, staff, no, "need_materials")
    new = pdf()
    v = uploaded(http, base, c, new, "application/pdf")
    r = supplement(http, base, c, no, [{"code": "material_1", "upload_id": v["id"]}])
    assert r.status_code == 200, r.text
    codes = [m["code"] for m in detail(http, base, c, no)["materials"]]
    assert codes.count("material_1") == 1
    r = call(http, base, "GET", path, c.token)
    assert r.content == new and r.headers["Content-Type"] == "application/pdf"


def new_org_token(stack, http, base, scopes="applications:read"):
    """(organization id, an access token of a client of a new organization)."""
    r = stack.admin("create-org", "--name", f"社会组织 {unique_id('org')}", "--credit-code",
                    credit_code(), "--webhook-url", "https://org.example.com/hooks/onewindow")
    org_id = dict(line.split(": ", 1) for line in r.stdout.splitlines())["id"]
    r = stack.admin("create-client", "--org", org_id, "--scopes", scopes)
    client = dict(line.split(": ", 1) for line in r.stdout.splitlines())
    t = http.post(base + "/api/v1/oauth/token", data={"grant_type": "client_credentials"},
                  auth=(client["client_id"], client["client_secret"]), timeout=30)
    assert t.status_code == 200, t.text
    return org_id, t.json()["access_token"]


def test_downloads_by_the_organization_handling_it(base, http, stack):
    """The organization an application is delegated to downloads its materials (audited as
    the organization); another organization, or one without applications:read, does not.
    The delegation itself belongs to the organizations work: here applications.org_id is set
    directly, as that work will set it."""
    c = new_citizen(stack, http, base)
    data = png((9, 21))
    u = uploaded(http, base, c, data)
    no = submitted(http, base, c, GA_0, materials=[
        {"code": "material_1", "upload_id": u["id"]},
        *required_materials(http, base, c, GA_0)[1:]])["application_no"]
    path = f"{APPS}/{no}/materials/material_1"
    org_id, token = new_org_token(stack, http, base)
    _, other = new_org_token(stack, http, base)
    _, unscoped = new_org_token(stack, http, base, scopes="services:read")
    # not delegated yet: like any stranger
    assert_problem(call(http, base, "GET", path, token), 404, "not_found")
    sql(stack, f"UPDATE applications SET org_id = {int(org_id)} WHERE application_no = '{no}'")
    rid = unique_id("orgdl")
    r = call(http, base, "GET", path, token, rid=rid)
    assert r.status_code == 200 and r.content == data, r.text
    rows = sql(stack, f"SELECT actor_type, actor_id, action, target FROM audit_log "
                      f"WHERE client_request_id = '{rid}'")
    assert rows == [["organization", org_id, "material.download", no]], rows
    assert_problem(call(http, base, "GET", path, other), 404, "not_found")
    assert_problem(call(http, base, "GET", path, unscoped), 403, "forbidden")


def test_enterprise_binding_limits_and_errors(base, http, stack):
    c = new_citizen(stack, http, base)
    me = "/api/v1/me/enterprises"

    def bind(**body):
        return call(http, base, "POST", me, c.token, body)
    code = credit_code()
    cases = [({}, {"/credit_code", "/name", "/role"}),
             ({"credit_code": code[:17], "name": "甲公司", "role": "agent"}, {"/credit_code"}),
             ({"credit_code": code, "name": "", "role": "agent"}, {"/name"}),
             ({"credit_code": code, "name": "名" * 101, "role": "agent"}, {"/name"}),
             ({"credit_code": code, "name": "甲公司", "role": "owner"}, {"/role"}),
             ({"credit_code": code.lower(), "name": "甲公司", "role": "agent"}, {"/credit_code"})]
    for body, fields in cases:
        assert set(field_errors(bind(**body))) == fields, body
    r = bind(credit_code=code, name="名" * 100, role="agent")
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["name"] == "名" * 100 and first["verified_by"] == "dev"
    # the same company twice: 409
    assert_problem(bind(credit_code=code, name="甲公司", role="legal_representative"), 409,
                   "conflict")
    # at most 20 companies
    for _ in range(19):
        assert bind(credit_code=credit_code(), name="乙公司", role="agent").status_code == 201
    assert_problem(bind(credit_code=credit_code(), name="丙公司", role="agent"), 409, "conflict")
    items = call(http, base, "GET", me, c.token).json()["items"]
    assert len(items) == 20 and items[0] == first
    # a removed binding can no longer be applied for; the application made with it keeps it
    no = submitted(http, base, c, SJ_1, enterprise_id=first["id"])["application_no"]
    assert call(http, base, "DELETE", f"{me}/{first['id']}", c.token).status_code == 204
    assert_problem(call(http, base, "DELETE", f"{me}/{first['id']}", c.token), 404, "not_found")
    assert "/enterprise_id" in field_errors(submit(http, base, c, SJ_1, enterprise_id=first["id"]))
    kept = detail(http, base, c, no)["enterprise"]
    assert kept == {k: first[k] for k in ("id", "credit_code", "name", "role")}, kept
    # room again for one more
    assert bind(credit_code=credit_code(), name="丁公司", role="agent").status_code == 201


def test_parallel_bindings_keep_the_limit(base, http, stack):
    """Bindings of one citizen queue on the citizen's row: with 17 bound, eight at once give
    exactly three 201 and five 409, and 20 rows. The same new code from eight requests at
    once: one binding, seven 409."""
    c = new_citizen(stack, http, base)
    me = "/api/v1/me/enterprises"
    for _ in range(17):
        r = call(http, base, "POST", me, c.token,
                 {"credit_code": credit_code(), "name": "甲公司", "role": "agent"})
        assert r.status_code == 201, r.text

    def bind(code):
        with requests.Session() as s:
            return call(s, base, "POST", me, c.token,
                        {"credit_code": code, "name": "乙公司", "role": "agent"})
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(bind, [credit_code() for _ in range(8)]))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] * 3 + [409] * 5, [r.text for r in answers]
    count = sql(stack, f"SELECT COUNT(*) FROM citizen_enterprises WHERE citizen_id = {c.id}")
    assert count == [["20"]], count
    other = new_citizen(stack, http, base)
    code = credit_code()

    def bind_same(_):
        with requests.Session() as s:
            return call(s, base, "POST", me, other.token,
                        {"credit_code": code, "name": "丙公司", "role": "agent"})
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(bind_same, range(8)))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] + [409] * 7, [r.text for r in answers]


def test_the_dev_registry_is_for_development_only(stack):
    """Like the development identity provider (fail closed): a production configuration with
    enterprise_registry = dev does not start; without the setting nobody's company is
    verified."""
    env = dict(stack.env, ONEWINDOW_DEPLOYMENT="production", ONEWINDOW_TEST_ROUTES="0",
               ONEWINDOW_IDENTITY_PROVIDER="http", ONEWINDOW_SMS_PROVIDER="http",
               ONEWINDOW_WEBHOOK_ALLOW_HTTP="0", ONEWINDOW_WEBHOOK_ALLOW_PRIVATE="0")
    config = [os.path.join(BIN, "onewindow-admin"), "config"]
    p = subprocess.run(config, env=env, capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "enterprise_registry=dev" in p.stderr, (p.stdout, p.stderr)
    p = subprocess.run(config, env=dict(env, ONEWINDOW_ENTERPRISE_REGISTRY="none"),
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and "enterprise_registry: none" in p.stdout, p.stderr
    bare = {k: v for k, v in stack.env.items() if k != "ONEWINDOW_CONFIG"}
    p = subprocess.run(config, env=bare, capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and "enterprise_registry: none" in p.stdout, p.stderr


def test_without_a_registry_bindings_are_refused(http):
    s = Stack({"ONEWINDOW_ENTERPRISE_REGISTRY": "none"})
    try:
        s.start()
        c = new_citizen(s, http, s.base, verified=False)
        me = "/api/v1/me/enterprises"
        r = call(http, s.base, "POST", me, c.token,
                 {"credit_code": credit_code(), "name": "甲公司", "role": "agent"})
        assert_problem(r, 503, "unavailable")
        assert sql(s, f"SELECT COUNT(*) FROM citizen_enterprises WHERE citizen_id = {c.id}") \
            == [["0"]]
        # the form is still checked first
        r = call(http, s.base, "POST", me, c.token,
                 {"credit_code": "x", "name": "甲", "role": "agent"})
        assert field_errors(r) == ["/credit_code"], r.text
    finally:
        s.destroy()
