"""The contract checker itself (tests/e2e/contract.py) on answers made up here: each kind of
break it must catch, and what it must let through. No stack needed."""
import json

import pytest

import contract

C = contract.Contract()
RID = {"X-Request-Id": "r-1"}
JSON = dict(RID, **{"Content-Type": "application/json"})
PROBLEM = dict(RID, **{"Content-Type": "application/problem+json"})


def problem(status, code, title="x", detail="y", **extra):
    return json.dumps(dict(type="about:blank", title=title, status=status, detail=detail,
                           code=code, request_id="r-1", **extra)).encode()


def check(method, path, status, headers, body=b""):
    C.check(method, "http://127.0.0.1:1" + path, status, headers, body)


def broken(method, path, status, headers, body=b""):
    with pytest.raises(contract.ContractError) as e:
        check(method, path, status, headers, body)
    return str(e.value)


def test_a_documented_answer_passes():
    check("GET", "/healthz", 200, JSON, b'{"status":"ok"}')
    check("GET", "/api/v1/services/GA-1", 404, PROBLEM, problem(404, "not_found"))
    check("HEAD", "/api/v1/client-config", 200, RID)


def test_an_unlisted_status_breaks_it():
    assert "is not listed" in broken("GET", "/healthz", 418, PROBLEM, problem(418, "internal"))


def test_a_body_off_its_schema_breaks_it():
    assert "body at" in broken("GET", "/healthz", 200, JSON, b'{"status":"fine"}')
    assert "not JSON" in broken("GET", "/healthz", 200, JSON, b"ok")
    # an error code the operation does not list for that status
    assert "body at /code" in broken("GET", "/api/v1/services/GA-1", 404, PROBLEM,
                                     problem(404, "conflict"))


def test_headers_break_it():
    assert "no X-Request-Id" in broken("GET", "/healthz", 200,
                                       {"Content-Type": "application/json"}, b"{}")
    assert "retry-after is not documented" in broken(
        "GET", "/healthz", 200, dict(JSON, **{"Retry-After": "1"}), b"{}")
    assert "not an integer" in broken(
        "POST", "/api/v1/auth/sms/send", 429, dict(PROBLEM, **{"Retry-After": "soon"}),
        problem(429, "rate_limited"))
    assert "content type" in broken("GET", "/healthz", 200,
                                    dict(RID, **{"Content-Type": "text/html"}), b"<p>")


def test_nginx_problems_pass_anywhere_and_others_do_not():
    body = problem(429, "rate_limited", "Too Many Requests", "操作过于频繁，请稍后再试。")
    check("GET", "/healthz", 429, dict(PROBLEM, **{"Retry-After": "1"}), body)
    assert "no Retry-After" in broken("GET", "/healthz", 429, PROBLEM, body)
    assert "is not listed" in broken("GET", "/healthz", 502, PROBLEM,
                                     problem(502, "unavailable", "Bad Gateway", "made up"))


def test_unknown_paths_and_methods():
    check("GET", "/api/v1/nothing", 404, PROBLEM, problem(404, "not_found"))
    assert "expected 404" in broken("GET", "/api/v1/nothing", 200, JSON, b"{}")
    allow = dict(PROBLEM, Allow="GET, HEAD")
    check("DELETE", "/api/v1/client-config", 405, allow, problem(405, "method_not_allowed"))
    assert "Allow" in broken("DELETE", "/api/v1/client-config", 405,
                             dict(PROBLEM, Allow="GET, DELETE"), problem(405, "method_not_allowed"))
