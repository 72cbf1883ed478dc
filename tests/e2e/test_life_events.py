"""Life events (高效办成一件事, API.md §4 and §5 "Bundles"): the bundles of
data/life-events.json imported all or nothing and resolved against the catalog, browsed with
one merged form and one merged material list, submitted once for many departments, followed
as one bundle, withdrawn as one."""
import copy
import json
import os

import pytest

from conftest import assert_problem
from helpers import ROOT, sql

with open(os.path.join(ROOT, "data", "life-events.json"), encoding="utf-8") as _f:
    LIFE = json.load(_f)
BUNDLES = {b["code"]: b for b in LIFE["life_events"]}


def report(proc):
    out = dict(line.split(": ", 1) for line in proc.stdout.splitlines())
    return {k: int(v) if v.isdigit() else v for k, v in out.items()}


def write(tmp_path, events, name="life.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"source_note": "e2e", "life_events": events}, ensure_ascii=False),
                    encoding="utf-8")
    return str(path)


def stored(stack):
    return sql(stack, "SELECT code, definition, retired_at IS NULL FROM life_events "
                      "ORDER BY position")


# --- import-life-events ------------------------------------------------------------------------
def test_the_shipped_bundles_are_imported_and_resolve(stack):
    assert len(BUNDLES) >= 13
    rows = [r for r in stored(stack) if r[2] == "1"]
    assert [r[0] for r in rows] == list(BUNDLES)
    version = sql(stack, "SELECT version FROM catalog_state WHERE id = 1")
    again = report(stack.admin("import-life-events", os.path.join(ROOT, "data",
                                                                  "life-events.json")))
    assert again == {"life_events": len(BUNDLES), "created": 0, "updated": 0, "restored": 0,
                     "unchanged": len(BUNDLES), "retired": 0}
    # nothing changed: every worker keeps its search index (no rebuild at each start)
    assert sql(stack, "SELECT version FROM catalog_state WHERE id = 1") == version
    for code, b in BUNDLES.items():
        d = json.loads(next(r[1] for r in rows if r[0] == code))
        assert d["source"]["number"] == "国发〔2024〕3号" and d["source"]["url"].startswith("https://")
        n = sql(stack, "SELECT COUNT(*) FROM life_event_services l JOIN services s "
                       "ON s.code = l.service_code AND s.retired_at IS NULL "
                       "JOIN life_events e ON e.id = l.life_event_id WHERE e.code = %s" % repr(code))
        assert int(n[0][0]) == len(b["services"]), code


BAD = [
    ("unknown service", lambda b: b["services"].append({"service": "ZZ-NONE-001",
                                                       "required": True}), "ZZ-NONE-001"),
    ("bad code", lambda b: b.update(code="Bad Code"), "code"),
    ("no source", lambda b: b.pop("source"), "source"),
    ("http source", lambda b: b["source"].update(url="http://example.org"), "https"),
    ("unknown department", lambda b: b.update(lead_department="ZZ"), "lead_department"),
    ("condition not a question",
     lambda b: b["services"][-1].update(condition="nothing_asked"), "condition"),
    ("unused question", lambda b: b["questions"].append(
        {"code": "never_used", "text": "？", "text_en": "?"}), "never_used"),
    ("no required service", lambda b: [s.update(required=False, condition=b["questions"][0]["code"])
                                       for s in b["services"]], "required"),
    ("product of no service", lambda b: b["produces"].append(
        {"material": "id_photo", "service": "GA-GG-001"}), "GA-GG-001"),
    ("unknown member", lambda b: b.update(colour="red"), "colour"),
    ("one service", lambda b: b.update(services=b["services"][:1]), "services"),
]


@pytest.mark.parametrize("what,change,says", BAD, ids=[b[0] for b in BAD])
def test_a_bad_bundle_imports_nothing(stack, tmp_path, what, change, says):
    before = stored(stack)
    events = copy.deepcopy(LIFE["life_events"])
    events.append({**copy.deepcopy(BUNDLES["newborn"]), "code": "zz-new"})  # would be created
    change(events[0])
    r = stack.admin("import-life-events", write(tmp_path, events), check=False)
    assert r.returncode == 1, r.stdout
    assert says in r.stderr and "nothing imported" in r.stderr, r.stderr
    assert stored(stack) == before


def test_a_duplicate_bundle_imports_nothing(stack, tmp_path):
    before = stored(stack)
    events = copy.deepcopy(LIFE["life_events"]) + [copy.deepcopy(BUNDLES["retirement"])]
    r = stack.admin("import-life-events", write(tmp_path, events), check=False)
    assert r.returncode == 1 and "more than once" in r.stderr
    assert stored(stack) == before


