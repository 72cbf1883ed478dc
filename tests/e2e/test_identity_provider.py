"""The `http` identity provider (docs/identity-provider.md) and the limits of every outbound
call (issue 12, findings 1 and 9), on a stack of its own whose identity provider, WeChat API
and SMS gateway are one small fake HTTP server in a thread of this process.

Protocol: POST identity_url {"name","id_number"} with `Authorization: Bearer
<identity_token>` and the request's X-Request-Id; 200 {"result": "match" | "mismatch" |
"not_found"}. match binds at level 3; mismatch and not_found are the same 422
identity_not_verified; anything else (an error status, another body, a timeout, no
connection) is 503 with Retry-After -- the provider fails closed.

Outbound limits: connect 500 ms and 1.5 s in all for calls made inside a request (this
stack's settings). WeChat login without an app id answers 503 at once without calling out."""
import atexit
import json
import os
import secrets
import socket
import time

import pytest
import requests

from conftest import assert_problem
from helpers import sql
from people import API, REAL_NAME, call, new_citizen, new_id_number, new_name
from stack import Stack
from test_providers import FakeProviders, Reply

TOKEN = "idp-" + secrets.token_hex(12)
VERIFY = "/verify"
CONNECT_MS, TOTAL_MS = 500, 1500
ME = API + "/me"


class FakeIdentity(FakeProviders):
    """test_providers.py's fake WeChat API and SMS gateway, and an identity service scripted
    per ID number (by default: match)."""

    def __init__(self):
        super().__init__()
        self.identities = {}

    def script(self, id_number, result="match", status=200, raw=None, delay=0.0):
        self.identities[id_number] = Reply({"result": result}, status=status, raw=raw,
                                           delay=delay)

    def answer(self, method, path, q, body):
        if path == VERIFY and method == "POST":
            return self.identities.get((body or {}).get("id_number"), {"result": "match"})
        return super().answer(method, path, q, body)

    def verify_calls(self):
        return self.calls(VERIFY)


@pytest.fixture(scope="module")
def fake():
    f = FakeIdentity().start()
    yield f
    f.stop()


@pytest.fixture(scope="module")
def istack(fake):
    s = Stack(env={"ONEWINDOW_IDENTITY_PROVIDER": "http",
                   "ONEWINDOW_IDENTITY_URL": fake.base + VERIFY,
                   "ONEWINDOW_WECHAT_API_BASE": fake.base,
                   "ONEWINDOW_OUTBOUND_CONNECT_TIMEOUT_MS": str(CONNECT_MS),
                   "ONEWINDOW_OUTBOUND_TIMEOUT_MS": str(TOTAL_MS)})
    conf = os.path.join(s.var_dir, "identity.conf")  # credentials: the config file only
    with open(s.env["ONEWINDOW_CONFIG"]) as base_conf, open(conf, "w") as f:
        f.write(base_conf.read() + f"\nidentity_token = {TOKEN}\n")
    s.env["ONEWINDOW_CONFIG"] = conf
    atexit.register(s.stop)
    s.start()
    yield s
    s.destroy()


@pytest.fixture()
def ibase(istack):
    return istack.base


def bind(http, base, token, name, id_number, **kw):
    return call(http, base, "POST", REAL_NAME, token, {"name": name, "id_number": id_number},
                **kw)


def unverified(istack, http, ibase):
    return new_citizen(istack, http, ibase, verified=False)


def assert_unavailable(r):
    assert_problem(r, 503, "unavailable")
    assert r.headers.get("Retry-After", "").isdigit(), r.headers


