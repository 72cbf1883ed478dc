"""X-Request-Id (API.md §1): echoed when sane, generated otherwise, on every response, and the
same id in the access logs — which hold the route pattern, never the path or the query."""
import re
import uuid

import pytest

from conftest import assert_problem
from helpers import (HEX32, app_access_entries, raw_request, sql, unique_id, wait_app_access,
                     wait_for, wait_nginx_access)
from people import APPS, GA_3, call, new_citizen, q, required_materials, submitted

RFC3339_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.mark.parametrize("rid", ["a", "A.b_c-9", "x" * 64, "0123456789abcdef0123456789abcdef"],
                         ids=["one-char", "all-classes", "64-chars", "hex"])
def test_sane_client_id_is_echoed_and_logged(stack, base, http, rid):
    r = http.get(base + "/api/v1/test/items/42", headers={"X-Request-Id": rid})
    assert r.status_code == 200, r.text
    assert r.headers["X-Request-Id"] == rid
    entry = wait_app_access(stack, rid)
    assert entry["kind"] == "access"
    assert entry["method"] == "GET"
    assert entry["route"] == "/api/v1/test/items/{id}"
    assert entry["status"] == 200
    assert isinstance(entry["duration_ms"], (int, float)) and 0 <= entry["duration_ms"] < 10_000
    assert RFC3339_MS.match(entry["time"]), entry
    # nginx's line carries the same id.
    line = wait_nginx_access(stack, rid)
    assert (line["status"], line["method"]) == (200, "GET")


def test_64_character_id_is_the_longest_echoed(base, http):
    rid = uuid.uuid4().hex * 2
    assert http.get(base + "/healthz", headers={"X-Request-Id": rid}).headers["X-Request-Id"] == rid
    long_id = rid + "z"
    got = http.get(base + "/healthz", headers={"X-Request-Id": long_id}).headers["X-Request-Id"]
    assert HEX32.match(got) and got != rid


@pytest.mark.parametrize("bad", ["with e2e space", "x" * 65, "<script>", "e2e/slash",
                                 "e2e;semicolon", 'e2e"quote', ""],
                         ids=["space", "65-chars", "script", "slash", "semicolon", "quote",
                              "empty"])
def test_insane_client_id_is_replaced(stack, base, http, bad):
    r = http.get(base + "/api/v1/nope", headers={"X-Request-Id": bad})
    body = assert_problem(r, 404, "not_found")
    rid = r.headers["X-Request-Id"]
    assert HEX32.match(rid), rid
    assert body["request_id"] == rid
    entry = wait_app_access(stack, rid)
    assert entry["status"] == 404
    if bad:
        with open(stack.log_path("onewindow.log"), encoding="utf-8", errors="replace") as f:
            assert bad not in f.read()


def test_generated_ids_are_unique(base, http):
    ids = [http.get(base + "/healthz").headers["X-Request-Id"] for _ in range(50)]
    assert all(HEX32.match(i) for i in ids)
    assert len(set(ids)) == len(ids)


# (method, target, body, headers, status, echoed): echoed is False where nginx refuses the
# request line itself, before it reads any header.
CASES = [
    ("GET", "/healthz", None, {}, 200, True),
    ("GET", "/readyz", None, {}, 200, True),
    ("GET", "/metrics", None, {}, 200, True),
    ("HEAD", "/healthz", None, {}, 200, True),
    ("GET", "/api/v1/nope", None, {}, 404, True),
    ("POST", "/healthz", None, {}, 405, True),
    ("POST", "/api/v1/test/echo", b"{}", {"Content-Type": "text/plain"}, 415, True),
    ("POST", "/api/v1/test/echo", b"{", {"Content-Type": "application/json"}, 400, True),
    ("POST", "/api/v1/test/echo", b" " * 65537, {"Content-Type": "application/json"}, 413, True),
    ("POST", "/api/v1/test/echo", b" " * 200_000, {"Content-Type": "application/json"}, 413,
     True),  # nginx
    ("GET", "/api/v1/test/query?q=" + "a" * 9000, None, {}, 414, False),  # nginx
    ("GET", "/api/v1/test/items/%00", None, {}, 400, False),  # nginx
]


