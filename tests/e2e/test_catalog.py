"""API.md §4 catalog and search through nginx: departments and topics, browse with filters and
pages, search, suggest, detail, and the admin CLI (import-catalog, retire-service,
add-synonym) whose changes reach the search index of every worker within 5 s.

The stack loads data/catalog-sample.json at start. Tests that import only use codes starting
with ZZTEST- and retire them again (fixture `catalog`), so the sample stays as loaded."""
import json
import os
import re
import time

import pytest
import requests
import yaml

from conftest import assert_problem
from helpers import ROOT, raw_request

SERVICES = "/api/v1/services"
SUGGEST = "/api/v1/services/suggest"
VISIBLE_WITHIN_S = 5  # API.md §4: a catalog change reaches search on every worker within 5 s
SUMMARY_FIELDS = {"code", "name", "department", "topics", "online_level", "kind",
                  "promised_days", "highlight"}

SAMPLE_PATH = os.path.join(ROOT, "data", "catalog-sample.json")
with open(SAMPLE_PATH, encoding="utf-8") as f:
    SAMPLE = json.load(f)
with open(os.path.join(ROOT, "data", "codes.json"), encoding="utf-8") as f:
    CODES = json.load(f)
with open(os.path.join(ROOT, "api", "openapi.yaml"), encoding="utf-8") as f:
    SERVICE_SCHEMA = yaml.safe_load(f)["components"]["schemas"]["Service"]

DEPARTMENTS = {d["code"]: d["name"] for d in CODES["departments"]}
TOPICS = {t["code"]: t["name"] for t in CODES["topics"]}
DEPARTMENT_BY_NAME = {name: code for code, name in DEPARTMENTS.items()}
TOPIC_BY_NAME = {name: code for code, name in TOPICS.items()}
BY_CODE = {item["code"]: item for item in SAMPLE}


# --- the sample, as the API should present it -------------------------------------------------
def department_of(item):
    return DEPARTMENT_BY_NAME[item["department"]]


def topics_of(item):
    return [TOPIC_BY_NAME[name] for name in item["topics"]]


def audience_matches(item, audience):
    """audience=personal (or enterprise) also returns items for both."""
    if audience == "both":
        return item["audience"] == "both"
    return item["audience"] in (audience, "both")


def expected_codes(department=None, topic=None, audience=None, online_level_min=None):
    """The sample codes a browse with these filters must return."""
    return {item["code"] for item in SAMPLE
            if (department is None or department_of(item) == department)
            and (topic is None or topic in topics_of(item))
            and (audience is None or audience_matches(item, audience))
            and (online_level_min is None or item["online_level"] >= online_level_min)}