# --- the protocol ------------------------------------------------------------------------------
def test_a_match_binds_at_level_3(istack, ibase, http, fake):
    c = unverified(istack, http, ibase)
    name, id_number = new_name(), new_id_number()
    r = bind(http, ibase, c.token, name, id_number, rid="idp-match-1")
    assert r.status_code == 200, r.text
    assert r.json()["assurance_level"] == 3 and r.json()["real_name_verified"] is True
    [asked] = [e for e in fake.verify_calls() if e["json"]["id_number"] == id_number]
    assert asked["json"] == {"name": name, "id_number": id_number}
    assert asked["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert asked["headers"]["content-type"] == "application/json"
    assert len(asked["headers"]["x-request-id"]) == 32  # the server's own id
    rows = sql(istack, f"SELECT assurance_level FROM citizens WHERE id = {int(c.id)}")
    assert rows == [["3"]]


@pytest.mark.parametrize("result", ["mismatch", "not_found"])
def test_no_match_is_422_and_binds_nothing(istack, ibase, http, fake, result):
    c = unverified(istack, http, ibase)
    id_number = new_id_number()
    fake.script(id_number, result)
    body = assert_problem(bind(http, ibase, c.token, new_name(), id_number), 422,
                          "identity_not_verified")
    assert result not in json.dumps(body)  # the two look the same
    r = call(http, ibase, "GET", ME, c.token)
    assert r.json()["assurance_level"] == 1 and r.json()["real_name_verified"] is False


@pytest.mark.parametrize("answer", [dict(status=500), dict(status=401),
                                    dict(raw=b"not json"), dict(raw=b'{"result":"maybe"}'),
                                    dict(raw=b'{"result":["match"]}'), dict(raw=b"[]")])
def test_an_unclear_answer_is_503(istack, ibase, http, fake, answer):
    c = unverified(istack, http, ibase)
    id_number = new_id_number()
    fake.script(id_number, **answer)
    assert_unavailable(bind(http, ibase, c.token, new_name(), id_number))
    assert sql(istack, f"SELECT assurance_level FROM citizens WHERE id = {int(c.id)}") == [["1"]]


def test_the_409_for_a_bound_number_comes_only_after_a_match(istack, ibase, http, fake):
    """Issue 12: the 409 for an ID number bound to another account must not tell a stranger
    which numbers are registered: only the provider's match leads to it."""
    owner_name, id_number = new_name(), new_id_number()
    owner = unverified(istack, http, ibase)
    assert bind(http, ibase, owner.token, owner_name, id_number).status_code == 200
    prober = unverified(istack, http, ibase)
    fake.script(id_number, "mismatch")  # any name but the owner's
    assert_problem(bind(http, ibase, prober.token, new_name(), id_number), 422,
                   "identity_not_verified")
    fake.script(id_number, "match")  # who knows the name too: the 409 (and the desk)
    assert_problem(bind(http, ibase, prober.token, owner_name, id_number), 409, "conflict")


def test_a_bound_account_resending_its_pair_asks_nobody(istack, ibase, http, fake):
    c = unverified(istack, http, ibase)
    name, id_number = new_name(), new_id_number()
    assert bind(http, ibase, c.token, name, id_number).status_code == 200
    asked = len(fake.verify_calls())
    assert bind(http, ibase, c.token, name, id_number).status_code == 200
    assert_problem(bind(http, ibase, c.token, new_name(), id_number), 409, "conflict")
    assert len(fake.verify_calls()) == asked


def test_an_account_asks_the_provider_at_most_10_times_a_day(istack, ibase, http, fake):
    c = unverified(istack, http, ibase)
    for _ in range(10):
        id_number = new_id_number()
        fake.script(id_number, "mismatch")
        assert_problem(bind(http, ibase, c.token, new_name(), id_number), 422,
                       "identity_not_verified")
    asked = len(fake.verify_calls())
    r = bind(http, ibase, c.token, new_name(), new_id_number())
    assert_problem(r, 429, "rate_limited")
    assert 1 <= int(r.headers["Retry-After"]) <= 86400
    assert len(fake.verify_calls()) == asked


# --- outbound limits ---------------------------------------------------------------------------
def test_a_provider_that_hangs_is_503_within_the_total_timeout(istack, ibase, http, fake):
    c = unverified(istack, http, ibase)
    id_number = new_id_number()
    fake.script(id_number, "match", delay=5)
    started = time.monotonic()
    assert_unavailable(bind(http, ibase, c.token, new_name(), id_number))
    took = time.monotonic() - started
    assert TOTAL_MS / 1000 - 0.1 <= took < TOTAL_MS / 1000 + 2.5, took


def test_a_provider_that_never_accepts_is_503_within_the_connect_timeout():
    """A listener whose backlog is full drops new connections' SYNs: only the connect
    timeout ends the wait (well before the total one)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(0)
    port = sock.getsockname()[1]
    fillers = []
    for _ in range(4):
        f = socket.socket()
        f.setblocking(False)
        try:
            f.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(f)
    time.sleep(0.2)
    s = Stack(env={"ONEWINDOW_IDENTITY_PROVIDER": "http",
                   "ONEWINDOW_IDENTITY_URL": f"http://127.0.0.1:{port}/verify",
                   "ONEWINDOW_OUTBOUND_CONNECT_TIMEOUT_MS": str(CONNECT_MS),
                   "ONEWINDOW_OUTBOUND_TIMEOUT_MS": "6000"})
    atexit.register(s.stop)
    try:
        s.start()
        with requests.Session() as h:
            c = new_citizen(s, h, s.base, verified=False)
            started = time.monotonic()
            assert_unavailable(bind(h, s.base, c.token, new_name(), new_id_number()))
            took = time.monotonic() - started
        assert CONNECT_MS / 1000 - 0.1 <= took < 3, took
    finally:
        s.destroy()
        for f in fillers:
            f.close()
        sock.close()


def test_wechat_without_an_app_id_is_503_at_once_without_calling_out(istack, ibase, http, fake):
    wechat = ("/sns", "/cgi-bin", "/wxa")
    before = len([e for e in fake.calls() if e["path"].startswith(wechat)])
    started = time.monotonic()
    r = call(http, ibase, "POST", API + "/auth/wechat", None, {"code": "abc123"})
    took = time.monotonic() - started
    assert_unavailable(r)
    assert took < 1.0, took
    r = call(http, ibase, "POST", API + "/auth/wechat", None,
             {"code": "abc123", "phone_code": "def456"})
    assert_unavailable(r)
    after = len([e for e in fake.calls() if e["path"].startswith(wechat)])
    assert after == before, "WeChat was called without an app id"
