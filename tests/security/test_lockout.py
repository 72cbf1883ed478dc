"""The lockout rules (API.md §3, issue 12 finding 3): wrong passwords slow a login name down,
they never lock it, and they say nothing about whether an account has that name.

- Failures are counted per login name -- a citizen's phone, a staff username -- whether an
  account has it or not, so an unknown name and a real one answer alike.
- The first 5 failures are free; after the n-th the next try must wait 2^(n-5) s (at most
  15 min), answered 429 with Retry-After -- the right password too, unless it comes from a
  known address: one that has logged in to that name before. Failures are forgotten a day
  after the last one, or at a right password.
- Staff: `onewindow-admin unlock-staff --username` clears a name's failures (audited).
- The public progress query: 10 wrong codes for a number lock that number for the client
  that guessed, for the hour; the number's owner (another client) still gets in.

Tests make the failures' waits pass by moving `login_failures.last_failure_at` into the past
(the row just touched: the suite runs one test at a time), and use other loopback addresses
(127.0.0.x) as other clients."""
import json
import secrets
import threading
import time

import pytest

from conftest import assert_problem
from helpers import raw_request, sql
from people import (GA_3, LOGIN, PROGRESS, STAFF_LOGIN, new_citizen, new_phone, phone_login,
                    set_first_password, submitted)

FREE_FAILURES = 5
MAX_DELAY_S = 15 * 60


def delay_after(failures):
    return 0 if failures < FREE_FAILURES else min(MAX_DELAY_S, 2 ** (failures - FREE_FAILURES))


def from_address(base, address, path, body):
    return raw_request(base, "POST", path, json.dumps(body),
                       {"Content-Type": "application/json"}, source_address=(address, 0))


def citizen_with_password(stack, http, base):
    c = new_citizen(stack, http, base, verified=False)
    password = "Pw-" + secrets.token_hex(8)
    r = set_first_password(stack, http, base, c.phone, c.id, c.token, password)
    assert r.status_code == 204, r.text
    return c, password


def staff_with_password(stack):
    username = "lock-" + secrets.token_hex(8)
    password = "Pw-" + secrets.token_hex(10)
    p = stack.admin("create-staff", "--username", username, "--password", password,
                    "--department", "GA", check=False)
    assert p.returncode == 0, (p.stdout, p.stderr)
    return username, password


def citizen_try(base, phone, password, address="127.0.0.1"):
    return from_address(base, address, LOGIN, {"phone": phone, "password": password})


def staff_try(base, username, password, address="127.0.0.1"):
    return from_address(base, address, STAFF_LOGIN, {"username": username, "password": password})


def wait_passes(stack, seconds=MAX_DELAY_S + 60):
    """The newest failure row (this test's) as if its last failure were `seconds` older."""
    sql(stack, f"UPDATE login_failures SET last_failure_at = last_failure_at - INTERVAL "
               f"{int(seconds)} SECOND ORDER BY last_failure_at DESC LIMIT 1")


def hold(stack, seconds=30):
    """The newest failure row as if its last failure were `seconds` ahead: its wait cannot run
    out while a slow machine sends the next request."""
    sql(stack, f"UPDATE login_failures SET last_failure_at = CURRENT_TIMESTAMP(3) + INTERVAL "
               f"{int(seconds)} SECOND ORDER BY last_failure_at DESC LIMIT 1")


def retry_after(r):
    value = r.headers.get("Retry-After")
    assert value is not None and value.isdigit(), r.headers
    return int(value)


def fail(stack, attempt, n):
    """n wrong passwords through attempt(password), each after the previous one's wait."""
    for i in range(n):
        wait_passes(stack)
        assert_problem(attempt(f"Wrong-{i}-{secrets.token_hex(3)}"), 401, "unauthorized")


def without_request_id(r):
    return {k: v for k, v in r.json().items() if k != "request_id"}