def test_not_a_bundle_file(stack, tmp_path):
    path = tmp_path / "x.json"
    path.write_text("[1, 2", encoding="utf-8")
    r = stack.admin("import-life-events", str(path), check=False)
    assert r.returncode == 1 and "life_events" in r.stderr
    r = stack.admin("import-life-events", str(tmp_path / "missing.json"), check=False)
    assert r.returncode == 1 and "cannot open" in r.stderr


def test_missing_bundles_are_retired_and_restored(stack, tmp_path):
    shipped = os.path.join(ROOT, "data", "life-events.json")
    extra = {**copy.deepcopy(BUNDLES["retirement"]), "code": "zz-extra", "name": "测试一件事"}
    events = copy.deepcopy(LIFE["life_events"]) + [extra]
    assert report(stack.admin("import-life-events", write(tmp_path, events)))["created"] == 1
    try:
        assert report(stack.admin("import-life-events", shipped))["retired"] == 1
        assert report(stack.admin("import-life-events", write(tmp_path, events)))["restored"] == 1
    finally:
        assert report(stack.admin("import-life-events", shipped))["retired"] == 1
    assert ("zz-extra", "0") in [(r[0], r[2]) for r in stored(stack)]


# --- browse ------------------------------------------------------------------------------------
LIFE_EVENTS = "/api/v1/life-events"
with open(os.path.join(ROOT, "data", "catalog-sample.json"), encoding="utf-8") as _f:
    CATALOG = {item["code"]: item for item in json.load(_f)}


def test_the_list_names_every_bundle_with_its_source(base, http):
    r = http.get(base + LIFE_EVENTS, timeout=30)
    assert r.status_code == 200
    items = r.json()["items"]
    assert [i["code"] for i in items] == list(BUNDLES)
    newborn = items[0]
    assert newborn["name"] == "新生儿出生一件事" and newborn["lead_department"]["code"] == "WJ"
    assert newborn["service_count"] == 6 and newborn["source"]["number"] == "国发〔2024〕3号"


@pytest.mark.parametrize("code", list(BUNDLES))
def test_each_bundle_merges_its_forms_and_materials(base, http, code):
    b = http.get(f"{base}{LIFE_EVENTS}/{code}", timeout=30).json()
    spec = BUNDLES[code]
    assert [s["code"] for s in b["services"]] == [s["service"] for s in spec["services"]]
    assert [q["code"] for q in b["questions"]] == [q["code"] for q in spec["questions"]]
    items = [CATALOG[s["service"]] for s in spec["services"]]
    # each field once, saying which services use it and which of the required ones need it
    fields = {}
    for s, item in zip(spec["services"], items):
        for name, prop in item["form_schema"]["properties"].items():
            assert b["form_schema"]["properties"][name] == prop
            fields.setdefault(name, {"services": [], "required_by": []})["services"].append(
                item["code"])
            if s["required"] and name in item["form_schema"]["required"]:
                fields[name]["required_by"].append(item["code"])
    assert b["fields"] == fields
    assert set(b["form_schema"]["properties"]) == set(fields)
    assert sorted(b["form_schema"]["required"]) == sorted(
        f for f, v in fields.items() if v["required_by"])
    # each material once
    produced = {p["material"]: p["service"] for p in spec.get("produces", [])}
    required_services = {s["service"] for s in spec["services"] if s["required"]}
    mats = {}
    for item in items:
        for m in item["materials"]:
            e = mats.setdefault(m["code"], {**m, "required": False, "services": [],
                                            "produced_by": produced.get(m["code"])})
            e["services"].append(item["code"])
            by = produced.get(m["code"])
            if (item["code"] in required_services and m["required"]
                    and not (by in required_services and by != item["code"])):
                e["required"] = True
    assert {m["code"]: m for m in b["materials"]} == mats
    assert len(b["materials"]) == len(mats)
    days = [i["promised_days"] for i in items]
    assert b["promised_days"] == max(days) and b["separate_promised_days"] == sum(days)


def test_the_birth_certificate_is_produced_inside_the_newborn_bundle(base, http):
    b = http.get(f"{base}{LIFE_EVENTS}/newborn", timeout=30).json()
    cert = next(m for m in b["materials"] if m["code"] == "birth_medical_certificate")
    assert cert["produced_by"] == "WJ-QR-002" and cert["required"] is False
    assert set(cert["services"]) >= {"WJ-GG-004", "GA-QR-007"}
    assert len(b["fields"]["child_name"]["services"]) >= 3


def test_unknown_and_odd_codes_are_404(base, http):
    for code in ("no-such-event", "NEWBORN", "a" * 33, "new%20born"):
        assert_problem(http.get(f"{base}{LIFE_EVENTS}/{code}", timeout=30), 404, "not_found")


