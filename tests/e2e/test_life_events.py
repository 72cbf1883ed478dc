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
