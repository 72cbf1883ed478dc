"""API.md §1 and §3 login sessions through nginx: `onewindow-admin create-staff`, staff login
(the token pair, its claims, each refusal, the lockout after 10 wrong passwords), refresh
(rotation, the grace window, reuse after it revokes the whole session), logout (the session's
access tokens refused by every worker within 1 s, its refresh token dead, other sessions
untouched), and that no password or refresh token reaches a log.

Every test creates its own staff accounts (unique usernames), so the tests do not depend on
each other. The one test that must outwait the refresh grace window (~11 s) shares a module
fixture, so the suite sleeps once. The log check comes last in the file (pytest keeps file
order)."""
import base64
import json
import os
import re
import secrets
import time
import uuid

import pytest
import requests

from conftest import assert_problem
from helpers import settings, unique_id, unique_sub, wait_for
from helpers import field_error_list as field_errors
from helpers import assert_invalid_token, b64url_decode, post

LOGIN = "/api/v1/auth/staff/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
WHOAMI = "/api/v1/test/staff"
CITIZEN = "/api/v1/test/citizen"
TOKEN = "/api/v1/test/token"

ISSUER = "onewindow"
AUDIENCE = "onewindow-api"
CLIENT_ID = "staff-web"
ACCESS_TTL_S = 900

REALM = 'Bearer realm="onewindow"'
SCOPE = 'Bearer realm="onewindow", error="insufficient_scope"'

REPEAT = 4  # with 2 workers and nginx's round robin, each worker sees a token at least twice
LOGOUT_VISIBLE_S = 1.0  # API.md §3: refused by every worker within 1 s
REVOKE_VISIBLE_S = 2.0  # reuse after the grace window: the same machinery, a looser deadline

B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
USERNAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-"

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data",
                       "codes.json"), encoding="utf-8") as _f:
    DEPARTMENTS = {d["code"]: d["name"] for d in json.load(_f)["departments"]}

# Secrets this module used: none may appear in a log (last test).
PASSWORDS = []
REFRESH_TOKENS = []


# --- helpers ---------------------------------------------------------------------------------
def new_username(prefix="st"):
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def new_password():
    password = "Pw-" + secrets.token_hex(10)
    PASSWORDS.append(password)
    return password


def admin_fields(out):
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)


def create_staff(stack, username=None, password=None, department="GA"):
    """A staff account: (id, username, password)."""
    username = username or new_username()
    password = password or new_password()
    p = stack.admin("create-staff", "--username", username, "--password", password,
                    "--department", department, check=False)
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    fields = admin_fields(p.stdout)
    assert fields.get("username") == username, p.stdout
    assert re.fullmatch(r"[1-9][0-9]*", fields.get("id", "")), p.stdout
    return fields["id"], username, password


def jwt_parts(token):
    header, payload, signature = token.split(".")
    assert B64URL.match(header) and B64URL.match(payload) and B64URL.match(signature), token
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload))


def login(http, base, username, password, **kw):
    return post(http, base, LOGIN, {"username": username, "password": password}, **kw)


def remember(pair):
    REFRESH_TOKENS.append(pair["refresh_token"])
    return pair


def assert_pair(r):
    """A 200 token pair (API.md §3) with Cache-Control: no-store; returns the body."""
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    assert "no-store" in r.headers.get("Cache-Control", ""), r.headers
    body = r.json()
    assert body["token_type"] == "Bearer", body
    assert isinstance(body["access_token"], str) and body["access_token"].count(".") == 2, body
    assert body["expires_in"] == ACCESS_TTL_S, body
    token = body["refresh_token"]
    # opaque, >= 256 random bits: at least 43 base64url characters
    assert isinstance(token, str) and len(token) >= 43 and B64URL.match(token), body
    assert isinstance(body["refresh_expires_in"], int) and body["refresh_expires_in"] > 0, body
    return remember(body)


def login_ok(http, base, username, password):
    return assert_pair(login(http, base, username, password))


def refresh(http, base, token):
    return post(http, base, REFRESH, {"refresh_token": token})


def refresh_ok(http, base, token):
    return assert_pair(refresh(http, base, token))


def whoami(http, base, access):
    return http.get(base + WHOAMI, headers={"Authorization": f"Bearer {access}"}, timeout=10)