def test_a_service_lists_its_bundles(base, http):
    item = http.get(f"{base}/api/v1/services/GA-QR-007", timeout=30).json()
    assert item["life_events"] == [{"code": "newborn", "name": "新生儿出生一件事"}]
    two = http.get(f"{base}/api/v1/services/GA-BA-024", timeout=30).json()
    assert {e["code"] for e in two["life_events"]} == {"enterprise-change", "transport-company"}
    none = http.get(f"{base}/api/v1/services/GA-GG-020", timeout=30).json()
    assert none["life_events"] == []


# --- one submission ----------------------------------------------------------------------------
from helpers import field_error_list, field_errors  # noqa: E402
from media import pdf, png  # noqa: E402
from people import (all_pages, bound_enterprise, call, new_citizen, new_staff,  # noqa: E402
                    sample_value, service_department, uploaded)


def chosen_services(code, answers):
    return [s["service"] for s in BUNDLES[code]["services"]
            if s["required"] or answers.get(s.get("condition"))]


def all_yes(code):
    return {q["code"]: True for q in BUNDLES[code]["questions"]}


def bundle_form(base, http, code):
    """Every field of the bundle's merged form, filled once."""
    b = http.get(f"{base}{LIFE_EVENTS}/{code}", timeout=30).json()
    out = {}
    for name, prop in b["form_schema"]["properties"].items():
        value = sample_value(prop)
        if isinstance(value, str) and len(value) < prop.get("minLength", 0):
            value = "1" * prop["minLength"]
        out[name] = value
    return out


def needed_materials(code, answers):
    """Codes of the documents the chosen services require, less those a chosen one produces."""
    chosen = chosen_services(code, answers)
    produced = {p["material"]: p["service"] for p in BUNDLES[code].get("produces", [])}
    out = []
    for svc in chosen:
        for m in CATALOG[svc]["materials"]:
            by = produced.get(m["code"])
            if m["required"] and not (by in chosen and by != svc) and m["code"] not in out:
                out.append(m["code"])
    return out


ACCEPTS = {m["code"]: m["accept"] for item in CATALOG.values()
           for m in item["materials"] if isinstance(m, dict)}


def upload_for(http, base, who, codes):
    out = []
    for c in codes:
        kind = "application/pdf" if "application/pdf" in ACCEPTS[c] else "image/png"
        data = pdf() if kind == "application/pdf" else png()
        out.append({"code": c, "upload_id": uploaded(http, base, who, data, kind)["id"]})
    return out


def bundle_body(http, base, who, code, answers=None, form=None, materials=None):
    answers = {} if answers is None else answers
    body = {"answers": answers,
            "form": bundle_form(base, http, code) if form is None else form,
            "materials": (upload_for(http, base, who, needed_materials(code, answers))
                          if materials is None else materials)}
    if any(CATALOG[s]["audience"] != "personal" for s in chosen_services(code, answers)):
        body["enterprise_id"] = bound_enterprise(http, base, who)
    return body


def submit_bundle(http, base, who, code, body, **kw):
    return call(http, base, "POST", f"{LIFE_EVENTS}/{code}/applications", who.token, body, **kw)


def submitted_bundle(stack, http, base, code="newborn", answers=None, who=None):
    who = who or new_citizen(stack, http, base)
    r = submit_bundle(http, base, who, code, bundle_body(http, base, who, code, answers))
    assert r.status_code == 201, r.text
    return who, r.json()


def bundle_counts(stack, citizen):
    q = lambda s: int(sql(stack, s % citizen.id)[0][0])  # noqa: E731
    return {"bundles": q("SELECT COUNT(*) FROM bundles WHERE citizen_id = %s"),
            "apps": q("SELECT COUNT(*) FROM applications WHERE citizen_id = %s"),
            "notes": q("SELECT COUNT(*) FROM notifications WHERE citizen_id = %s"),
            "attached": q("SELECT COUNT(*) FROM uploads WHERE citizen_id = %s "
                          "AND application_id IS NOT NULL"),
            "audit": q("SELECT COUNT(*) FROM audit_log WHERE actor_type = 'citizen' "
                       "AND actor_id = '%s' AND action = 'application.submit'")}