# --- no enumeration ---------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["citizen", "staff"])
def test_an_unknown_name_and_a_real_one_slow_down_alike(base, http, stack, who):
    if who == "citizen":
        c, password = citizen_with_password(stack, http, base)
        real, unknown, attempt = c.phone, new_phone(), citizen_try
    else:
        real, password = staff_with_password(stack)
        unknown, attempt = "lock-" + secrets.token_hex(8), staff_try
    answers = {}
    for name in (real, unknown):
        for i in range(FREE_FAILURES):  # free: one right after the other
            assert_problem(attempt(base, name, f"Wrong-{i}"), 401, "unauthorized")
        hold(stack)
        answers[name] = [attempt(base, name, "Wrong-again"), attempt(base, name, password)]
    for r in answers[real] + answers[unknown]:
        assert_problem(r, 429, "rate_limited")
        assert 1 <= retry_after(r) <= 30 + delay_after(FREE_FAILURES), r.headers
        assert "access_token" not in r.text
    assert without_request_id(answers[real][0]) == without_request_id(answers[unknown][0])


def test_failures_are_counted_per_name_not_per_account(base, http, stack):
    """Another name is not slowed down by this one's failures."""
    c, password = citizen_with_password(stack, http, base)
    other, other_password = citizen_with_password(stack, http, base)
    for i in range(FREE_FAILURES):
        citizen_try(base, c.phone, f"Wrong-{i}")
    hold(stack)
    assert_problem(citizen_try(base, c.phone, password), 429, "rate_limited")
    assert citizen_try(base, other.phone, other_password).status_code == 200


# --- progressive, not a lock ------------------------------------------------------------------
def test_the_wait_grows_with_each_failure_up_to_15_minutes(base, http, stack):
    username, _ = staff_with_password(stack)
    for n in range(1, 17):
        wait_passes(stack)
        assert_problem(staff_try(base, username, f"Wrong-{n}"), 401, "unauthorized")
        if n < FREE_FAILURES:
            continue
        hold(stack, 5)  # the failure as if 5 s from now: the wait is counted from then
        r = staff_try(base, username, "Wrong-early")
        assert_problem(r, 429, "rate_limited")  # and refused tries do not count
        expected = delay_after(n) + 5
        assert expected - 2 <= retry_after(r) <= expected, (n, r.headers)


def test_the_right_password_after_the_wait_logs_in_and_clears_the_count(base, http, stack):
    c, password = citizen_with_password(stack, http, base)
    fail(stack, lambda pw: citizen_try(base, c.phone, pw, "127.0.0.7"), 12)
    assert_problem(citizen_try(base, c.phone, password, "127.0.0.7"), 429, "rate_limited")
    wait_passes(stack)
    assert citizen_try(base, c.phone, password, "127.0.0.7").status_code == 200
    for i in range(FREE_FAILURES):  # counted from zero again
        assert_problem(citizen_try(base, c.phone, f"Wrong-{i}", "127.0.0.7"), 401,
                       "unauthorized")


@pytest.mark.parametrize("who", ["citizen", "staff"])
def test_a_known_address_gets_in_while_others_wait(base, http, stack, who):
    """An attacker's failures cannot keep the owner out: the owner's own address (one that
    logged in to this name before) is never made to wait."""
    if who == "citizen":
        c, password = citizen_with_password(stack, http, base)
        name, attempt = c.phone, citizen_try
    else:
        name, password = staff_with_password(stack)
        attempt = staff_try
    assert attempt(base, name, password, "127.0.0.1").status_code == 200  # now known
    fail(stack, lambda pw: attempt(base, name, pw, "127.0.0.9"), 15)
    for address in ("127.0.0.9", "127.0.0.10"):  # the attacker's, and one never seen
        r = attempt(base, name, password, address)
        assert_problem(r, 429, "rate_limited")
        assert retry_after(r) > 60
    r = attempt(base, name, password, "127.0.0.1")
    assert r.status_code == 200, r.text