def claims(http, base, access):
    r = whoami(http, base, access)
    assert r.status_code == 200, r.text
    return r.json()


def assert_accepted_everywhere(http, base, access, sid=None):
    for _ in range(REPEAT):
        c = claims(http, base, access)
        if sid is not None:
            assert c["sid"] == sid, c


def wait_refused_everywhere(http, base, access, timeout, what):
    """Polls until REPEAT requests in a row (so: every worker) refuse the access token, then
    checks that it stays refused, with the invalid_token challenge."""
    def refused():
        return all(whoami(http, base, access).status_code == 401 for _ in range(REPEAT))
    start = time.monotonic()
    wait_for(refused, timeout, interval=0.02, what=what)
    elapsed = time.monotonic() - start
    for _ in range(2 * REPEAT):
        assert_invalid_token(whoami(http, base, access))
    return elapsed


def assert_unauthorized_login(r):
    return assert_problem(r, 401, "unauthorized")


# --- create-staff ----------------------------------------------------------------------------
def test_create_staff_prints_id_and_username(stack):
    username = new_username()
    password = new_password()
    p = stack.admin("create-staff", "--username", username, "--password", password,
                    "--department", "MZ", check=False)
    assert p.returncode == 0, (p.stdout, p.stderr)
    lines = p.stdout.splitlines()
    assert len(lines) == 2, p.stdout
    assert re.fullmatch(r"id: [1-9][0-9]*", lines[0]), p.stdout
    assert lines[1] == f"username: {username}", p.stdout
    assert password not in p.stdout + p.stderr
    # the options in another order; the ids differ
    other = new_username()
    p2 = stack.admin("create-staff", "--department", "GA", "--password", new_password(),
                     "--username", other, check=False)
    assert p2.returncode == 0, (p2.stdout, p2.stderr)
    assert admin_fields(p2.stdout)["username"] == other
    assert admin_fields(p2.stdout)["id"] != admin_fields(p.stdout)["id"]


def test_create_staff_accepts_every_allowed_character_and_64_of_them(base, http, stack):
    tag = uuid.uuid4().hex[:12]
    for username in ("A.b_c@d-9" + tag, (tag + "._@-" + USERNAME_CHARS)[:64]):
        assert len(username) <= 64
        staff_id, _, password = create_staff(stack, username=username)
        assert login_ok(http, base, username, password)["staff"]["id"] == staff_id
    assert len((tag + "._@-" + USERNAME_CHARS)[:64]) == 64


def test_create_staff_refuses_bad_usernames(stack):
    for username in ("", "a" * 65, "has space", "名字" + uuid.uuid4().hex[:6],
                     "a/b" + uuid.uuid4().hex[:6], "a+b" + uuid.uuid4().hex[:6],
                     "tab\t" + uuid.uuid4().hex[:6], "quote'" + uuid.uuid4().hex[:6]):
        p = stack.admin("create-staff", "--username", username, "--password", new_password(),
                        "--department", "GA", check=False)
        assert p.returncode == 2, (username, p.returncode, p.stdout, p.stderr)
        assert p.stderr.strip(), username
        assert "id:" not in p.stdout, p.stdout


def test_create_staff_refuses_weak_passwords(base, http, stack):
    for password in ("", "short7!", "1234567", "12345678", "1234567890123456",
                     "密码" * 64 + "x"):  # 129 code points
        username = new_username()
        p = stack.admin("create-staff", "--username", username, "--password", password,
                        "--department", "GA", check=False)
        assert p.returncode == 2, (password, p.returncode, p.stdout, p.stderr)
        assert p.stderr.strip()
        # nothing was created: the username is still free
        create_staff(stack, username=username)


def test_create_staff_password_rule_counts_code_points(base, http, stack):
    """8 characters is enough, counted in code points (8 hanzi are 24 bytes); a password that
    is not only digits passes."""
    for password in ("abcdefgh", "1234567a", "密码密码密码密码", "口令" * 64):
        PASSWORDS.append(password)
        staff_id, username, _ = create_staff(stack, password=password)
        assert login_ok(http, base, username, password)["staff"]["id"] == staff_id
    assert len("口令" * 64) == 128


