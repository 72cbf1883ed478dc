"""API.md §5 applications (办件) from the citizen's side, through nginx: submission (the 201
body, the number and query-code formats, Location, every validation error, real-name and role
checks), the citizen's list (newest first, status filter, cursor paging, bad parameters), the
detail with its timeline, withdraw and supplement (legal and illegal), and that numbers of
other citizens, malformed numbers and unknown numbers all look the same (404), while lower
case and Crockford confusables are accepted.

Every test makes its own citizens (tests/e2e/people.py), so the tests do not depend on each
other."""
import datetime
import hashlib
import json
import time

import pytest

from conftest import assert_problem
from helpers import settings, sql, unique_id, wait_for
from media import jpeg, pdf, png
from people import (APPLICANT, APPS, DATE_RE, DETAIL_KEYS, EVENT_KEYS, GA_0, GA_3,
                    MZ_0, NO_RE, QUERY_CODE_RE, RFC3339_UTC, SUBMIT_KEYS,
                    SUMMARY_KEYS, all_pages, app_id, app_row, bring_to, call, citizen_app_count,
                    detail, material_defs, new_citizen, new_staff, required_materials,
                    service_department, shanghai_today, staff_step, submit, submitted,
                    supplement, uploaded, valid_form, withdraw, CATALOG)
from helpers import field_error_list, field_errors

FORM_MAX = 16384
MATERIALS_MAX = 50
MATERIAL_CODE_MAX = 32
UPLOAD_ID_CHARS = 32
NOTE_MAX = 500
REALM = 'Bearer realm="onewindow"'
MATERIAL_KEYS = {"code", "name", "upload_id", "content_type", "bytes", "sha256"}
NO_UPLOAD = "0" * UPLOAD_ID_CHARS  # well-formed, but nobody's upload


def parse_utc(text):
    assert RFC3339_UTC.match(text), text
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def form_of_size(size):
    """A form object whose compact JSON is exactly size bytes (ASCII only)."""
    overhead = len(compact({"text": ""}))
    form = {"text": "a" * (size - overhead)}
    assert len(compact(form)) == size
    return form


def without_request_id(r):
    body = r.json()
    body.pop("request_id")
    return body


def upload_entry(code, u, name):
    """An attached material as the detail shows it (u: the 201 body of the upload)."""
    return {"code": code, "name": name, "upload_id": u["id"], "content_type": u["content_type"],
            "bytes": u["bytes"], "sha256": u["sha256"]}


def attached(stack, upload_id):
    """(application id, material code) an upload is attached to, or None; and whether it can
    still expire."""
    rows = sql(stack, f"SELECT COALESCE(application_id, 'NULL'), COALESCE(material_code, "
                      f"'NULL'), expires_at IS NULL FROM uploads WHERE id = '{upload_id}'")
    assert len(rows) == 1, (upload_id, rows)
    app, code, forever = rows[0]
    return (None if app == "NULL" else int(app), None if code == "NULL" else code,
            forever == "1")


def three_uploads(http, base, c):
    """One upload of each type, for GA_3's three materials (each accepts every type)."""
    return [uploaded(http, base, c, data, kind) for data, kind in (
        (png(), "image/png"), (jpeg(), "image/jpeg"), (pdf(), "application/pdf"))]


# --- submission ------------------------------------------------------------------------------
def test_submit_happy_path(base, http, stack):
    c = new_citizen(stack, http, base)
    form = {"purpose": "出国留学", "copies": 2, "address": {"city": "杭州", "lines": ["一", "二"]},
            "agree": True, "extra": None}  # GA_3 has no form schema: any object
    defs = material_defs(GA_3)
    assert [d["code"] for d in defs] == ["material_1", "material_2", "material_3"], defs
    ups = three_uploads(http, base, c)
    materials = [{"code": d["code"], "upload_id": u["id"]} for d, u in zip(defs, ups)]
    day_before = shanghai_today()
    t0 = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    r = submit(http, base, c, GA_3, form, materials)
    t1 = datetime.datetime.now(datetime.timezone.utc)
    day_after = shanghai_today()
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    body = r.json()
    assert set(body) == SUBMIT_KEYS, body
    no = body["application_no"]
    m = NO_RE.match(no)
    assert m, no
    assert len(no) == 20
    assert m.group(1) in (day_before.strftime("%Y%m%d"), day_after.strftime("%Y%m%d")), no
    assert body["status"] == "submitted"
    assert body["service"] == {"code": GA_3, "name": CATALOG[GA_3]["name"],
                               "department": {"code": "GA", "name": "市公安局"}}, body
    assert QUERY_CODE_RE.match(body["query_code"]), body
    submitted_at = parse_utc(body["submitted_at"])
    assert t0 - datetime.timedelta(seconds=2) <= submitted_at <= t1 + datetime.timedelta(
        seconds=2), (body["submitted_at"], t0, t1)
    assert DATE_RE.match(body["due_date"]), body
    # 3 working days after the submission day: strictly later, and at most 3 + 2 weekends +
    # a long holiday away
    due = datetime.date.fromisoformat(body["due_date"])
    assert day_before < due <= day_after + datetime.timedelta(days=17), body
    assert r.headers["Location"] == f"/api/v1/applications/{no}", r.headers

    d = detail(http, base, c, no)
    assert set(d) == DETAIL_KEYS, d
    assert d["application_no"] == no and d["status"] == "submitted" and d["result"] is None
    assert d["service"] == body["service"]
    assert d["submitted_at"] == body["submitted_at"]
    assert d["due_date"] == body["due_date"] and d["query_code"] == body["query_code"]
    # the materials in the service's order, with the catalog's names and the files' facts
    assert d["materials"] == [upload_entry(df["code"], u, df["name"])
                              for df, u in zip(defs, ups)], d["materials"]
    assert [m["name"] for m in d["materials"]] == CATALOG[GA_3]["materials"]
    assert d["enterprise"] is None, d
    assert d["overdue"] is False and d["finished_at"] is None
    assert d["handled_by"] == {"type": "department", "name": "市公安局"}, d
    assert [(e["status"], e["actor"], e["actor_name"]) for e in d["timeline"]] == [
        ("submitted", "citizen", APPLICANT)], d["timeline"]

    # one row, the form sealed at rest; each upload attached to it for good
    assert citizen_app_count(stack, c) == 1
    sealed = sql(stack, f"SELECT HEX(form_enc) FROM applications WHERE application_no = '{no}'")
    assert "出国留学".encode("utf-8").hex().upper() not in sealed[0][0]
    for df, u in zip(defs, ups):
        assert attached(stack, u["id"]) == (app_id(stack, no), df["code"], True)