# --- requests -----------------------------------------------------------------------------
def get_json(http, url, **params):
    r = http.get(url, params=params, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    return r.json()


def services(http, base, **params):
    return get_json(http, base + SERVICES, **params)


def all_pages(http, base, page_size=50, **params):
    """Every item of a browse or search, page by page; checks total and the page echo."""
    items, page = [], 1
    while True:
        body = services(http, base, page=page, page_size=page_size, **params)
        assert (body["page"], body["page_size"]) == (page, page_size)
        if page == 1:
            total = body["total"]
        assert body["total"] == total, f"total changed while paging: {params}"
        items += body["items"]
        if len(body["items"]) < page_size:
            break
        page += 1
    assert len(items) == total, f"{params}: {len(items)} items over the pages, total {total}"
    codes = [item["code"] for item in items]
    assert len(set(codes)) == len(codes), f"{params}: an item on two pages"
    return items


def by_code(code_names):
    """A list of {code, name} in code order (API.md gives no order for topics)."""
    return sorted(code_names, key=lambda cn: cn["code"])


def codes_of(body):
    return [item["code"] for item in body["items"]]


def search_codes(http, base, q, **params):
    return codes_of(services(http, base, q=q, **params))


def counts(http, base, kind):
    """{code: service_count} of /api/v1/departments or /api/v1/topics."""
    return {item["code"]: item["service_count"]
            for item in get_json(http, f"{base}/api/v1/{kind}")["items"]}


def assert_highlight(highlight, name):
    assert isinstance(highlight, list), highlight
    for span in highlight:
        assert len(span) == 2 and 0 <= span[0] < span[1] <= len(name), (highlight, name)


def on_every_worker(predicate, what, timeout=VISIBLE_WITHIN_S, in_a_row=6):
    """Polls every 0.2 s until predicate() holds for in_a_row requests in a row (nginx spreads
    requests over both workers, so both answer), at most timeout seconds from now."""
    deadline = time.monotonic() + timeout
    streak = 0
    while True:
        streak = streak + 1 if predicate() else 0
        if streak >= in_a_row:
            return
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not seen on every worker within {timeout} s")
        if streak == 0:
            time.sleep(0.2)


def problem(resp, status, code, field=None):
    body = assert_problem(resp, status, code)
    if field is not None:
        assert body["errors"][0]["field"] == field, body
    return body


# --- departments and topics -----------------------------------------------------------------
@pytest.mark.parametrize("kind,names,key", [
    ("departments", DEPARTMENTS, lambda item: [department_of(item)]),
    ("topics", TOPICS, topics_of),
], ids=["departments", "topics"])
def test_code_lists_count_the_sample(base, http, kind, names, key):
    body = get_json(http, f"{base}/api/v1/{kind}")
    assert set(body) == {"items"}
    expected = {code: 0 for code in names}
    for item in SAMPLE:
        for code in key(item):
            expected[code] += 1
    for item in body["items"]:
        assert set(item) == {"code", "name", "service_count"}, item
        assert item["name"] == names[item["code"]], item
    assert len(body["items"]) == len(names)
    assert {i["code"]: i["service_count"] for i in body["items"]} == expected


# --- browse -----------------------------------------------------------------------------------
def test_browse_defaults(base, http):
    body = services(http, base)
    assert set(body) == {"items", "total", "page", "page_size"}
    assert (body["total"], body["page"], body["page_size"]) == (len(SAMPLE), 1, 10)
    assert len(body["items"]) == 10


def test_browse_items_are_summaries_of_the_sample(base, http):
    items = all_pages(http, base)
    assert {item["code"] for item in items} == set(BY_CODE)
    for item in items:
        assert set(item) == SUMMARY_FIELDS, item
        want = BY_CODE[item["code"]]
        assert item["name"] == want["name"]
        dept = department_of(want)
        assert item["department"] == {"code": dept, "name": DEPARTMENTS[dept]}
        assert by_code(item["topics"]) == by_code({"code": t, "name": TOPICS[t]}
                                                  for t in topics_of(want))
        for field in ("online_level", "kind", "promised_days"):
            assert item[field] == want[field], (item["code"], field)
        assert item["highlight"] == []


def test_page_and_page_size_are_echoed(base, http):
    body = services(http, base, page=3, page_size=7)
    assert (body["page"], body["page_size"], body["total"]) == (3, 7, len(SAMPLE))
    assert len(body["items"]) == 7


FILTERS = (
    [{"department": code} for code in sorted(DEPARTMENTS)]
    + [{"topic": code} for code in sorted(TOPICS)]
    + [{"audience": a} for a in ("personal", "enterprise", "both")]
    + [{"online_level_min": n} for n in (1, 2, 3, 4)]
    + [{"department": "SJ", "audience": "enterprise", "online_level_min": 3},
       {"department": "GA", "topic": "household"},
       {"topic": "business-startup", "audience": "enterprise"},
       {"topic": "social-security", "audience": "personal", "online_level_min": 4},
       {"audience": "both", "online_level_min": 2},
       {"department": "GA", "topic": "tax"}]  # nothing matches both
)


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: "&".join(f"{k}={v}" for k, v in
                                                                     f.items()))
def test_filters_return_exactly_the_matching_items(base, http, filters):
    items = all_pages(http, base, **filters)
    assert {item["code"] for item in items} == expected_codes(**filters)


def test_audience_filters_include_both(base, http):
    both = expected_codes(audience="both")
    assert both, "the sample has items for both"
    for audience in ("personal", "enterprise"):
        total = services(http, base, audience=audience)["total"]
        only = sum(item["audience"] == audience for item in SAMPLE)
        assert total == only + len(both)
    assert services(http, base, audience="both")["total"] == len(both)


