"""API.md §1 idempotency on the application routes, through nginx: a replay returns the stored
status and body with `Idempotent-Replayed: true` and creates nothing; another body or path
under the same key is 422 idempotency_key_reused; keys belong to their caller; malformed keys
are 400 (field "Idempotency-Key"); parallel requests with one key make one application; an
in-flight marker blocks the key (409) until its lease expires (a killed worker, simulated by
a row written into idempotency_keys by hand); 4xx answers are stored too; withdraw and staff
events are idempotent under a key.

The in-flight row uses what the server computes: caller "citizen:<id>", request_hash =
SHA-256(method + " " + path + "\\n" + raw body bytes)."""
import concurrent.futures
import hashlib
import json
import os
import re
import secrets
import subprocess
import threading
import time

import requests

from conftest import assert_problem
from helpers import sql, unique_id
from people import (APPS, API, GA_3, LOGIN, SEND, STAFF_APPS, app_id, app_row, call,
                    citizen_app_count, new_citizen, new_phone, new_staff, q,
                    required_materials, sms_codes, staff_step, step_counts, submitted,
                    uploaded)

REFRESH = API + "/auth/refresh"

REPLAYED = "Idempotent-Replayed"


def body_bytes(materials=(), service=GA_3, **form):
    """A submission's raw body; materials: the citizen's uploads for GA_3 (materials_for)."""
    return json.dumps({"service_code": service, "form": form or {"purpose": "idem"},
                       "materials": list(materials)}, ensure_ascii=False).encode("utf-8")


def materials_for(http, base, c):
    """Fresh uploads of the citizen's for GA_3's required materials: a body that submits."""
    return required_materials(http, base, c, GA_3)


def post_raw(http, base, path, token, key, raw=b"", rid=None):
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    if rid is not None:
        headers["X-Request-Id"] = rid
    if raw:
        headers["Content-Type"] = "application/json"
        return http.post(base + path, data=raw, headers=headers, timeout=30)
    return http.post(base + path, headers=headers, timeout=30)


def new_key():
    return "k-" + secrets.token_hex(12)


def assert_replay(first, again):
    assert again.status_code == first.status_code, (first.text, again.text)
    assert again.content == first.content, (first.text, again.text)
    assert again.headers.get(REPLAYED) == "true", again.headers
    assert again.headers["Content-Type"].split(";")[0] == first.headers["Content-Type"].split(
        ";")[0], (first.headers, again.headers)


def test_replay_returns_the_stored_answer_and_creates_nothing(base, http, stack):
    c = new_citizen(stack, http, base)
    key = new_key()
    raw = body_bytes(materials_for(http, base, c), purpose="replay")
    first = post_raw(http, base, APPS, c.token, key, raw)
    assert first.status_code == 201, first.text
    assert REPLAYED not in first.headers, first.headers
    no = first.json()["application_no"]
    for _ in range(3):
        assert_replay(first, post_raw(http, base, APPS, c.token, key, raw))
    assert citizen_app_count(stack, c) == 1
    assert step_counts(stack, no) == (1, 1, 1, 0)  # no device: no delivery
    # the same body under a new key runs again: its uploads now belong to the first
    # application, so it cannot make a second one
    again = post_raw(http, base, APPS, c.token, new_key(), raw)
    assert_problem(again, 400, "invalid_argument")
    assert REPLAYED not in again.headers
    assert {e["field"] for e in again.json()["errors"]} == {
        f"/materials/{i}/upload_id" for i in range(3)}, again.text
    # new uploads under a new key: a new application
    second = post_raw(http, base, APPS, c.token, new_key(),
                      body_bytes(materials_for(http, base, c), purpose="replay"))
    assert second.status_code == 201 and second.json()["application_no"] != no, second.text
    assert citizen_app_count(stack, c) == 2


def test_same_key_other_body_or_path_is_refused(base, http, stack):
    c = new_citizen(stack, http, base)
    key, materials = new_key(), materials_for(http, base, c)
    first = post_raw(http, base, APPS, c.token, key, body_bytes(materials, purpose="one"))
    assert first.status_code == 201, first.text
    no = first.json()["application_no"]
    for raw in (body_bytes(materials, purpose="two"), body_bytes(materials, purpose="one") + b" ",
                json.dumps({"form": {"purpose": "one"}, "service_code": GA_3,
                            "materials": materials}).encode()):
        r = post_raw(http, base, APPS, c.token, key, raw)
        assert_problem(r, 422, "idempotency_key_reused")
        assert REPLAYED not in r.headers
    # the same key on another path
    r = post_raw(http, base, f"{APPS}/{no}/withdraw", c.token, key)
    assert_problem(r, 422, "idempotency_key_reused")
    assert app_row(stack, no)[2] == "submitted"
    assert citizen_app_count(stack, c) == 1
    # the first request still replays
    assert_replay(first, post_raw(http, base, APPS, c.token, key,
                                  body_bytes(materials, purpose="one")))


