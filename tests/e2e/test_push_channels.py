"""onewindow-pushd's channels (docs/API.md §6) against fakes of the providers:
APNs, Huawei Push Kit (HMS), JPush, WeChat subscribe messages and the `http` SMS gateway.

The module runs its own stack (`Stack(env=…)`) whose config file is config/test.conf plus the
providers' credentials (file-only settings: the fake's key ids, secrets and the APNs key file),
push_ca_file (the fake's self-signed certificate), short push timeouts and retry bases; the
base URLs come from the environment. `fake_push.FakePush` answers every provider behind one
nginx with TLS and HTTP/2, records every request and checks its auth.

Every test makes its own citizen: an SMS login (the code reaches the fake gateway), real name,
a few applications submitted *before* any device is registered (so the submissions make no
push delivery), then devices (POST /devices), WeChat grants (POST /subscriptions) and an
openid (SQL: the WeChat login is test_providers.py's business). A notification is a staff step
(accepted, or need_materials when the SMS channel is wanted): the outbox rows it writes are
followed to the requests that reach the fake and to their final state.

Timing (config below): push_timeout_ms 1500, push_retry_base_ms 200, push_max_attempts 4,
push_poll_ms 50, so a delivery that fails for good is dead within about 3 s."""
import atexit
import base64
import json
import os
import re
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass, field

import jwt as pyjwt
import pytest

from fake_push import FakePush, Reply
from helpers import scrape, settings, sql, wait_for
from people import (API, GA_3, REAL_NAME, SEND, LOGIN, Citizen, app_id, call, new_id_number,
                    new_name, new_phone, new_staff, q, staff_step, submitted)
from stack import BIN, ROOT, Stack, service_readable

TEMPLATE = "tmpl-status-test"  # config/test.conf wechat_status_template
PAGE = "pages/notifications/index"
DEVICES = API + "/devices"
SUBSCRIPTIONS = API + "/subscriptions"
TIMEOUT_MS = 1500
RETRY_BASE_MS = 200
MAX_ATTEMPTS = 4
POLL_MS = 50
WECHAT_THING_MAX = 20
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                     r"[0-9a-fA-F]{12}$")
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
CREDENTIALS = ("apns_team_id", "apns_key_id", "apns_key_file", "apns_topic", "hms_app_id",
               "hms_app_secret", "jpush_app_key", "jpush_master_secret", "wechat_appid",
               "wechat_secret")
PUSH_PLATFORMS = ("apns", "hms", "jpush")
ALL_CHANNELS = ("apns", "hms", "jpush", "wechat", "sms")
DELIVERIES = "onewindow_push_deliveries_total"
PENDING = "onewindow_outbox_pending"
OLDEST_DUE = "onewindow_outbox_oldest_due_seconds"


# --- the module's fake providers and stack ------------------------------------------------------
@pytest.fixture(scope="module")
def fake():
    f = FakePush()
    atexit.register(f.stop)  # even when pytest is interrupted
    f.start()
    yield f
    f.stop()


def config_text(fake):
    """config/test.conf plus the push settings; the credentials exist only in this file."""
    with open(os.path.join(ROOT, "config", "test.conf"), encoding="utf-8") as f:
        text = f.read()
    extra = dict(fake.settings())
    extra.update({
        "push_channels": "sms,apns,hms,jpush,wechat",
        "push_timeout_ms": TIMEOUT_MS,
        "push_retry_base_ms": RETRY_BASE_MS,
        "push_max_attempts": MAX_ATTEMPTS,
        "push_poll_ms": POLL_MS,
        "sms_provider": "http",
        "sms_url": fake.sms_url,
    })
    lines = [f"{k} = {v}" for k, v in extra.items()]
    return text.rstrip("\n") + "\n# e2e: test_push_channels.py\n" + "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def pstack(fake):
    s = Stack(env=fake.env())
    path = os.path.join(s.var_dir, "push-test.conf")  # removed with the stack's directory
    with open(path, "w", encoding="utf-8") as f:
        f.write(config_text(fake))
    os.chmod(path, 0o600)
    service_readable(path)  # credentials: the services' group only
    s.env["ONEWINDOW_CONFIG"] = path
    atexit.register(s.stop)
    s.start()
    yield s
    s.destroy()


@dataclass
class Ctx:
    stack: Stack
    fake: FakePush
    http: object
    base: str
    staff: object


@pytest.fixture(scope="module")
def staff_of(pstack):
    import requests
    with requests.Session() as session:
        return new_staff(pstack, session, pstack.base, "GA")


@pytest.fixture()
def ctx(pstack, fake, http, staff_of):
    fake.reset()
    yield Ctx(pstack, fake, http, pstack.base, staff_of)
    # a failed test may leave deliveries retrying: give them a moment, then retire them so
    # that they cannot reach the next test's fake
    fake.reset()
    try:
        wait_for(lambda: not pending_rows(pstack), 3, interval=0.1, what="quiet outbox")
    except AssertionError:
        sql(pstack, "UPDATE outbox SET status = 'dead', last_error = 'e2e: left by a failed "
                    "test' WHERE status = 'pending' AND channel <> 'webhook'")


def pending_rows(stack):
    return int(sql(stack, "SELECT COUNT(*) FROM outbox WHERE status = 'pending' "
                          "AND channel <> 'webhook'")[0][0])


# --- citizens, devices, grants, notifications ---------------------------------------------------
@dataclass
class Case:
    citizen: Citizen
    apps: list  # applications still 'submitted' (each gives one staff step)
    devices: dict = field(default_factory=dict)  # token -> (platform, device id)
    openid: str = None


@dataclass
class Note:
    id: int
    title: str
    body: str
    app_id: int
    no: str


def new_citizen(c):
    """A real-name verified citizen registered by an SMS login (the code reaches the fake)."""
    phone = new_phone()
    r = c.http.post(c.base + SEND, json={"phone": phone}, timeout=30)
    assert r.status_code == 202, r.text
    codes = [e["json"]["params"]["code"] for e in c.fake.requests("sms", token=phone)
             if isinstance(e["json"], dict) and e["json"].get("template") == "login_code"]
    assert codes, f"no login code for {phone} at the fake gateway"
    r = c.http.post(c.base + LOGIN, json={"phone": phone, "code": codes[-1]}, timeout=30)
    assert r.status_code == 200, r.text
    pair = r.json()
    who = Citizen(pair["access_token"], pair["citizen"]["id"], phone, name=new_name(),
                  id_number=new_id_number())
    r = call(c.http, c.base, "POST", REAL_NAME, who.token,
             {"name": who.name, "id_number": who.id_number})
    assert r.status_code == 200, r.text
    return who