def test_numbers_and_query_codes_are_random(base, http, stack):
    c = new_citizen(stack, http, base)
    bodies = [submitted(http, base, c, GA_0) for _ in range(6)]
    numbers = [b["application_no"] for b in bodies]
    assert len(set(numbers)) == 6, numbers
    for no in numbers:
        assert NO_RE.match(no), no
    randoms = {no[9:] for no in numbers}
    assert len(randoms) == 6, numbers
    codes = [b["query_code"] for b in bodies]
    assert all(QUERY_CODE_RE.match(code) for code in codes), codes
    assert len(set(codes)) >= 5, codes  # 8 random digits each


def test_submit_boundaries_are_accepted(base, http, stack):
    c = new_citizen(stack, http, base)
    # the form at exactly 16384 bytes of compact JSON
    submitted(http, base, c, GA_3, form_of_size(FORM_MAX))
    # an empty form object
    submitted(http, base, c, GA_3, {})
    # a service without materials: no list, or an empty one
    free = next(code for code, item in CATALOG.items()
                if not item["materials"] and item["audience"] == "personal")
    b = submitted(http, base, c, free, materials=[])
    assert detail(http, base, c, b["application_no"])["materials"] == []
    r = call(http, base, "POST", APPS, c.token, {"service_code": free,
                                                 "form": valid_form(free)})
    assert r.status_code == 201, r.text
    # an optional material may be left out, or given
    optional = next(code for code, item in CATALOG.items()
                    if item["audience"] == "personal" and any(
                        isinstance(m, dict) and not m["required"] for m in item["materials"]))
    opt = next(m for m in material_defs(optional) if not m["required"])
    b = submitted(http, base, c, optional)
    assert opt["code"] not in [m["code"] for m in detail(http, base, c, b["application_no"])[
        "materials"]]
    kind = opt["accept"][0]
    data = {"image/png": png, "image/jpeg": jpeg, "application/pdf": pdf}[kind]()
    given = required_materials(http, base, c, optional) + [
        {"code": opt["code"], "upload_id": uploaded(http, base, c, data, kind)["id"]}]
    b = submitted(http, base, c, optional, materials=given)
    codes = [m["code"] for m in detail(http, base, c, b["application_no"])["materials"]]
    assert sorted(codes) == sorted(g["code"] for g in given), codes
    # 50 materials is a well-formed list (each then checked: no such codes here), 51 is not
    fifty = [{"code": f"m{i}", "upload_id": f"{i:032d}"} for i in range(MATERIALS_MAX)]
    r = call(http, base, "POST", APPS, c.token, {"service_code": GA_3, "form": {},
                                                 "materials": fifty})
    errors = field_error_list(r)  # the first 16 problems (api/request.h)
    assert len(errors) == 16 and all(e.startswith("/materials/") for e in errors), errors
    r = call(http, base, "POST", APPS, c.token, {"service_code": GA_3, "form": {},
                                                 "materials": fifty + fifty[:1]})
    assert field_errors(r) == ["/materials"]
    # a code of 32 characters is well-formed (but the service has no such material)
    r = call(http, base, "POST", APPS, c.token, {"service_code": GA_3, "form": {}, "materials": [
        {"code": "m" * MATERIAL_CODE_MAX, "upload_id": NO_UPLOAD}]})
    errors = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert errors["/materials/0/code"] == "这个事项没有这项材料。", errors
    # a 64-character service code is well-formed (but unknown)
    r = call(http, base, "POST", APPS, c.token, {"service_code": "A" * 64, "form": {}})
    assert field_errors(r) == ["/service_code"]
    assert citizen_app_count(stack, c) == 6


