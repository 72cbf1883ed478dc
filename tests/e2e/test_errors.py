"""API.md §1 errors through nginx: status, problem+json, code, request id, errors[], language.
The test-only probes (config/test.conf: test_routes = 1) stand in for real endpoints."""
import json
import re

import pytest

from conftest import assert_problem
from helpers import (HEX32, app_access_entries, raw_request, unique_id, wait_app_access,
                     wait_nginx_access)

ECHO = "/api/v1/test/echo"
QUERY = "/api/v1/test/query"
MAX_BODY = 65536  # max_body_bytes default; nginx allows 16 KiB more
CJK = re.compile(r"[\u4e00-\u9fff]")


def problem(resp, status, code):
    body = assert_problem(resp, status, code)
    assert resp.headers["X-Request-Id"], resp.headers
    return body


def post(http, base, data, content_type="application/json", headers=None):
    h = dict(headers or {})
    if content_type is not None:
        h["Content-Type"] = content_type
    if isinstance(data, str):
        data = data.encode()
    return http.post(base + ECHO, data=data, headers=h, timeout=10)


def padded(prefix, size):
    raw = prefix.encode()
    return raw + b" " * (size - len(raw))


def nested(depth):
    """An object nested `depth` levels deep in total: {"x":{"x":…1…}}."""
    return '{"x":' * depth + "1" + "}" * depth


# --- 404 ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [
    "/api/v1/nope",
    "/nope",
    "/api/v1/test/items/",
    "/api/v1/test/items/a/b",
    "/api/v1/test/items/%ff",       # not UTF-8 once decoded
    "/api/v1/test/items/%c3%28",    # a broken two-byte sequence
    "/api/v1/test/echo/extra",
    "/healthz/",
])
def test_unknown_path_is_404(base, path):
    problem(raw_request(base, "GET", path), 404, "not_found")


def test_path_parameter_is_decoded(base, http):
    r = http.get(base + "/api/v1/test/items/%E4%B8%AD%20a")
    assert r.status_code == 200, r.text
    assert r.json() == {"id": "中 a"}


@pytest.mark.parametrize("path", ["/api/v1/test/items/%00", "/api/v1/test/items/%zz"])
def test_nul_or_malformed_escape_in_path_is_refused_by_nginx(base, path):
    """nginx itself refuses a URI whose path decodes to a NUL or holds a broken escape
    (400, before the app): still problem+json with a request id."""
    problem(raw_request(base, "GET", path), 400, "invalid_argument")


# --- 405 ------------------------------------------------------------------------------
@pytest.mark.parametrize("method,path,allow", [
    ("POST", "/healthz", "GET, HEAD"),
    ("DELETE", "/readyz", "GET, HEAD"),
    ("PUT", "/metrics", "GET, HEAD"),
    ("GET", ECHO, "POST"),
    ("PATCH", "/api/v1/test/items/7", "GET, HEAD"),
])
def test_wrong_method_is_405_with_allow(base, http, method, path, allow):
    r = http.request(method, base + path)
    problem(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == allow


def test_head_is_served_like_get_without_body(base, http):
    r = http.head(base + "/healthz")
    assert r.status_code == 200
    assert r.content == b""
    assert HEX32.match(r.headers["X-Request-Id"])


# --- 415 ------------------------------------------------------------------------------
@pytest.mark.parametrize("content_type", [
    "text/plain", "application/x-www-form-urlencoded", "application/jsonp",
    "application/json-patch+json", None])
def test_body_without_json_content_type_is_415(base, http, content_type):
    problem(post(http, base, '{"text":"x"}', content_type), 415, "unsupported_media_type")


@pytest.mark.parametrize("content_type", [
    "application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8",
    "Application/JSON"])
def test_json_content_types_are_accepted(base, http, content_type):
    r = post(http, base, '{"text":"x","count":3,"flag":true}', content_type)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"text": "x", "count": 3, "flag": True}


# --- 413 ------------------------------------------------------------------------------
def test_body_of_exactly_the_limit_is_accepted(base, http):
    r = post(http, base, padded('{"text":"x"}', MAX_BODY))
    assert r.status_code == 200, r.text
    assert r.json()["text"] == "x"


def test_body_one_byte_over_the_limit_is_413_from_the_app(stack, base, http):
    rid = unique_id("too-large")
    r = post(http, base, padded('{"text":"x"}', MAX_BODY + 1), headers={"X-Request-Id": rid})
    problem(r, 413, "payload_too_large")
    assert r.headers["X-Request-Id"] == rid
    # The app answered it (nginx lets up to 16 KiB more through).
    entry = wait_app_access(stack, rid)
    assert (entry["route"], entry["status"]) == (ECHO, 413)


