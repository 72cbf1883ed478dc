"""Shared state a client cannot grow or hog (issue 12, finding 5): popularity counts at most
one detail view per client, service and day; argon2 runs under a concurrency cap, so password
logins cannot occupy every worker thread (beyond it: 503 with Retry-After). The methods of
the metrics and nginx's refusal of unknown methods are in test_metrics.py and
test_nginx_errors.py.

The cap test runs a stack of its own: one worker of 4 threads, one argon2 slot, and a costly
hash, so that parallel logins meet a busy slot."""
import atexit
import os
import secrets
import subprocess
import threading
import time

import pytest
import requests

from conftest import assert_problem
from helpers import BIN, raw_request, settings, sql, wait_for
from people import CATALOG, LOGIN, new_citizen, set_first_password
from stack import Stack

FLUSH_S = 3  # views reach the database on the refresher's beat (about a second)


def views(stack, code):
    rows = sql(stack, "SELECT COALESCE(SUM(st.views), 0) FROM service_stats st JOIN services s "
                      f"ON s.id = st.service_id WHERE s.code = '{code}'")
    return int(rows[0][0])


def settled_views(stack, code):
    """The count once no buffered view is left to add (two equal reads a flush apart)."""
    last = [None]

    def stable():
        now = views(stack, code)
        same, last[0] = now == last[0], now
        return same
    wait_for(stable, 20, interval=1.2, what="view counts settled")
    return last[0]


def view(base, code, address="127.0.0.1"):
    r = raw_request(base, "GET", f"/api/v1/services/{code}", source_address=(address, 0))
    assert r.status_code == 200, r.text


def test_popularity_counts_one_view_per_client_service_and_day(base, stack):
    code = sorted(CATALOG)[-7]  # an item no other test opens
    other = sorted(CATALOG)[-8]
    before = settled_views(stack, code)
    for _ in range(20):
        view(base, code)
    assert settled_views(stack, code) == before + 1
    for _ in range(5):
        view(base, code, "127.0.0.2")
        view(base, code, "127.0.0.3")
    assert settled_views(stack, code) == before + 3
    # the same client on another service counts there
    before_other = settled_views(stack, other)
    view(base, other)
    assert settled_views(stack, other) == before_other + 1
    # a client already counted today is not counted again after a flush
    view(base, code)
    time.sleep(FLUSH_S)
    assert settled_views(stack, code) == before + 3


# --- the argon2 cap, on a stack of its own ----------------------------------------------------
@pytest.fixture(scope="module")
def capped_stack():
    s = Stack(env={"ONEWINDOW_WORKERS": "1", "ONEWINDOW_THREADS": "4",
                   "ONEWINDOW_PWHASH_CONCURRENCY": "1", "ONEWINDOW_PWHASH_OPS": "3",
                   "ONEWINDOW_PWHASH_MEM_KIB": "65536"})
    atexit.register(s.stop)
    s.start()
    yield s
    s.destroy()


def test_password_hashing_beyond_the_cap_is_503_with_retry_after(capped_stack):
    stack, base = capped_stack, capped_stack.base
    with requests.Session() as http:
        c = new_citizen(stack, http, base, verified=False)
        password = "Pw-" + secrets.token_hex(8)
        r = set_first_password(stack, http, base, c.phone, c.id, c.token, password)
        assert r.status_code == 204, r.text
    answers, lock = [], threading.Lock()
    start = threading.Barrier(6)

    def login(i):
        start.wait(10)
        pw = password if i % 2 == 0 else "Wrong-" + secrets.token_hex(4)
        r = requests.post(base + LOGIN, json={"phone": c.phone, "password": pw}, timeout=60)
        with lock:
            answers.append(r)
    threads = [threading.Thread(target=login, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    statuses = sorted(r.status_code for r in answers)
    assert 503 in statuses and any(s in (200, 401) for s in statuses), statuses
    for r in answers:
        if r.status_code == 503:
            assert_problem(r, 503, "unavailable")
            assert r.headers.get("Retry-After") == "1", r.headers
    # meanwhile the other threads stay free for everything else
    for _ in range(3):
        assert requests.get(base + "/healthz", timeout=5).status_code == 200


def test_the_cap_is_a_setting_with_limits(capped_stack):
    assert settings(capped_stack)["pwhash_concurrency"] == "1"
    for good in ("1", "256"):
        env = dict(capped_stack.env, ONEWINDOW_PWHASH_CONCURRENCY=good)
        assert settings(capped_stack, env)["pwhash_concurrency"] == good
    for bad in ("0", "257", "x"):
        env = dict(capped_stack.env, ONEWINDOW_PWHASH_CONCURRENCY=bad)
        p = subprocess.run([os.path.join(BIN, "onewindow-admin"), "config"], env=env,
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 2 and "PWHASH_CONCURRENCY" in p.stderr, (bad, p.stderr)