def bad_bodies(materials):
    """(what, body, the exact fields reported) for a citizen whose uploads for GA_3's three
    materials are `materials`; none of these bodies consumes them."""
    good = {"service_code": GA_3, "form": {"purpose": "e2e"}, "materials": materials}
    first, second, third = materials

    def with_(**changes):
        body = dict(good)
        for k, v in changes.items():
            if v is KeyError:
                body.pop(k)
            else:
                body[k] = v
        return body

    def one(i, **changes):
        """The materials with item i changed (a field KeyError: left out)."""
        out = [dict(m) for m in materials]
        for k, v in changes.items():
            if v is KeyError:
                out[i].pop(k)
            else:
                out[i][k] = v
        return with_(materials=out)
    return [
        ("no service_code", with_(service_code=KeyError), {"/service_code"}),
        ("empty service_code", with_(service_code=""), {"/service_code"}),
        ("65-char service_code", with_(service_code="A" * 65), {"/service_code"}),
        ("numeric service_code", with_(service_code=42), {"/service_code"}),
        ("null service_code", with_(service_code=None), {"/service_code"}),
        ("unknown service", with_(service_code="NO-SUCH-SERVICE-1"), {"/service_code"}),
        ("no form", with_(form=KeyError), {"/form"}),
        ("form is a list", with_(form=[{"a": 1}]), {"/form"}),
        ("form is a string", with_(form="{}"), {"/form"}),
        ("form is a number", with_(form=1), {"/form"}),
        ("form is null", with_(form=None), {"/form"}),
        ("form is true", with_(form=True), {"/form"}),
        ("form over 16 KiB", with_(form=form_of_size(FORM_MAX + 1)), {"/form"}),
        ("form far over 16 KiB", with_(form={"t": "表" * 8000}), {"/form"}),
        ("materials an object", with_(materials=first), {"/materials"}),
        ("materials a string", with_(materials="x"), {"/materials"}),
        ("materials null", with_(materials=None), {"/materials"}),
        ("51 materials", with_(materials=materials * 17), {"/materials"}),
        ("item a string", with_(materials=["身份证"] + materials[1:]), {"/materials/0"}),
        ("no code", one(0, code=KeyError), {"/materials/0/code"}),
        ("empty code", one(1, code=""), {"/materials/1/code"}),
        ("33-char code", one(2, code="m" * (MATERIAL_CODE_MAX + 1)), {"/materials/2/code"}),
        ("numeric code", one(0, code=1), {"/materials/0/code"}),
        ("no upload_id", one(1, upload_id=KeyError), {"/materials/1/upload_id"}),
        ("33-char upload_id", one(0, upload_id="a" * 33), {"/materials/0/upload_id"}),
        ("null upload_id", one(2, upload_id=None), {"/materials/2/upload_id"}),
        # checked against the service and the citizen's uploads (in the transaction)
        ("a required material missing", with_(materials=materials[:2]), {"/materials"}),
        ("no materials at all", with_(materials=KeyError), {"/materials"}),
        ("unknown code", with_(materials=materials + [{"code": "material_9",
                                                       "upload_id": NO_UPLOAD}]),
         {"/materials/3/code"}),
        ("nobody's upload", one(1, upload_id=NO_UPLOAD), {"/materials/1/upload_id"}),
        ("a code twice", with_(materials=materials + [third]), {"/materials/3"}),
        ("an upload twice", one(2, upload_id=second["upload_id"]), {"/materials/2"}),
        ("a company for a personal service", with_(enterprise_id="1"), {"/enterprise_id"}),
    ]