def test_pages_are_disjoint_and_complete(base, http):
    want = expected_codes(department="RS")
    size, seen, pages = 7, [], (len(want) + 6) // 7
    for page in range(1, pages + 1):
        body = services(http, base, department="RS", page=page, page_size=size)
        assert body["total"] == len(want)
        assert len(body["items"]) == min(size, len(want) - len(seen))
        seen += codes_of(body)
    assert len(seen) == len(set(seen)), "an item on two pages"
    assert set(seen) == want


def test_page_beyond_the_end_is_empty(base, http):
    want = len(expected_codes(department="CRJ"))
    body = services(http, base, department="CRJ", page=50, page_size=10)
    assert body == {"items": [], "total": want, "page": 50, "page_size": 10}


def test_deepest_allowed_page(base, http):
    body = services(http, base, page=100, page_size=50)  # page × page_size = 5000
    assert (body["items"], body["total"]) == ([], len(SAMPLE))


# --- parameter errors -------------------------------------------------------------------------
CJK64 = "%E4%B8%AD" * 64
CJK65 = "%E4%B8%AD" * 65


@pytest.mark.parametrize("path,query,field", [
    (SERVICES, "page=0", "page"),
    (SERVICES, "page=abc", "page"),
    (SERVICES, "page=-1", "page"),
    (SERVICES, "page_size=0", "page_size"),
    (SERVICES, "page_size=51", "page_size"),
    (SERVICES, "page_size=x", "page_size"),
    (SERVICES, "page=101&page_size=50", "page"),
    (SERVICES, "page=5001&page_size=1", "page"),
    (SERVICES, "online_level_min=0", "online_level_min"),
    (SERVICES, "online_level_min=5", "online_level_min"),
    (SERVICES, "audience=alien", "audience"),
    (SERVICES, "department=NOPE", "department"),
    (SERVICES, "department=ga", "department"),
    (SERVICES, "topic=NOPE", "topic"),
    (SERVICES, "q=" + CJK65, "q"),
    (SERVICES, "q=%zz", "q"),
    (SERVICES, "q=%ff", "q"),
    (SERVICES, "q=%4", "q"),
    (SERVICES, "q=a%00b", "q"),
    (SUGGEST, "", "q"),
    (SUGGEST, "q=" + CJK65, "q"),
    (SUGGEST, "q=%00", "q"),
    (SUGGEST, "q=a&limit=0", "limit"),
    (SUGGEST, "q=a&limit=11", "limit"),
])
def test_bad_parameters_are_invalid_argument(base, path, query, field):
    target = path + ("?" + query if query else "")
    problem(raw_request(base, "GET", target), 400, "invalid_argument", field)


@pytest.mark.parametrize("path", [SERVICES, SUGGEST])
def test_q_of_64_characters_is_accepted(base, path):
    r = raw_request(base, "GET", f"{path}?q={CJK64}")
    assert r.status_code == 200, r.text
    assert isinstance(r.json()["items"], list)


# --- search -----------------------------------------------------------------------------------
def test_exact_name_is_first_and_highlighted(base, http):
    body = services(http, base, q="生育登记")
    first = body["items"][0]
    assert (first["code"], first["highlight"]) == ("WJ-QR-001", [[0, 4]])
    assert set(first) == SUMMARY_FIELDS


@pytest.mark.parametrize("q", ["生育登记", "许可", "护照", "shebao", "sbk", "登记"])
def test_total_counts_every_match(base, http, q):
    items = all_pages(http, base, q=q)  # asserts total == distinct items over the pages
    assert items, q
    for item in items:
        assert set(item) == SUMMARY_FIELDS
        assert_highlight(item["highlight"], item["name"])


def test_blank_q_browses(base):
    r = raw_request(base, "GET", SERVICES + "?q=%20")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["total"], body["page"], body["page_size"]) == (len(SAMPLE), 1, 10)
    assert [item["highlight"] for item in body["items"]] == [[]] * 10


def test_search_with_a_filter_keeps_only_matching_items(base, http):
    everywhere = all_pages(http, base, q="许可")
    in_sj = all_pages(http, base, q="许可", department="SJ")
    assert in_sj, "许可 finds something of 市市场监督管理局"
    assert all(item["department"]["code"] == "SJ" for item in in_sj)
    assert {i["code"] for i in in_sj} == \
        {i["code"] for i in everywhere if i["department"]["code"] == "SJ"}