def test_keys_belong_to_their_caller(base, http, stack):
    a = new_citizen(stack, http, base)
    b = new_citizen(stack, http, base)
    # one key, each with their own uploads (the bodies differ only in the upload ids)
    key = new_key()
    ra = post_raw(http, base, APPS, a.token, key,
                  body_bytes(materials_for(http, base, a), purpose="shared key"))
    rb = post_raw(http, base, APPS, b.token, key,
                  body_bytes(materials_for(http, base, b), purpose="shared key"))
    assert ra.status_code == 201 and rb.status_code == 201, (ra.text, rb.text)
    assert REPLAYED not in ra.headers and REPLAYED not in rb.headers
    assert ra.json()["application_no"] != rb.json()["application_no"]
    assert citizen_app_count(stack, a) == 1 and citizen_app_count(stack, b) == 1
    # a staff member with the same key on an events path is yet another caller
    s = new_staff(stack, http, base, "GA")
    r = post_raw(http, base, f"{STAFF_APPS}/{ra.json()['application_no']}/events", s.token, key,
                 json.dumps({"status": "accepted"}).encode())
    assert r.status_code == 200 and REPLAYED not in r.headers, r.text


def test_malformed_keys_are_refused(base, http, stack):
    c = new_citizen(stack, http, base)
    raw = body_bytes(materials_for(http, base, c), purpose="bad keys")
    bad = {"empty": "", "65 characters": "k" * 65, "a space": "a b", "a tab": "a\tb",
           "non-ASCII": "schlüssel".encode("utf-8"), "Chinese": "幂等键".encode("utf-8")}
    wrong = []
    for what, key in bad.items():
        r = post_raw(http, base, APPS, c.token, key, raw)
        try:
            body = assert_problem(r, 400, "invalid_argument")
            assert body["errors"][0]["field"] == "Idempotency-Key", body
        except (AssertionError, KeyError, IndexError) as e:
            wrong.append((what, r.status_code, r.text[:200], str(e)[:100]))
    assert not wrong, "\n".join(map(str, wrong))
    assert citizen_app_count(stack, c) == 0
    # the extremes of the allowed range
    for key in ("k" * 64, "!", "~" + "".join(chr(x) for x in range(0x21, 0x7F))[:63]):
        raw = body_bytes(materials_for(http, base, c), purpose="good keys")
        r = post_raw(http, base, APPS, c.token, key, raw)
        assert r.status_code == 201, (key, r.text)
        assert_replay(r, post_raw(http, base, APPS, c.token, key, raw))
    assert citizen_app_count(stack, c) == 3


def test_parallel_requests_with_one_key_make_one_application(base, stack):
    with requests.Session() as http:
        c = new_citizen(stack, http, base)
        key, raw, n = new_key(), body_bytes(materials_for(http, base, c), purpose="parallel"), 8
    barrier = threading.Barrier(n)

    def one(_):
        with requests.Session() as s:
            barrier.wait(10)
            return post_raw(s, base, APPS, c.token, key, raw)
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        answers = list(pool.map(one, range(n)))
    fresh = [r for r in answers if r.status_code == 201 and REPLAYED not in r.headers]
    assert len(fresh) == 1, [(r.status_code, r.headers.get(REPLAYED)) for r in answers]
    for r in answers:
        if r is fresh[0]:
            continue
        if r.status_code == 409:
            assert_problem(r, 409, "conflict")
        else:
            assert_replay(fresh[0], r)
    assert citizen_app_count(stack, c) == 1
    no = fresh[0].json()["application_no"]
    assert step_counts(stack, no) == (1, 1, 1, 0)  # no device: no delivery


def in_flight(stack, citizen, key, path, raw, lease_sql, owner_sql="NULL, NULL, NULL"):
    """An idempotency_keys row of a request still running (its worker may have died); owner_sql
    gives its owner's connection, server and claim time (NULLs: unknown, the lease decides)."""
    digest = hashlib.sha256(b"POST " + path.encode() + b"\n" + raw).hexdigest()
    sql(stack, f"INSERT INTO idempotency_keys (caller, idem_key, request_hash, owner, "
               f"owner_conn, owner_server, owner_since, lease_until, status) VALUES "
               f"({q('citizen:' + str(citizen.id))}, {q(key)}, UNHEX('{digest}'), "
               f"UNHEX('{secrets.token_hex(16)}'), {owner_sql}, {lease_sql}, NULL)")