def test_submit_validation_errors(base, http, stack):
    c = new_citizen(stack, http, base)
    other = new_citizen(stack, http, base)
    materials = required_materials(http, base, c, GA_3)
    wrong = []
    for what, body, fields in bad_bodies(materials):
        r = call(http, base, "POST", APPS, c.token, body)
        try:
            got = field_errors(r)
        except AssertionError:
            wrong.append((what, r.status_code, r.text[:300]))
            continue
        if set(got) != fields:
            wrong.append((what, got))
    assert not wrong, "\n".join(map(str, wrong))
    assert citizen_app_count(stack, c) == 0
    # another citizen's upload is refused like nobody's, and stays theirs
    theirs = uploaded(http, base, other)
    r = call(http, base, "POST", APPS, c.token, {"service_code": GA_3, "form": {}, "materials": [
        materials[0], materials[1], {"code": "material_3", "upload_id": theirs["id"]}]})
    assert field_errors(r) == ["/materials/2/upload_id"]
    assert attached(stack, theirs["id"]) == (None, None, False)
    # a material of a type it does not accept (a service whose material takes images only)
    picky, code, kind = next(
        (svc, m["code"], m["accept"]) for svc, item in CATALOG.items()
        if item["audience"] == "personal" for m in material_defs(svc)
        if m["required"] and "application/pdf" not in m["accept"])
    given = [g if g["code"] != code else {"code": code, "upload_id": uploaded(
        http, base, c, pdf(), "application/pdf")["id"]}
        for g in required_materials(http, base, c, picky)]
    r = submit(http, base, c, picky, materials=given)
    i = [g["code"] for g in given].index(code)
    assert field_errors(r) == [f"/materials/{i}/upload_id"], (picky, kind, r.text)
    # the refused requests left the uploads unattached: the good body still works
    for m in materials:
        assert attached(stack, m["upload_id"]) == (None, None, False)
    submitted(http, base, c, GA_3, {"purpose": "e2e"}, materials)
    # both missing: both reported
    r = call(http, base, "POST", APPS, c.token, {})
    assert field_errors(r) == ["/form", "/service_code"]
    # the body rules of API.md §1 hold here too
    r = http.post(base + APPS, data=b"{not json", timeout=30,
                  headers={"Authorization": f"Bearer {c.token}",
                           "Content-Type": "application/json"})
    assert_problem(r, 400, "invalid_json")
    r = http.post(base + APPS, data=json.dumps({"service_code": GA_3, "form": {}}), timeout=30,
                  headers={"Authorization": f"Bearer {c.token}", "Content-Type": "text/plain"})
    assert_problem(r, 415, "unsupported_media_type")
    assert citizen_app_count(stack, c) == 1


def index_builds(stack):
    with open(stack.log_path("onewindow.log"), encoding="utf-8", errors="replace") as f:
        return f.read().count('"msg":"search index version ')


def retire_quietly(stack, code):
    """retire-service, so that the workers' browse orders stay the same: submissions count in
    a service's popularity, buffered per worker and written about once a second, and a catalog
    change makes every worker rebuild its browse order from the database at its next tick. So
    the buffers drain first, and nothing is submitted until every worker has rebuilt (else the
    workers keep two orders and test_catalog's paging sees items twice)."""
    time.sleep(1.5)
    before = index_builds(stack)
    stack.admin("retire-service", code, check=False)
    workers = int(settings(stack)["workers"])
    wait_for(lambda: index_builds(stack) >= before + workers, 10, interval=0.05,
             what="every worker rebuilt its index")


def test_submit_retired_service_is_refused(base, http, stack, tmp_path):
    code = "ZZAPP-" + unique_id("r")[-8:].upper()
    item = {"code": code, "name": "端到端办件测试事项", "department": "市公安局",
            "topics": ["户籍办理"], "audience": "personal", "kind": "承诺件", "online_level": 3,
            "legal_days": 20, "promised_days": 3, "fee": "不收费", "materials": ["申请表"],
            "keywords": [], "description": "端到端测试用的事项。"}
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps([item], ensure_ascii=False), encoding="utf-8")
    stack.admin("import-catalog", str(path), "--partial")
    c = new_citizen(stack, http, base)

    def submit_new():
        """A submission with a fresh upload for the one material the old list of names makes
        (a refused attempt leaves it unattached; a fresh one each time keeps them apart)."""
        u = uploaded(http, base, c)
        return submit(http, base, c, code, {"purpose": "e2e"},
                      [{"code": "material_1", "upload_id": u["id"]}])
    try:
        first = wait_for(lambda: (lambda r: r if r.status_code == 201 else None)(
            submit_new()), 6, interval=0.1, what="the new service accepted")
        assert first.json()["service"]["code"] == code
    finally:
        retire_quietly(stack, code)

    def refused_everywhere():
        for _ in range(4):
            r = submit_new()
            if r.status_code != 400:
                return False
        return True
    wait_for(refused_everywhere, 6, interval=0.1, what="the retired service refused")
    r = submit_new()
    assert field_errors(r) == ["/service_code"]
    # the application made before the retirement is still there, with its material
    no = first.json()["application_no"]
    d = detail(http, base, c, no)
    assert d["service"]["code"] == code
    assert [(m["code"], m["name"]) for m in d["materials"]] == [("material_1", "申请表")]


def test_submit_needs_real_name_verification(base, http, stack):
    c = new_citizen(stack, http, base, verified=False)
    r = submit(http, base, c, GA_3)
    body = assert_problem(r, 403, "real_name_required")
    assert "errors" not in body, body
    # body validation comes first
    r = call(http, base, "POST", APPS, c.token, {"service_code": GA_3})
    assert field_errors(r) == ["/form"]
    r = call(http, base, "POST", APPS, c.token, {"service_code": "NO-SUCH-1", "form": {}})
    assert field_errors(r) == ["/service_code"]
    assert citizen_app_count(stack, c) == 0