def test_create_staff_refuses_missing_options(stack):
    u, p, d = new_username(), new_password(), "GA"
    for args in ([],
                 ["--username", u, "--password", p],
                 ["--username", u, "--department", d],
                 ["--password", p, "--department", d],
                 ["--username", u, "--password", p, "--department"],
                 ["--username", u, "--password", p, "--department", d, "--extra"]):
        r = stack.admin("create-staff", *args, check=False)
        assert r.returncode == 2, (args, r.returncode, r.stdout, r.stderr)
        assert r.stderr.strip(), args
        assert "id:" not in r.stdout
    create_staff(stack, username=u)  # none of them created it


def test_create_staff_refuses_a_taken_username(base, http, stack):
    staff_id, username, password = create_staff(stack)
    other_password = new_password()
    p = stack.admin("create-staff", "--username", username, "--password", other_password,
                    "--department", "MZ", check=False)
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert p.stderr.strip() and "id:" not in p.stdout
    # the first account is unchanged: its password, its department
    body = login_ok(http, base, username, password)
    assert body["staff"]["id"] == staff_id
    assert body["staff"]["department"]["code"] == "GA"
    assert_unauthorized_login(login(http, base, username, other_password))


def test_create_staff_refuses_an_unknown_department(base, http, stack):
    for dept in ("NOPE", "ZZTEST-DEPT", "G A"):
        username = new_username()
        p = stack.admin("create-staff", "--username", username, "--password", new_password(),
                        "--department", dept, check=False)
        assert p.returncode == 1, (dept, p.returncode, p.stdout, p.stderr)
        assert p.stderr.strip() and "id:" not in p.stdout
        create_staff(stack, username=username)  # not created


# --- login -----------------------------------------------------------------------------------
def test_login_returns_the_token_pair(base, http, stack):
    staff_id, username, password = create_staff(stack, department="MZ")
    r = login(http, base, username, password)
    body = assert_pair(r)
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token",
                         "refresh_expires_in", "staff"}, body
    assert body["refresh_expires_in"] == int(settings(stack)["refresh_ttl_s"]), body
    assert body["staff"] == {"id": staff_id, "username": username, "role": "staff",
                             "department": {"code": "MZ", "name": DEPARTMENTS["MZ"]}}, body
    assert password not in r.text

    # the claims, as the verifier sees them (every worker)
    c = claims(http, base, body["access_token"])
    assert set(c) == {"sub", "role", "sid", "dept", "scope", "client_id"}, c
    assert (c["sub"], c["role"], c["dept"], c["scope"], c["client_id"]) == (
        staff_id, "staff", "MZ", "", CLIENT_ID), c
    assert re.fullmatch(r"[0-9a-f]{32}", c["sid"]) or len(c["sid"]) >= 16, c
    assert_accepted_everywhere(http, base, body["access_token"], sid=c["sid"])

    # and as written in the JWT itself
    header, payload = jwt_parts(body["access_token"])
    assert header["alg"] == "ES256" and header["typ"] == "JWT" and header["kid"], header
    assert (payload["iss"], payload["aud"]) == (ISSUER, AUDIENCE), payload
    assert (payload["sub"], payload["role"], payload["dept"], payload["sid"],
            payload["client_id"]) == (staff_id, "staff", "MZ", c["sid"], CLIENT_ID), payload
    assert payload["exp"] - payload["iat"] == ACCESS_TTL_S, payload
    assert abs(payload["iat"] - time.time()) < 120, payload
    assert isinstance(payload["jti"], str) and payload["jti"], payload
    assert "scope" not in payload or payload["scope"] in ("", None), payload
    # the refresh token is opaque: not a JWT, nothing of the session in it
    assert "." not in body["refresh_token"]
    assert c["sid"] not in body["refresh_token"]


def test_each_login_is_a_new_session(base, http, stack):
    staff_id, username, password = create_staff(stack)
    first = login_ok(http, base, username, password)
    second = login_ok(http, base, username, password)
    s1 = claims(http, base, first["access_token"])["sid"]
    s2 = claims(http, base, second["access_token"])["sid"]
    assert s1 != s2
    assert first["refresh_token"] != second["refresh_token"]
    assert first["access_token"] != second["access_token"]
    assert first["staff"] == second["staff"]


