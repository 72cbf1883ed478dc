"""Search names the life events it touches (API.md §4 `life_events`): a query naming a
bundle's situation, or finding one of its services among the first results, lists the bundle
(in English with Accept-Language: en); an import of life events reaches search on every worker
within a refresh; the service detail keeps its own list (read from the database)."""
import copy
import json
import os

import pytest

from helpers import ROOT, wait_for

SEARCH = "/api/v1/services"
EN = {"Accept-Language": "en"}
SHIPPED = os.path.join(ROOT, "data", "life-events.json")
with open(SHIPPED, encoding="utf-8") as _f:
    LIFE = json.load(_f)
BUNDLES = {b["code"]: b for b in LIFE["life_events"]}
with open(os.path.join(ROOT, "data", "catalog-sample.json"), encoding="utf-8") as _f:
    CATALOG = {item["code"]: item for item in json.load(_f)}


def search(http, base, q, headers=None, **params):
    r = http.get(base + SEARCH, params={"q": q, **params}, headers=headers or {}, timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["life_events"]) <= 3
    return body


def codes(events):
    return [e["code"] for e in events]


@pytest.mark.parametrize("q, code", [
    ("退休", "retirement"), ("我要退休了", "retirement"), ("退休一件事", "retirement"),
    ("新生儿", "newborn"), ("残疾人", "disability-services"),
    # through the first results: 食品经营许可证核发 is part of 开办餐饮店一件事
    ("开饭店", "restaurant"), ("开办餐饮店", "restaurant"),
    ("开办企业", "transport-company"),
])
def test_a_situation_names_its_bundle(base, http, q, code):
    events = search(http, base, q)["life_events"]
    assert code in codes(events), events
    named = next(e for e in events if e["code"] == code)
    assert named == {"code": code, "name": BUNDLES[code]["name"]}


def test_the_name_of_a_bundle_comes_first(base, http):
    assert codes(search(http, base, "退休")["life_events"])[0] == "retirement"
    assert codes(search(http, base, "新生儿出生")["life_events"])[0] == "newborn"


@pytest.mark.parametrize("service, bundles", [
    ("WJ-QR-002", {"newborn"}),
    ("YB-QR-024", {"retirement"}),
    ("GA-BA-024", {"enterprise-change", "transport-company"}),  # in two bundles
])
def test_a_query_for_one_service_lists_its_bundles(base, http, service, bundles):
    body = search(http, base, CATALOG[service]["name"])
    assert service in [i["code"] for i in body["items"][:3]]
    assert bundles <= set(codes(body["life_events"])), body["life_events"]


def test_english_names_with_accept_language(base, http):
    assert search(http, base, "retire", EN)["life_events"][0] == \
        {"code": "retirement", "name": BUNDLES["retirement"]["name_en"]}
    assert search(http, base, "having a baby", EN)["life_events"][0] == \
        {"code": "newborn", "name": "Having a baby"}
    assert "restaurant" in codes(search(http, base, "open a restaurant", EN)["life_events"])
    # the same query without the header: the Chinese names
    assert search(http, base, "retire")["life_events"][0]["name"] == "退休一件事"


def test_only_page_one_names_bundles(base, http):
    assert search(http, base, "退休", page=2, page_size=3)["life_events"] == []
    assert search(http, base, "退休", page=1, page_size=3)["life_events"]


def test_nothing_named_for_a_query_about_no_bundle(base, http):
    body = search(http, base, "xyzzyq")
    assert body["life_events"] == []
    # the words point nowhere: the most used services overall say nothing about a bundle
    assert body["suggestions"]["life_events"] == []
    assert codes(search(http, base, "居民身份证换领")["life_events"]) == []


def test_a_browse_has_no_life_events(base, http):
    r = http.get(base + SEARCH, timeout=30)
    assert r.status_code == 200 and "life_events" not in r.json()


def write(tmp_path, events):
    path = tmp_path / "life.json"
    path.write_text(json.dumps({"source_note": "e2e", "life_events": events},
                               ensure_ascii=False), encoding="utf-8")
    return str(path)


def detail_bundles(http, base, service):
    return codes(http.get(f"{base}{SEARCH}/{service}", timeout=30).json()["life_events"])


def test_an_import_reaches_search_within_seconds(stack, base, http, tmp_path):
    """A re-import that retires 退休一件事 and adds a bundle: search follows within 5 s
    (catalog version bump → every worker rebuilds), the detail at once."""
    extra = {**copy.deepcopy(BUNDLES["retirement"]), "code": "zz-stargazing",
             "name": "观星露营一件事", "name_en": "Stargazing camp"}
    events = [copy.deepcopy(b) for b in LIFE["life_events"] if b["code"] != "retirement"]
    assert "retirement" in codes(search(http, base, "退休")["life_events"])
    stack.admin("import-life-events", write(tmp_path, events + [extra]))
    try:
        # several requests per poll: each may land on another worker
        wait_for(lambda: all("retirement" not in codes(search(http, base, "退休")["life_events"])
                             for _ in range(6)), 5, interval=0.1, what="retirement out of search")
        wait_for(lambda: all(codes(search(http, base, "观星露营")["life_events"])[:1] ==
                             ["zz-stargazing"] for _ in range(6)), 5, interval=0.1,
                 what="the new bundle in search")
        assert search(http, base, "stargazing", EN)["life_events"][0] == \
            {"code": "zz-stargazing", "name": "Stargazing camp"}
        assert detail_bundles(http, base, "YB-QR-024") == ["zz-stargazing"]
    finally:
        stack.admin("import-life-events", SHIPPED)
    wait_for(lambda: all("retirement" in codes(search(http, base, "退休")["life_events"])
                         for _ in range(6)), 5, interval=0.1, what="retirement back in search")
    assert codes(search(http, base, "观星露营")["life_events"]) == []
    assert detail_bundles(http, base, "YB-QR-024") == ["retirement"]