def test_parallel_guesses_get_no_more_than_the_free_tries(base, http, stack):
    username, _ = staff_with_password(stack)
    statuses, lock = [], threading.Lock()

    def guess(i):
        for _ in range(100):  # a busy server (every argon2 slot taken: 503) is asked again
            r = staff_try(base, username, f"Parallel-{i}")
            if r.status_code != 503:
                break
            time.sleep(0.05)
        with lock:
            statuses.append(r.status_code)
    threads = [threading.Thread(target=guess, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # the free tries, and at most two more if the requests spread over the first waits
    # (1 s, then 2 s) on a slow machine; never all of them
    assert set(statuses) == {401, 429}, statuses
    assert FREE_FAILURES <= statuses.count(401) <= FREE_FAILURES + 2, statuses


def test_the_old_password_check_of_a_password_change_is_throttled_too(base, http, stack):
    c, password = citizen_with_password(stack, http, base)
    put = "/api/v1/me/password"
    for i in range(FREE_FAILURES):
        r = http.put(base + put, json={"old_password": f"Wrong-{i}",
                                       "new_password": "Pw-new-12345"},
                     headers={"Authorization": f"Bearer {c.token}"}, timeout=30)
        assert r.status_code == 400, r.text
    hold(stack)
    r = http.put(base + put, json={"old_password": password, "new_password": "Pw-new-12345"},
                 headers={"Authorization": f"Bearer {c.token}"}, timeout=30)
    assert_problem(r, 429, "rate_limited")
    # the same name: the login waits as well
    assert_problem(citizen_try(base, c.phone, password, "127.0.0.11"), 429, "rate_limited")


# --- staff unlock -----------------------------------------------------------------------------
def test_an_operator_unlocks_a_staff_name(base, http, stack):
    username, password = staff_with_password(stack)
    fail(stack, lambda pw: staff_try(base, username, pw, "127.0.0.12"), 14)
    assert_problem(staff_try(base, username, password, "127.0.0.13"), 429, "rate_limited")
    p = stack.admin("unlock-staff", "--username", username, "--reason", "ticket 4711: locked out",
                    check=False)
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert staff_try(base, username, password, "127.0.0.13").status_code == 200
    rows = sql(stack, "SELECT a.actor_type, a.action, a.detail FROM audit_log a JOIN staff s "
                      "ON a.target = CONCAT('staff:', s.id) WHERE s.username = "
                      f"'{username}' ORDER BY a.id")
    assert rows == [["operator", "staff.unlock", "ticket 4711: locked out"]], rows


def test_unlock_staff_refuses_unknown_usernames_and_missing_options(stack):
    p = stack.admin("unlock-staff", "--username", "nobody-" + secrets.token_hex(6), "--reason",
                    "x", check=False)
    assert p.returncode != 0 and "no staff" in p.stderr, (p.stdout, p.stderr)
    username, _ = staff_with_password(stack)
    for args in (("--username", username), ("--reason", "x"), ()):
        p = stack.admin("unlock-staff", *args, check=False)
        assert p.returncode == 2, (args, p.stdout, p.stderr)


# --- the public progress query ----------------------------------------------------------------
def progress(base, address, no, code):
    return from_address(base, address, PROGRESS, {"application_no": no, "query_code": code})


def test_wrong_query_codes_lock_a_number_for_the_guessing_client_only(base, http, stack):
    c = new_citizen(stack, http, base)
    b = submitted(http, base, c, GA_3)
    no, code = b["application_no"], b["query_code"]
    wrong = f"{(int(code) + 1) % 100000000:08d}"
    for _ in range(10):
        assert_problem(progress(base, "127.0.0.20", no, wrong), 404, "not_found")
    assert_problem(progress(base, "127.0.0.20", no, code), 404, "not_found")  # locked for it
    # the owner, elsewhere, is not locked out of their own application
    assert progress(base, "127.0.0.1", no, code).status_code == 200
    assert progress(base, "127.0.0.21", no, code).status_code == 200