def device_token(platform):
    if platform == "apns":
        return secrets.token_hex(32)
    if platform == "hms":
        return "IQAAAACy0" + secrets.token_urlsafe(60)
    return "1a0018970a" + secrets.token_hex(5)


def add_device(c, case, platform):
    token = device_token(platform)
    r = call(c.http, c.base, "POST", DEVICES, case.citizen.token,
             {"platform": platform, "token": token})
    assert r.status_code == 201, r.text
    case.devices[token] = (platform, int(r.json()["id"]))
    return token


def add_grants(c, case, count):
    r = call(c.http, c.base, "POST", SUBSCRIPTIONS, case.citizen.token,
             {"template_id": TEMPLATE, "count": count})
    assert r.status_code == 201, r.text
    return r.json()["remaining"]


def set_openid(c, case):
    case.openid = "o" + secrets.token_urlsafe(21)[:27]
    sql(c.stack, f"UPDATE citizens SET wechat_openid = {q(case.openid)} "
                 f"WHERE id = {int(case.citizen.id)}")
    return case.openid


def new_case(c, apps=1, apns=0, hms=0, jpush=0, grants=0, openid=False):
    """A citizen with apps submitted applications, then the devices and grants asked for."""
    case = Case(new_citizen(c), [])
    for _ in range(apps):
        case.apps.append(submitted(c.http, c.base, case.citizen, GA_3)["application_no"])
    for platform, n in (("apns", apns), ("hms", hms), ("jpush", jpush)):
        for _ in range(n):
            add_device(c, case, platform)
    if grants:
        add_grants(c, case, grants)
    if openid:
        set_openid(c, case)
    return case


def all_channels_case(c, apps=1):
    """One device of each platform, WeChat grants and an openid: a need_materials step reaches
    all five channels."""
    return new_case(c, apps=apps, apns=1, hms=1, jpush=1, grants=10, openid=True)


def tokens_of(case, platform):
    return [t for t, (p, _) in case.devices.items() if p == platform]


def step(c, case, status="accepted"):
    """A staff step on the case's next submitted application: its notification."""
    no = case.apps.pop(0)
    staff_step(c.http, c.base, c.staff, no, status, note="请补充近期免冠照片"
               if status == "need_materials" else None)
    aid = app_id(c.stack, no)
    rows = sql(c.stack, f"SELECT id, HEX(title), HEX(body) FROM notifications "
                        f"WHERE application_id = {aid} ORDER BY id DESC LIMIT 1")
    nid, title, body = rows[0]
    return Note(int(nid), bytes.fromhex(title).decode(), bytes.fromhex(body).decode(), aid, no)


def deliveries(stack, nid):
    rows = sql(stack, f"SELECT id, delivery_id, channel, COALESCE(target_id, ''), "
                      f"COALESCE(target_ref, ''), status, attempts, COALESCE(last_error, '') "
                      f"FROM outbox WHERE notification_id = {int(nid)} ORDER BY id")
    names = ("id", "delivery_id", "channel", "target_id", "target_ref", "status", "attempts",
             "last_error")
    out = []
    for row in rows:
        d = dict(zip(names, row))
        d["attempts"] = int(d["attempts"])
        out.append(d)
    return out


def settle(c, note, n=None, timeout=15):
    """The notification's deliveries once none is pending (n of them, if given)."""
    def done():
        rows = deliveries(c.stack, note.id)
        if n is not None and len(rows) != n:
            return None
        return rows if rows and all(r["status"] != "pending" for r in rows) else None
    try:
        return wait_for(done, timeout, interval=0.05, what=f"deliveries of notification "
                                                             f"{note.id} settled")
    except AssertionError:
        raise AssertionError(f"not settled within {timeout} s: {deliveries(c.stack, note.id)}")


def by_channel(rows):
    out = {}
    for r in rows:
        out.setdefault(r["channel"], []).append(r)
    return out


def device_active(c, device_id):
    return sql(c.stack, f"SELECT active FROM devices WHERE id = {int(device_id)}")[0][0] == "1"


def grant_remaining(c, case):
    rows = sql(c.stack, f"SELECT remaining FROM wechat_grants WHERE citizen_id = "
                        f"{int(case.citizen.id)} AND template_id = {q(TEMPLATE)}")
    return int(rows[0][0]) if rows else 0


def sms_notifications(c, case, since=0):
    return [e for e in c.fake.requests("sms", since, token=case.citizen.phone)
            if isinstance(e["json"], dict) and e["json"].get("template") == "notification"]


def requests_for(c, channel, case, token=None, since=0):
    """What reached the fake on a channel for this case (a device token, the openid, the
    phone)."""
    if channel == "sms":
        return sms_notifications(c, case, since)
    if channel == "wechat":
        return c.fake.requests("wechat", since, token=case.openid)
    if token is None:
        tokens = tokens_of(case, channel)
        assert len(tokens) == 1, tokens
        token = tokens[0]
    return c.fake.requests(channel, since, token=token)


# --- what each provider must receive ------------------------------------------------------------
def assert_apns_request(c, e, note, row, token):
    fake = c.fake
    assert e["method"] == "POST" and e["path"] == f"/3/device/{token}", e["path"]
    assert e["protocol"] == "HTTP/2.0", f"APNs over {e['protocol']}, not HTTP/2"
    h = e["headers"]
    assert h.get("apns-id", "").lower() == row["delivery_id"].lower(), (h, row)
    assert h.get("apns-topic") == fake.apns_topic, h
    assert h.get("apns-push-type") == "alert", h
    assert h.get("apns-priority") == "10", h
    assert h.get("apns-collapse-id") == f"application-{note.app_id}", h
    assert e["json"] == {"aps": {"alert": {"title": note.title, "body": note.body},
                                 "sound": "default"},
                         "notification_id": str(note.id)}, e["body"]
    # the provider token: ES256, kid, iss, iat; verified with the key pair's public key
    scheme, _, token_jwt = h.get("authorization", "").partition(" ")
    assert scheme.lower() == "bearer" and token_jwt, h.get("authorization")
    assert e["auth_ok"], e["auth_error"]
    header, claims = e["jwt_header"], e["jwt_claims"]
    assert header["alg"] == "ES256" and header["kid"] == fake.apns_key_id, header
    assert set(header) <= {"alg", "kid", "typ"}, header
    assert set(claims) == {"iss", "iat"}, claims
    assert claims["iss"] == fake.apns_team_id, claims
    assert e["at"] - 50 * 60 - 5 <= claims["iat"] <= e["at"] + 1, (claims, e["at"])
    # a second opinion: PyJWT with the public key
    decoded = pyjwt.decode(token_jwt, fake.apns_public_key, algorithms=["ES256"])
    assert decoded == claims, decoded