@pytest.mark.parametrize("code", list(BUNDLES))
def test_each_bundle_submits_one_child_per_service(stack, base, http, code):
    answers = all_yes(code)
    who, b = submitted_bundle(stack, http, base, code, answers)
    services = chosen_services(code, answers)
    assert [c["service"]["code"] for c in b["children"]] == services
    for c in b["children"]:
        assert c["service"]["department"]["code"] == service_department(c["service"]["code"])[0]
    assert b["life_event"] == {"code": code, "name": BUNDLES[code]["name"]}
    assert b["due_date"] == max(c["due_date"] for c in b["children"])
    counts = bundle_counts(stack, who)
    assert counts["bundles"] == 1 and counts["apps"] == len(services)
    assert counts["notes"] == 1, "one notification for the bundle, not one per child"
    assert counts["audit"] == len(services)
    assert counts["attached"] == len(needed_materials(code, answers)), "each document once"


def test_optional_services_follow_the_answers(stack, base, http):
    _, none = submitted_bundle(stack, http, base, "newborn", {})
    assert [c["service"]["code"] for c in none["children"]] == ["WJ-QR-002", "WJ-GG-004",
                                                                 "GA-QR-007"]
    _, one = submitted_bundle(stack, http, base, "newborn", {"need_medical_insurance": True,
                                                             "need_social_security_card": False})
    assert [c["service"]["code"] for c in one["children"]][-1] == "YB-GG-022"
    assert len(one["children"]) == 4


def test_bad_answers_and_fields_are_reported_once_with_their_pointer(stack, base, http):
    who = new_citizen(stack, http, base)
    body = bundle_body(http, base, who, "newborn")
    body["answers"] = {"no_such_question": True, "need_medical_insurance": "yes"}
    r = submit_bundle(http, base, who, "newborn", body)
    assert_problem(r, 400, "invalid_argument")
    assert set(field_errors(r)) == {"/answers/no_such_question", "/answers/need_medical_insurance"}
    body["answers"] = {}
    body["form"]["child_birth_date"] = "2020-02-30"  # used by every service of the bundle
    del body["form"]["child_name"]
    r = submit_bundle(http, base, who, "newborn", body)
    assert_problem(r, 400, "invalid_argument")
    pointers = field_error_list(r)
    assert sorted(pointers) == ["/form/child_birth_date", "/form/child_name"], pointers
    assert bundle_counts(stack, who)["bundles"] == 0


def test_materials_are_checked_once_for_the_bundle(stack, base, http):
    who = new_citizen(stack, http, base)
    body = bundle_body(http, base, who, "newborn", materials=[])
    r = submit_bundle(http, base, who, "newborn", body)
    assert_problem(r, 400, "invalid_argument")
    assert "/materials" in field_errors(r)  # household_register of 出生登记
    # the birth certificate comes from 出生医学证明首次签发 inside the bundle: no upload
    assert "birth_medical_certificate" not in needed_materials("newborn", {})
    # a document of a service that was not chosen is refused
    body = bundle_body(http, base, who, "newborn")
    extra = upload_for(http, base, who, ["id_photo"])  # 社会保障卡 only
    r = submit_bundle(http, base, who, "newborn", {**body, "materials": body["materials"] + extra})
    assert_problem(r, 400, "invalid_argument")
    assert f"/materials/{len(body['materials'])}/code" in field_errors(r)
    # a produced document is needed when its producer is not part of the submission
    assert "business_license" in needed_materials("restaurant", {})
    assert "business_license" not in needed_materials("restaurant", {"need_business_license": True})


def test_unknown_bundle_and_identity(stack, base, http):
    who = new_citizen(stack, http, base)
    r = submit_bundle(http, base, who, "no-such-event", {"form": {}})
    assert_problem(r, 404, "not_found")
    plain = new_citizen(stack, http, base, verified=False)
    r = submit_bundle(http, base, plain, "newborn", bundle_body(http, base, plain, "newborn"))
    assert_problem(r, 403, "real_name_required")
    assert bundle_counts(stack, plain)["apps"] == 0


def test_idempotent_replay_gives_the_same_bundle(stack, base, http):
    who = new_citizen(stack, http, base)
    body = bundle_body(http, base, who, "retirement", all_yes("retirement"))
    first = submit_bundle(http, base, who, "retirement", body, key="bundle-1")
    again = submit_bundle(http, base, who, "retirement", body, key="bundle-1")
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json() and again.headers["Location"] == first.headers["Location"]
    assert bundle_counts(stack, who)["bundles"] == 1