def test_citizen_routes_refuse_staff_and_anonymous_callers(base, http, stack):
    c = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "GA")
    no = submitted(http, base, c, GA_3)["application_no"]
    routes = [("POST", APPS, {"service_code": GA_3, "form": {}}),
              ("GET", APPS, None), ("GET", f"{APPS}/{no}", None),
              ("POST", f"{APPS}/{no}/withdraw", None),
              ("POST", f"{APPS}/{no}/supplement",
               {"materials": [{"code": "material_1", "upload_id": NO_UPLOAD}]})]
    for method, path, body in routes:
        kw = {} if body is None else {"body": body}
        assert_problem(call(http, base, method, path, s.token, **kw), 403, "forbidden")
        r = call(http, base, method, path, None, **kw)
        assert_problem(r, 401, "unauthorized")
        assert r.headers.get("WWW-Authenticate") == REALM, (path, r.headers)
        r = call(http, base, method, path, c.token[:-4] + "AAAA", **kw)
        assert_problem(r, 401, "unauthorized")
    assert detail(http, base, c, no)["status"] == "submitted"
    assert citizen_app_count(stack, c) == 1




# --- the citizen's list ----------------------------------------------------------------------
def test_list_is_newest_first_with_status_filter(base, http, stack):
    c = new_citizen(stack, http, base)
    other = new_citizen(stack, http, base)
    a = submitted(http, base, c, GA_3)["application_no"]
    b = submitted(http, base, c, GA_0)["application_no"]
    submitted(http, base, other, GA_3)
    d = submitted(http, base, c, MZ_0)["application_no"]
    assert withdraw(http, base, c, b).status_code == 200

    r = call(http, base, "GET", APPS, c.token)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"items", "next_cursor"} and body["next_cursor"] is None, body
    items = body["items"]
    assert [i["application_no"] for i in items] == [d, b, a], items
    for i in items:
        assert set(i) == SUMMARY_KEYS, i
        assert set(i["service"]) == {"code", "name"}, i
        assert i["result"] is None and i["overdue"] is False, i
        assert RFC3339_UTC.match(i["submitted_at"]) and RFC3339_UTC.match(i["updated_at"]), i
        assert DATE_RE.match(i["due_date"]), i
    assert [i["status"] for i in items] == ["submitted", "withdrawn", "submitted"]
    assert items[0]["service"] == {"code": MZ_0, "name": CATALOG[MZ_0]["name"]}
    assert items[1]["updated_at"] >= items[1]["submitted_at"]

    def listed(status):
        r = call(http, base, "GET", f"{APPS}?status={status}", c.token)
        assert r.status_code == 200, r.text
        return [i["application_no"] for i in r.json()["items"]]
    assert listed("submitted") == [d, a]
    assert listed("withdrawn") == [b]
    for status in ("accepted", "need_materials", "not_accepted", "completed"):
        assert listed(status) == [], status


def test_list_cursor_paging(base, http, stack):
    c = new_citizen(stack, http, base)
    numbers = [submitted(http, base, c, GA_0)["application_no"] for _ in range(7)]
    newest_first = numbers[::-1]
    items, sizes = all_pages(http, base, c, APPS, limit=3)
    assert sizes == [3, 3, 1], sizes
    assert [i["application_no"] for i in items] == newest_first
    # exactly a page's worth: the last page may be empty or the cursor null, never a repeat
    items, sizes = all_pages(http, base, c, APPS, limit=7)
    assert [i["application_no"] for i in items] == newest_first and sizes[0] == 7, sizes
    items, _ = all_pages(http, base, c, APPS, limit=1)
    assert [i["application_no"] for i in items] == newest_first

    # a submission between two pages neither repeats nor skips anything
    r = call(http, base, "GET", f"{APPS}?limit=3", c.token)
    first = r.json()
    newer = submitted(http, base, c, GA_0)["application_no"]
    r = call(http, base, "GET", f"{APPS}?limit=3&cursor={first['next_cursor']}", c.token)
    assert r.status_code == 200, r.text
    second = r.json()
    r = call(http, base, "GET", f"{APPS}?limit=3&cursor={second['next_cursor']}", c.token)
    third = r.json()
    seen = [i["application_no"] for page in (first, second, third) for i in page["items"]]
    assert seen == newest_first and third["next_cursor"] is None, seen
    items, _ = all_pages(http, base, c, APPS, limit=3)
    assert [i["application_no"] for i in items] == [newer] + newest_first

    # paging within a status
    for no in numbers[:3]:
        assert withdraw(http, base, c, no).status_code == 200
    items, sizes = all_pages(http, base, c, APPS, limit=2, status="withdrawn")
    assert [i["application_no"] for i in items] == numbers[:3][::-1] and sizes[0] == 2
    items, _ = all_pages(http, base, c, APPS, limit=2, status="submitted")
    assert [i["application_no"] for i in items] == [newer] + numbers[3:][::-1]


def test_list_bad_parameters(base, http, stack):
    c = new_citizen(stack, http, base)
    for _ in range(2):
        submitted(http, base, c, GA_0)
    for status in ("bogus", "SUBMITTED", "open", "submitted,accepted"):
        r = call(http, base, "GET", f"{APPS}?status={status}", c.token)
        assert field_errors(r) == ["status"], (status, r.text)
    for limit in ("0", "101", "-1", "abc", "1.5", "1e2"):
        r = call(http, base, "GET", f"{APPS}?limit={limit}", c.token)
        assert field_errors(r) == ["limit"], (limit, r.text)
    r = call(http, base, "GET", f"{APPS}?limit=1", c.token)
    assert r.status_code == 200 and len(r.json()["items"]) == 1 and r.json()["next_cursor"]
    r = call(http, base, "GET", f"{APPS}?limit=100", c.token)
    assert r.status_code == 200 and len(r.json()["items"]) == 2, r.text
    assert r.json()["next_cursor"] is None