def test_login_refusals_look_the_same(base, http, stack):
    """A wrong password and an unknown username get the same answer (no account probing)."""
    _, username, password = create_staff(stack)
    wrong = login(http, base, username, password + "x")
    unknown = login(http, base, new_username("nobody"), password)
    case = login(http, base, username.upper(), password)  # usernames are matched exactly
    for r in (wrong, unknown, case):
        body = assert_unauthorized_login(r)
        assert "errors" not in body, body
        assert "Retry-After" not in r.headers
    a, b = wrong.json(), unknown.json()
    for key in ("type", "title", "status", "detail", "code"):
        assert a[key] == b[key], (a, b)
    assert wrong.headers.get("WWW-Authenticate") == unknown.headers.get("WWW-Authenticate")
    # in English too
    en = {"Accept-Language": "en"}
    a = assert_unauthorized_login(login(http, base, username, "Wrong-" + password, headers=en))
    b = assert_unauthorized_login(login(http, base, new_username("nobody"), password,
                                        headers=en))
    assert a["detail"] == b["detail"] and a["title"] == b["title"]
    # the account still works (a few failures do not lock it)
    login_ok(http, base, username, password)


def test_login_validation(base, http):
    cases = [
        ({}, ["/password", "/username"]),
        ({"username": "someone"}, ["/password"]),
        ({"password": "a password"}, ["/username"]),
        ({"username": "", "password": "a password"}, ["/username"]),
        ({"username": "someone", "password": ""}, ["/password"]),
        ({"username": "", "password": ""}, ["/password", "/username"]),
        ({"username": "a" * 65, "password": "a password"}, ["/username"]),
        ({"username": "名" * 65, "password": "a password"}, ["/username"]),
        ({"username": "someone", "password": "p" * 129}, ["/password"]),
        ({"username": "someone", "password": "密" * 129}, ["/password"]),
        ({"username": 42, "password": "a password"}, ["/username"]),
        ({"username": "someone", "password": 12345678}, ["/password"]),
        ({"username": None, "password": ["a"]}, ["/password", "/username"]),
        ({"username": {"x": 1}, "password": True}, ["/password", "/username"]),
    ]
    for body, fields in cases:
        r = post(http, base, LOGIN, body)
        assert field_errors(r) == fields, (body, r.text)
    # the body must be an object
    for body in ([], ["someone", "a password"], "someone", 7, None):
        r = http.post(base + LOGIN, data=json.dumps(body),
                      headers={"Content-Type": "application/json"}, timeout=10)
        assert_problem(r, 400, "invalid_argument")


def test_login_lengths_at_the_limits_are_checked_credentials(base, http):
    """64 code points of username and 128 of password are valid input: an unknown account,
    so 401 (not 400)."""
    for body in ({"username": "a" * 64, "password": "p" * 128},
                 {"username": "名" * 64, "password": "密" * 128}):
        assert_unauthorized_login(post(http, base, LOGIN, body))


def test_login_needs_a_json_body(base, http):
    body = json.dumps({"username": "someone", "password": "a password"})
    # no content type, another content type
    assert_problem(http.post(base + LOGIN, data=body.encode(), timeout=10), 415,
                   "unsupported_media_type")
    assert_problem(http.post(base + LOGIN, data=body.encode(), timeout=10,
                             headers={"Content-Type": "text/plain"}), 415,
                   "unsupported_media_type")
    assert_problem(http.post(base + LOGIN, data="username=a&password=b", timeout=10,
                             headers={"Content-Type": "application/x-www-form-urlencoded"}),
                   415, "unsupported_media_type")
    # not JSON
    for text in ("{", "{\"username\": \"a\",}", "username=a", "\"unterminated"):
        r = http.post(base + LOGIN, data=text, timeout=10,
                      headers={"Content-Type": "application/json"})
        assert_problem(r, 400, "invalid_json")
    # no body at all
    r = http.post(base + LOGIN, timeout=10)
    assert r.status_code == 400, r.text
    assert r.json()["code"] in ("invalid_argument", "invalid_json"), r.text


def test_login_other_methods(base, http):
    r = http.get(base + LOGIN, timeout=10)
    assert_problem(r, 405, "method_not_allowed")
    assert "POST" in r.headers["Allow"]


# --- lockout: tests/security/test_lockout.py ----------------------------------------------


