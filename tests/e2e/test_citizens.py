"""API.md §1 and §3 citizens through nginx: SMS codes (the `log` provider's outbox, the 60 s
and 10-per-day limits per phone, phone validation), SMS and password logins (registration on
the first login, the same citizen afterwards, refusals that look the same, dead codes, the
lockout after 10 wrong passwords), GET /me with masked personal data, real-name verification
(GB 11643 ID numbers, names, one account per ID), the password rules, refresh and logout of
a citizen session, and that personal data is encrypted at rest and never written to a log.

Every test uses its own random phone numbers and ID numbers, so the tests do not depend on
each other. Waiting out the 60 s rule is replaced by ageing the newest code row of a phone
in the stack's private database (`sms_codes.created_at` moved back 61 s): what the server
sees is exactly a code sent a minute ago. The database and log checks come last in the file
(pytest keeps file order)."""
import concurrent.futures
import datetime
import json
import os
import re
import secrets
import subprocess
import threading
import time

import pytest
import requests

from conftest import assert_problem
from helpers import settings, sql, unique_id, unique_sub, wait_for
from people import fresh_sms_code, mask_phone, phone_login as login, set_first_password
from people import sms_send as send
from helpers import assert_invalid_token, field_errors, post

SEND = "/api/v1/auth/sms/send"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/me"
REAL_NAME = "/api/v1/me/real-name"
PASSWORD = "/api/v1/me/password"
WHOAMI = "/api/v1/test/citizen"
TOKEN = "/api/v1/test/token"

SMS_INTERVAL_S = 60
SMS_PER_DAY = 10
CODE_TRIES = 5
CODE_TTL_S = 300
ACCESS_TTL_S = 900
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))  # no DST since 1991

REALM = 'Bearer realm="onewindow"'
SCOPE = 'Bearer realm="onewindow", error="insufficient_scope"'

REPEAT = 4  # with 2 workers and nginx's round robin, each worker sees a token at least twice
LOGOUT_VISIBLE_S = 1.0  # API.md §3: refused by every worker within 1 s

B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
ME_FIELDS = {"id", "phone_masked", "name_masked", "real_name_verified", "assurance_level",
             "wechat_bound", "created_at"}

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"

# Personal data this module used: none may appear in a log or in clear in the database.
PHONES = []
ID_NUMBERS = []
NAMES = []


# --- personal data ---------------------------------------------------------------------------
def new_phone(prefix="139"):
    while True:
        phone = prefix + "".join(str(secrets.randbelow(10)) for _ in range(11 - len(prefix)))
        if phone not in PHONES:
            PHONES.append(phone)
            return phone


def id_check(first17):
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]


def new_id_number(region="110105", birth=None, check_x=None):
    """A valid 18-digit resident ID (GB 11643) nobody in this module used; check_x=True gives
    one whose check character is X, False one whose check character is a digit."""
    while True:
        if birth is None:
            day = datetime.date(1950, 1, 1) + datetime.timedelta(days=secrets.randbelow(18000))
            born = day.strftime("%Y%m%d")
        else:
            born = birth
        first17 = region + born + f"{secrets.randbelow(1000):03d}"
        check = id_check(first17)
        if check_x is not None and (check == "X") != check_x:
            continue
        number = first17 + check
        if number not in ID_NUMBERS:
            ID_NUMBERS.append(number)
            return number


def with_bad_check(number):
    """The same 17 digits with a wrong check character."""
    good = number[17]
    bad = next(c for c in ID_CHECK if c != good)
    return number[:17] + bad


def remember_name(name):
    NAMES.append(name)
    return name


def mask_name(name):
    return name[0] + "*" * (len(name) - 1)


# --- the SMS outbox and the database ---------------------------------------------------------
def outbox_path(stack):
    return os.path.join(stack.var_dir, "sms-outbox.jsonl")


