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
    again = report(stack.admin("import-life-events", os.path.join(ROOT, "data",
                                                                  "life-events.json")))
    assert again == {"life_events": len(BUNDLES), "created": 0, "updated": 0, "restored": 0,
                     "unchanged": len(BUNDLES), "retired": 0}
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