def test_in_flight_key_is_a_conflict_until_its_lease_expires(base, http, stack):
    c = new_citizen(stack, http, base)
    # a live lease: 409, nothing runs
    key, raw = new_key(), body_bytes(materials_for(http, base, c), purpose="live lease")
    in_flight(stack, c, key, APPS, raw, "NOW(3) + INTERVAL 1 HOUR")
    for _ in range(2):
        assert_problem(post_raw(http, base, APPS, c.token, key, raw), 409, "conflict")
    assert citizen_app_count(stack, c) == 0
    # an expired lease (the worker was killed): the retry runs, then replays
    key, raw = new_key(), body_bytes(materials_for(http, base, c), purpose="expired lease")
    in_flight(stack, c, key, APPS, raw, "NOW(3) - INTERVAL 5 SECOND")
    first = post_raw(http, base, APPS, c.token, key, raw)
    assert first.status_code == 201 and REPLAYED not in first.headers, first.text
    assert_replay(first, post_raw(http, base, APPS, c.token, key, raw))
    assert citizen_app_count(stack, c) == 1
    # a live lease on a withdraw
    no = first.json()["application_no"]
    key = new_key()
    in_flight(stack, c, key, f"{APPS}/{no}/withdraw", b"", "NOW(3) + INTERVAL 1 HOUR")
    assert_problem(post_raw(http, base, f"{APPS}/{no}/withdraw", c.token, key), 409, "conflict")
    assert app_row(stack, no)[2] == "submitted"


def test_a_400_answer_is_replayed(base, http, stack):
    c = new_citizen(stack, http, base)
    key = new_key()
    raw = json.dumps({"service_code": GA_3}).encode()  # no form
    first = post_raw(http, base, APPS, c.token, key, raw, rid=unique_id("first"))
    body = assert_problem(first, 400, "invalid_argument")
    assert body["errors"][0]["field"] == "/form"
    again = post_raw(http, base, APPS, c.token, key, raw, rid=unique_id("again"))
    assert_replay(first, again)
    assert citizen_app_count(stack, c) == 0
    # the corrected body under the same key is another request
    r = post_raw(http, base, APPS, c.token, key, body_bytes(materials_for(http, base, c)))
    assert_problem(r, 422, "idempotency_key_reused")
    assert citizen_app_count(stack, c) == 0


def test_withdraw_and_staff_events_are_idempotent(base, http, stack):
    c = new_citizen(stack, http, base)
    s = new_staff(stack, http, base, "GA")
    # withdraw twice under one key: one transition, the same 200 twice
    no = submitted(http, base, c, GA_3)["application_no"]
    key = new_key()
    first = post_raw(http, base, f"{APPS}/{no}/withdraw", c.token, key)
    assert first.status_code == 200 and first.json()["status"] == "withdrawn", first.text
    assert_replay(first, post_raw(http, base, f"{APPS}/{no}/withdraw", c.token, key))
    assert step_counts(stack, no) == (2, 2, 2, 0)  # no device, SMS off: no delivery
    # without a key the second one is a transition from withdrawn
    r = post_raw(http, base, f"{APPS}/{no}/withdraw", c.token, None)
    assert_problem(r, 409, "invalid_transition")

    # a staff event twice under one key
    no = submitted(http, base, c, GA_3)["application_no"]
    key, raw = new_key(), json.dumps({"status": "accepted"}).encode()
    path = f"{STAFF_APPS}/{no}/events"
    first = post_raw(http, base, path, s.token, key, raw)
    assert first.status_code == 200 and first.json()["status"] == "accepted", first.text
    assert_replay(first, post_raw(http, base, path, s.token, key, raw))
    assert step_counts(stack, no) == (2, 2, 2, 0)
    # the same key for the next step is refused (another body)
    r = post_raw(http, base, path, s.token, key,
                 json.dumps({"status": "completed", "result": "approved"}).encode())
    assert_problem(r, 422, "idempotency_key_reused")
    assert app_row(stack, no)[2] == "accepted"
    # a supplement under a key
    no = submitted(http, base, c, GA_3)["application_no"]
    staff_step(http, base, s, no, "need_materials", note="请补充")
    u = uploaded(http, base, c)
    key, raw = new_key(), json.dumps({"materials": [{"code": "material_1",
                                                     "upload_id": u["id"]}]}).encode()
    first = post_raw(http, base, f"{APPS}/{no}/supplement", c.token, key, raw)
    assert first.status_code == 200 and first.json()["status"] == "submitted", first.text
    assert_replay(first, post_raw(http, base, f"{APPS}/{no}/supplement", c.token, key, raw))
    assert step_counts(stack, no) == (3, 3, 3, 1)  # need_materials: always one SMS
    assert app_id(stack, no) > 0