def test_a_failure_in_the_middle_leaves_nothing(stack, base, http):
    """The third child's INSERT fails (a trigger the test puts on the table): the bundle, the
    two children before it, their events, audit rows, the notification and the attachments
    all roll back; the same key then submits once the fault is gone."""
    who = new_citizen(stack, http, base)
    body = bundle_body(http, base, who, "newborn", {"need_medical_insurance": True})
    before = bundle_counts(stack, who)
    sql(stack, "DELIMITER //\nCREATE TRIGGER zz_fail_third_child BEFORE INSERT ON applications "
               "FOR EACH ROW IF NEW.bundle_id IS NOT NULL AND NEW.service_code = 'GA-QR-007' "
               "THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected'; END IF//")
    try:
        r = submit_bundle(http, base, who, "newborn", body, key="atomic-1")
        assert_problem(r, 500, "internal")
        assert bundle_counts(stack, who) == before
        assert sql(stack, "SELECT COUNT(*) FROM application_events e JOIN applications a "
                          "ON a.id = e.application_id WHERE a.citizen_id = %s" % who.id) == [["0"]]
    finally:
        sql(stack, "DROP TRIGGER IF EXISTS zz_fail_third_child")
    r = submit_bundle(http, base, who, "newborn", body, key="atomic-1")
    assert r.status_code == 201, r.text
    assert bundle_counts(stack, who)["apps"] == 4


def test_each_department_sees_only_its_child_with_its_part(stack, base, http):
    who, b = submitted_bundle(stack, http, base, "newborn", {"need_medical_insurance": True})
    by_service = {c["service"]["code"]: c["application_no"] for c in b["children"]}
    ga, wj, yb = (new_staff(stack, http, base, d) for d in ("GA", "WJ", "YB"))
    queue = lambda s: {i["application_no"] for i in all_pages(  # noqa: E731
        http, base, s, "/api/v1/staff/applications", sort="due")[0]}
    assert set(by_service.values()) & queue(ga) == {by_service["GA-QR-007"]}
    assert set(by_service.values()) & queue(wj) == {by_service["WJ-QR-002"],
                                                    by_service["WJ-GG-004"]}
    assert set(by_service.values()) & queue(yb) == {by_service["YB-GG-022"]}
    mine = call(http, base, "GET", f"/api/v1/staff/applications/{by_service['GA-QR-007']}",
                ga.token).json()
    assert set(mine["form"]) == set(CATALOG["GA-QR-007"]["form_schema"]["properties"])
    assert {m["code"] for m in mine["materials"]} == {"household_register"}
    other = call(http, base, "GET", f"/api/v1/staff/applications/{by_service['YB-GG-022']}",
                 ga.token)
    assert_problem(other, 404, "not_found")


# --- one progress ------------------------------------------------------------------------------
from people import staff_step  # noqa: E402

BUNDLE_PATH = "/api/v1/bundles"


def bundle_detail(http, base, who, no):
    r = call(http, base, "GET", f"{BUNDLE_PATH}/{no}", who.token)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_bundle_detail_shows_every_child(stack, base, http):
    who, b = submitted_bundle(stack, http, base, "newborn", {"need_medical_insurance": True})
    d = bundle_detail(http, base, who, b["bundle_no"])
    assert d["status"] == "submitted" and d["query_code"] == b["query_code"]
    assert d["answers"] == {"need_medical_insurance": True}
    assert [c["application_no"] for c in d["children"]] == [c["application_no"]
                                                            for c in b["children"]]
    assert all(len(c["timeline"]) == 1 for c in d["children"])
    assert d["promised_days"] == max(CATALOG[s]["promised_days"]
                                     for s in chosen_services("newborn", d["answers"]))
    lower = b["bundle_no"].lower()
    assert bundle_detail(http, base, who, lower)["bundle_no"] == b["bundle_no"]
    other = new_citizen(stack, http, base)
    assert_problem(call(http, base, "GET", f"{BUNDLE_PATH}/{b['bundle_no']}", other.token),
                   404, "not_found")
    assert_problem(call(http, base, "GET", f"{BUNDLE_PATH}/not-a-number", who.token),
                   404, "not_found")
    child = b["children"][0]["application_no"]  # an application number is not a bundle's
    assert_problem(call(http, base, "GET", f"{BUNDLE_PATH}/{child}", who.token), 404,
                   "not_found")