@pytest.mark.parametrize("method,target,body,headers,status,echoed", CASES,
                         ids=[f"{c[0]}-{c[4]}-{i}" for i, c in enumerate(CASES)])
def test_every_response_has_a_request_id(base, method, target, body, headers, status, echoed):
    rid = unique_id("every")
    r = raw_request(base, method, target, body=body, headers={**headers, "X-Request-Id": rid})
    assert r.status_code == status, r.text
    got = r.headers["X-Request-Id"]
    if echoed:
        assert got == rid
    else:
        assert HEX32.match(got), got
    if status >= 400:
        assert r.json()["request_id"] == got


def test_forbidden_metrics_has_a_request_id(base):
    rid = unique_id("forbidden")
    r = raw_request(base, "GET", "/metrics", headers={"X-Request-Id": rid},
                    source_address=("127.0.0.2", 0))
    assert_problem(r, 403, "forbidden")
    assert r.headers["X-Request-Id"] == rid


def test_logs_hold_route_patterns_not_paths_or_queries(stack, base, http):
    phone = "13800138000"
    item = f"secret-item-{uuid.uuid4().hex}"
    unknown = f"secret-path-{uuid.uuid4().hex}"
    cases = [
        (f"/api/v1/test/items/{item}", 200, "/api/v1/test/items/{id}"),
        (f"/api/v1/test/query?q={phone}&page=2", 200, "/api/v1/test/query"),
        (f"/api/v1/test/query?q={phone}&page=0", 400, "/api/v1/test/query"),
        (f"/api/v1/{unknown}?q={phone}", 404, "unmatched"),
    ]
    ids = []
    for target, status, route in cases:
        rid = unique_id("private")
        r = http.get(base + target, headers={"X-Request-Id": rid})
        assert r.status_code == status, r.text
        entry = wait_app_access(stack, rid)
        assert (entry["route"], entry["status"]) == (route, status)
        ids.append(rid)
    for rid in ids:  # nginx's buffered log has been written up to these lines
        wait_nginx_access(stack, rid)
    for name in ("onewindow.log", "nginx-access.log", "nginx-error.log"):
        try:
            with open(stack.log_path(name), encoding="utf-8", errors="replace") as f:
                text = f.read()
        except FileNotFoundError:
            continue
        for secret in (phone, item, unknown):
            assert secret not in text, f"{secret} written to {name}"
    assert app_access_entries(stack, "no-such-id") == []


# --- the audit log keeps the server's id (issue 12, finding 6) -------------------------------
def audit_ids(stack, no):
    return sql(stack, "SELECT request_id, COALESCE(client_request_id, 'NULL') FROM audit_log "
                      f"WHERE target = {q(no)} AND action = 'application.submit'")


def test_the_audit_log_keeps_the_servers_id_and_the_clients_apart(stack, base, http):
    """A client chooses its X-Request-Id (two requests may share one): the audit row holds the
    id the server made, unique, with the client's kept apart; the access log line of the
    request names both."""
    c = new_citizen(stack, http, base)
    rid = unique_id("audit")
    numbers = [submitted(http, base, c, GA_3, rid=rid)["application_no"] for _ in range(2)]
    rows = [audit_ids(stack, no) for no in numbers]
    assert all(len(r) == 1 for r in rows), rows
    (server_one, client_one), (server_two, client_two) = rows[0][0], rows[1][0]
    assert HEX32.match(server_one) and HEX32.match(server_two) and server_one != server_two
    assert client_one == client_two == rid
    entries = wait_for(lambda: app_access_entries(stack, rid) if len(
        app_access_entries(stack, rid)) == 2 else None, 5, what="two access lines")
    assert {e.get("server_request_id") for e in entries} == {server_one, server_two}, entries


def test_without_a_client_id_the_audit_holds_the_one_echoed(stack, base, http):
    c = new_citizen(stack, http, base)
    body = {"service_code": GA_3, "form": {"a": "b"},
            "materials": required_materials(http, base, c, GA_3)}
    r = call(http, base, "POST", APPS, c.token, body)
    assert r.status_code == 201, r.text
    [(server, client)] = audit_ids(stack, r.json()["application_no"])
    assert server == r.headers["X-Request-Id"] and HEX32.match(server) and client == "NULL"