# --- detail and timeline ---------------------------------------------------------------------
def test_detail_and_timeline(base, http, stack):
    c = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "GA")
    defs = material_defs(GA_3)
    ups = three_uploads(http, base, c)
    given = [{"code": d["code"], "upload_id": u["id"]} for d, u in zip(defs, ups)]
    b = submitted(http, base, c, GA_3, {"reason": "工作需要"}, given)
    no = b["application_no"]
    staff_step(http, base, s, no, "need_materials", note="请补充户口簿首页复印件")
    again = uploaded(http, base, c, png((30, 20)))
    r = supplement(http, base, c, no, [{"code": "material_2", "upload_id": again["id"]}],
                   note="已补充")
    assert r.status_code == 200, r.text
    staff_step(http, base, s, no, "accepted")
    staff_step(http, base, s, no, "completed", note="已办结", result="approved")

    d = detail(http, base, c, no)
    assert set(d) == DETAIL_KEYS, d
    assert d["status"] == "completed" and d["result"] == "approved", d
    assert d["query_code"] == b["query_code"] and d["submitted_at"] == b["submitted_at"]
    assert d["service"] == b["service"]
    assert d["handled_by"] == {"type": "department", "name": "市公安局"}, d
    # material_2 replaced in place; the others as submitted
    assert d["materials"] == [upload_entry("material_1", ups[0], defs[0]["name"]),
                              upload_entry("material_2", again, defs[1]["name"]),
                              upload_entry("material_3", ups[2], defs[2]["name"])], d
    for m in d["materials"]:
        assert set(m) == MATERIAL_KEYS, m
    assert d["finished_at"] is not None and RFC3339_UTC.match(d["finished_at"]), d
    assert d["overdue"] is False
    tl = d["timeline"]
    for e in tl:
        assert set(e) == EVENT_KEYS, e
        assert RFC3339_UTC.match(e["at"]), e
    assert [(e["status"], e["result"], e["note"], e["actor"], e["actor_name"]) for e in tl] == [
        ("submitted", None, None, "citizen", APPLICANT),
        ("need_materials", None, "请补充户口簿首页复印件", "department", "市公安局"),
        ("submitted", None, "已补充", "citizen", APPLICANT),
        ("accepted", None, None, "department", "市公安局"),
        ("completed", "approved", "已办结", "department", "市公安局"),
    ], tl
    ats = [e["at"] for e in tl]
    assert ats == sorted(ats), ats  # oldest first
    assert ats[0] == d["submitted_at"] or parse_utc(ats[0]) >= parse_utc(d["submitted_at"])
    assert d["finished_at"] == ats[-1] or parse_utc(d["finished_at"]) >= parse_utc(ats[-1])
    assert parse_utc(d["updated_at"]) >= parse_utc(ats[-2])
    # the list summary agrees with the detail
    r = call(http, base, "GET", APPS, c.token)
    item = r.json()["items"][0]
    assert item == {k: d[k] for k in SUMMARY_KEYS if k != "service"} | {
        "service": {"code": GA_3, "name": CATALOG[GA_3]["name"]}}, (item, d)


def test_detail_of_another_department(base, http, stack):
    c = new_citizen(stack, http, base)
    b = submitted(http, base, c, MZ_0)
    assert b["service"]["department"] == {"code": "MZ", "name": "市民政局"}, b
    d = detail(http, base, c, b["application_no"])
    assert d["handled_by"] == {"type": "department", "name": "市民政局"}, d
    assert service_department(MZ_0) == ("MZ", "市民政局")


# --- withdraw and supplement -----------------------------------------------------------------
def test_withdraw_from_submitted_and_need_materials(base, http, stack):
    c = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "GA")
    # from submitted, without a body (and without Content-Type)
    no = submitted(http, base, c, GA_3)["application_no"]
    r = withdraw(http, base, c, no)
    assert r.status_code == 200, r.text
    d = r.json()
    assert set(d) == DETAIL_KEYS, d
    assert d["status"] == "withdrawn" and d["result"] is None and d["finished_at"], d
    last = d["timeline"][-1]
    assert (last["status"], last["actor"], last["actor_name"], last["note"]) == (
        "withdrawn", "citizen", APPLICANT, None), last
    assert detail(http, base, c, no) == d
    # again: 409 with the current status
    body = assert_problem(withdraw(http, base, c, no), 409, "invalid_transition")
    assert body["current_status"] == "withdrawn", body
    # from need_materials, with a note of 500 code points
    no = bring_to(http, base, c, s, "need_materials")
    note = "撤" * NOTE_MAX
    r = withdraw(http, base, c, no, note=note)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "withdrawn" and r.json()["timeline"][-1]["note"] == note
    # a 501-code-point note is refused and changes nothing
    no = submitted(http, base, c, GA_3)["application_no"]
    assert field_errors(withdraw(http, base, c, no, note="撤" * (NOTE_MAX + 1))) == ["/note"]
    assert field_errors(withdraw(http, base, c, no, note=7)) == ["/note"]
    assert detail(http, base, c, no)["status"] == "submitted"