def test_the_derived_status_through_every_combination(stack, base, http):
    who, b = submitted_bundle(stack, http, base, "retirement", {})  # RS + YB, two children
    rs, yb = (c["application_no"] for c in b["children"])
    staff_rs, staff_yb = new_staff(stack, http, base, "RS"), new_staff(stack, http, base, "YB")
    status = lambda: bundle_detail(http, base, who, b["bundle_no"])["status"]  # noqa: E731
    assert status() == "submitted"
    staff_step(http, base, staff_rs, rs, "accepted")
    assert status() == "in_progress"
    staff_step(http, base, staff_yb, yb, "need_materials", note="请补充退休证明")
    assert status() == "need_materials", "any child asking makes the bundle ask"
    call(http, base, "POST", f"/api/v1/applications/{yb}/withdraw", who.token, {})
    assert status() == "in_progress"
    staff_step(http, base, staff_rs, rs, "completed", result="approved")
    d = bundle_detail(http, base, who, b["bundle_no"])
    assert d["status"] == "completed", "every child final"
    assert {c["application_no"]: (c["status"], c["result"]) for c in d["children"]} == {
        rs: ("completed", "approved"), yb: ("withdrawn", None)}
    # all withdrawn
    who2, b2 = submitted_bundle(stack, http, base, "retirement", {})
    for c in b2["children"]:
        call(http, base, "POST", f"/api/v1/applications/{c['application_no']}/withdraw",
             who2.token, {})
    assert bundle_detail(http, base, who2, b2["bundle_no"])["status"] == "withdrawn"
    # not accepted and denied count as final too
    who3, b3 = submitted_bundle(stack, http, base, "retirement", {})
    rs3, yb3 = (c["application_no"] for c in b3["children"])
    staff_step(http, base, staff_rs, rs3, "not_accepted", note="不符合条件")
    assert bundle_detail(http, base, who3, b3["bundle_no"])["status"] == "in_progress"
    staff_step(http, base, staff_yb, yb3, "accepted")
    staff_step(http, base, staff_yb, yb3, "completed", result="denied")
    assert bundle_detail(http, base, who3, b3["bundle_no"])["status"] == "completed"


def test_public_progress_by_bundle_number(stack, base, http):
    who, b = submitted_bundle(stack, http, base, "newborn", {})
    r = http.post(f"{base}/api/v1/progress",
                  json={"bundle_no": b["bundle_no"], "query_code": b["query_code"]}, timeout=30)
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["bundle_no"] == b["bundle_no"] and p["status"] == "submitted"
    assert "query_code" not in p and "answers" not in p
    assert len(p["children"]) == 3
    for c in p["children"]:
        assert "materials" not in c and "query_code" not in c
        assert all("note" not in e for e in c["timeline"])
    wrong = str((int(b["query_code"]) + 1) % 10 ** 8).zfill(8)
    r = http.post(f"{base}/api/v1/progress",
                  json={"bundle_no": b["bundle_no"], "query_code": wrong}, timeout=30)
    assert_problem(r, 404, "not_found")
    r = http.post(f"{base}/api/v1/progress",
                  json={"bundle_no": b["children"][0]["application_no"],
                        "query_code": b["query_code"]}, timeout=30)
    assert_problem(r, 404, "not_found")
    r = http.post(f"{base}/api/v1/progress",
                  json={"bundle_no": b["bundle_no"], "application_no": b["bundle_no"],
                        "query_code": b["query_code"]}, timeout=30)
    assert_problem(r, 400, "invalid_argument")


# --- withdrawal and per-bundle notifications ---------------------------------------------------
def test_withdrawing_the_bundle_withdraws_every_child_it_can(stack, base, http):
    who, b = submitted_bundle(stack, http, base, "newborn", {"need_medical_insurance": True})
    nos = [c["application_no"] for c in b["children"]]
    ga = new_staff(stack, http, base, "GA")
    staff_step(http, base, ga, nos[2], "accepted")  # 出生登记 taken up: it goes on
    notes_before = bundle_counts(stack, who)["notes"]
    other = new_citizen(stack, http, base)
    path = f"{BUNDLE_PATH}/{b['bundle_no']}/withdraw"
    assert_problem(call(http, base, "POST", path, other.token, {}), 404, "not_found")
    r = call(http, base, "POST", path, who.token, {"note": "不办了"}, key="w-1")
    assert r.status_code == 200, r.text
    d = r.json()
    assert [c["status"] for c in d["children"]] == ["withdrawn", "withdrawn", "accepted",
                                                    "withdrawn"]
    assert d["status"] == "in_progress" and d["finished_at"] is None
    again = call(http, base, "POST", path, who.token, {"note": "不办了"}, key="w-1")
    assert again.json() == d and again.headers.get("Idempotent-Replayed") == "true"
    assert bundle_counts(stack, who)["notes"] == notes_before + 1, "one notification"
    assert_problem(call(http, base, "POST", path, who.token, {}), 409, "invalid_transition")
    staff_step(http, base, ga, nos[2], "completed", result="approved")
    d = bundle_detail(http, base, who, b["bundle_no"])
    assert d["status"] == "completed" and d["finished_at"] is not None