def hms_body(note, token):
    return {"validate_only": False,
            "message": {"android": {"notification": {"title": note.title, "body": note.body,
                                                     "click_action": {"type": 3}}},
                        "token": [token]}}


def assert_hms_request(c, e, note, token):
    assert e["method"] == "POST", e
    assert e["path"] == f"/v1/{c.fake.hms_app_id}/messages:send", e["path"]
    scheme, _, bearer = e["headers"].get("authorization", "").partition(" ")
    assert scheme.lower() == "bearer", e["headers"]
    assert bearer in c.fake.tokens_issued("hms"), "a token the OAuth endpoint never issued"
    assert e["auth_ok"], e["auth_error"]
    assert e["json"] == hms_body(note, token), e["body"]


def jpush_body(note, token):
    return {"platform": "all", "audience": {"registration_id": [token]},
            "notification": {"alert": note.body,
                             "android": {"title": note.title, "alert": note.body},
                             "ios": {"alert": {"title": note.title, "body": note.body}}},
            "options": {"apns_production": True}}


def assert_jpush_request(c, e, note, token):
    assert e["method"] == "POST" and e["path"] == "/v3/push", e
    basic = base64.b64encode(f"{c.fake.jpush_app_key}:{c.fake.jpush_master_secret}".encode())
    assert e["headers"].get("authorization") == "Basic " + basic.decode(), e["headers"]
    assert e["auth_ok"], e["auth_error"]
    assert e["json"] == jpush_body(note, token), e["body"]


def assert_thing(value, text):
    """A WeChat `thing` value: at most 20 characters; the text itself when it fits, else its
    beginning (a final ellipsis may mark the cut)."""
    assert isinstance(value, str) and 0 < len(value) <= WECHAT_THING_MAX, (value, text)
    if len(text) <= WECHAT_THING_MAX:
        assert value == text, (value, text)
    else:
        stem = value[:-1] if value.endswith("…") else value
        assert text.startswith(stem) and len(stem) >= WECHAT_THING_MAX - 3, (value, text)


def assert_wechat_request(c, e, note, case):
    assert e["method"] == "POST" and e["path"] == "/cgi-bin/message/subscribe/send", e
    assert set(e["query"]) == {"access_token"}, e["raw_query"]
    assert e["query"]["access_token"] in c.fake.tokens_issued("wechat")
    assert e["auth_ok"], e["auth_error"]
    j = e["json"]
    assert isinstance(j, dict) and set(j) == {"touser", "template_id", "page", "data"}, j
    assert j["touser"] == case.openid and j["template_id"] == TEMPLATE, j
    assert j["page"] == PAGE, j
    assert set(j["data"]) == {"thing1", "thing2"}, j
    assert set(j["data"]["thing1"]) == {"value"} and set(j["data"]["thing2"]) == {"value"}, j
    assert_thing(j["data"]["thing1"]["value"], note.title)
    assert_thing(j["data"]["thing2"]["value"], note.body)


def assert_sms_request(c, e, note, row, case):
    j = e["json"]
    assert e["method"] == "POST", e
    assert set(j) == {"delivery_id", "phone", "template", "params", "at"}, j
    assert j["delivery_id"] == row["delivery_id"] and j["phone"] == case.citizen.phone, j
    assert j["template"] == "notification", j
    assert j["params"] == {"title": note.title, "body": note.body}, j
    assert RFC3339_UTC.match(j["at"]), j


def assert_token_request(c, channel, e):
    """The OAuth / stable_token request of the spec."""
    fake = c.fake
    assert e["method"] == "POST", e
    if channel == "hms":
        assert e["path"] == "/oauth2/v3/token", e
        assert e["headers"].get("content-type", "").startswith(
            "application/x-www-form-urlencoded"), e["headers"]
        assert e["form"] == {"grant_type": "client_credentials", "client_id": fake.hms_app_id,
                             "client_secret": fake.hms_app_secret}, e["body"]
    else:
        assert e["path"] == "/cgi-bin/stable_token", e
        j = dict(e["json"] or {})
        assert j.pop("force_refresh", False) is False, e["json"]
        assert j == {"grant_type": "client_credential", "appid": fake.wechat_appid,
                     "secret": fake.wechat_secret}, e["json"]
    assert e["auth_ok"], e["auth_error"]


# --- configuration -----------------------------------------------------------------------------
def test_settings_come_from_the_file_and_hide_the_credentials(pstack, fake):
    s = settings(pstack)
    values = fake.settings()
    for name in CREDENTIALS:
        assert name in s and s[name] and s[name] != values[name], (name, s.get(name))
    assert s["push_ca_file"] == fake.ca_file, s
    assert s["push_timeout_ms"] == str(TIMEOUT_MS), s
    assert s["push_retry_base_ms"] == str(RETRY_BASE_MS), s
    assert s["push_max_attempts"] == str(MAX_ATTEMPTS), s
    assert s["apns_base"] == fake.base and s["hms_base"] == fake.base, s
    assert s["jpush_base"] == fake.base and s["wechat_api_base"] == fake.base, s
    assert s["hms_oauth_url"] == fake.hms_oauth_url, s
    text = json.dumps(s, ensure_ascii=False)
    for name in CREDENTIALS:
        assert values[name] not in text, f"{name} printed by `onewindow-admin config`"


@pytest.mark.parametrize("name", ["apns_key_file", "hms_app_secret", "jpush_master_secret",
                                  "wechat_secret"])
