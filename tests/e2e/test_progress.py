"""API.md §5 public progress (POST /api/v1/progress, no auth), through nginx: the answer holds
status and timeline only (exact key sets: no personal data, notes, materials, form or query
code), a wrong code and an unknown number are indistinguishable, the code is never taken from
the URL, missing fields are 400, the Idempotency-Key header is ignored, and the per-IP limit
(on a stack of its own with 5 a minute) answers 429 with Retry-After."""
import atexit
import json
import time

import pytest
import requests

from conftest import assert_problem
from helpers import raw_request, sql
from people import (APPLICANT, GA_3, PROGRESS, RFC3339_UTC, DATE_RE, call, detail,
                    new_citizen, new_staff, staff_step, submitted, supplement, CATALOG)
from stack import Stack
from helpers import field_errors

PROGRESS_KEYS = {"application_no", "status", "result", "service", "submitted_at", "due_date",
                 "overdue", "timeline"}
PUBLIC_EVENT_KEYS = {"status", "result", "actor", "actor_name", "at"}
LIMIT = 5


def progress(http, base, no, code, **kw):
    return call(http, base, "POST", PROGRESS, None, {"application_no": no, "query_code": code},
                **kw)


def other_code(code):
    return f"{(int(code) + 1) % 100000000:08d}"


def unknown_number(no):
    return no[:9] + ("00000-00000" if no[9:] != "00000-00000" else "11111-11111")


def test_progress_answers_status_and_timeline_only(base, http, stack):
    c = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "GA")
    form = {"secret_form_value": "FORM-e2e-7731"}
    b = submitted(http, base, c, GA_3, form)
    no, code = b["application_no"], b["query_code"]
    staff_step(http, base, s, no, "need_materials", note="NOTE-e2e-staff-9911")
    r = supplement(http, base, c, no, note="NOTE-e2e-cit-8812")
    assert r.status_code == 200, r.text
    # the materials: neither their names, upload ids nor hashes are public
    material_facts = [m[k] for m in r.json()["materials"] for k in ("name", "upload_id", "sha256")]
    staff_step(http, base, s, no, "accepted", note="NOTE-e2e-staff-9912")

    r = progress(http, base, no, code)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    p = r.json()
    assert set(p) == PROGRESS_KEYS, p
    assert set(p["service"]) == {"code", "name"}, p
    assert p["service"] == {"code": GA_3, "name": CATALOG[GA_3]["name"]}
    d = detail(http, base, c, no)
    assert (p["application_no"], p["status"], p["result"], p["submitted_at"], p["due_date"],
            p["overdue"]) == (no, "accepted", None, d["submitted_at"], d["due_date"], False)
    assert DATE_RE.match(p["due_date"])
    for e in p["timeline"]:
        assert set(e) == PUBLIC_EVENT_KEYS, e
        assert RFC3339_UTC.match(e["at"]), e
    assert [(e["status"], e["actor"], e["actor_name"]) for e in p["timeline"]] == [
        ("submitted", "citizen", APPLICANT), ("need_materials", "department", "市公安局"),
        ("submitted", "citizen", APPLICANT), ("accepted", "department", "市公安局")]
    assert [e["at"] for e in p["timeline"]] == [e["at"] for e in d["timeline"]]
    for secret in (code, c.name, c.phone, c.id_number, "FORM-e2e", "NOTE-e2e",
                   "secret_form_value", "material_1", *material_facts):
        assert secret not in r.text, secret
    # lower case works here too
    r = progress(http, base, no.lower(), code)
    assert r.status_code == 200 and r.json() == p, r.text


def test_wrong_code_and_unknown_number_look_the_same(base, http, stack):
    c = new_citizen(stack, http, base)
    first = submitted(http, base, c, GA_3)
    second = submitted(http, base, c, GA_3)
    no, code = first["application_no"], first["query_code"]
    answers = {
        "wrong code": progress(http, base, no, other_code(code)),
        "another application's code": progress(http, base, no, second["query_code"]),
        "unknown number": progress(http, base, unknown_number(no), code),
        "unknown number, lower case": progress(http, base, unknown_number(no).lower(), code),
        "malformed number": progress(http, base, no[:-1], code),
    }
    if second["query_code"] == code:  # 1 in 10^8
        answers.pop("another application's code")
    texts = {}
    for what, r in answers.items():
        body = assert_problem(r, 404, "not_found")
        assert "errors" not in body, (what, body)
        rid = body["request_id"]
        texts[what] = r.text.replace(rid, "<rid>")
    assert len(set(texts.values())) == 1, texts
    # and the right pair still works
    assert progress(http, base, no, code).status_code == 200


def test_ten_wrong_codes_lock_a_number_for_the_guessing_client(base, http, stack):
    """After ten wrong codes for a number in an hour, the client that guessed gets the same
    404 even for the right code (the locked number looks like any miss). Other numbers, and
    other clients (the owner), are not affected: tests/security/test_lockout.py."""
    c = new_citizen(stack, http, base)
    first = submitted(http, base, c, GA_3)
    other = submitted(http, base, c, GA_3)
    no, code = first["application_no"], first["query_code"]
    for _ in range(9):
        assert_problem(progress(http, base, no, other_code(code)), 404, "not_found")
    assert progress(http, base, no, code).status_code == 200  # nine: still open
    assert_problem(progress(http, base, no, other_code(code)), 404, "not_found")
    locked = progress(http, base, no, code)
    body = assert_problem(locked, 404, "not_found")
    assert "errors" not in body
    assert progress(http, base, other["application_no"], other["query_code"]).status_code == 200