@pytest.mark.parametrize("status", ["accepted", "not_accepted", "completed"])
def test_withdraw_is_refused_after_the_department_acted(base, http, stack, status):
    c = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "GA")
    no = bring_to(http, base, c, s, status)
    before = detail(http, base, c, no)
    body = assert_problem(withdraw(http, base, c, no), 409, "invalid_transition")
    assert body["current_status"] == status, body
    assert detail(http, base, c, no) == before


def test_supplement(base, http, stack):
    c = new_citizen(stack, http, base)
    other = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "GA")
    defs = material_defs(GA_3)
    ups = three_uploads(http, base, c)
    given = [{"code": d["code"], "upload_id": u["id"]} for d, u in zip(defs, ups)]
    no = submitted(http, base, c, GA_3, materials=given)["application_no"]
    submitted_list = detail(http, base, c, no)["materials"]
    # while submitted: 409
    body = assert_problem(supplement(http, base, c, no), 409, "invalid_transition")
    assert body["current_status"] == "submitted", body
    staff_step(http, base, s, no, "need_materials", note="缺少照片")
    before = detail(http, base, c, no)
    fresh = uploaded(http, base, c, jpeg((20, 30)), "image/jpeg")
    theirs = uploaded(http, base, other)
    ok = {"code": "material_1", "upload_id": fresh["id"]}
    # bad bodies: 400, nothing changes
    bad = [({}, ["/materials"]), ({"materials": []}, ["/materials"]),
           ({"materials": None}, ["/materials"]), ({"materials": ok}, ["/materials"]),
           ({"materials": [ok] * 51}, ["/materials"]),
           ({"materials": ["material_1"]}, ["/materials/0"]),
           ({"materials": [{"code": "m" * 33, "upload_id": fresh["id"]}]}, ["/materials/0/code"]),
           ({"materials": [ok, {"code": "material_2"}]}, ["/materials/1/upload_id"]),
           ({"materials": [ok], "note": "补" * 501}, ["/note"]),
           ({"materials": [ok], "note": 5}, ["/note"]),
           # checked against the service and the uploads
           ({"materials": [{"code": "material_9", "upload_id": fresh["id"]}]},
            ["/materials/0/code"]),
           ({"materials": [{"code": "material_1", "upload_id": theirs["id"]}]},
            ["/materials/0/upload_id"]),
           ({"materials": [{"code": "material_1", "upload_id": ups[1]["id"]}]},  # attached
            ["/materials/0/upload_id"]),
           ({"materials": [ok, {"code": "material_1", "upload_id": theirs["id"]}]},
            ["/materials/1"])]
    for body, fields in bad:
        r = call(http, base, "POST", f"{APPS}/{no}/supplement", c.token, body)
        assert field_errors(r) == fields, (body if len(str(body)) < 200 else fields, r.text)
    assert detail(http, base, c, no) == before
    assert attached(stack, fresh["id"]) == (None, None, False)
    # the legal one: material_1 and material_3 replaced in place, status submitted, a citizen
    # event with the note; the replaced uploads stay with the application (its history)
    last = uploaded(http, base, c, pdf(), "application/pdf")
    r = supplement(http, base, c, no, [{"code": "material_3", "upload_id": last["id"]}, ok],
                   note="补" * 500)
    assert r.status_code == 200, r.text
    d = r.json()
    assert set(d) == DETAIL_KEYS, d
    assert d["status"] == "submitted", d
    assert d["materials"] == [upload_entry("material_1", fresh, defs[0]["name"]),
                              submitted_list[1],
                              upload_entry("material_3", last, defs[2]["name"])], d
    assert [e["status"] for e in d["timeline"]] == ["submitted", "need_materials", "submitted"]
    assert d["timeline"][-1]["note"] == "补" * 500
    assert (d["timeline"][-1]["actor"], d["timeline"][-1]["actor_name"]) == (
        "citizen", APPLICANT)
    aid = app_id(stack, no)
    assert attached(stack, fresh["id"]) == (aid, "material_1", True)
    assert attached(stack, ups[0]["id"]) == (aid, "material_1", True)
    # the downloads serve the replacement
    r = call(http, base, "GET", f"{APPS}/{no}/materials/material_3", c.token)
    assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == last["sha256"]
    # again: no longer need_materials
    body = assert_problem(supplement(http, base, c, no), 409, "invalid_transition")
    assert body["current_status"] == "submitted", body
    # after acceptance and in final states: 409 with the status
    staff_step(http, base, s, no, "accepted")
    body = assert_problem(supplement(http, base, c, no), 409, "invalid_transition")
    assert body["current_status"] == "accepted", body
    no2 = bring_to(http, base, c, s, "withdrawn")
    body = assert_problem(supplement(http, base, c, no2), 409, "invalid_transition")
    assert body["current_status"] == "withdrawn", body
    assert detail(http, base, c, no)["materials"] == d["materials"]