def test_staff_steps_notify_per_child_naming_the_bundle(stack, base, http):
    who, b = submitted_bundle(stack, http, base, "retirement", {})
    notes = call(http, base, "GET", "/api/v1/notifications", who.token).json()["items"]
    assert [n["kind"] for n in notes] == ["bundle"]
    assert b["bundle_no"] in notes[0]["body"]
    # each department's step notifies on its own, naming the bundle it belongs to
    rs, yb = (c["application_no"] for c in b["children"])
    staff_step(http, base, new_staff(stack, http, base, "RS"), rs, "accepted")
    staff_step(http, base, new_staff(stack, http, base, "YB"), yb, "need_materials")
    notes = call(http, base, "GET", "/api/v1/notifications", who.token).json()["items"]
    assert [(n["kind"], n.get("application_no")) for n in notes[:2]] == [
        ("application", yb), ("application", rs)]
    for n in notes[:2]:
        assert n["bundle_no"] == b["bundle_no"], n
        assert n["body"].startswith(f"【{BUNDLES['retirement']['name']} {b['bundle_no']}】"), n
    assert notes[2]["kind"] == "bundle" and notes[2]["bundle_no"] == b["bundle_no"]


# --- one supplement for every child that asked ----------------------------------------------
def bundle_supplement(http, base, who, no, materials, **kw):
    return call(http, base, "POST", f"{BUNDLE_PATH}/{no}/supplement", who.token,
                {"materials": materials}, **kw)


def test_one_supplement_answers_every_child_that_asked_for_it(stack, base, http):
    # newborn without options: WJ-QR-002 (spouse_id_card), WJ-GG-004, GA-QR-007 (spouse_id_card,
    # marriage_certificate, ...)
    who, b = submitted_bundle(stack, http, base, "newborn", {})
    wj_card, wj_cert, ga = (c["application_no"] for c in b["children"])
    wj, ga_staff = new_staff(stack, http, base, "WJ"), new_staff(stack, http, base, "GA")
    path = f"{BUNDLE_PATH}/{b['bundle_no']}/supplement"
    card = upload_for(http, base, who, ["spouse_id_card"])
    assert_problem(bundle_supplement(http, base, who, b["bundle_no"], card), 409,
                   "invalid_transition")  # nothing waiting yet
    staff_step(http, base, wj, wj_card, "need_materials", note="配偶身份证不清晰")
    staff_step(http, base, wj, wj_cert, "accepted")
    staff_step(http, base, ga_staff, ga, "need_materials", note="请补充配偶身份证")
    # another citizen's bundle, an unknown number, no body
    other = new_citizen(stack, http, base)
    assert_problem(bundle_supplement(http, base, other, b["bundle_no"],
                                     upload_for(http, base, other, ["spouse_id_card"])),
                   404, "not_found")
    assert_problem(bundle_supplement(http, base, who, "not-a-number", card), 404, "not_found")
    assert field_errors(call(http, base, "POST", path, who.token, {})) == ["/materials"]
    # a material no waiting child asked for (WJ-GG-004's, which is not waiting): nothing moves
    photo = upload_for(http, base, who, ["birth_medical_certificate", "household_register"])
    notes_before = bundle_counts(stack, who)["notes"]
    r = bundle_supplement(http, base, who, b["bundle_no"], card + [
        {"code": "id_photo", "upload_id": photo[0]["upload_id"]}])
    assert field_errors(r) == ["/materials/1/code"]
    assert bundle_detail(http, base, who, b["bundle_no"])["status"] == "need_materials"
    # one upload answers both children that asked for it, in one step each
    r = bundle_supplement(http, base, who, b["bundle_no"], card, key="sup-1")
    assert r.status_code == 200, r.text
    d = r.json()
    assert {c["application_no"]: c["status"] for c in d["children"]} == {
        wj_card: "submitted", wj_cert: "accepted", ga: "submitted"}
    assert d["status"] == "in_progress"
    for c in d["children"]:
        if c["application_no"] != wj_cert:
            last = c["timeline"][-1]
            assert last["status"] == "submitted" and last["actor"] == "citizen", last
            assert [m["code"] for m in c["materials"]].count("spouse_id_card") == 1
    again = bundle_supplement(http, base, who, b["bundle_no"], card, key="sup-1")
    assert again.json() == d and again.headers.get("Idempotent-Replayed") == "true"
    counts = bundle_counts(stack, who)
    assert counts["notes"] == notes_before + 1, "one notification for the bundle"
    assert int(sql(stack, "SELECT COUNT(*) FROM uploads WHERE id = '%s' AND application_id IS "
                          "NOT NULL" % card[0]["upload_id"])[0][0]) == 1
    # each department downloads the one upload from its own child
    for staff, no in ((wj, wj_card), (ga_staff, ga)):
        r = call(http, base, "GET", f"/api/v1/applications/{no}/materials/spouse_id_card",
                 staff.token)
        assert r.status_code == 200 and r.content.startswith(b"%PDF"), (no, r.status_code)
    assert_problem(bundle_supplement(http, base, who, b["bundle_no"], card), 409,
                   "invalid_transition")