def test_suggest(base, http):
    body = get_json(http, base + SUGGEST, q="shebao", limit=3)
    assert set(body) == {"items"}
    items = body["items"]
    assert 1 <= len(items) <= 3
    names = [item["name"] for item in items]
    assert len(set(names)) == len(names), names
    for item in items:
        assert set(item) == {"code", "name", "highlight"}, item
        assert BY_CODE[item["code"]]["name"] == item["name"]
        assert_highlight(item["highlight"], item["name"])


def test_suggest_default_limit_is_at_most_10(base, http):
    items = get_json(http, base + SUGGEST, q="登记")["items"]
    assert 1 <= len(items) <= 10


def test_blank_suggest_has_no_items(base):
    r = raw_request(base, "GET", SUGGEST + "?q=%20")
    assert r.status_code == 200, r.text
    assert r.json() == {"items": []}


def test_traditional_characters(base, http):
    first = services(http, base, q="護照")["items"][0]
    assert "护照" in first["name"], first


def test_pinyin_initials(base, http):
    assert "RS-GG-001" in search_codes(http, base, "sbk")[:3]


def test_english(base, http):
    first = services(http, base, q="passport")["items"][0]
    assert first["code"].startswith("CRJ-") and "护照" in first["name"], first


def test_colloquial(base, http):
    assert "WJ-QR-001" in search_codes(http, base, "生孩子")[:3]


@pytest.mark.parametrize("q", ["' OR 1=1 --", '"; DROP TABLE services; --', "%", "_", "\\"])
def test_sql_metacharacters_are_just_text(base, http, q):
    body = services(http, base, q=q)
    assert isinstance(body["items"], list) and isinstance(body["total"], int)
    assert services(http, base)["total"] == len(SAMPLE)


# --- detail -----------------------------------------------------------------------------------
def test_detail_is_the_full_item(base, http):
    body = get_json(http, base + SERVICES + "/GA-GG-001")
    assert set(body) == set(SERVICE_SCHEMA["properties"])
    assert set(SERVICE_SCHEMA["required"]) <= set(body)
    want = BY_CODE["GA-GG-001"]
    for field in ("code", "name", "audience", "kind", "online_level", "legal_days",
                  "promised_days", "fee", "materials", "keywords", "description"):
        assert body[field] == want[field], field
    assert body["department"] == {"code": "GA", "name": "市公安局"}
    assert body["topics"] == [{"code": "household", "name": "户籍办理"}]
    assert body["handled_by"] == {"type": "department", "name": "市公安局"}
    assert body["rating"] == {"average": None, "count": 0}


@pytest.mark.parametrize("path", [SERVICES + "/GA-GG-001", SERVICES, SUGGEST + "?q=sbk",
                                  "/api/v1/departments", "/api/v1/topics"])
def test_head_is_get_without_body(base, http, path):
    r = http.head(base + path)
    assert r.status_code == 200
    assert r.content == b""


@pytest.mark.parametrize("code", ["NOPE-000", "ga-gg-001", "a%27b", "A" * 65, "%E4%B8%AD",
                                  "a%20b"])