# --- other citizens, malformed numbers, lower case -------------------------------------------
def test_another_citizens_number_is_not_found(base, http, stack):
    owner = new_citizen(stack, http, base)
    other = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "GA")
    no = submitted(http, base, owner, GA_3)["application_no"]
    no2 = bring_to(http, base, owner, s, "need_materials")
    mine = uploaded(http, base, other)  # a legal supplement, but of another's application
    unknown = no[:9] + ("00000-00000" if no[9:] != "00000-00000" else "11111-11111")
    for target in (no, no2, no.lower()):
        for method, path, body in (("GET", f"{APPS}/{target}", None),
                                   ("POST", f"{APPS}/{target}/withdraw", None),
                                   ("POST", f"{APPS}/{target}/supplement",
                                    {"materials": [{"code": "material_1",
                                                    "upload_id": mine["id"]}]})):
            kw = {} if body is None else {"body": body}
            r = call(http, base, method, path, other.token, **kw)
            assert_problem(r, 404, "not_found")
            # the same answer as for a number nobody has
            u = call(http, base, method, path.replace(target, unknown), other.token, **kw)
            assert_problem(u, 404, "not_found")
            assert without_request_id(r) == without_request_id(u), (r.text, u.text)
    assert detail(http, base, owner, no)["status"] == "submitted"
    assert len(detail(http, base, owner, no)["timeline"]) == 1
    assert detail(http, base, owner, no2)["status"] == "need_materials"
    r = call(http, base, "GET", APPS, other.token)
    assert r.json()["items"] == []
    assert attached(stack, mine["id"]) == (None, None, False)


def malformed_numbers(no):
    return [
        no[:-1],                          # 19 characters
        no + "0",                         # 21 characters
        no.replace("-", ""),              # no dashes
        no.replace("-", "_"),
        no[:9] + "U" + no[10:],           # U is not Crockford
        no[:9] + "*" + no[10:],
        "2026113-" + no[8:],              # a 7-digit date
        "ABCDEFGH" + no[8:],              # a date that is not digits
        no[:15] + no[16:] + "-",          # the dash moved
        "x",
        "0" * 200,
        no[:9] + "%C3%A9" + no[11:],      # é, percent-encoded
    ]


def test_malformed_numbers_are_not_found(base, http, stack):
    c = new_citizen(stack, http, base)
    no = submitted(http, base, c, GA_3)["application_no"]
    wrong = []
    for bad in malformed_numbers(no):
        for method, path in (("GET", f"{APPS}/{bad}"), ("POST", f"{APPS}/{bad}/withdraw"),
                             ("POST", f"{APPS}/{bad}/supplement")):
            kw = {"body": {"materials": [{"code": "material_1", "upload_id": NO_UPLOAD}]}
                  } if path.endswith("supplement") else {}
            r = call(http, base, method, path, c.token, **kw)
            try:
                assert_problem(r, 404, "not_found")
            except AssertionError:
                wrong.append((method, path, r.status_code, r.text[:200]))
    assert not wrong, "\n".join(map(str, wrong))
    assert detail(http, base, c, no)["status"] == "submitted"


def confusable(no):
    """The number with every 1 of its random part as l or i and every 0 as o, in lower case;
    None when the random part has neither."""
    head, tail = no[:9], no[9:]
    if "0" not in tail and "1" not in tail:
        return None
    swapped = "".join({"0": "o", "1": "l"}.get(ch, ch) for ch in tail)
    swapped = swapped.replace("l", "i", 1)  # both i and l mean 1
    return head + swapped.lower()


def test_lower_case_and_confusable_numbers_are_accepted(base, http, stack):
    c = new_citizen(stack, http, base)
    no = submitted(http, base, c, GA_3)["application_no"]
    d = detail(http, base, c, no.lower())
    assert d["application_no"] == no, d
    assert detail(http, base, c, no[:9] + no[9:].lower())["application_no"] == no
    # a number whose random part has a 0 or 1 (each has about a 50 % chance)
    for _ in range(30):
        other = submitted(http, base, c, GA_3)["application_no"]
        variant = confusable(other)
        if variant:
            break
    else:
        pytest.fail("no number with a 0 or 1 in 30 submissions")
    assert any(ch in variant for ch in "oil"), variant
    assert detail(http, base, c, variant)["application_no"] == other
    # also for a transition
    r = withdraw(http, base, c, variant)
    assert r.status_code == 200, r.text
    assert r.json()["application_no"] == other and r.json()["status"] == "withdrawn"
    r = withdraw(http, base, c, no.lower())
    assert r.status_code == 200 and r.json()["application_no"] == no, r.text
    assert app_row(stack, no)[2] == "withdrawn"
