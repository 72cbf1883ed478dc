"""Issue 14 through nginx: suggestions instead of an empty page, English answers, the search
miss log (a phone number typed as a query is never stored), the operator role, and the staff
catalog, synonym and concept endpoints with their access rules (API.md §4)."""
import re
import secrets
import uuid

from conftest import assert_problem
from helpers import field_errors, sql, wait_for
from people import call, new_citizen, new_operator, new_staff, tok

API = "/api/v1"
SEARCH = API + "/services"
ITEMS = API + "/staff/catalog/items"
SYNONYMS = API + "/staff/catalog/synonyms"
CONCEPTS = API + "/staff/catalog/concepts"
MISSES = API + "/staff/search-misses"
EN = {"Accept-Language": "en"}


def search(http, base, q, headers=None, **params):
    r = http.get(base + SEARCH, params={"q": q, **params}, headers=headers or {}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def codes(body):
    return [i["code"] for i in body["items"]]


def item(code, dept="市公安局", name=None, **extra):
    body = {"code": code, "name": name or f"测试事项{code[-6:]}", "department": dept,
            "topics": ["户籍办理"], "audience": "personal", "kind": "即办件",
            "online_level": 2, "legal_days": 5, "promised_days": 1,
            "keywords": ["测试"], "description": "端到端测试用的事项。"}
    body.update(extra)
    return body


def new_code(prefix="E2E"):
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


def key():
    return uuid.uuid4().hex


def rare_word(n=4):
    """Hanzi the catalog does not use, simplified (the log keeps the normalized text) and
    without digits (masked in the log)."""
    return "".join(secrets.choice("氕氘氚氙氡氪氩氖氦氪锕锿镅钔锘铹") for _ in range(n))


# --- never an empty page ------------------------------------------------------------------------
def test_nonsense_gets_suggestions_instead_of_an_empty_page(http, base):
    body = search(http, base, "喵喵喵喵")
    assert body["items"] == [] and body["total"] == 0
    s = body["suggestions"]
    assert set(s) == {"life_events", "topics", "departments", "services"}, s
    assert s["life_events"] == [] and len(s["services"]) >= 1, s
    assert all(set(x) == {"code", "name"} for x in s["services"] + s["topics"]), s


def test_words_that_point_somewhere_suggest_their_topic_and_department(http, base):
    body = search(http, base, "医保 zzqx", audience="enterprise", online_level_min=4)
    if body["items"]:  # a filter that leaves nothing good: suggestions appear for weak pages only
        return
    s = body["suggestions"]
    assert s["departments"] or s["topics"], s


def test_a_good_answer_has_no_suggestions(http, base):
    body = search(http, base, "居民身份证换领")
    assert codes(body)[0] == "GA-GG-002"
    assert "suggestions" not in body
    assert body["life_events"] == [] and re.fullmatch(r"[0-9a-f]{32}", body["search_id"])


def test_situations_find_their_services(http, base):
    assert "SJ-XK-029" in codes(search(http, base, "想给店里打广告", page_size=3))
    assert "MZ-JF-008" in codes(search(http, base, "家里老人没有收入了", page_size=3))
    assert "NY-XK-001" in codes(search(http, base, "村里翻修老房子", page_size=3))
    assert "GA-GG-019" in codes(search(http, base, "出国留学要开证明", page_size=3))


# --- English ------------------------------------------------------------------------------------
def test_english_queries_and_answers(http, base):
    body = search(http, base, "renew my passport", headers=EN, page_size=3)
    assert "CRJ-XK-002" in codes(body), body
    top = body["items"][codes(body).index("CRJ-XK-002")]
    assert top["name"] == "Ordinary passport renewal", top
    assert not re.search(r"[\u4e00-\u9fff]", top["department"]["name"]), top
    assert top["highlight"], top
    zh = search(http, base, "renew my passport", page_size=3)
    assert zh["items"][codes(zh).index("CRJ-XK-002")]["name"] == "普通护照换发"


def test_english_detail_departments_and_topics(http, base):
    r = http.get(base + SEARCH + "/CRJ-XK-002", headers=EN, timeout=30)
    d = r.json()
    assert d["name"] == "Ordinary passport renewal" and d["name_zh"] == "普通护照换发", d
    assert d["description"] == d["description_en"] and not re.search(r"[\u4e00-\u9fff]",
                                                                      d["description"])
    r = http.get(base + SEARCH + "/CRJ-XK-002", timeout=30)
    assert r.json()["name"] == "普通护照换发" and r.json()["name_en"]
    depts = http.get(base + API + "/departments", headers=EN, timeout=30).json()["items"]
    assert {"code": "GA", "name": "Municipal Public Security Bureau"}.items() <= \
        [x for x in depts if x["code"] == "GA"][0].items()
    topics = http.get(base + API + "/topics", headers=EN, timeout=30).json()["items"]
    assert [x for x in topics if x["code"] == "marriage"][0]["name"] == "Marriage registration"


def test_suggest_answers_in_english(http, base):
    r = http.get(base + SEARCH + "/suggest", params={"q": "passport"}, headers=EN, timeout=30)
    assert r.status_code == 200 and r.json()["items"], r.text
    assert all(not re.search(r"[\u4e00-\u9fff]", i["name"]) for i in r.json()["items"]), r.text


# --- the miss log -------------------------------------------------------------------------------
def misses(http, base, op, days=7):
    r = call(http, base, "GET", f"{MISSES}?days={days}", op.token)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_misses_are_logged_and_phone_numbers_never_stored(stack, http, base):
    op = new_operator(stack, http, base)
    word = rare_word()
    search(http, base, word)
    search(http, base, word)
    search(http, base, "13912345678 查社保")
    search(http, base, "身份证 11010519491231002X")
    # two workers may each count one and add it on their own beat
    wait_for(lambda: any(m["query"] == word and m["searches"] == 2
                         for m in misses(http, base, op)), 10, what="the miss in the log")
    m = [m for m in misses(http, base, op) if m["query"] == word][0]
    assert m["searches"] == 2 and m["empty"] == 2 and m["opens"] == 0, m
    wait_for(lambda: any(m["query"].startswith("# ") for m in misses(http, base, op)), 10,
             what="the masked phone query")
    stored = " ".join(row[0] for row in sql(stack, "SELECT query FROM search_log"))
    assert "13912345678" not in stored and "11010519491231002" not in stored, stored
    assert not re.search(r"[0-9]{5}", stored), stored
    p = stack.admin("search-misses", "--days", "7")
    assert word in p.stdout and "13912345678" not in p.stdout, p.stdout


def test_an_opened_result_is_not_a_miss(stack, http, base):
    op = new_operator(stack, http, base)
    q = "社保卡 " + uuid.uuid4().hex[:4]
    body = search(http, base, q)
    assert body["items"], body
    sid = body["search_id"]
    r = http.get(base + SEARCH + "/" + body["items"][0]["code"], params={"search_id": sid},
                 timeout=30)
    assert r.status_code == 200, r.text
    norm = q.lower()
    wait_for(lambda: sql(stack, f"SELECT SUM(opens) FROM search_log WHERE query = '{norm}'")
             == [["1"]], 10, what="the open in the log")
    assert all(m["query"] != norm for m in misses(http, base, op))


def test_a_bad_search_id_is_refused(http, base):
    for bad in ["xyz", "0" * 31, "g" * 32]:
        r = http.get(base + SEARCH + "/GA-GG-001", params={"search_id": bad}, timeout=30)
        assert field_errors(r) == ["search_id"], r.text


def test_misses_limits(stack, http, base):
    op = new_operator(stack, http, base)
    assert call(http, base, "GET", f"{MISSES}?days=90", op.token).status_code == 200
    for q in ["days=0", "days=91", "limit=501", "limit=0"]:
        r = call(http, base, "GET", f"{MISSES}?{q}", op.token)
        assert field_errors(r) == [q.split("=")[0]], r.text


# --- the operator role and access rules --------------------------------------------------------
def test_who_may_call_the_staff_catalog(stack, http, base):
    op = new_operator(stack, http, base)
    staff = new_staff(stack, http, base, "GA")
    citizen = new_citizen(stack, http, base)
    body = {"term": "喵证", "expansion": "居民身份证"}
    assert_problem(call(http, base, "POST", SYNONYMS, None, body), 401, "unauthorized")
    for who in (staff, citizen):
        assert_problem(call(http, base, "POST", SYNONYMS, tok(who), body, key=key()), 403,
                       "forbidden")
        assert_problem(call(http, base, "GET", MISSES, tok(who)), 403, "forbidden")
    assert_problem(call(http, base, "POST", ITEMS, tok(citizen), item(new_code()), key=key()),
                   403, "forbidden")
    # operators run the platform, not departments' applications
    assert_problem(call(http, base, "GET", API + "/staff/applications", op.token), 403,
                   "forbidden")


def test_department_staff_edit_only_their_items(stack, http, base):
    staff = new_staff(stack, http, base, "GA")
    code = new_code()
    r = call(http, base, "POST", ITEMS, tok(staff), item(code), key=key())
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == f"/api/v1/services/{code}"
    other = item(new_code(), dept="市民政局")
    assert_problem(call(http, base, "POST", ITEMS, tok(staff), other, key=key()), 403,
                   "forbidden")
    # another department's item: as if it did not exist
    mz = call(http, base, "PUT", f"{ITEMS}/MZ-QR-001", tok(staff), item("MZ-QR-001"))
    assert_problem(mz, 404, "not_found")
    assert_problem(call(http, base, "DELETE", f"{ITEMS}/MZ-QR-001", tok(staff)), 404,
                   "not_found")
    # moving one's own item to another department
    moved = call(http, base, "PUT", f"{ITEMS}/{code}", tok(staff), item(code, dept="市民政局"))
    assert_problem(moved, 403, "forbidden")
    assert_problem(call(http, base, "POST", ITEMS, tok(staff), item(code), key=key()), 409,
                   "conflict")
    # and retires its own (the shared catalog's counts stay the sample's for other modules)
    assert call(http, base, "DELETE", f"{ITEMS}/{code}", tok(staff)).status_code == 204


def test_create_edit_retire_is_searchable_and_audited(stack, http, base):
    op = new_operator(stack, http, base)
    code = new_code()
    name = "喵星人临时收养登记" + uuid.uuid4().hex[:4]
    r = call(http, base, "POST", ITEMS, op.token, item(code, dept="市民政局", name=name,
                                                       name_en="Cat adoption"), key=key())
    assert r.status_code == 201, r.text
    wait_for(lambda: code in codes(search(http, base, name)), 5, what="the new item searchable")
    new_name = "喵星人长期收养登记" + uuid.uuid4().hex[:4]
    r = call(http, base, "PUT", f"{ITEMS}/{code}", op.token, item(code, dept="市民政局",
                                                                    name=new_name))
    assert r.status_code == 200, r.text
    wait_for(lambda: code in codes(search(http, base, new_name)), 5, what="the new name")
    assert http.get(base + SEARCH + "/" + code, timeout=30).json()["name"] == new_name
    assert call(http, base, "DELETE", f"{ITEMS}/{code}", op.token).status_code == 204
    assert_problem(http.get(base + SEARCH + "/" + code, timeout=30), 404, "not_found")
    wait_for(lambda: code not in codes(search(http, base, new_name)), 5, what="retired")
    assert_problem(call(http, base, "DELETE", f"{ITEMS}/{code}", op.token), 404, "not_found")
    actions = sql(stack, f"SELECT actor_type, action FROM audit_log WHERE target = '{code}' "
                         "ORDER BY id")
    assert [x for row in actions for x in row] == ["operator", "catalog.create", "operator", "catalog.update",
                               "operator", "catalog.retire"], actions


def test_editors_read_their_items_retired_too(stack, http, base):
    staff = new_staff(stack, http, base, "GA")
    op = new_operator(stack, http, base)
    code = new_code()
    body = item(code, name_en="Test item", keywords=["测试", "读回"], fee="不收费",
                materials=["居民身份证"])
    assert call(http, base, "POST", ITEMS, tok(staff), body, key=key()).status_code == 201
    r = call(http, base, "GET", f"{ITEMS}/{code}", tok(staff))
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["code"] == code and got["department"] == "GA" and got["retired_at"] is None
    assert got["keywords"] == ["测试", "读回"] and got["form_schema"] is None
    assert got["materials"] == [{"code": "material_1", "name": "居民身份证", "required": True,
                                 "accept": ["image/jpeg", "image/png", "application/pdf"],
                                 "max_bytes": 10485760}]  # a list of names, made structured
    assert got["name_en"] == "Test item" and got["description_en"] is None
    assert "handled_by" not in got and got["updated_at"].endswith("Z")  # its department
    assert r.headers["Cache-Control"] == "no-store"  # never cached: editors read what they wrote
    # what GET gives, PUT takes back unchanged
    back = {k: v for k, v in got.items() if k not in ("retired_at", "updated_at")}
    assert call(http, base, "PUT", f"{ITEMS}/{code}", tok(staff), back).status_code == 200
    # retired: still the editors' to read (and to bring back), no longer the public's
    assert call(http, base, "DELETE", f"{ITEMS}/{code}", tok(staff)).status_code == 204
    for who in (tok(staff), op.token):
        r = call(http, base, "GET", f"{ITEMS}/{code}", who)
        assert r.status_code == 200 and r.json()["retired_at"].endswith("Z"), r.text
    assert_problem(http.get(base + SEARCH + "/" + code, timeout=30), 404, "not_found")


def test_editors_read_no_other_department_item(stack, http, base):
    staff = new_staff(stack, http, base, "GA")
    citizen = new_citizen(stack, http, base)
    assert call(http, base, "GET", f"{ITEMS}/GA-GG-001", tok(staff)).status_code == 200
    # another department's item, an unknown code, a code no item can have: all alike
    for code in ("MZ-QR-001", "NO-SUCH-ITEM-1", "x" * 65, "bad%20code"):
        assert_problem(call(http, base, "GET", f"{ITEMS}/{code}", tok(staff)), 404, "not_found")
    assert_problem(call(http, base, "GET", f"{ITEMS}/GA-GG-001", None), 401, "unauthorized")
    assert_problem(call(http, base, "GET", f"{ITEMS}/GA-GG-001", tok(citizen)), 403, "forbidden")


FORM = {"type": "object", "required": ["owner_name"],
        "properties": {"owner_name": {"type": "string", "title": "养犬人姓名", "maxLength": 20},
                       "dogs": {"type": "integer", "title": "犬只数量", "minimum": 1, "maximum": 5}}}
VACCINE = {"code": "vaccine_record", "name": "犬只免疫证明", "required": True,
           "accept": ["image/jpeg"], "max_bytes": 1048576}


def test_editors_define_the_form_and_the_materials(stack, http, base):
    """What import-catalog takes, the staff catalog takes: a form schema and structured
    materials, returned to editors and the public alike, and enforced on submissions."""
    from media import jpeg, png
    from people import APPS, uploaded
    staff = new_staff(stack, http, base, "GA")
    code = new_code()
    body = item(code, form_schema=FORM, materials=[VACCINE, {"code": "photo", "name": "犬只照片",
                                                             "required": False}])
    assert call(http, base, "POST", ITEMS, tok(staff), body, key=key()).status_code == 201
    photo = {"code": "photo", "name": "犬只照片", "required": False,
             "accept": ["image/jpeg", "image/png", "application/pdf"], "max_bytes": 10485760}
    got = call(http, base, "GET", f"{ITEMS}/{code}", tok(staff)).json()
    assert got["form_schema"] == FORM and got["materials"] == [VACCINE, photo], got
    public = http.get(base + SEARCH + "/" + code, timeout=30).json()
    assert public["form_schema"] == FORM and public["materials"] == [VACCINE, photo], public
    # the citizen's submission is checked against them
    citizen = new_citizen(stack, http, base)
    vaccine = uploaded(http, base, citizen, jpeg(), "image/jpeg")["id"]
    apply = lambda form, materials: call(http, base, "POST", APPS, tok(citizen),
                                         {"service_code": code, "form": form,
                                          "materials": materials}, key=key())
    assert field_errors(apply({"dogs": 9}, [{"code": "vaccine_record", "upload_id": vaccine}])) \
        == ["/form/dogs", "/form/owner_name"]
    wrong_type = uploaded(http, base, citizen, png())["id"]
    assert apply({"owner_name": "张三"}, [{"code": "vaccine_record", "upload_id": wrong_type}]) \
        .status_code == 400
    r = apply({"owner_name": "张三", "dogs": 2}, [{"code": "vaccine_record", "upload_id": vaccine}])
    assert r.status_code == 201, r.text
    # what GET gives, PUT takes back unchanged; null takes the form away
    back = {k: v for k, v in got.items() if k not in ("retired_at", "updated_at")}
    assert call(http, base, "PUT", f"{ITEMS}/{code}", tok(staff), back).status_code == 200
    assert call(http, base, "GET", f"{ITEMS}/{code}", tok(staff)).json()["form_schema"] == FORM
    back["form_schema"] = None
    assert call(http, base, "PUT", f"{ITEMS}/{code}", tok(staff), back).status_code == 200
    assert http.get(base + SEARCH + "/" + code, timeout=30).json()["form_schema"] is None
    # retired again: the shared catalog's counts stay the sample's for other modules
    assert call(http, base, "DELETE", f"{ITEMS}/{code}", tok(staff)).status_code == 204


def test_bad_forms_and_materials_are_refused_with_their_pointer(stack, http, base):
    op = new_operator(stack, http, base)
    stored = "SELECT form_schema, materials, HEX(content_hash) FROM services WHERE code = 'GA-GG-001'"
    before = sql(stack, stored)
    no_max = {**FORM, "properties": {"owner_name": {"type": "string", "title": "姓名"}}}
    long_name = "n" * 64  # the longest property name: a pointer of ~100 characters
    deep = {"type": "object", "properties": {long_name: {"type": "string", "title": "长",
                                                          "maxLength": 10, "minimum": 1}}}
    for extra, pointer in (
            ({"form_schema": no_max}, "/form_schema/properties/owner_name/maxLength"),
            ({"form_schema": deep}, f"/form_schema/properties/{long_name}/minimum"),
            ({"form_schema": {"type": "array"}}, "/form_schema/type"),
            ({"form_schema": "text"}, "/form_schema"),
            ({"materials": [{**VACCINE, "code": "Bad Code"}]}, "/materials/0/code"),
            ({"materials": [VACCINE, VACCINE]}, "/materials/1/code"),
            ({"materials": [{**VACCINE, "max_bytes": 10485761}]}, "/materials/0/max_bytes"),
            ({"materials": [{**VACCINE, "accept": ["text/plain"]}]}, "/materials/0/accept"),
            ({"materials": ["x"] * 51}, "/materials"),
            ({"handled_by": {"type": "company", "name": "某协会"}}, "/handled_by/type"),
            ({"handled_by": {"type": "organization", "name": ""}}, "/handled_by/name"),
            ({"handled_by": "某协会"}, "/handled_by")):
        for method, path in (("POST", ITEMS), ("PUT", f"{ITEMS}/GA-GG-001")):
            code = new_code() if method == "POST" else "GA-GG-001"
            r = call(http, base, method, path, op.token, item(code, **extra), key=key())
            assert field_errors(r) == [pointer], (extra, r.text)
    assert sql(stack, stored) == before  # the refused PUTs left it as it was


def test_bad_items_are_refused_with_the_field(stack, http, base):
    op = new_operator(stack, http, base)
    bad = item(new_code(), online_level=9)
    assert field_errors(call(http, base, "POST", ITEMS, op.token, bad, key=key())) == \
        ["/online_level"]
    assert field_errors(call(http, base, "POST", ITEMS, op.token, item(new_code(), name="x" * 101),
                             key=key())) == ["/name"]
    assert field_errors(call(http, base, "PUT", f"{ITEMS}/GA-GG-001", op.token,
                             item("GA-GG-002"))) == ["/code"]
    unknown = item(new_code(), dept="不存在的局")
    assert field_errors(call(http, base, "POST", ITEMS, op.token, unknown, key=key())) == \
        ["/department"]


def test_synonyms_and_concepts_reach_search(stack, http, base):
    op = new_operator(stack, http, base)
    term = "喵" + uuid.uuid4().hex[:4]
    r = call(http, base, "POST", SYNONYMS, op.token, {"term": term, "expansion": "护照"},
             key=key())
    assert r.status_code == 201, r.text
    again = call(http, base, "POST", SYNONYMS, op.token, {"term": term, "expansion": "护照"},
                 key=key())
    assert again.status_code == 200, again.text
    wait_for(lambda: "CRJ-XK-001" in codes(search(http, base, term, page_size=3)), 5,
             what="the synonym in search")
    word = rare_word(3)
    concept = {"name": "c-" + uuid.uuid4().hex[:8], "situations": [word + "+搬家", word + "丢"],
               "services": ["居住证申领"]}
    r = call(http, base, "POST", CONCEPTS, op.token, concept, key=key())
    assert r.status_code == 201 and r.json()["situations"] == concept["situations"], r.text
    wait_for(lambda: "GA-GG-016" in codes(search(http, base, f"{word}要搬家", page_size=3)), 5,
             what="the concept in search")
    assert_problem(call(http, base, "POST", CONCEPTS, op.token, concept, key=key()), 409,
                   "conflict")
    actions = sql(stack, f"SELECT action FROM audit_log WHERE target = '{concept['name']}'")
    assert actions == [["search.concept.add"]], actions


def test_synonym_and_concept_validation(stack, http, base):
    op = new_operator(stack, http, base)
    r = call(http, base, "POST", SYNONYMS, op.token, {"term": "x" * 33, "expansion": ""},
             key=key())
    assert field_errors(r) == ["/expansion", "/term"], r.text
    bad = {"name": "", "situations": [], "services": ["a|b"]}
    assert field_errors(call(http, base, "POST", CONCEPTS, op.token, bad, key=key())) == \
        ["/name", "/services/0", "/situations"]
    many = {"name": "n", "situations": ["w"] * 51, "services": ["居住证"]}
    assert field_errors(call(http, base, "POST", CONCEPTS, op.token, many, key=key())) == \
        ["/situations"]