def test_chunked_bodies_are_measured_too(base, http):
    def chunks(data, size=4096):
        for i in range(0, len(data), size):
            yield data[i:i + size]
    headers = {"Content-Type": "application/json"}
    ok = http.post(base + ECHO, data=chunks(padded('{"text":"chunked"}', 5000)), headers=headers)
    assert ok.status_code == 200, ok.text
    assert ok.json()["text"] == "chunked"
    big = http.post(base + ECHO, data=chunks(padded('{"text":"x"}', MAX_BODY + 1)),
                    headers=headers)
    problem(big, 413, "payload_too_large")


def test_body_far_over_the_limit_is_413_from_nginx(stack, base, http):
    rid = unique_id("huge")
    r = post(http, base, b" " * 200_000, headers={"X-Request-Id": rid, "Accept-Language": "en"})
    body = problem(r, 413, "payload_too_large")
    assert r.headers["X-Request-Id"] == rid
    assert body["detail"].isascii()
    # nginx answered without asking a worker.
    line = wait_nginx_access(stack, rid)
    assert (line["status"], line["upstream"]) == (413, "")
    assert app_access_entries(stack, rid) == []


# --- 400 invalid_json ----------------------------------------------------------------------
@pytest.mark.parametrize("data", [
    b"garbage",
    b'{"text":"x"} x',                  # trailing garbage
    b'{"text":"x"}{}',
    b'{"text":"x"',                     # truncated
    b"{'text':'x'}",
    b'{"text":"x",}',
    ("[" * 33 + "]" * 33).encode(),      # 33 deep
    nested(33).encode(),
    b'{"text":"\xff"}',                 # invalid UTF-8
    b'{"text":"\xc0\xaf"}',             # overlong encoding
    b'{"text":"\xed\xa0\x80"}',         # an encoded surrogate
    b'{"text":"a\\u0000b"}',            # NUL by escape
    b'{"text":"a\x00b"}',               # raw NUL in a string
    b'{"text":"a"}\x00',                # raw NUL after the value
], ids=["garbage", "trailing", "two-values", "truncated", "single-quotes", "trailing-comma",
        "array-33", "object-33", "utf8-ff", "utf8-overlong", "utf8-surrogate", "nul-escape",
        "nul-raw", "nul-after"])
def test_bad_json_is_invalid_json(base, http, data):
    body = problem(post(http, base, data), 400, "invalid_json")
    assert "errors" not in body


def test_32_levels_pass_the_json_checks(base, http):
    """32 levels are allowed: the body then fails validation (no text), not the JSON rules."""
    body = problem(post(http, base, nested(32)), 400, "invalid_argument")
    assert body["errors"] == [{"field": "/text", "message": body["errors"][0]["message"]}]


@pytest.mark.parametrize("text", ["[" * 40, "{" * 40, '\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[',
                                  "\\\\u0000"])
def test_brackets_and_escapes_inside_strings_are_text(base, http, text):
    """Brackets in a string do not count as nesting; an escaped backslash before u0000 is no
    NUL escape."""
    r = post(http, base, '{"text":"%s"}' % text)
    assert r.status_code == 200, r.text
    assert r.json()["text"] == json.loads('"%s"' % text)


# --- 400 invalid_argument (body) ------------------------------------------------------------
@pytest.mark.parametrize("payload,field", [
    ({}, "/text"),
    ({"text": None}, "/text"),
    ({"text": ""}, "/text"),
    ({"text": "a" * 101}, "/text"),
    ({"text": "中" * 101}, "/text"),
    ({"text": 5}, "/text"),
    ({"text": ["a"]}, "/text"),
    ({"text": "a", "count": 1001}, "/count"),
    ({"text": "a", "count": -1}, "/count"),
    ({"text": "a", "count": 1.5}, "/count"),
    ({"text": "a", "count": "5"}, "/count"),
    ({"text": "a", "count": 1e300}, "/count"),
    ({"text": "a", "count": True}, "/count"),
    ({"text": "a", "flag": "yes"}, "/flag"),
    ({"text": "a", "flag": 1}, "/flag"),
    ([{"text": "a"}], ""),
    ("a", ""),
])
def test_field_errors(base, http, payload, field):
    body = problem(post(http, base, json.dumps(payload)), 400, "invalid_argument")
    assert len(body["errors"]) == 1, body
    error = body["errors"][0]
    assert error["field"] == field
    assert isinstance(error["message"], str) and error["message"]


def test_every_field_error_is_reported(base, http):
    body = problem(post(http, base, '{"count":2000,"flag":"no"}'), 400, "invalid_argument")
    assert [e["field"] for e in body["errors"]] == ["/text", "/count", "/flag"]


def test_post_without_body_reaches_validation(base, http):
    body = problem(post(http, base, b"", content_type=None), 400, "invalid_argument")
    assert [e["field"] for e in body["errors"]] == [""]