def test_unknown_or_malformed_code_is_404(base, code):
    problem(raw_request(base, "GET", f"{SERVICES}/{code}"), 404, "not_found")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_services_are_read_only(base, http, method):
    r = http.request(method, base + SERVICES)
    problem(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "GET, HEAD"


# --- admin: import-catalog, retire-service ----------------------------------------------------
def zz_item(suffix, name, **changes):
    """A new item in the sample's format; its code starts with ZZTEST-."""
    item = {"code": f"ZZTEST-{suffix}", "name": name, "department": "市公安局",
            "topics": ["户籍办理"], "audience": "personal", "kind": "承诺件", "online_level": 3,
            "legal_days": 20, "promised_days": 10, "fee": "不收费", "materials": ["申请表"],
            "keywords": [], "description": "端到端测试用的事项。"}
    item.update(changes)
    return item


def report(proc):
    """The `name: value` lines of an admin command, numbers as ints."""
    out = dict(line.split(": ", 1) for line in proc.stdout.splitlines())
    return {k: int(v) if v.isdigit() else v for k, v in out.items()}


class Catalog:
    """Imports ZZTEST- items with --partial from temporary files; retires them all at the end
    and waits until search is back to the sample."""

    def __init__(self, stack, base, tmp_path):
        self.stack, self.base, self.dir = stack, base, tmp_path
        self.codes, self.files = set(), 0

    def write(self, items):
        self.files += 1
        path = self.dir / f"catalog-{self.files}.json"
        path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        return str(path)

    def import_items(self, items, check=True):
        self.codes |= {item["code"] for item in items if item["code"].startswith("ZZTEST-")}
        r = self.stack.admin("import-catalog", self.write(items), "--partial", check=False)
        if check:
            assert r.returncode == 0, f"import-catalog failed:\n{r.stderr}"
        return r

    def cleanup(self):
        for code in sorted(self.codes):
            self.stack.admin("retire-service", code, check=False)
        with requests.Session() as http:
            on_every_worker(lambda: services(http, self.base)["total"] == len(SAMPLE),
                            "the sample alone after the test's items were retired")


@pytest.fixture()
def catalog(stack, base, tmp_path):
    c = Catalog(stack, base, tmp_path)
    yield c
    c.cleanup()


def detail_status(http, base, code):
    return http.get(f"{base}{SERVICES}/{code}", timeout=10).status_code


def finds(http, base, q, code):
    return code in search_codes(http, base, q, page_size=50)


OLD_NAME, NEW_NAME = "翡翠鹦鹉饲养登记", "琥珀蜻蜓观察许可"


def test_import_creates_then_is_idempotent(catalog):
    items = [zz_item("A1", "翡翠鹦鹉饲养登记"), zz_item("A2", "珊瑚海马观赏许可")]
    assert report(catalog.import_items(items)) == {
        "items": 2, "created": 2, "updated": 0, "restored": 0, "unchanged": 0, "retired": 0}
    assert report(catalog.import_items(items)) == {
        "items": 2, "created": 0, "updated": 0, "restored": 0, "unchanged": 2, "retired": 0}


def test_imported_item_is_served(catalog, base, http):
    item = zz_item("B1", "翡翠鹦鹉饲养登记", keywords=["鹦鹉"], audience="both")
    catalog.import_items([item])
    body = get_json(http, f"{base}{SERVICES}/ZZTEST-B1")  # detail reads the database
    assert (body["name"], body["audience"], body["keywords"]) == \
        ("翡翠鹦鹉饲养登记", "both", ["鹦鹉"])
    on_every_worker(lambda: finds(http, base, "翡翠鹦鹉", "ZZTEST-B1"), "the new item in search")


def test_renamed_item_is_found_by_its_new_name_only(catalog, base, http):
    catalog.import_items([zz_item("C1", OLD_NAME), zz_item("C2", "珊瑚海马观赏许可")])
    on_every_worker(lambda: finds(http, base, OLD_NAME, "ZZTEST-C1"), "the item by its name")
    assert not finds(http, base, NEW_NAME, "ZZTEST-C1")
    out = report(catalog.import_items([zz_item("C1", NEW_NAME), zz_item("C2", "珊瑚海马观赏许可")]))
    assert (out["updated"], out["unchanged"], out["created"]) == (1, 1, 0)
    on_every_worker(lambda: finds(http, base, NEW_NAME, "ZZTEST-C1")
                    and not finds(http, base, OLD_NAME, "ZZTEST-C1"),
                    "the new name instead of the old one")
    assert get_json(http, f"{base}{SERVICES}/ZZTEST-C1")["name"] == NEW_NAME


def test_retired_item_disappears_and_can_be_restored(stack, catalog, base, http):
    ga = counts(http, base, "departments")["GA"]
    item = zz_item("D1", "琉璃孔雀展示备案")
    catalog.import_items([item])
    on_every_worker(lambda: finds(http, base, "琉璃孔雀", "ZZTEST-D1")
                    and counts(http, base, "departments")["GA"] == ga + 1,
                    "the new item in search and in the department count")

    assert report(stack.admin("retire-service", "ZZTEST-D1")) == {"retired": "ZZTEST-D1"}
    problem(http.get(f"{base}{SERVICES}/ZZTEST-D1"), 404, "not_found")  # at once
    on_every_worker(lambda: not finds(http, base, "琉璃孔雀", "ZZTEST-D1")
                    and counts(http, base, "departments")["GA"] == ga,
                    "the retired item gone from search and from the department count")

    out = report(catalog.import_items([item]))
    assert (out["restored"], out["created"], out["unchanged"]) == (1, 0, 0)
    assert detail_status(http, base, "ZZTEST-D1") == 200
    on_every_worker(lambda: finds(http, base, "琉璃孔雀", "ZZTEST-D1"), "the restored item")


def test_retire_unknown_or_retired_code_fails(stack, catalog):
    r = stack.admin("retire-service", "ZZTEST-NEVER", check=False)
    assert r.returncode == 1 and "ZZTEST-NEVER" in r.stderr
    catalog.import_items([zz_item("E1", "玛瑙仙鹤放飞备案")])
    stack.admin("retire-service", "ZZTEST-E1")
    assert stack.admin("retire-service", "ZZTEST-E1", check=False).returncode == 1


def test_invalid_items_import_nothing(catalog, base, http):
    dup = zz_item("F4", "玛瑙仙鹤放飞备案")
    items = [zz_item("F1", "翡翠鹦鹉饲养登记"),
             zz_item("F2", "珊瑚海马观赏许可", online_level=9),
             zz_item("F3", "琉璃孔雀展示备案", department="市魔法管理局"),
             dup, dict(dup)]
    r = catalog.import_items(items, check=False)
    assert r.returncode == 1, r.stdout
    assert "created" not in r.stdout
    errors = r.stderr.splitlines()
    assert any(re.search(r"item 1 \(ZZTEST-F2\).*online_level", line) for line in errors), errors
    assert any(re.search(r"item 2 \(ZZTEST-F3\).*department", line) for line in errors), errors
    assert any(re.search(r"ZZTEST-F4.*(more than once|duplicate)", line) for line in errors), \
        errors
    assert not any("ZZTEST-F1" in line for line in errors), errors
    for code in ("ZZTEST-F1", "ZZTEST-F4"):
        assert detail_status(http, base, code) == 404, code


@pytest.mark.parametrize("text", ["this is not JSON", '{"items": 5}', "[1, 2", ""])
def test_file_that_is_not_a_catalog_fails(stack, tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    r = stack.admin("import-catalog", str(path), "--partial", check=False)
    assert r.returncode == 1, r.stdout
    assert r.stderr and "created" not in r.stdout


def test_full_import_retires_items_missing_from_the_file(stack, catalog, base, http):
    extra = zz_item("G1", "玛瑙仙鹤放飞备案")
    out = report(catalog.import_items(SAMPLE + [extra]))
    assert (out["items"], out["created"], out["unchanged"]) == (len(SAMPLE) + 1, 1, len(SAMPLE))
    assert detail_status(http, base, "ZZTEST-G1") == 200

    out = report(stack.admin("import-catalog", SAMPLE_PATH))  # not partial
    assert out == {"items": len(SAMPLE), "created": 0, "updated": 0, "restored": 0,
                   "unchanged": len(SAMPLE), "retired": 1}
    assert detail_status(http, base, "ZZTEST-G1") == 404
    assert detail_status(http, base, "GA-GG-001") == 200


# --- admin: synonyms --------------------------------------------------------------------------
def test_added_synonym_is_searchable(stack, base, http):
    term = "喵喵证"
    assert services(http, base, q=term)["total"] == 0
    assert report(stack.admin("add-synonym", term, "护照")) == {
        "term": term, "added": 1, "already_present": 0}

    def first_is_a_passport():
        items = services(http, base, q=term)["items"]
        return items and "护照" in items[0]["name"]
    on_every_worker(first_is_a_passport, f"{term} finding a 护照 item")
    assert report(stack.admin("add-synonym", term, "护照")) == {
        "term": term, "added": 0, "already_present": 1}


def test_unknown_term_finds_nothing(base, http):
    body = services(http, base, q="zzfoobar")
    assert (body["items"], body["total"], body["page"], body["page_size"]) == ([], 0, 1, 10)
    assert body["suggestions"]["services"], body  # never an empty page (API.md §4)


@pytest.mark.parametrize("args", [("z" * 33, "护照"), ("", "护照"), ("喵", "x" * 65)])
def test_synonym_limits(stack, args):
    assert stack.admin("add-synonym", *args, check=False).returncode == 2