def test_query_code_is_not_taken_from_the_url(base, http, stack):
    c = new_citizen(stack, http, base)
    b = submitted(http, base, c, GA_3)
    no, code = b["application_no"], b["query_code"]
    query = f"?application_no={no}&query_code={code}"
    r = http.post(base + PROGRESS + query, json={}, timeout=30)
    assert field_errors(r) == ["/application_no", "/query_code"], r.text
    r = http.post(base + PROGRESS + query, json={"application_no": no}, timeout=30)
    assert field_errors(r) == ["/query_code"], r.text
    r = http.get(base + PROGRESS + query, timeout=30)
    assert_problem(r, 405, "method_not_allowed")
    assert "POST" in r.headers.get("Allow", ""), r.headers
    assert code not in r.text


def test_progress_missing_or_wrong_fields(base, http, stack):
    c = new_citizen(stack, http, base)
    b = submitted(http, base, c, GA_3)
    no, code = b["application_no"], b["query_code"]
    cases = [({}, ["/application_no", "/query_code"]),
             ({"application_no": no}, ["/query_code"]),
             ({"query_code": code}, ["/application_no"]),
             ({"application_no": 20261128, "query_code": code}, ["/application_no"]),
             ({"application_no": no, "query_code": int(code)}, ["/query_code"]),
             ({"application_no": None, "query_code": code}, ["/application_no"]),
             ({"application_no": no, "query_code": None}, ["/query_code"])]
    for body, fields in cases:
        r = call(http, base, "POST", PROGRESS, None, body)
        assert field_errors(r) == fields, (body, r.text)
    r = http.post(base + PROGRESS, data=b"[]", timeout=30,
                  headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    r = http.post(base + PROGRESS, data=json.dumps({"application_no": no, "query_code": code}),
                  headers={"Content-Type": "text/plain"}, timeout=30)
    assert_problem(r, 415, "unsupported_media_type")


def test_progress_ignores_idempotency_keys(base, http, stack):
    c = new_citizen(stack, http, base)
    b = submitted(http, base, c, GA_3)
    no, code = b["application_no"], b["query_code"]
    for key in ("progress-key-1", "progress-key-1", "a key with spaces", "k" * 80):
        r = progress(http, base, no, code, headers={"Idempotency-Key": key})
        assert r.status_code == 200, (key, r.text)
        assert "Idempotent-Replayed" not in r.headers, r.headers
    r = progress(http, base, no, other_code(code), headers={"Idempotency-Key": "progress-key-1"})
    assert_problem(r, 404, "not_found")


# --- the per-IP limit, on a stack of its own -------------------------------------------------
@pytest.fixture()
def limited_stack():
    s = Stack(env={"ONEWINDOW_PROGRESS_PER_IP_PER_MINUTE": str(LIMIT)})
    atexit.register(s.stop)
    s.start()
    yield s
    s.destroy()


def test_progress_rate_limit_per_ip(limited_stack):
    base = limited_stack.base
    body = json.dumps({"application_no": "20261128-00000-00000",
                       "query_code": "12345678"}).encode()
    headers = {"Content-Type": "application/json"}
    # not across a minute boundary (fixed windows)
    if time.time() % 60 > 50:
        time.sleep(61 - time.time() % 60)
    with requests.Session() as http:
        for i in range(LIMIT):
            r = http.post(base + PROGRESS, data=body, headers=headers, timeout=30)
            assert_problem(r, 404, "not_found")
        for _ in range(3):
            r = http.post(base + PROGRESS, data=body, headers=headers, timeout=30)
            assert_problem(r, 429, "rate_limited")
            retry = r.headers.get("Retry-After")
            assert retry is not None and retry.isdigit() and 1 <= int(retry) <= 60, r.headers
    # another client address has its own budget
    r = raw_request(base, "POST", PROGRESS, body=body, headers=headers,
                    source_address=("127.0.0.2", 0))
    assert_problem(r, 404, "not_found")
    # other routes are not affected
    assert requests.get(base + "/api/v1/departments", timeout=10).status_code == 200


def progress_hits(stack):
    return int(sql(stack, "SELECT COALESCE(SUM(hits), 0) FROM rate_counters "
                          "WHERE bucket = 'progress'")[0][0])


def test_a_malformed_query_does_not_count_against_the_address(base, http, stack):
    """Validation comes first: only well-formed queries use the per-IP budget."""
    before = progress_hits(stack)
    for body in ({}, {"application_no": 7, "query_code": "12345678"}):
        assert field_errors(call(http, base, "POST", PROGRESS, None, body))
    assert progress_hits(stack) == before
    assert_problem(progress(http, base, "20261128-00000-00000", "12345678"), 404, "not_found")
    assert progress_hits(stack) == before + 1