@pytest.mark.parametrize("payload", [
    {"text": "中" * 100},                 # 100 code points, 300 bytes
    {"text": "😀" * 100},                 # 100 code points, 400 bytes
    {"text": "a" * 100, "count": 1000, "flag": False},
    {"text": "a", "count": 0, "flag": True},
    {"text": "a", "count": None, "flag": None},
])
def test_valid_bodies_pass(base, http, payload):
    r = post(http, base, json.dumps(payload, ensure_ascii=False))
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["text"] == payload["text"]
    assert got["count"] == (payload.get("count") or 0)
    assert got["flag"] == bool(payload.get("flag"))


# --- 400 invalid_argument (query) -----------------------------------------------------------
CJK65 = "%E4%B8%AD" * 65
CJK64 = "%E4%B8%AD" * 64


@pytest.mark.parametrize("query,fields", [
    ("page=0", ["page"]),
    ("page=abc", ["page"]),
    ("page=1001", ["page"]),
    ("page=", ["page"]),
    ("page=1.0", ["page"]),
    ("page=%201", ["page"]),
    ("page=99999999999999999999999", ["page"]),
    ("q=" + CJK65, ["q"]),
    ("sort=bad", ["sort"]),
    ("sort=OLDEST", ["sort"]),
    ("unread=maybe", ["unread"]),
    ("unread=1", ["unread"]),
    ("q=%zz", ["q"]),
    ("q=%ff", ["q"]),
    ("q=%00", ["q"]),
    ("q=%4", ["q"]),
    ("page=%zz", ["page"]),
    ("q=" + "a" * 5000, ["query"]),
    ("page=0&q=" + CJK65 + "&sort=bad&unread=maybe", ["page", "q", "sort", "unread"]),
])
def test_query_errors(base, query, fields):
    body = problem(raw_request(base, "GET", QUERY + "?" + query), 400, "invalid_argument")
    assert [e["field"] for e in body["errors"]] == fields
    assert all(e["message"] for e in body["errors"])


@pytest.mark.parametrize("query,expected", [
    ("", {"page": 1, "q": None, "sort": "oldest", "unread": False}),
    ("page=1000&q=" + CJK64 + "&sort=due&unread=true",
     {"page": 1000, "q": "中" * 64, "sort": "due", "unread": True}),
    ("q=a+b%2Bc&page=7&unread=false&other=ignored",
     {"page": 7, "q": "a b+c", "sort": "oldest", "unread": False}),
])
def test_valid_queries_pass(base, query, expected):
    r = raw_request(base, "GET", QUERY + ("?" + query if query else ""))
    assert r.status_code == 200, r.text
    assert r.json() == expected


# --- language of detail and messages --------------------------------------------------------
def test_details_are_chinese_by_default_and_english_on_request(base, http):
    def ask(lang):
        headers = {"Content-Type": "application/json"}
        if lang:
            headers["Accept-Language"] = lang
        return problem(http.post(base + ECHO, data=b'{"count":5000}', headers=headers), 400,
                       "invalid_argument")
    zh, en = ask(None), ask("en")
    assert CJK.search(zh["detail"]) and CJK.search(zh["errors"][0]["message"])
    assert en["detail"].isascii() and en["errors"][0]["message"].isascii()
    assert en["detail"] != zh["detail"]
    assert en["errors"][0]["message"] != zh["errors"][0]["message"]
    assert ask("en-US,en;q=0.9")["detail"] == en["detail"]
    assert ask("zh-CN,zh;q=0.9,en;q=0.8")["detail"] == zh["detail"]


@pytest.mark.parametrize("method,path,data,content_type,status,code", [
    ("GET", "/api/v1/nope", None, None, 404, "not_found"),
    ("POST", "/healthz", None, None, 405, "method_not_allowed"),
    ("POST", ECHO, b'{"text":"x"}', "text/plain", 415, "unsupported_media_type"),
    ("POST", ECHO, b"{", "application/json", 400, "invalid_json"),
    ("POST", ECHO, b"[" * 40, "application/json", 400, "invalid_json"),
    ("POST", ECHO, b'"\xff"', "application/json", 400, "invalid_json"),
    ("POST", ECHO, b" " * (MAX_BODY + 1), "application/json", 413, "payload_too_large"),
    ("POST", ECHO, b" " * 100_000, "application/json", 413, "payload_too_large"),  # nginx
])
def test_every_problem_speaks_both_languages(base, http, method, path, data, content_type,
                                             status, code):
    def ask(headers):
        if content_type:
            headers["Content-Type"] = content_type
        return problem(http.request(method, base + path, data=data, headers=headers), status,
                       code)
    zh, en = ask({}), ask({"Accept-Language": "en"})
    assert CJK.search(zh["detail"]), zh
    assert en["detail"].isascii() and not CJK.search(en["detail"]), en
    assert en["detail"] != zh["detail"]