# --- refresh ---------------------------------------------------------------------------------
def test_refresh_rotates_the_pair(base, http, stack):
    staff_id, username, password = create_staff(stack, department="MZ")
    first = login_ok(http, base, username, password)
    sid = claims(http, base, first["access_token"])["sid"]

    second = refresh_ok(http, base, first["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["staff"] == first["staff"], second
    c = claims(http, base, second["access_token"])
    assert c == {"sub": staff_id, "role": "staff", "sid": sid, "dept": "MZ", "scope": "",
                 "client_id": CLIENT_ID}, c
    _, payload = jwt_parts(second["access_token"])
    assert payload["sid"] == sid and payload["role"] == "staff" and payload["dept"] == "MZ"
    assert payload["jti"] != jwt_parts(first["access_token"])[1]["jti"]

    third = refresh_ok(http, base, second["refresh_token"])
    assert len({first["refresh_token"], second["refresh_token"], third["refresh_token"]}) == 3
    assert claims(http, base, third["access_token"])["sid"] == sid
    # rotation does not end the session: the earlier access tokens still work
    for pair in (first, second, third):
        assert_accepted_everywhere(http, base, pair["access_token"], sid=sid)


def test_refresh_reuse_within_the_grace_window(base, http, stack):
    """A lost response: the client presents the rotated token again within 10 s and gets a
    fresh access token with the session's current refresh token (the same one the lost
    answer carried, so that parallel requests all end with a working token)."""
    _, username, password = create_staff(stack)
    first = login_ok(http, base, username, password)
    sid = claims(http, base, first["access_token"])["sid"]
    second = refresh_ok(http, base, first["refresh_token"])
    again = refresh_ok(http, base, first["refresh_token"])
    assert again["refresh_token"] == second["refresh_token"]
    assert again["access_token"] != second["access_token"]
    for pair in (first, second, again):
        assert_accepted_everywhere(http, base, pair["access_token"], sid=sid)
    # the session goes on from the fresh pair
    onward = refresh_ok(http, base, again["refresh_token"])
    assert claims(http, base, onward["access_token"])["sid"] == sid


def test_parallel_refreshes_both_leave_a_usable_session(base, http, stack):
    """The grace window exists for parallel app requests (API.md §3): two requests refresh
    with the same token at once and get two pairs; the app keeps whichever answer arrived
    last. Either refresh token must then carry the session on -- including the first one
    handed out, not only the one from the grace path."""
    _, username, password = create_staff(stack)
    first = login_ok(http, base, username, password)
    sid = claims(http, base, first["access_token"])["sid"]
    a = refresh_ok(http, base, first["refresh_token"])  # the two parallel answers
    b = refresh_ok(http, base, first["refresh_token"])
    assert claims(http, base, b["access_token"])["sid"] == sid
    r = refresh(http, base, a["refresh_token"])  # the app kept the first one
    assert r.status_code == 200, (
        "the refresh token of the first of two parallel refreshes is dead once the second "
        f"went through the grace window: {r.status_code} {r.text}")
    assert claims(http, base, remember(r.json())["access_token"])["sid"] == sid


def test_unknown_refresh_tokens_are_refused(base, http, stack):
    _, username, password = create_staff(stack)
    pair = login_ok(http, base, username, password)
    real = pair["refresh_token"]
    flipped = real[:-2] + ("A" if real[-2] != "A" else "B") + real[-1]
    for token in (base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode(),
                  flipped, real[:-1], real + "A", real.upper(), "garbage", "a" * 128,
                  "🙂" * 10, " " + real):
        r = refresh(http, base, token)
        assert_problem(r, 401, "unauthorized")
        assert "refresh_token" not in r.json()
    # none of those attempts hurt the real session
    refresh_ok(http, base, real)


def test_refresh_validation(base, http):
    for body in ({}, {"refresh_token": ""}, {"refresh_token": 5}, {"refresh_token": None},
                 {"refresh_token": ["x"]}):
        r = post(http, base, REFRESH, body)
        assert field_errors(r) == ["/refresh_token"], (body, r.text)
    r = http.post(base + REFRESH, data=json.dumps({"refresh_token": "x"}), timeout=10)
    assert_problem(r, 415, "unsupported_media_type")
    r = http.post(base + REFRESH, data="{", headers={"Content-Type": "application/json"},
                  timeout=10)
    assert_problem(r, 400, "invalid_json")


def test_an_access_token_is_not_a_refresh_token(base, http, stack):
    _, username, password = create_staff(stack)
    pair = login_ok(http, base, username, password)
    r = refresh(http, base, pair["access_token"])
    assert r.status_code in (400, 401), r.text
    assert r.json()["code"] in ("invalid_argument", "unauthorized"), r.text
    # a bearer header does not make a refresh
    r = post(http, base, REFRESH, {}, token=pair["access_token"])
    assert r.status_code == 400, r.text


@pytest.fixture(scope="module")
def reused_after_grace(stack, base):
    """Two staff sessions whose rotated refresh tokens are presented again after the grace
    window (one sleep for the module):
    - `grace`: R0 rotated to R1, R0 again within the window (→ R2), then R0 after it;
    - `older`: X0 → X1 → X2 (two rotations), then X0 after the window;
    plus `bystander`, another session of the same staff member."""
    grace_s = int(settings(stack)["refresh_grace_s"])
    assert grace_s == 10, grace_s  # API.md §3 default
    out = {}
    with requests.Session() as http:
        staff_id, username, password = create_staff(stack)
        g0 = login_ok(http, base, username, password)
        rotated_at = time.monotonic()
        g1 = refresh_ok(http, base, g0["refresh_token"])
        g2 = refresh_ok(http, base, g0["refresh_token"])  # within the window
        o0 = login_ok(http, base, username, password)
        o1 = refresh_ok(http, base, o0["refresh_token"])
        o2 = refresh_ok(http, base, o1["refresh_token"])
        bystander = login_ok(http, base, username, password)
        sids = {name: claims(http, base, p["access_token"])["sid"]
                for name, p in (("grace", g0), ("older", o0), ("bystander", bystander))}
        assert len(set(sids.values())) == 3, sids

        time.sleep(max(0.0, rotated_at + grace_s + 1.5 - time.monotonic()))
        out["grace_reuse"] = refresh(http, base, g0["refresh_token"])
        out["grace_reused_at"] = time.monotonic()
        out["older_reuse"] = refresh(http, base, o0["refresh_token"])
        out["older_reused_at"] = time.monotonic()
    out.update(staff_id=staff_id, sids=sids, grace=[g0, g1, g2], older=[o0, o1, o2],
               bystander=bystander)
    return out


def test_refresh_reuse_after_the_grace_window_revokes_the_session(base, http,
                                                                  reused_after_grace):
    f = reused_after_grace
    assert_problem(f["grace_reuse"], 401, "unauthorized")
    g0, g1, g2 = f["grace"]
    # every access token of the session is refused by every worker (within ~250 ms–1 s)
    remaining = max(0.3, f["grace_reused_at"] + REVOKE_VISIBLE_S - time.monotonic())
    wait_refused_everywhere(http, base, g2["access_token"], remaining,
                            "access token of a session revoked by refresh reuse refused")
    for pair in (g0, g1):
        for _ in range(REPEAT):
            assert_invalid_token(whoami(http, base, pair["access_token"]))
    # and every refresh token of it, the current one included
    for pair in (g2, g1, g0):
        assert_problem(refresh(http, base, pair["refresh_token"]), 401, "unauthorized")

    # another session of the same staff member goes on
    b = f["bystander"]
    assert_accepted_everywhere(http, base, b["access_token"], sid=f["sids"]["bystander"])
    onward = refresh_ok(http, base, b["refresh_token"])
    assert claims(http, base, onward["access_token"])["sid"] == f["sids"]["bystander"]


def test_reuse_of_an_older_refresh_token_after_the_window_revokes_the_session(
        base, http, reused_after_grace):
    """API.md §3 (OAuth 2.0 Security BCP): a rotated refresh token presented after the grace
    window revokes the whole session -- also one rotated two steps ago (a thief replaying a
    token the client has long moved past)."""
    f = reused_after_grace
    assert_problem(f["older_reuse"], 401, "unauthorized")
    o0, o1, o2 = f["older"]
    remaining = max(0.3, f["older_reused_at"] + REVOKE_VISIBLE_S - time.monotonic())
    wait_refused_everywhere(http, base, o2["access_token"], remaining,
                            "access token of a session whose old refresh token was replayed")
    assert_problem(refresh(http, base, o2["refresh_token"]), 401, "unauthorized")


# --- logout ----------------------------------------------------------------------------------
def test_logout_revokes_the_session(base, http, stack):
    staff_id, username, password = create_staff(stack)
    one = login_ok(http, base, username, password)
    one_later = refresh_ok(http, base, one["refresh_token"])
    two = login_ok(http, base, username, password)
    sid_one = claims(http, base, one["access_token"])["sid"]
    sid_two = claims(http, base, two["access_token"])["sid"]
    # every worker has seen (and cached) the tokens before the logout
    for pair, sid in ((one, sid_one), (one_later, sid_one), (two, sid_two)):
        assert_accepted_everywhere(http, base, pair["access_token"], sid=sid)

    r = post(http, base, LOGOUT, {"refresh_token": one_later["refresh_token"]},
             token=one_later["access_token"])
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert r.headers.get("X-Request-Id")

    wait_refused_everywhere(http, base, one_later["access_token"], LOGOUT_VISIBLE_S,
                            "logged-out access token refused by every worker")
    for _ in range(REPEAT):  # the session's earlier access token too
        assert_invalid_token(whoami(http, base, one["access_token"]))
    for token in (one_later["refresh_token"], one["refresh_token"]):
        assert_problem(refresh(http, base, token), 401, "unauthorized")

    # the other session of the same staff member is untouched
    assert_accepted_everywhere(http, base, two["access_token"], sid=sid_two)
    onward = refresh_ok(http, base, two["refresh_token"])
    assert claims(http, base, onward["access_token"]) == {
        "sub": staff_id, "role": "staff", "sid": sid_two, "dept": "GA", "scope": "",
        "client_id": CLIENT_ID}


def test_logout_without_a_body(base, http, stack):
    _, username, password = create_staff(stack)
    pair = login_ok(http, base, username, password)
    assert_accepted_everywhere(http, base, pair["access_token"])
    r = post(http, base, LOGOUT, token=pair["access_token"])
    assert r.status_code == 204, r.text
    wait_refused_everywhere(http, base, pair["access_token"], LOGOUT_VISIBLE_S,
                            "access token refused after a logout without a body")
    assert_problem(refresh(http, base, pair["refresh_token"]), 401, "unauthorized")


def test_logout_without_a_token(base, http, stack):
    _, username, password = create_staff(stack)
    pair = login_ok(http, base, username, password)
    for body in (None, {"refresh_token": pair["refresh_token"]}):
        r = post(http, base, LOGOUT, body)
        assert_problem(r, 401, "unauthorized")
        assert r.headers.get("WWW-Authenticate") == REALM, r.headers
    # a refresh token in the body alone ends nothing
    time.sleep(0.6)
    assert_accepted_everywhere(http, base, pair["access_token"])
    refresh_ok(http, base, pair["refresh_token"])


def test_logout_with_a_bad_token(base, http):
    for authorization in ("Bearer garbage", "Bearer a.b.c", "Basic dXNlcjpwYXNz"):
        r = http.post(base + LOGOUT, headers={"Authorization": authorization}, timeout=10)
        assert_invalid_token(r)


def test_logout_twice(base, http, stack):
    _, username, password = create_staff(stack)
    pair = login_ok(http, base, username, password)
    r = post(http, base, LOGOUT, token=pair["access_token"])
    assert r.status_code == 204, r.text
    wait_refused_everywhere(http, base, pair["access_token"], LOGOUT_VISIBLE_S,
                            "access token refused after logout")
    for _ in range(REPEAT):  # every worker: the token is now refused
        assert_invalid_token(post(http, base, LOGOUT, token=pair["access_token"]))


def test_logout_with_a_citizen_token(base, http):
    r = http.post(base + TOKEN, json={"sub": unique_sub(), "role": "citizen",
                                      "sid": uuid.uuid4().hex, "client_id": "miniapp"},
                  timeout=10)
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    assert http.get(base + CITIZEN, headers={"Authorization": f"Bearer {token}"},
                    timeout=10).status_code == 200
    r = post(http, base, LOGOUT, token=token)
    assert r.status_code == 204, r.text


def test_logout_with_an_org_token_is_forbidden(base, http):
    r = http.post(base + TOKEN, json={"sub": unique_sub(), "role": "org",
                                      "scope": "test:read", "client_id": "org-client"},
                  timeout=10)
    assert r.status_code == 200, r.text
    r = post(http, base, LOGOUT, token=r.json()["access_token"])
    assert_problem(r, 403, "forbidden")
    assert r.headers.get("WWW-Authenticate") == SCOPE, r.headers


def test_logout_body_validation(base, http, stack):
    _, username, password = create_staff(stack)
    pair = login_ok(http, base, username, password)
    for body in ({"refresh_token": 5}, {"refresh_token": ""}, []):
        r = post(http, base, LOGOUT, body, token=pair["access_token"])
        assert_problem(r, 400, "invalid_argument")
    r = http.post(base + LOGOUT, data="{", timeout=10,
                  headers={"Content-Type": "application/json",
                           "Authorization": f"Bearer {pair['access_token']}"})
    assert_problem(r, 400, "invalid_json")
    # none of these logged out
    time.sleep(0.6)
    assert_accepted_everywhere(http, base, pair["access_token"])


# --- logs (last) -----------------------------------------------------------------------------
def test_no_password_or_refresh_token_in_the_logs(stack):
    assert PASSWORDS and REFRESH_TOKENS, "no secret used in this module?"
    time.sleep(1.5)  # nginx flushes its access log buffer every second
    log_dir = os.path.dirname(stack.log_path("x"))
    files = []
    for root, _, names in os.walk(log_dir):
        files += [os.path.join(root, n) for n in names]
    assert files, log_dir
    needles = set()
    for secret in PASSWORDS + REFRESH_TOKENS:
        needles.add(secret)
        needles.add(json.dumps(secret)[1:-1])  # as a JSON string would escape it
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        leaked = [s for s in needles if s and s in text]
        assert not leaked, f"{path} holds {len(leaked)} passwords or refresh tokens"


def test_logout_is_never_replayed_under_a_reused_key(base, http, stack):
    """Issue 12, finding 2: an Idempotency-Key of an earlier logout must not turn the next
    logout into a replayed 204 that ends nothing."""
    _, username, password = create_staff(stack)
    key = "logout-" + uuid.uuid4().hex
    first = login_ok(http, base, username, password)
    r = post(http, base, LOGOUT, token=first["access_token"], headers={"Idempotency-Key": key})
    assert r.status_code == 204, r.text
    second = login_ok(http, base, username, password)
    assert_accepted_everywhere(http, base, second["access_token"])
    r = post(http, base, LOGOUT, token=second["access_token"], headers={"Idempotency-Key": key})
    assert r.status_code == 204, r.text
    assert "Idempotent-Replayed" not in r.headers, r.headers
    wait_refused_everywhere(http, base, second["access_token"], LOGOUT_VISIBLE_S,
                            "the second session's token after its logout")
    assert_problem(refresh(http, base, second["refresh_token"]), 401, "unauthorized")


def test_logout_also_ends_the_session_of_the_refresh_token_given(base, http, stack):
    """The refresh token in the body names a session to end too (the client's stored one,
    when its access token belongs to another): the caller's own sessions only."""
    _, username, password = create_staff(stack)
    one = login_ok(http, base, username, password)
    two = login_ok(http, base, username, password)
    r = post(http, base, LOGOUT, {"refresh_token": two["refresh_token"]},
             token=one["access_token"])
    assert r.status_code == 204, r.text
    for pair in (one, two):
        wait_refused_everywhere(http, base, pair["access_token"], LOGOUT_VISIBLE_S,
                                "both sessions ended")
        assert_problem(refresh(http, base, pair["refresh_token"]), 401, "unauthorized")


def test_logout_leaves_another_accounts_session_alone(base, http, stack):
    _, user_a, password_a = create_staff(stack)
    _, user_b, password_b = create_staff(stack)
    a = login_ok(http, base, user_a, password_a)
    b = login_ok(http, base, user_b, password_b)
    r = post(http, base, LOGOUT, {"refresh_token": b["refresh_token"]}, token=a["access_token"])
    assert r.status_code == 204, r.text
    wait_refused_everywhere(http, base, a["access_token"], LOGOUT_VISIBLE_S, "own session ended")
    time.sleep(0.6)
    assert_accepted_everywhere(http, base, b["access_token"])
    refresh_ok(http, base, b["refresh_token"])