def test_a_supplement_moves_only_the_children_that_asked_for_its_codes(stack, base, http):
    who, b = submitted_bundle(stack, http, base, "newborn", {})
    wj_card, _, ga = (c["application_no"] for c in b["children"])
    wj, ga_staff = new_staff(stack, http, base, "WJ"), new_staff(stack, http, base, "GA")
    staff_step(http, base, wj, wj_card, "need_materials")
    staff_step(http, base, ga_staff, ga, "need_materials")
    marriage = upload_for(http, base, who, ["marriage_certificate"])
    r = bundle_supplement(http, base, who, b["bundle_no"], marriage)
    assert r.status_code == 200, r.text
    status = {c["application_no"]: c["status"] for c in r.json()["children"]}
    assert status[ga] == "submitted" and status[wj_card] == "need_materials"
    assert r.json()["status"] == "need_materials"
    # the used upload cannot answer again; a fresh one for the other child can
    r = bundle_supplement(http, base, who, b["bundle_no"], [
        {"code": "spouse_id_card", "upload_id": marriage[0]["upload_id"]}])
    assert field_errors(r) == ["/materials/0/upload_id"]
    r = bundle_supplement(http, base, who, b["bundle_no"],
                          upload_for(http, base, who, ["spouse_id_card"]))
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.text


# --- statistics --------------------------------------------------------------------------------
def test_statistics_count_completed_on_time_bundles_and_days_saved(stack, base, http):
    stats = lambda: http.get(f"{base}/api/v1/stats/life-events", timeout=30).json()  # noqa: E731
    before = stats()
    who, b = submitted_bundle(stack, http, base, "retirement", {})
    rs, yb = (c["application_no"] for c in b["children"])
    staff_rs, staff_yb = new_staff(stack, http, base, "RS"), new_staff(stack, http, base, "YB")
    for staff, no in ((staff_rs, rs), (staff_yb, yb)):
        staff_step(http, base, staff, no, "accepted")
        staff_step(http, base, staff, no, "completed", result="approved")
    late_who, late = submitted_bundle(stack, http, base, "retirement", {})
    for c in late["children"]:
        call(http, base, "POST", f"/api/v1/applications/{c['application_no']}/withdraw",
             late_who.token, {})
    after = stats()
    assert after["bundles_submitted"] == before["bundles_submitted"] + 2
    assert after["bundles_completed"] == before["bundles_completed"] + 1, "all withdrawn: no"
    assert after["bundles_on_time"] == before["bundles_on_time"] + 1
    saved = CATALOG["RS-QR-013"]["promised_days"] + CATALOG["YB-QR-024"]["promised_days"] - max(
        CATALOG["RS-QR-013"]["promised_days"], CATALOG["YB-QR-024"]["promised_days"])
    n, avg = after["bundles_completed"], after["average_working_days_saved"]
    prev = (before["average_working_days_saved"] or 0) * before["bundles_completed"]
    assert abs(avg * n - (prev + saved)) < 1e-6


def test_on_time_is_judged_by_the_service_time_zone(stack, base, http):
    """A child finished at 17:00 UTC is finished the next day in Asia/Shanghai (the test
    stack's timezone setting): late for a bundle due that day; 15:59:59 UTC is on time."""
    stats = lambda: http.get(f"{base}/api/v1/stats/life-events", timeout=30).json()  # noqa: E731
    staff_rs, staff_yb = new_staff(stack, http, base, "RS"), new_staff(stack, http, base, "YB")

    def completed_bundle(finished_utc):
        who, b = submitted_bundle(stack, http, base, "retirement", {})
        for staff, c in zip((staff_rs, staff_yb), b["children"]):
            staff_step(http, base, staff, c["application_no"], "accepted")
            staff_step(http, base, staff, c["application_no"], "completed", result="approved")
        sql(stack, f"UPDATE bundles SET due_date = '2026-03-10' "
                   f"WHERE bundle_no = '{b['bundle_no']}'")
        sql(stack, f"UPDATE applications a JOIN bundles b ON b.id = a.bundle_id "
                   f"SET a.finished_at = '{finished_utc}' WHERE b.bundle_no = '{b['bundle_no']}'")

    before = stats()
    completed_bundle("2026-03-10 17:00:00")
    late = stats()
    assert late["bundles_completed"] == before["bundles_completed"] + 1
    assert late["bundles_on_time"] == before["bundles_on_time"], "late in Shanghai"
    completed_bundle("2026-03-10 15:59:59")
    on_time = stats()
    assert on_time["bundles_on_time"] == late["bundles_on_time"] + 1, "23:59:59 in Shanghai"