def test_public_posts_ignore_the_header(base, http, stack):
    """SMS, login and refresh take no key: a malformed one is no error, a repeated one no
    replay."""
    phone = new_phone()
    r = http.post(base + SEND, json={"phone": phone}, headers={"Idempotency-Key": "a b"},
                  timeout=30)
    assert r.status_code == 202, r.text
    code = sms_codes(stack, phone)[-1]
    r = http.post(base + LOGIN, json={"phone": phone, "code": code},
                  headers={"Idempotency-Key": "k" * 65}, timeout=30)
    assert r.status_code == 200 and REPLAYED not in r.headers, r.text
    refresh = r.json()["refresh_token"]
    seen = {refresh}
    for _ in range(2):  # the same key on two refreshes: each rotates
        r = http.post(base + REFRESH, json={"refresh_token": refresh},
                      headers={"Idempotency-Key": "same-refresh-key"}, timeout=30)
        assert r.status_code == 200 and REPLAYED not in r.headers, r.text
        refresh = r.json()["refresh_token"]
        assert refresh not in seen
        seen.add(refresh)


SERVER_ID = "CONCAT(@@server_id, '/', @@hostname, ':', @@port)"


def takeovers(base):
    text = requests.get(base + "/metrics", timeout=10).text
    return int(re.search(r"^onewindow_idempotency_takeovers_total (\d+)$", text, re.M).group(1))


def test_a_key_whose_owner_connection_ended_is_taken_over_at_once(base, http, stack):
    """A worker killed in the middle of a keyed POST leaves a claim whose database connection
    has ended: the retry runs at once instead of waiting out the lease (409). An owner whose
    connection lives keeps the key; a claim made on another server is left to its lease; a
    claim older than the server's start is taken over even if its connection id is reused."""
    c = new_citizen(stack, http, base)
    # a connection of the API's account that stays open: the "worker" still at work (an
    # account without PROCESS sees only its own connections in the process list)
    with open(os.path.join(stack.var_dir, "secrets", "db-api.password")) as f:
        api_password = f.read().strip()
    owner = subprocess.Popen(
        ["mariadb", "--no-defaults", f"--socket={stack.var_dir}/run/mysqld.sock", "-N", "-B",
         "--user=onewindow_api", f"--password={api_password}", "--unbuffered", "onewindow",
         "-e", "SELECT CONNECTION_ID(); SELECT SLEEP(120)"],
        stdout=subprocess.PIPE, text=True)
    try:
        conn = int(owner.stdout.readline())
        before = takeovers(base)
        key, raw = new_key(), body_bytes(materials_for(http, base, c), purpose="owner alive")
        in_flight(stack, c, key, APPS, raw, "NOW(3) + INTERVAL 1 HOUR",
                  f"{conn}, {SERVER_ID}, NOW(3)")
        assert_problem(post_raw(http, base, APPS, c.token, key, raw), 409, "conflict")
        # another server's claim with a connection id unknown here: the lease decides
        other = new_key()
        in_flight(stack, c, other, APPS, body_bytes(purpose="other server"),
                  "NOW(3) + INTERVAL 1 HOUR", "4000000000, '99/elsewhere:3306', NOW(3)")
        assert_problem(post_raw(http, base, APPS, c.token, other,
                                body_bytes(purpose="other server")), 409, "conflict")
        # claimed before the server started: whatever its connection id, it is gone
        old, old_raw = new_key(), body_bytes(materials_for(http, base, c), purpose="before start")
        in_flight(stack, c, old, APPS, old_raw,
                  "NOW(3) + INTERVAL 1 HOUR", f"{conn}, {SERVER_ID}, '2001-01-01 00:00:00'")
        r = post_raw(http, base, APPS, c.token, old, old_raw)
        assert r.status_code == 201, r.text
        assert citizen_app_count(stack, c) == 1
    finally:
        owner.kill()
        owner.wait()
    # the owner's connection ends: the next retry runs at once (the server notices the
    # closed socket in a moment)
    deadline = time.monotonic() + 10
    while True:
        r = post_raw(http, base, APPS, c.token, key, raw)
        if r.status_code != 409 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert r.status_code == 201 and REPLAYED not in r.headers, r.text
    assert_replay(r, post_raw(http, base, APPS, c.token, key, raw))
    assert citizen_app_count(stack, c) == 2
    assert takeovers(base) >= before + 2


def test_a_replayed_201_carries_the_same_location(base, http, stack):
    """Issue 12, finding 10: a replay is the whole first answer, Location included."""
    c = new_citizen(stack, http, base)
    key = new_key()
    raw = body_bytes(materials_for(http, base, c), purpose="location")
    first = post_raw(http, base, APPS, c.token, key, raw)
    assert first.status_code == 201, first.text
    location = first.headers.get("Location")
    assert location == f"{APPS}/{first.json()['application_no']}", first.headers
    for _ in range(2):
        again = post_raw(http, base, APPS, c.token, key, raw)
        assert_replay(first, again)
        assert again.headers.get("Location") == location, again.headers