def outbox_lines(stack, phone):
    try:
        with open(outbox_path(stack), encoding="utf-8") as f:
            lines = [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []
    return [line for line in lines if line.get("phone") == phone]


def newest_code(stack, phone):
    lines = outbox_lines(stack, phone)
    assert lines, f"no code for {phone} in {outbox_path(stack)}"
    return lines[-1]["code"]


def newest_sms_row(stack):
    rows = sql(stack, "SELECT COALESCE(MAX(id), 0) FROM sms_codes")
    return int(rows[0][0])


def phone_bidx_of_sends(stack, after_id):
    """The blind index of the phone of the codes stored after row after_id (one phone)."""
    rows = sql(stack, f"SELECT DISTINCT HEX(phone_bidx) FROM sms_codes WHERE id > {after_id}")
    assert len(rows) == 1, rows
    return rows[0][0]


def age_newest_code(stack, bidx_hex, seconds=SMS_INTERVAL_S + 1):
    """Moves the newest code of a phone `seconds` into the past: as if sent then (its expiry
    moves with it)."""
    sql(stack, f"UPDATE sms_codes SET created_at = created_at - INTERVAL {int(seconds)} SECOND, "
               f"expires_at = expires_at - INTERVAL {int(seconds)} SECOND "
               f"WHERE phone_bidx = UNHEX('{bidx_hex}') ORDER BY id DESC LIMIT 1")


def citizen_bidx(stack, citizen_id):
    rows = sql(stack, f"SELECT HEX(phone_bidx) FROM citizens WHERE id = {int(citizen_id)}")
    assert len(rows) == 1, rows
    return rows[0][0]


# --- the server ------------------------------------------------------------------------------
def get(http, base, path, token=None, authorization=None):
    h = {}
    if authorization is not None:
        h["Authorization"] = authorization
    elif token is not None:
        h["Authorization"] = f"Bearer {token}"
    return http.get(base + path, headers=h, timeout=30)


def send_code(http, base, stack, phone):
    """A 202 from /auth/sms/send and the code the log provider wrote."""
    before = len(outbox_lines(stack, phone))
    r = send(http, base, phone)
    assert r.status_code == 202, r.text
    assert r.json() == {"retry_after": SMS_INTERVAL_S}, r.text
    lines = outbox_lines(stack, phone)
    assert len(lines) == before + 1, lines
    return lines[-1]["code"]


def wrong_code(code):
    return f"{(int(code) + 1) % 1000000:06d}"


def assert_me(me, phone, name=None, verified=False):
    """A /me body (API.md §3) of the citizen with this phone."""
    assert set(me) == ME_FIELDS, me
    assert isinstance(me["id"], str) and me["id"], me
    assert me["phone_masked"] == mask_phone(phone), me
    assert me["name_masked"] == (mask_name(name) if name else None), me
    assert me["real_name_verified"] is verified, me
    # the development provider checks the form only: level 2 (docs/identity-provider.md)
    assert me["assurance_level"] == (2 if verified else 1), me
    assert me["wechat_bound"] is False, me
    assert RFC3339_UTC.match(me["created_at"]), me
    created = datetime.datetime.strptime(me["created_at"][:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    assert abs(created - time.time()) < 600, f"created_at {me['created_at']} is not UTC now"
    return me


def assert_pair(r, phone, name=None, verified=False):
    """A 200 citizen token pair; returns the body."""
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    assert "no-store" in r.headers.get("Cache-Control", ""), r.headers
    body = r.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token",
                         "refresh_expires_in", "citizen"}, body
    assert body["token_type"] == "Bearer", body
    assert isinstance(body["access_token"], str) and body["access_token"].count(".") == 2
    assert body["expires_in"] == ACCESS_TTL_S, body
    assert isinstance(body["refresh_token"], str) and len(body["refresh_token"]) >= 43
    assert B64URL.match(body["refresh_token"]), body
    assert isinstance(body["refresh_expires_in"], int) and body["refresh_expires_in"] > 0
    assert_me(body["citizen"], phone, name, verified)
    return body


def new_citizen(http, base, stack, phone=None):
    """A citizen registered by its first SMS login: (phone, token pair)."""
    phone = phone or new_phone()
    code = send_code(http, base, stack, phone)
    return phone, assert_pair(login(http, base, phone, code), phone)


def me(http, base, access):
    r = get(http, base, ME, access)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    return r.json()


def claims(http, base, access):
    r = get(http, base, WHOAMI, access)
    assert r.status_code == 200, r.text
    return r.json()


def mint(http, base, role, **fields):
    r = http.post(base + TOKEN, json={"sub": unique_sub(), "role": role, **fields},
                  timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def assert_retry_after(r, low, high):
    retry = r.headers.get("Retry-After")
    assert retry is not None and retry.isdigit(), r.headers
    assert low <= int(retry) <= high, (retry, low, high)
    return int(retry)


def set_password(http, base, access, new, old=None, sms_code=None):
    body = {"new_password": new}
    if old is not None:
        body["old_password"] = old
    if sms_code is not None:
        body["sms_code"] = sms_code
    return post(http, base, PASSWORD, body, token=access, method="PUT")


def first_password(http, base, stack, phone, pair, new):
    """The first password of an account: with a fresh SMS code."""
    return set_first_password(stack, http, base, phone, pair["citizen"]["id"],
                              pair["access_token"], new)


def real_name(http, base, access, name, id_number):
    return post(http, base, REAL_NAME, {"name": name, "id_number": id_number}, token=access)


def parallel(n, call):
    """Runs call(session) n times at once (a barrier lines the threads up): the answers."""
    barrier = threading.Barrier(n)

    def one(_):
        with requests.Session() as s:
            barrier.wait(10)
            return call(s)
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


# --- SMS codes -------------------------------------------------------------------------------
def test_sms_send_writes_the_code_to_the_outbox(base, http, stack):
    assert settings(stack)["var_dir"] == stack.var_dir
    phone = new_phone()
    before = time.time()
    r = send(http, base, phone)
    assert r.status_code == 202, r.text
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    assert r.json() == {"retry_after": 60}
    lines = outbox_lines(stack, phone)
    assert len(lines) == 1, lines
    line = lines[0]
    assert set(line) == {"phone", "code", "at"}, line
    assert all(isinstance(v, str) for v in line.values()), line
    assert re.fullmatch(r"\d{6}", line["code"]), line
    assert RFC3339_UTC.match(line["at"]), line
    at = datetime.datetime.strptime(line["at"][:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    assert before - 2 <= at <= time.time() + 2, line
    assert "code" not in r.text and line["code"] not in r.text


def test_sms_send_again_within_a_minute_is_rate_limited(base, http, stack):
    phone = new_phone()
    first_row = newest_sms_row(stack)
    send_code(http, base, stack, phone)
    bidx = phone_bidx_of_sends(stack, first_row)
    for _ in range(3):
        r = send(http, base, phone)
        assert_problem(r, 429, "rate_limited")
        assert_retry_after(r, 1, SMS_INTERVAL_S)
    assert len(outbox_lines(stack, phone)) == 1, "a refused send wrote a code"
    # another phone is not affected
    send_code(http, base, stack, new_phone())
    # a minute later the phone gets a new code
    age_newest_code(stack, bidx)
    send_code(http, base, stack, phone)
    assert len(outbox_lines(stack, phone)) == 2
    assert_problem(send(http, base, phone), 429, "rate_limited")


def test_sms_send_parallel_requests_send_one_code(base, stack):
    """At most 1 code per 60 s per phone also when the requests arrive together (8 at once,
    for 8 phones: a race need not show every time)."""
    outcomes = []
    for _ in range(8):
        phone = new_phone()
        statuses = sorted(r.status_code for r in parallel(8, lambda s: send(s, base, phone)))
        outcomes.append((statuses, len(outbox_lines(stack, phone))))
    bad = [o for o in outcomes if o != ([202] + [429] * 7, 1)]
    assert not bad, f"8 parallel sends for one phone: (answers, codes sent) {bad}"


def test_sms_send_day_limit(base, http, stack):
    """10 codes per phone and day (the service's day, Asia/Shanghai); the 11th is refused
    until midnight. Each send is aged 61 s in the database so the 60 s rule does not apply."""
    now = datetime.datetime.now(SHANGHAI)
    since_midnight = now.hour * 3600 + now.minute * 60 + now.second
    if since_midnight < 180 or since_midnight > 86400 - 60:
        pytest.skip("too close to midnight in Asia/Shanghai: the codes would span two days")
    phone = new_phone()
    first_row = newest_sms_row(stack)
    send_code(http, base, stack, phone)
    bidx = phone_bidx_of_sends(stack, first_row)
    for i in range(SMS_PER_DAY - 1):
        age_newest_code(stack, bidx)
        send_code(http, base, stack, phone)
    assert len(outbox_lines(stack, phone)) == SMS_PER_DAY
    age_newest_code(stack, bidx)
    r = send(http, base, phone)
    assert_problem(r, 429, "rate_limited")
    now = datetime.datetime.now(SHANGHAI)
    midnight = (now + datetime.timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                          microsecond=0)
    to_midnight = (midnight - now).total_seconds()
    retry = assert_retry_after(r, 1, 86400)
    assert abs(retry - to_midnight) <= 5, (retry, to_midnight)
    assert len(outbox_lines(stack, phone)) == SMS_PER_DAY, "the 11th code was sent"
    # the codes sent today still work: the newest logs in
    phone_ok = assert_pair(login(http, base, phone, newest_code(stack, phone)), phone)
    assert phone_ok["citizen"]["phone_masked"] == mask_phone(phone)
    # another phone is not affected
    send_code(http, base, stack, new_phone())


INVALID_PHONES = ["12800138000", "1380013800", "138001380000", "10800138000", "23800138000",
                  "abc", "", "1380013800a", " 13800138000", "13800138000 ", "+8613800138000",
                  "138-0013-8000", "\uff11\uff13\uff18\uff10\uff10\uff11\uff13\uff18\uff10\uff10\uff10",
                  13800138000, None, ["13800138000"]]


def test_sms_send_refuses_invalid_phones(base, http, stack):
    for phone in INVALID_PHONES:
        r = send(http, base, phone)
        assert field_errors(r) == ["/phone"], (phone, r.text)
    for body in ({}, {"mobile": "13800138000"}):
        r = post(http, base, SEND, body)
        assert field_errors(r) == ["/phone"], (body, r.text)
    # in English too
    r = send(http, base, "12800138000", headers={"Accept-Language": "en"})
    assert field_errors(r) == ["/phone"]
    for phone in INVALID_PHONES:
        if isinstance(phone, str):
            assert not outbox_lines(stack, phone), phone


def test_sms_send_accepts_every_mobile_prefix(base, http, stack):
    for second in "3456789":
        send_code(http, base, stack, new_phone("1" + second))


# --- SMS login -------------------------------------------------------------------------------
def test_first_sms_login_registers_the_citizen(base, http, stack):
    phone = new_phone()
    code = send_code(http, base, stack, phone)
    pair = assert_pair(login(http, base, phone, code), phone)
    citizen = pair["citizen"]
    assert me(http, base, pair["access_token"]) == citizen
    c = claims(http, base, pair["access_token"])
    assert c["sub"] == citizen["id"] and c["role"] == "citizen", c
    assert c["sid"] and c["client_id"] and c["dept"] == "" and c["scope"] == "", c
    for _ in range(REPEAT):  # every worker
        assert me(http, base, pair["access_token"]) == citizen


def test_second_sms_login_is_the_same_citizen(base, http, stack):
    phone, first = new_citizen(http, base, stack)
    age_newest_code(stack, citizen_bidx(stack, first["citizen"]["id"]))
    code = send_code(http, base, stack, phone)
    second = assert_pair(login(http, base, phone, code), phone)
    assert second["citizen"] == first["citizen"]
    assert second["refresh_token"] != first["refresh_token"]
    assert claims(http, base, second["access_token"])["sid"] != claims(
        http, base, first["access_token"])["sid"]
    # the first session still works
    assert me(http, base, first["access_token"]) == first["citizen"]
    # another phone is another citizen
    _, other = new_citizen(http, base, stack)
    assert other["citizen"]["id"] != first["citizen"]["id"]


def test_wrong_code_is_refused(base, http, stack):
    phone = new_phone()
    code = send_code(http, base, stack, phone)
    r = login(http, base, phone, wrong_code(code))
    assert_problem(r, 401, "unauthorized")
    assert "access_token" not in r.text
    # the right one still works after one wrong try
    assert_pair(login(http, base, phone, code), phone)


@pytest.mark.parametrize("bad", ["12345a", "１２３４５６", "12 345", "+12345", "-12345", "1234.5"])
def test_a_code_that_is_not_six_digits_is_400_and_costs_no_try(base, http, stack, bad):
    phone = new_phone()
    code = send_code(http, base, stack, phone)
    for _ in range(CODE_TRIES):
        assert field_errors(login(http, base, phone, bad)) == ["/code"]
    assert_pair(login(http, base, phone, code), phone)


def test_five_wrong_codes_kill_the_code(base, http, stack):
    phone = new_phone()
    first_row = newest_sms_row(stack)
    code = send_code(http, base, stack, phone)
    bidx = phone_bidx_of_sends(stack, first_row)
    for i in range(CODE_TRIES):
        assert_problem(login(http, base, phone, f"{(int(code) + 1 + i) % 1000000:06d}"), 401,
                       "unauthorized")
    for _ in range(2):
        assert_problem(login(http, base, phone, code), 401, "unauthorized")
    # a new code (a minute later) works
    age_newest_code(stack, bidx)
    fresh = send_code(http, base, stack, phone)
    assert_pair(login(http, base, phone, fresh), phone)


def test_a_code_is_valid_for_five_minutes(base, http, stack):
    phone = new_phone()
    first_row = newest_sms_row(stack)
    code = send_code(http, base, stack, phone)
    bidx = phone_bidx_of_sends(stack, first_row)
    age_newest_code(stack, bidx, 300 - 20)  # sent 4 min 40 s ago: still good
    assert_pair(login(http, base, phone, code), phone)

    code = send_code(http, base, stack, phone)
    age_newest_code(stack, bidx, 300 + 1)  # sent 5 min 1 s ago: dead
    for _ in range(2):
        assert_problem(login(http, base, phone, code), 401, "unauthorized")


def test_four_wrong_codes_leave_the_code_alive(base, http, stack):
    phone = new_phone()
    code = send_code(http, base, stack, phone)
    for i in range(CODE_TRIES - 1):
        assert_problem(login(http, base, phone, f"{(int(code) + 1 + i) % 1000000:06d}"), 401,
                       "unauthorized")
    assert_pair(login(http, base, phone, code), phone)


def test_a_code_works_once(base, http, stack):
    phone, pair = new_citizen(http, base, stack)
    code = newest_code(stack, phone)
    for _ in range(2):
        assert_problem(login(http, base, phone, code), 401, "unauthorized")
    assert me(http, base, pair["access_token"])["id"] == pair["citizen"]["id"]


def test_a_code_works_once_in_parallel(base, stack):
    phone = new_phone()
    with requests.Session() as s:
        code = send_code(s, base, stack, phone)
    answers = parallel(8, lambda s: login(s, base, phone, code))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] + [401] * 7, statuses


def test_a_code_is_bound_to_its_phone(base, http, stack):
    phone = new_phone()
    other = new_phone()
    code = send_code(http, base, stack, phone)
    send_code(http, base, stack, other)
    if newest_code(stack, other) != code:
        assert_problem(login(http, base, other, code), 401, "unauthorized")
    assert_problem(login(http, base, new_phone(), code), 401, "unauthorized")
    assert_pair(login(http, base, phone, code), phone)


def test_code_login_without_a_code_sent(base, http):
    phone = new_phone()
    for code in ("000000", "123456"):
        assert_problem(login(http, base, phone, code), 401, "unauthorized")


def test_login_needs_code_or_password_not_both(base, http, stack):
    phone = new_phone()
    code = send_code(http, base, stack, phone)
    for body in ({"phone": phone}, {"phone": phone, "code": code, "password": "Secret-123"}):
        r = post(http, base, LOGIN, body)
        assert field_errors(r), body
        assert "access_token" not in r.text
    # the code was not used up by the refused requests
    assert_pair(login(http, base, phone, code), phone)


def test_login_refuses_invalid_phones(base, http):
    for phone in INVALID_PHONES:
        assert "/phone" in field_errors(login(http, base, phone, "123456")), phone
        assert "/phone" in field_errors(login(http, base, phone, password="Secret-123")), phone
    assert "/phone" in field_errors(post(http, base, LOGIN, {"code": "123456"}))


# --- password login --------------------------------------------------------------------------
def test_password_login_after_setting_a_password(base, http, stack):
    phone, pair = new_citizen(http, base, stack)
    password = "Pw-" + secrets.token_hex(8)
    r = first_password(http, base, stack, phone, pair, password)
    assert r.status_code == 204, r.text
    assert r.content == b""
    again = assert_pair(login(http, base, phone, password=password), phone)
    assert again["citizen"] == pair["citizen"]
    assert claims(http, base, again["access_token"])["sub"] == pair["citizen"]["id"]
    # the session that set it keeps working
    assert me(http, base, pair["access_token"]) == pair["citizen"]


def test_password_login_refusals_look_the_same(base, http, stack):
    password = "Pw-" + secrets.token_hex(8)
    with_password, pair = new_citizen(http, base, stack)
    assert first_password(http, base, stack, with_password, pair, password).status_code == 204
    without_password, _ = new_citizen(http, base, stack)
    unknown = new_phone()
    answers = [login(http, base, p, password=pw) for p, pw in (
        (unknown, password), (without_password, password), (with_password, password + "x"),
        (with_password, password.upper()))]
    bodies = []
    for r in answers:
        body = assert_problem(r, 401, "unauthorized")
        assert "access_token" not in r.text
        bodies.append({k: v for k, v in body.items() if k != "request_id"})
        assert r.headers.get("Retry-After") is None, r.headers
    assert all(b == bodies[0] for b in bodies), bodies


# (wrong passwords slow a name down: tests/security/test_lockout.py)


def test_me_masks_the_phone(base, http, stack):
    phone = new_phone("138")
    _, pair = new_citizen(http, base, stack, phone)
    body = me(http, base, pair["access_token"])
    assert_me(body, phone)
    assert body["phone_masked"] == phone[:3] + "****" + phone[7:]
    assert phone not in json.dumps(body)


def test_me_needs_a_citizen_token(base, http, stack):
    _, pair = new_citizen(http, base, stack)
    staff = mint(http, base, "staff", dept="GA")
    org = mint(http, base, "org", scope="applications:read")
    routes = [("GET", ME, None), ("PUT", PASSWORD, {"new_password": "Pw-abcdefgh"}),
              ("POST", REAL_NAME, {"name": "张三", "id_number": "x" * 18})]
    for method, path, body in routes:
        def call(authorization=None):
            headers = {"Authorization": authorization} if authorization else {}
            return http.request(method, base + path, json=body, headers=headers, timeout=30)
        r = call()
        assert_problem(r, 401, "unauthorized")
        assert r.headers.get("WWW-Authenticate") == REALM, (path, r.headers)
        assert_invalid_token(call("Bearer not.a.token"))
        assert_invalid_token(call("Bearer " + pair["access_token"][:-4] + "AAAA"))
        for _ in range(2):
            r = call(f"Bearer {staff}")
            assert_problem(r, 403, "forbidden")
            assert "invalid_token" not in r.headers.get("WWW-Authenticate", ""), r.headers
            r = call(f"Bearer {org}")
            assert_problem(r, 403, "forbidden")
            assert r.headers.get("WWW-Authenticate") == SCOPE, r.headers
    assert me(http, base, pair["access_token"])["id"] == pair["citizen"]["id"]


# --- real name -------------------------------------------------------------------------------
def test_real_name_verification(base, http, stack):
    phone, pair = new_citizen(http, base, stack)
    name = remember_name("张三")
    id_number = new_id_number()
    r = real_name(http, base, pair["access_token"], name, id_number)
    assert r.status_code == 200, r.text
    body = assert_me(r.json(), phone, name, verified=True)
    assert body["name_masked"] == "张*"
    assert body["id"] == pair["citizen"]["id"]
    assert id_number not in r.text and name not in r.text
    for _ in range(REPEAT):
        assert me(http, base, pair["access_token"]) == body
    # a later login carries the verified profile
    age_newest_code(stack, citizen_bidx(stack, body["id"]))
    code = send_code(http, base, stack, phone)
    assert assert_pair(login(http, base, phone, code), phone, name, True)["citizen"] == body
    # sending the same again is fine
    r = real_name(http, base, pair["access_token"], name, id_number)
    assert r.status_code == 200, r.text
    assert r.json() == body


def test_real_name_cannot_be_rebound_to_another_id(base, http, stack):
    """Once verified, an account keeps its ID number: another one is 409 (a stolen session
    cannot switch identities, nor squat somebody else's ID), the same one again is 200."""
    phone, pair = new_citizen(http, base, stack)
    name, first, other = remember_name("李四"), new_id_number(), new_id_number()
    assert real_name(http, base, pair["access_token"], name, first).status_code == 200
    r = real_name(http, base, pair["access_token"], name, other)
    assert_problem(r, 409, "conflict")
    assert real_name(http, base, pair["access_token"], name, first).status_code == 200
    # the other ID number stayed free for its owner
    _, pair2 = new_citizen(http, base, stack)
    assert real_name(http, base, pair2["access_token"], remember_name("王五"), other).status_code == 200


@pytest.mark.parametrize("name", ["欧阳娜娜", "买买提·艾力", "Anna", "王"])
def test_real_name_masks_every_character_but_the_first(base, http, stack, name):
    phone, pair = new_citizen(http, base, stack)
    remember_name(name)
    r = real_name(http, base, pair["access_token"], name, new_id_number("440305"))
    assert r.status_code == 200, r.text
    assert_me(r.json(), phone, name, verified=True)
    assert r.json()["name_masked"] == name[0] + "*" * (len(name) - 1)


def test_real_name_accepts_a_check_x_in_either_case(base, http, stack):
    for case in (str.upper, str.lower):
        phone, pair = new_citizen(http, base, stack)
        id_number = new_id_number("310104", check_x=True)
        assert id_number.endswith("X")
        ID_NUMBERS.append(id_number.lower())
        r = real_name(http, base, pair["access_token"], remember_name("李四"), case(id_number))
        assert r.status_code == 200, r.text
        assert r.json()["real_name_verified"] is True


def test_real_name_accepts_a_leap_day(base, http, stack):
    _, pair = new_citizen(http, base, stack)
    r = real_name(http, base, pair["access_token"], remember_name("赵六"),
                  new_id_number("320102", birth="20000229"))
    assert r.status_code == 200, r.text


def invalid_ids():
    good = new_id_number()
    tomorrow = (datetime.datetime.now(SHANGHAI) + datetime.timedelta(days=2)).strftime("%Y%m%d")

    def valid_check(first17):
        return first17 + id_check(first17)
    return {
        "bad check digit": with_bad_check(good),
        "February 31": valid_check("110105" + "19490231" + "123"),
        "February 29 of 1900": valid_check("110105" + "19000229" + "123"),
        "February 29 of 2001": valid_check("110105" + "20010229" + "123"),
        "month 13": valid_check("110105" + "19901301" + "123"),
        "day 00": valid_check("110105" + "19900100" + "123"),
        "born in two days": valid_check("110105" + tomorrow + "123"),
        "born in 2099": valid_check("110105" + "20990101" + "123"),
        "province 99": valid_check("990105" + "19900307" + "123"),
        "province 00": valid_check("000105" + "19900307" + "123"),
        "17 characters": good[:17],
        "19 characters": good + "0",
        "a letter inside": good[:5] + "A" + good[6:],
        "X not at the end": "11010X199003071230",
        "a space": good[:17] + " ",
        "fullwidth digits": "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in good),
        "empty": "",
        "a number": int(good[:17]),
    }


def test_real_name_refuses_invalid_id_numbers(base, http, stack):
    phone, pair = new_citizen(http, base, stack)
    for what, id_number in invalid_ids().items():
        r = real_name(http, base, pair["access_token"], "张三", id_number)
        assert field_errors(r) == ["/id_number"], (what, id_number, r.text)
    r = post(http, base, REAL_NAME, {"name": "张三"}, token=pair["access_token"])
    assert field_errors(r) == ["/id_number"]
    assert_me(me(http, base, pair["access_token"]), phone)  # still unverified


def test_real_name_refuses_invalid_names(base, http, stack):
    phone, pair = new_citizen(http, base, stack)
    id_number = new_id_number()
    for name in ("张3", "张三!", "张三。", "<b>张三</b>", "", "张" * 33, "张\n三", 42, None,
                 "张_三", "😀"):
        r = real_name(http, base, pair["access_token"], name, id_number)
        assert field_errors(r) == ["/name"], (name, r.text)
    r = post(http, base, REAL_NAME, {"id_number": id_number}, token=pair["access_token"])
    assert field_errors(r) == ["/name"]
    # both wrong: both reported
    r = real_name(http, base, pair["access_token"], "张3", with_bad_check(id_number))
    assert field_errors(r) == ["/id_number", "/name"]
    assert_me(me(http, base, pair["access_token"]), phone)
    # the ID number is still free
    r = real_name(http, base, pair["access_token"], remember_name("张" * 32), id_number)
    assert r.status_code == 200, r.text


def test_real_name_id_number_of_another_account(base, http, stack):
    _, first = new_citizen(http, base, stack)
    phone, second = new_citizen(http, base, stack)
    id_number = new_id_number("510104", check_x=True)
    ID_NUMBERS.append(id_number.lower())
    r = real_name(http, base, first["access_token"], remember_name("周七"), id_number)
    assert r.status_code == 200, r.text
    for variant in (id_number, id_number.lower()):
        r = real_name(http, base, second["access_token"], remember_name("吴八"), variant)
        assert_problem(r, 409, "conflict")
    assert_me(me(http, base, second["access_token"]), phone)  # nothing changed
    # another ID number works for the second account
    r = real_name(http, base, second["access_token"], "吴八", new_id_number("510104"))
    assert r.status_code == 200, r.text


# --- password --------------------------------------------------------------------------------
def test_password_rules(base, http, stack):
    phone, pair = new_citizen(http, base, stack)
    for new in ("Pw-1234", "12345678", "0" * 40, "密码密码密码密", ""):
        r = set_password(http, base, pair["access_token"], new)
        assert field_errors(r) == ["/new_password"], (new, r.text)
    r = post(http, base, PASSWORD, {}, token=pair["access_token"], method="PUT")
    assert field_errors(r) == ["/new_password"]
    # 8 code points, not only digits: fine
    r = first_password(http, base, stack, phone, pair, "密码密码密码密码")
    assert r.status_code == 204, r.text


def test_a_first_password_needs_a_fresh_sms_code(base, http, stack):
    """Issue 12, finding 2: a stolen access token cannot become a permanent login -- the
    first password of an account needs a code just sent to its phone."""
    phone, pair = new_citizen(http, base, stack)
    access, new = pair["access_token"], "Pw-" + secrets.token_hex(8)
    assert field_errors(set_password(http, base, access, new)) == ["/sms_code"]
    # the code that logged in is used up
    used = newest_code(stack, phone)
    assert field_errors(set_password(http, base, access, new, sms_code=used)) == ["/sms_code"]
    other_phone, _ = new_citizen(http, base, stack)
    others = newest_code(stack, other_phone)
    age_newest_code(stack, citizen_bidx(stack, pair["citizen"]["id"]))
    code = send_code(http, base, stack, phone)
    for bad in (wrong_code(code), others, "12345a"):
        assert field_errors(set_password(http, base, access, new, sms_code=bad)) == [
            "/sms_code"], bad
    assert_problem(login(http, base, phone, password=new), 401, "unauthorized")
    assert set_password(http, base, access, new, sms_code=code).status_code == 204
    assert_pair(login(http, base, phone, password=new), phone)
    # a code works once
    again = "Pw-" + secrets.token_hex(8)
    assert field_errors(set_password(http, base, access, again, sms_code=code)) == ["/sms_code"]


def test_an_expired_code_does_not_set_a_password(base, http, stack):
    phone, pair = new_citizen(http, base, stack)
    bidx = citizen_bidx(stack, pair["citizen"]["id"])
    age_newest_code(stack, bidx)
    code = send_code(http, base, stack, phone)
    age_newest_code(stack, bidx, CODE_TTL_S + 1)
    r = set_password(http, base, pair["access_token"], "Pw-" + secrets.token_hex(8),
                     sms_code=code)
    assert field_errors(r) == ["/sms_code"]


def test_a_forgotten_password_is_replaced_with_an_sms_code(base, http, stack):
    phone, pair = new_citizen(http, base, stack)
    first, second = "Pw-" + secrets.token_hex(8), "Pw-" + secrets.token_hex(8)
    assert first_password(http, base, stack, phone, pair, first).status_code == 204
    assert first_password(http, base, stack, phone, pair, second).status_code == 204
    assert_problem(login(http, base, phone, password=first), 401, "unauthorized")
    assert_pair(login(http, base, phone, password=second), phone)


def test_a_password_change_ends_every_other_session(base, http, stack):
    """Issue 12, finding 2: whoever knew the old password (or held another session) is out;
    the session that changed it goes on."""
    phone, pair = new_citizen(http, base, stack)
    first, second = "Pw-" + secrets.token_hex(8), "Pw-" + secrets.token_hex(8)
    assert first_password(http, base, stack, phone, pair, first).status_code == 204
    others = [assert_pair(login(http, base, phone, password=first), phone) for _ in range(2)]
    for o in others:
        for _ in range(REPEAT):
            assert me(http, base, o["access_token"]) == pair["citizen"]
    r = set_password(http, base, pair["access_token"], second, old=first)
    assert r.status_code == 204, r.text

    def refused():
        return all(get(http, base, ME, o["access_token"]).status_code == 401
                   for o in others for _ in range(REPEAT))
    wait_for(refused, LOGOUT_VISIBLE_S, interval=0.02, what="other sessions ended")
    for o in others:
        assert_problem(post(http, base, REFRESH, {"refresh_token": o["refresh_token"]}), 401,
                       "unauthorized")
    for _ in range(REPEAT):
        assert me(http, base, pair["access_token"]) == pair["citizen"]
    assert_pair(post(http, base, REFRESH, {"refresh_token": pair["refresh_token"]}), phone)


def test_the_first_password_also_ends_every_other_session(base, http, stack):
    phone, pair = new_citizen(http, base, stack)
    other = assert_pair(login(http, base, phone, fresh_sms_code(
        stack, http, base, phone, pair["citizen"]["id"])), phone)
    assert me(http, base, other["access_token"]) == pair["citizen"]
    r = first_password(http, base, stack, phone, pair, "Pw-" + secrets.token_hex(8))
    assert r.status_code == 204, r.text
    wait_for(lambda: all(get(http, base, ME, other["access_token"]).status_code == 401
                         for _ in range(REPEAT)), LOGOUT_VISIBLE_S, interval=0.02,
             what="the other session ended")
    assert me(http, base, pair["access_token"]) == pair["citizen"]


def test_password_change_needs_the_old_one(base, http, stack):
    phone, pair = new_citizen(http, base, stack)
    access = pair["access_token"]
    first = "First-" + secrets.token_hex(6)
    second = "Second-" + secrets.token_hex(6)
    assert first_password(http, base, stack, phone, pair, first).status_code == 204
    for old in (None, first + "x", "wrong-password"):
        r = set_password(http, base, access, second, old=old)
        assert field_errors(r) == ["/old_password"], (old, r.text)
    assert_pair(login(http, base, phone, password=first), phone)  # unchanged
    r = set_password(http, base, access, second, old=first)
    assert r.status_code == 204, r.text
    assert_problem(login(http, base, phone, password=first), 401, "unauthorized")
    assert_pair(login(http, base, phone, password=second), phone)
    # a short new one is refused even with the right old one
    r = set_password(http, base, access, "short1", old=second)
    assert field_errors(r) == ["/new_password"]
    assert_pair(login(http, base, phone, password=second), phone)


# --- refresh and logout ----------------------------------------------------------------------
def test_refresh_of_a_citizen_session(base, http, stack):
    phone, pair = new_citizen(http, base, stack)
    sid = claims(http, base, pair["access_token"])["sid"]
    r = post(http, base, REFRESH, {"refresh_token": pair["refresh_token"]})
    fresh = assert_pair(r, phone)
    assert fresh["citizen"] == pair["citizen"]
    assert fresh["refresh_token"] != pair["refresh_token"]
    c = claims(http, base, fresh["access_token"])
    assert (c["sub"], c["role"], c["sid"]) == (pair["citizen"]["id"], "citizen", sid), c
    assert me(http, base, fresh["access_token"]) == pair["citizen"]
    # the profile in a refreshed pair is the current one
    r = real_name(http, base, fresh["access_token"], remember_name("孙九"), new_id_number())
    assert r.status_code == 200, r.text
    later = assert_pair(post(http, base, REFRESH, {"refresh_token": fresh["refresh_token"]}),
                        phone, "孙九", True)
    assert later["citizen"] == r.json()


def test_logout_of_a_citizen_session(base, http, stack):
    phone, pair = new_citizen(http, base, stack)
    password = "Pw-" + secrets.token_hex(8)
    assert first_password(http, base, stack, phone, pair, password).status_code == 204
    other = assert_pair(login(http, base, phone, password=password), phone)
    for _ in range(REPEAT):  # every worker has seen (and cached) both tokens
        assert me(http, base, pair["access_token"]) == pair["citizen"]
        assert me(http, base, other["access_token"]) == pair["citizen"]

    r = post(http, base, LOGOUT, {"refresh_token": pair["refresh_token"]},
             token=pair["access_token"])
    assert r.status_code == 204, r.text
    assert r.content == b""

    def refused():
        return all(get(http, base, ME, pair["access_token"]).status_code == 401
                   for _ in range(REPEAT))
    wait_for(refused, LOGOUT_VISIBLE_S, interval=0.02,
             what="logged-out citizen token refused by every worker")
    for _ in range(2 * REPEAT):
        assert_invalid_token(get(http, base, ME, pair["access_token"]))
    assert_problem(post(http, base, REFRESH, {"refresh_token": pair["refresh_token"]}), 401,
                   "unauthorized")
    # the other session of the same citizen is untouched
    for _ in range(REPEAT):
        assert me(http, base, other["access_token"]) == pair["citizen"]
    assert_pair(post(http, base, REFRESH, {"refresh_token": other["refresh_token"]}), phone)


# --- personal data at rest and in logs (last) ------------------------------------------------
def dump_database(stack):
    out = subprocess.run(
        ["mariadb-dump", "--no-defaults", f"--socket={stack.var_dir}/run/mysqld.sock", "-u",
         "root", "--hex-blob", "--skip-extended-insert", "onewindow"],
        check=True, capture_output=True, text=True, timeout=120).stdout
    assert "INSERT INTO `citizens`" in out, "no citizens in the dump"
    return out


def forms(value):
    """The ways a value could sit in a dump: as text, and as the hex of its UTF-8 bytes."""
    raw = value.encode("utf-8")
    return {value, raw.hex().upper(), raw.hex()}


def test_personal_data_is_encrypted_at_rest(base, http, stack):
    phone_a, a = new_citizen(http, base, stack)
    phone_b, b = new_citizen(http, base, stack)
    name = remember_name("钱十一")
    id_number = new_id_number("330106")
    assert real_name(http, base, a["access_token"], name, id_number).status_code == 200
    columns = [row[0] for row in sql(
        stack, "SELECT column_name FROM information_schema.columns WHERE table_schema = "
               "'onewindow' AND table_name = 'citizens' ORDER BY ordinal_position")]
    assert {"phone_enc", "phone_bidx", "name_enc", "id_number_enc", "id_number_bidx"} <= set(
        columns), columns
    select = ", ".join(f"COALESCE(HEX(`{c}`), 'NULL')" for c in columns)
    rows = sql(stack, f"SELECT {select} FROM citizens WHERE id IN "
                      f"({int(a['citizen']['id'])}, {int(b['citizen']['id'])}) ORDER BY id")
    assert len(rows) == 2, rows
    text = "\n".join("\t".join(r) for r in rows)
    for value in (phone_a, phone_b, name, id_number):
        for form in forms(value):
            assert form not in text, f"{value!r} in clear in the citizens table"
    by_col = [dict(zip(columns, r)) for r in rows]
    assert by_col[0]["phone_bidx"] != by_col[1]["phone_bidx"]
    assert by_col[0]["phone_enc"] != by_col[1]["phone_enc"]
    assert by_col[0]["id_number_enc"] != "NULL" and by_col[1]["id_number_enc"] == "NULL"

    # nowhere in the database: every phone, ID number and name this module used
    dump = dump_database(stack)
    for value in PHONES + ID_NUMBERS + [n for n in NAMES if n.isascii() is False and len(n) > 2]:
        for form in forms(value):
            assert form not in dump, f"{value!r} in clear in the database ({form})"


def test_no_personal_data_in_the_logs(stack):
    assert PHONES and ID_NUMBERS and NAMES
    time.sleep(1.5)  # nginx flushes its access log buffer every second
    log_dir = os.path.dirname(stack.log_path("x"))
    files = []
    for root, _, names in os.walk(log_dir):
        files += [os.path.join(root, n) for n in names]
    assert files, log_dir
    values = PHONES + ID_NUMBERS + [n for n in NAMES if len(n) >= 2]
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        leaked = [v for v in values if v in text]
        assert not leaked, f"{path} holds personal data: {leaked[:5]}"
    # the outbox is the one allowed place, and it is not under the log directory
    assert not os.path.abspath(outbox_path(stack)).startswith(os.path.abspath(log_dir) + os.sep)