def test_credentials_in_the_environment_are_refused(pstack, name):
    value = "env-" + secrets.token_hex(12)
    env = dict(pstack.env)
    env["ONEWINDOW_" + name.upper()] = value
    p = subprocess.Popen([os.path.join(BIN, "onewindow-pushd")], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate(timeout=10)
        pytest.fail(f"onewindow-pushd started with ONEWINDOW_{name.upper()} set")
    assert p.returncode != 0, out
    assert name.upper() in out.upper(), f"the refusal does not name the setting: {out!r}"
    assert value not in out, out


# --- APNs --------------------------------------------------------------------------------------
def test_apns_request(ctx):
    case = new_case(ctx, apns=1)
    [token] = tokens_of(case, "apns")
    note = step(ctx, case)
    [row] = settle(ctx, note, 1)
    assert row["channel"] == "apns" and row["target_id"] == str(case.devices[token][1]), row
    assert UUID_RE.match(row["delivery_id"]), row
    assert (row["status"], row["attempts"]) == ("done", 1), row
    [e] = ctx.fake.requests("apns", token=token)
    assert e["status"] == 200
    assert_apns_request(ctx, e, note, row, token)


def test_apns_provider_token_is_reused(ctx):
    case = new_case(ctx, apps=2, apns=2)
    notes = [step(ctx, case), step(ctx, case)]
    for note in notes:
        assert [r["status"] for r in settle(ctx, note, 2)] == ["done", "done"]
    sent = ctx.fake.requests("apns")
    assert len(sent) == 4, [e["token"] for e in sent]
    jwts = {e["bearer"] for e in sent}
    assert len(jwts) == 1, f"{len(jwts)} provider tokens for 4 sends within seconds"
    assert all(e["auth_ok"] for e in sent)


def warm_up(c, case):
    """One delivery first, so that pushd holds a token the fake has seen (or issued): what a
    revocation then refuses."""
    settle(c, step(c, case))
    return c.fake.mark()


def fresh_token(c, case, channel):
    """pushd's access token of hms / wechat made new, with the default lifetime (an earlier
    test may have left it one that is about to be renewed): the fake forgets its tokens and
    one delivery goes through (refused once, then with a new token). Returns the fake's
    mark from before that delivery: one token request since then."""
    mark = c.fake.mark()
    c.fake.revoke_tokens(channel)
    settle(c, step(c, case))
    assert len(c.fake.requests(channel + "_token", mark)) >= 1
    return mark


@pytest.mark.parametrize("how", ["ExpiredProviderToken", "InvalidProviderToken"])
def test_apns_refused_provider_token_is_made_again(ctx, how):
    case = new_case(ctx, apps=3, apns=1)
    [token] = tokens_of(case, "apns")
    mark = warm_up(ctx, case)
    if how == "ExpiredProviderToken":
        ctx.fake.revoke_tokens("apns")  # every JWT seen so far: 403 ExpiredProviderToken
    else:
        ctx.fake.answer("apns", Reply(403, {"reason": how}), times=1)
    note = step(ctx, case)
    [row] = settle(ctx, note, 1)
    sent = ctx.fake.requests("apns", mark, token=token)
    assert [e["status"] for e in sent] == [403, 200], sent
    assert (row["status"], row["attempts"]) == ("done", 2), row
    first, second = sent
    assert second["bearer"] != first["bearer"], "the refused provider token was sent again"
    assert second["auth_ok"], second["auth_error"]
    assert second["headers"]["apns-id"] == first["headers"]["apns-id"]
    assert_apns_request(ctx, second, note, row, token)
    # and the new one is kept for the sends that follow
    settle(ctx, step(ctx, case), 1)
    later = ctx.fake.requests("apns", mark, token=token)[2:]
    assert len(later) == 1 and later[0]["bearer"] == second["bearer"], later


APNS_GONE = {
    "410 Unregistered": Reply(410, {"reason": "Unregistered", "timestamp": 1700000000000}),
    "400 BadDeviceToken": Reply(400, {"reason": "BadDeviceToken"}),
    "400 Unregistered": Reply(400, {"reason": "Unregistered"}),
}


@pytest.mark.parametrize("answer", list(APNS_GONE))
def test_apns_gone_deactivates_the_device(ctx, answer):
    case = new_case(ctx, apps=2, apns=2)
    gone, kept = tokens_of(case, "apns")
    ctx.fake.answer("apns", APNS_GONE[answer], token=gone)
    assert_gone_flow(ctx, case, "apns", gone, kept)


def assert_gone_flow(c, case, channel, gone, kept):
    """The provider said `gone` is gone: its delivery is done (one try), the device inactive,
    the next notification has no delivery for it; the other device carries on."""
    note = step(c, case)
    rows = settle(c, note, 2)
    gone_id, kept_id = case.devices[gone][1], case.devices[kept][1]
    states = {r["target_id"]: (r["status"], r["attempts"]) for r in rows}
    assert states == {str(gone_id): ("done", 1), str(kept_id): ("done", 1)}, rows
    assert len(c.fake.requests(channel, token=gone)) == 1
    assert not device_active(c, gone_id), "the gone device is still active"
    assert device_active(c, kept_id)
    later = step(c, case)
    rows = settle(c, later, 1)
    assert [(r["channel"], r["target_id"]) for r in rows] == [(channel, str(kept_id))], rows
    assert len(c.fake.requests(channel, token=gone)) == 1, "a gone device was sent to again"


@pytest.mark.parametrize("answer", [Reply(400, {"reason": "BadTopic"}),
                                    Reply(413, {"reason": "PayloadTooLarge"})],
                         ids=["400 BadTopic", "413 PayloadTooLarge"])
def test_apns_other_4xx_is_dead_at_once(ctx, answer):
    case = new_case(ctx, apns=1)
    [token] = tokens_of(case, "apns")
    ctx.fake.answer("apns", answer, token=token)
    note = step(ctx, case)
    [row] = settle(ctx, note, 1)
    assert (row["status"], row["attempts"]) == ("dead", 1), row
    assert row["last_error"], row
    time.sleep(3 * RETRY_BASE_MS / 1000)
    assert len(ctx.fake.requests("apns", token=token)) == 1
    assert device_active(ctx, case.devices[token][1]), "a refused message is not a gone device"


def test_batch_sends_run_concurrently(ctx):
    """Six devices, each answered after 1 s (below push_timeout_ms): sent at once, not one
    after the other."""
    case = new_case(ctx, apns=6)
    ctx.fake.hang("apns", 1.0, times=6)
    note = step(ctx, case)
    started = time.monotonic()
    rows = settle(ctx, note, 6)
    took = time.monotonic() - started
    assert [(r["status"], r["attempts"]) for r in rows] == [("done", 1)] * 6, rows
    sent = ctx.fake.requests("apns")
    assert len(sent) == 6, len(sent)
    spread = max(e["mono"] for e in sent) - min(e["mono"] for e in sent)
    assert spread < 0.5, f"the six sends reached APNs over {spread:.2f} s: one after another"
    assert took < 4, f"six 1-second answers took {took:.1f} s"


def test_batch_sends_share_an_http2_connection(ctx):
    """HTTP/2 multiplexed: the six APNs sends of one batch do not open six connections."""
    case = new_case(ctx, apns=6)
    ctx.fake.hang("apns", 0.5, times=6)
    note = step(ctx, case)
    settle(ctx, note, 6)
    sent = ctx.fake.requests("apns")
    assert len(sent) == 6 and all(e["protocol"] == "HTTP/2.0" for e in sent), sent
    connections = {e["connection"] for e in sent}
    assert len(connections) < 6, f"{len(connections)} connections for 6 concurrent sends"


# --- HMS ---------------------------------------------------------------------------------------
def test_hms_request(ctx):
    case = new_case(ctx, hms=1)
    [token] = tokens_of(case, "hms")
    note = step(ctx, case)
    [row] = settle(ctx, note, 1)
    assert row["channel"] == "hms" and (row["status"], row["attempts"]) == ("done", 1), row
    [e] = ctx.fake.requests("hms", token=token)
    assert e["status"] == 200
    assert_hms_request(ctx, e, note, token)
    for t in ctx.fake.requests("hms_token"):
        assert_token_request(ctx, "hms", t)


def test_hms_token_is_cached(ctx):
    case = new_case(ctx, apps=3, hms=1)
    since = fresh_token(ctx, case, "hms")
    add_device(ctx, case, "hms")
    mark = ctx.fake.mark()
    for _ in range(2):
        assert [r["status"] for r in settle(ctx, step(ctx, case), 2)] == ["done", "done"]
    sent = ctx.fake.requests("hms", mark)
    assert len(sent) == 4 and all(e["auth_ok"] for e in sent), sent
    fetched = ctx.fake.requests("hms_token", since)
    assert len(fetched) == 1, f"{len(fetched)} token requests for 5 sends"
    assert {e["bearer"] for e in sent} == {fetched[0]["issued"]}, "sends with other tokens"


@pytest.mark.parametrize("how", ["HTTP 401", "code 80200003"])
def test_hms_refused_token_is_fetched_again(ctx, how):
    case = new_case(ctx, apps=2, hms=1)
    [token] = tokens_of(case, "hms")
    fresh_token(ctx, case, "hms")
    mark = ctx.fake.mark()
    if how == "HTTP 401":
        ctx.fake.revoke_tokens("hms")  # the fake answers 401 to every token it issued
    else:
        ctx.fake.answer("hms", Reply(200, {"code": "80200003", "msg": "OAuth token expired"}),
                        times=1)
    note = step(ctx, case)
    [row] = settle(ctx, note, 1)
    assert (row["status"], row["attempts"]) == ("done", 2), row
    sent = ctx.fake.requests("hms", mark, token=token)
    assert len(sent) == 2 and sent[1]["status"] == 200, sent
    fetched = ctx.fake.requests("hms_token", mark)
    assert len(fetched) == 1, f"{len(fetched)} token requests after the refusal"
    assert_token_request(ctx, "hms", fetched[0])
    assert sent[0]["mono"] < fetched[0]["mono"] < sent[1]["mono"]
    assert sent[1]["bearer"] == fetched[0]["issued"] != sent[0]["bearer"]
    assert_hms_request(ctx, sent[1], note, token)


def test_hms_gone_deactivates_the_device(ctx):
    case = new_case(ctx, apps=2, hms=2)
    gone, kept = tokens_of(case, "hms")
    ctx.fake.gone("hms", token=gone)
    assert_gone_flow(ctx, case, "hms", gone, kept)


# --- token lifetimes (HMS and WeChat) ----------------------------------------------------------
@pytest.mark.parametrize("channel", ["hms", "wechat"])
def test_access_token_is_renewed_60_s_before_it_expires(ctx, channel):
    """A token that lives 62 s is used for at most 2 s: the send after that fetches a new one
    first (the fake would still accept the old one)."""
    case = new_case(ctx, apps=3, hms=1 if channel == "hms" else 0,
                    grants=5 if channel == "wechat" else 0, openid=channel == "wechat")
    mark = warm_up(ctx, case)
    ctx.fake.expires_in[channel + "_token"] = 62
    ctx.fake.revoke_tokens(channel)  # forces a fetch now, of a 62-second token
    settle(ctx, step(ctx, case), 1)
    [first] = ctx.fake.requests(channel + "_token", mark)
    time.sleep(max(0.0, first["at"] + 2.6 - time.time()))
    mark = ctx.fake.mark()
    [row] = settle(ctx, step(ctx, case), 1)
    assert row["status"] == "done", row
    fetched = ctx.fake.requests(channel + "_token", mark)
    sent = [e for e in ctx.fake.requests(channel, mark)]
    assert len(fetched) == 1, "the token was used past 60 s before its expiry"
    assert sent and sent[0]["bearer"] == fetched[0]["issued"], sent
    assert sent[0]["auth_ok"] and sent[0]["mono"] > fetched[0]["mono"]


# --- JPush -------------------------------------------------------------------------------------
def test_jpush_request(ctx):
    case = new_case(ctx, jpush=1)
    [token] = tokens_of(case, "jpush")
    note = step(ctx, case)
    [row] = settle(ctx, note, 1)
    assert row["channel"] == "jpush" and (row["status"], row["attempts"]) == ("done", 1), row
    [e] = ctx.fake.requests("jpush", token=token)
    assert e["status"] == 200
    assert_jpush_request(ctx, e, note, token)


def test_jpush_gone_deactivates_the_device(ctx):
    case = new_case(ctx, apps=2, jpush=2)
    gone, kept = tokens_of(case, "jpush")
    ctx.fake.gone("jpush", token=gone)
    assert_gone_flow(ctx, case, "jpush", gone, kept)


@pytest.mark.parametrize("status", [401, 403])
def test_jpush_refused_credentials_are_dead_at_once(ctx, status):
    case = new_case(ctx, jpush=1)
    [token] = tokens_of(case, "jpush")
    ctx.fake.answer("jpush", Reply(status, {"error": {"code": 1004, "message":
                                                      "Authen failed"}}), token=token)
    [row] = settle(ctx, step(ctx, case), 1)
    assert (row["status"], row["attempts"]) == ("dead", 1), row
    time.sleep(3 * RETRY_BASE_MS / 1000)
    assert len(ctx.fake.requests("jpush", token=token)) == 1
    assert device_active(ctx, case.devices[token][1])


# --- WeChat ------------------------------------------------------------------------------------
def test_wechat_request_uses_one_grant(ctx):
    case = new_case(ctx, grants=3, openid=True)
    assert grant_remaining(ctx, case) == 3
    note = step(ctx, case)
    [row] = settle(ctx, note, 1)
    assert row["channel"] == "wechat" and row["target_ref"] == TEMPLATE, row
    assert (row["status"], row["attempts"]) == ("done", 1), row
    [e] = ctx.fake.requests("wechat", token=case.openid)
    assert e["status"] == 200 and e["auth_ok"], e
    assert_wechat_request(ctx, e, note, case)
    assert grant_remaining(ctx, case) == 2
    for t in ctx.fake.requests("wechat_token"):
        assert_token_request(ctx, "wechat", t)


def test_wechat_token_is_cached(ctx):
    case = new_case(ctx, apps=5, grants=10, openid=True)
    since = fresh_token(ctx, case, "wechat")
    mark = ctx.fake.mark()
    for _ in range(4):
        assert [r["status"] for r in settle(ctx, step(ctx, case), 1)] == ["done"]
    sent = ctx.fake.requests("wechat", mark)
    assert len(sent) == 4 and all(e["auth_ok"] for e in sent), sent
    fetched = ctx.fake.requests("wechat_token", since)
    assert len(fetched) == 1, f"{len(fetched)} token requests for 5 sends"
    assert {e["bearer"] for e in sent} == {fetched[0]["issued"]}, "sends with other tokens"


@pytest.mark.parametrize("errcode", [40001, 42001])
def test_wechat_refused_token_is_fetched_again(ctx, errcode):
    case = new_case(ctx, apps=2, grants=5, openid=True)
    fresh_token(ctx, case, "wechat")
    mark = ctx.fake.mark()
    if errcode == 40001:
        ctx.fake.revoke_tokens("wechat")  # the fake answers 40001 to every token it issued
    else:
        ctx.fake.answer("wechat", Reply(200, {"errcode": 42001,
                                              "errmsg": "access_token expired"}), times=1)
    note = step(ctx, case)
    [row] = settle(ctx, note, 1)
    assert (row["status"], row["attempts"]) == ("done", 2), row
    sent = ctx.fake.requests("wechat", mark, token=case.openid)
    assert len(sent) == 2 and sent[1]["status"] == 200, sent
    fetched = ctx.fake.requests("wechat_token", mark)
    assert len(fetched) == 1, f"{len(fetched)} token requests after errcode {errcode}"
    assert_token_request(ctx, "wechat", fetched[0])
    assert sent[0]["mono"] < fetched[0]["mono"] < sent[1]["mono"]
    assert sent[1]["bearer"] == fetched[0]["issued"] != sent[0]["bearer"]
    assert_wechat_request(ctx, sent[1], note, case)


def test_wechat_gone_clears_the_grant(ctx):
    case = new_case(ctx, apps=2, grants=5, openid=True)
    ctx.fake.gone("wechat", token=case.openid)
    [row] = settle(ctx, step(ctx, case), 1)
    assert (row["status"], row["attempts"]) == ("done", 1), row
    assert len(ctx.fake.requests("wechat", token=case.openid)) == 1
    assert grant_remaining(ctx, case) == 0
    later = step(ctx, case)
    assert deliveries(ctx.stack, later.id) == [], "a delivery for a cleared grant"


def pause_pushd(stack):
    """SIGSTOP the stack's pushd between two transactions (stopped inside a claim it would
    hold row locks that block the notifications' inserts): its pid."""
    pid = stack.pid("onewindow-pushd")
    for _ in range(100):
        os.kill(pid, signal.SIGSTOP)
        time.sleep(0.05)
        if sql(stack, "SELECT COUNT(*) FROM information_schema.INNODB_TRX")[0][0] == "0":
            return pid
        os.kill(pid, signal.SIGCONT)
        time.sleep(0.01 + secrets.randbelow(30) / 1000)
    raise AssertionError("pushd could not be paused outside a transaction")


def test_wechat_without_grants_left_sends_nothing(ctx):
    """Two notifications written while one grant is left (pushd paused): the first uses it,
    the second finds none and is done without a request."""
    case = new_case(ctx, apps=2, openid=True)
    pid = pause_pushd(ctx.stack)
    try:
        assert add_grants(ctx, case, 1) == 1
        notes = [step(ctx, case), step(ctx, case)]
        assert [len(deliveries(ctx.stack, n.id)) for n in notes] == [1, 1]
    finally:
        os.kill(pid, signal.SIGCONT)
    rows = [settle(ctx, n, 1)[0] for n in notes]
    assert [(r["status"], r["attempts"]) for r in rows] == [("done", 1), ("done", 1)], rows
    sent = ctx.fake.requests("wechat", token=case.openid)
    assert len(sent) == 1, f"{len(sent)} messages for one grant"
    assert grant_remaining(ctx, case) == 0


def test_wechat_without_openid_is_dead(ctx):
    case = new_case(ctx, grants=2)  # no openid
    [row] = settle(ctx, step(ctx, case), 1)
    assert row["channel"] == "wechat" and row["status"] == "dead", row
    assert "no openid" in row["last_error"], row
    assert not ctx.fake.requests("wechat"), "a message without a recipient"


# --- SMS (http gateway) ------------------------------------------------------------------------
def test_sms_request(ctx):
    case = new_case(ctx)
    mark = ctx.fake.mark()
    note = step(ctx, case, "need_materials")
    [row] = settle(ctx, note, 1)
    assert row["channel"] == "sms" and (row["status"], row["attempts"]) == ("done", 1), row
    [e] = sms_notifications(ctx, case, mark)
    assert_sms_request(ctx, e, note, row, case)


@pytest.mark.parametrize("status", [400, 403, 422])
def test_sms_gateway_4xx_is_dead_at_once(ctx, status):
    case = new_case(ctx)
    ctx.fake.answer("sms", Reply(status, {"error": "refused"}), token=case.citizen.phone)
    mark = ctx.fake.mark()
    [row] = settle(ctx, step(ctx, case, "need_materials"), 1)
    assert (row["status"], row["attempts"]) == ("dead", 1), row
    time.sleep(3 * RETRY_BASE_MS / 1000)
    assert len(sms_notifications(ctx, case, mark)) == 1


# --- every channel: retries, dead, requeue, hangs -----------------------------------------------
RETRYABLE = {
    "5xx": {"apns": Reply(503, {"reason": "ServiceUnavailable"}),
            "hms": Reply(503, {"code": "81000001", "msg": "System inner error"}),
            "jpush": Reply(503, {"error": {"code": 1000, "message": "server error"}}),
            "wechat": Reply(502, raw=b"<html>502 Bad Gateway</html>", content_type="text/html"),
            "sms": Reply(503, {"error": "busy"})},
    "429": {"apns": Reply(429, {"reason": "TooManyRequests"}),
            "hms": Reply(429, {"code": "80300008", "msg": "flow control"}),
            "jpush": Reply(429, {"error": {"code": 2002, "message": "rate limited"}}),
            "wechat": Reply(200, {"errcode": 45009, "errmsg": "reach max api daily quota limit"}),
            "sms": Reply(429, {"error": "slow down"})},
    "other": {"apns": Reply(500, {"reason": "InternalServerError"}),
              "hms": Reply(200, {"code": "80100003", "msg": "Illegal payload"}),
              "jpush": Reply(400, {"error": {"code": 1003, "message": "parameter invalid"}}),
              "wechat": Reply(200, {"errcode": -1, "errmsg": "system error"}),
              "sms": Reply(500, {"error": "internal"})},
}


def rows_per_channel(rows):
    got = by_channel(rows)
    assert sorted(got) == sorted(ALL_CHANNELS), rows
    assert all(len(v) == 1 for v in got.values()), rows
    return {k: v[0] for k, v in got.items()}


@pytest.mark.parametrize("kind", list(RETRYABLE))
def test_retry_then_success_on_every_channel(ctx, kind):
    case = all_channels_case(ctx)
    for channel, reply in RETRYABLE[kind].items():
        token = case.citizen.phone if channel == "sms" else None
        ctx.fake.answer(channel, reply, times=2, token=token)
    note = step(ctx, case, "need_materials")
    rows = rows_per_channel(settle(ctx, note, 5, timeout=20))
    problems = []
    for channel, row in rows.items():
        sent = requests_for(ctx, channel, case)
        if (row["status"], row["attempts"], len(sent)) != ("done", 3, 3):
            problems.append(f"{channel}: {row['status']} after {row['attempts']} attempts, "
                            f"{len(sent)} requests ({[e['status'] for e in sent]}, "
                            f"{row['last_error']!r})")
            continue
        # the same message every time (APNs and SMS: the delivery id travels with each try)
        if channel == "apns":
            assert {e["headers"]["apns-id"].lower() for e in sent} == {row["delivery_id"]}
        elif channel == "sms":
            assert {e["json"]["delivery_id"] for e in sent} == {row["delivery_id"]}
        else:
            assert all(e["json"] == sent[0]["json"] for e in sent), channel
        # backoff: base × 2^(n-1) × [0.5, 1.5)
        gaps = [b["mono"] - a["mono"] for a, b in zip(sent, sent[1:])]
        if not (gaps[0] >= 0.5 * RETRY_BASE_MS / 1000 - 0.02
                and gaps[1] >= RETRY_BASE_MS / 1000 - 0.02):
            problems.append(f"{channel}: retried too soon, gaps {gaps}")
    assert not problems, "\n".join(problems)


FAILING = {"apns": Reply(500, {"reason": "InternalServerError"}),
           "hms": Reply(200, {"code": "80100003", "msg": "Illegal payload"}),
           "jpush": Reply(500, {"error": {"code": 1000, "message": "server error"}}),
           "wechat": Reply(200, {"errcode": -1, "errmsg": "system error"}),
           "sms": Reply(500, {"error": "internal"})}


def dead_listing(c):
    out = c.stack.admin("outbox", "--dead").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_dead_after_max_attempts_then_requeued(ctx):
    case = all_channels_case(ctx)
    for channel, reply in FAILING.items():
        ctx.fake.answer(channel, reply, token=case.citizen.phone if channel == "sms" else None)
    note = step(ctx, case, "need_materials")
    rows = rows_per_channel(settle(ctx, note, 5, timeout=25))
    problems = [f"{ch}: {r['status']} after {r['attempts']} attempts, "
                f"{len(requests_for(ctx, ch, case))} requests"
                for ch, r in rows.items()
                if (r["status"], r["attempts"], len(requests_for(ctx, ch, case))) !=
                ("dead", MAX_ATTEMPTS, MAX_ATTEMPTS)]
    assert not problems, "\n".join(problems)
    time.sleep(0.5)
    for channel in ALL_CHANNELS:
        assert len(requests_for(ctx, channel, case)) == MAX_ATTEMPTS, f"{channel} tried again"
    # operators see them
    listed = {d["id"]: d for d in dead_listing(ctx)}
    for channel, row in rows.items():
        d = listed.get(row["id"])
        assert d, f"{channel} delivery {row['id']} not in `outbox --dead`"
        assert set(d) == {"id", "delivery_id", "channel", "attempts", "last_error",
                          "created_at"}, d
        assert d["delivery_id"] == row["delivery_id"] and d["channel"] == channel, d
        assert d["attempts"] == MAX_ATTEMPTS and d["last_error"], d
    # the providers are well again; each delivery requeued by its id is delivered
    ctx.fake.reset()
    for channel, row in rows.items():
        out = ctx.stack.admin("outbox", "--requeue", row["id"]).stdout
        assert "requeued: 1" in out, (channel, out)
    rows = rows_per_channel(settle(ctx, note, 5, timeout=15))
    for channel, row in rows.items():
        assert row["status"] == "done", (channel, row)
        sent = requests_for(ctx, channel, case)
        assert len(sent) == 1 and sent[0]["status"] == 200, (channel, sent)
    listed = {d["id"] for d in dead_listing(ctx)}
    assert not listed & {r["id"] for r in rows.values()}
    [apns] = requests_for(ctx, "apns", case)
    assert apns["headers"]["apns-id"].lower() == rows["apns"]["delivery_id"].lower()


def test_hanging_provider_times_out_and_is_retried(ctx):
    """Every provider hangs 3 s on the first try: pushd gives up after push_timeout_ms, tries
    again, and the deliveries are done; nothing stays pending."""
    case = all_channels_case(ctx)
    for channel in ALL_CHANNELS:
        ctx.fake.hang(channel, 3.0, times=1,
                      token=case.citizen.phone if channel == "sms" else None)
    note = step(ctx, case, "need_materials")
    rows = rows_per_channel(settle(ctx, note, 5, timeout=20))
    problems = []
    for channel, row in rows.items():
        sent = requests_for(ctx, channel, case)
        if (row["status"], row["attempts"], len(sent)) != ("done", 2, 2):
            problems.append(f"{channel}: {row['status']} after {row['attempts']} attempts, "
                            f"{len(sent)} requests")
            continue
        gap = sent[1]["mono"] - sent[0]["mono"]
        if not TIMEOUT_MS / 1000 - 0.1 <= gap < 2.9:
            problems.append(f"{channel}: second try {gap:.2f} s after the first "
                            f"(timeout {TIMEOUT_MS} ms, the hang lasts 3 s)")
    assert not problems, "\n".join(problems)
    assert pending_rows(ctx.stack) == 0
    # pushd still works promptly
    ctx.fake.reset()
    case2 = new_case(ctx, apns=1)
    started = time.monotonic()
    [row] = settle(ctx, step(ctx, case2), 1)
    assert row["status"] == "done" and time.monotonic() - started < 2, row


# --- /metrics ----------------------------------------------------------------------------------
def test_metrics_deliveries_and_outbox_depth(ctx):
    m0 = scrape(ctx.base)
    if DELIVERIES not in m0.types or PENDING not in m0.types:
        pytest.xfail(f"{DELIVERIES} / {PENDING} not in the host's /metrics yet")
    assert m0.types[DELIVERIES] == "counter", m0.types[DELIVERIES]
    assert m0.types[PENDING] == "gauge" and m0.types.get(OLDEST_DUE) == "gauge", m0.types
    for labels, _ in m0.series(DELIVERIES):
        assert set(labels) == {"channel", "result"}, labels
        assert labels["result"] in ("done", "retry", "dead", "gone"), labels
    # one retry then done on every channel, one gone device, one dead delivery
    case = all_channels_case(ctx, apps=1)
    gone = add_device(ctx, case, "apns")
    for channel, reply in RETRYABLE["5xx"].items():
        ctx.fake.answer(channel, reply, times=1,
                        token=case.citizen.phone if channel == "sms" else None)
    ctx.fake.gone("apns", token=gone)
    dead = add_device(ctx, case, "jpush")
    ctx.fake.answer("jpush", Reply(401, {"error": {"code": 1004}}), token=dead)
    settle(ctx, step(ctx, case, "need_materials"), 7, timeout=20)
    expected = {(ch, "done"): 1 for ch in ALL_CHANNELS}
    expected.update({(ch, "retry"): 1 for ch in ALL_CHANNELS})
    expected.update({("apns", "gone"): 1, ("jpush", "dead"): 1})

    def grown():
        m = scrape(ctx.base)
        short = {k: m.get(DELIVERIES, channel=k[0], result=k[1]) -
                 m0.get(DELIVERIES, channel=k[0], result=k[1]) for k in expected}
        return m if all(short[k] >= v for k, v in expected.items()) else None
    try:
        wait_for(grown, 10, interval=0.2, what="deliveries counted")
    except AssertionError:
        m = scrape(ctx.base)
        raise AssertionError({k: m.get(DELIVERIES, channel=k[0], result=k[1]) -
                              m0.get(DELIVERIES, channel=k[0], result=k[1]) for k in expected})
    # depth: rows of a channel no pushd serves stay pending, one of them due 30 s ago
    tag = "e2e-metrics-" + secrets.token_hex(4)
    sql(ctx.stack, f"INSERT INTO outbox (delivery_id, channel, citizen_id, target_ref, "
                   f"next_attempt_at) SELECT UUID(), 'webhook', {int(case.citizen.id)}, "
                   f"{q(tag)}, CURRENT_TIMESTAMP(3) - INTERVAL 30 SECOND FROM seq_1_to_3")
    try:
        def deep():
            m = scrape(ctx.base)
            return m if m.get(PENDING) >= 3 and m.get(OLDEST_DUE) >= 30 else None
        try:
            wait_for(deep, 10, interval=0.2, what="outbox depth")
        except AssertionError:
            m = scrape(ctx.base)
            raise AssertionError(f"{PENDING} {m.get(PENDING)}, {OLDEST_DUE} "
                                 f"{m.get(OLDEST_DUE)} with 3 deliveries due 30 s ago")
    finally:
        sql(ctx.stack, f"DELETE FROM outbox WHERE target_ref = {q(tag)}")
    wait_for(lambda: scrape(ctx.base).get(OLDEST_DUE) < 30, 10, interval=0.2,
             what="oldest due age back down")


# --- logs (last) -------------------------------------------------------------------------------
def test_no_credential_or_token_in_the_logs(pstack, fake):
    time.sleep(1.2)
    with open(fake.apns_key_file, encoding="ascii") as f:
        key_lines = [l for l in f.read().splitlines() if l and not l.startswith("-----")]
    values = (fake.secrets() + key_lines + fake.tokens_issued("hms") +
              fake.tokens_issued("wechat") + list(fake.jwts))
    assert fake.jwts and fake.tokens_issued("hms") and fake.tokens_issued("wechat")
    log_dir = os.path.dirname(pstack.log_path("x"))
    for root, _, names in os.walk(log_dir):
        for name in names:
            with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
                text = f.read()
            leaked = [v[:12] + "…" for v in values if v and v in text]
            assert not leaked, f"{name} holds {leaked[:5]}"
