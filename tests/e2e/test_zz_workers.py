"""Worker processes under trouble while clients keep asking: a killed worker (nginx retries
GETs on the next socket, the master refills the slot), SIGTERM with a request in flight
(graceful drain), and a rolling reload (SIGHUP) without a failed request. Runs last
(conftest orders `disruptive` tests after the rest) and leaves the stack healthy."""
import os
import signal
import threading
import time

import pytest
import requests

from helpers import (Load, pid_running, settings, unique_id, wait_app_access, wait_for,
                     wait_nginx_access)

pytestmark = pytest.mark.disruptive

# GETs only: nginx may retry them on another worker (fastcgi_next_upstream).
PATHS = ["/healthz", "/api/v1/test/sleep?ms=30", "/healthz", "/api/v1/test/items/7"]


@pytest.fixture(scope="module")
def n_workers(stack):
    return int(settings(stack)["workers"])


@pytest.fixture(autouse=True)
def healthy_after(stack, n_workers):
    yield
    assert stack.wait_ready(), "stack not ready after the test"
    pids = wait_for(lambda: (lambda p: p if len(p) == n_workers else None)(stack.worker_pids()),
                    10, what=f"{n_workers} workers")
    assert all(pid_running(p) for p in pids)


def new_pids(stack, old, n):
    """The worker pids once there are n of them and none of `old` is among them."""
    def check():
        now = stack.worker_pids()
        return now if len(now) == n and not set(now) & set(old) else None
    return check


def test_sigkill_under_load_loses_no_get(stack, n_workers):
    """GETs in flight on the killed worker are retried by nginx on another socket; the
    killed slot's socket (held by the master) is served again by the replacement."""
    before = stack.worker_pids()
    assert len(before) == n_workers
    victim = before[0]
    # First a burst of slow GETs alone: nginx deals them round robin, so the victim
    # surely holds some of them when it dies.
    slow_ids = [unique_id("killed") for _ in range(2 * n_workers)]
    slow = {}

    def slow_get(rid):
        try:
            r = requests.get(stack.base + "/api/v1/test/sleep?ms=1500",
                             headers={"X-Request-Id": rid}, timeout=20)
            slow[rid] = r.status_code
        except requests.RequestException as e:
            slow[rid] = repr(e)
    clients = [threading.Thread(target=slow_get, args=(rid,)) for rid in slow_ids]
    for c in clients:
        c.start()
    time.sleep(0.3)
    with Load(stack.base, ["/healthz"], threads=4) as load:
        time.sleep(0.1)
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()

        def replaced():
            now = stack.worker_pids()
            return now if len(now) == n_workers and victim not in now else None
        now = wait_for(replaced, 1, interval=0.01, what="slot refilled after SIGKILL")
        took = time.monotonic() - killed_at
        assert set(now) - set(before), now
        for c in clients:
            c.join(20)
        # Keep asking for a while with the replacement in place.
        load.wait_count(load.count() + 200)
    assert not pid_running(victim)
    assert took < 1
    assert not load.failures(), f"{load.summary()}: {load.failures()[:5]}"
    assert slow == {rid: 200 for rid in slow_ids}, slow
    # nginx's log shows the retry: two upstreams for some request, the first one failed.
    lines = [wait_nginx_access(stack, rid) for rid in slow_ids]
    retried = [l for l in lines if "," in l["upstream_status"]]
    assert retried, lines
    assert all(l["status"] == 200 and l["upstream_status"].endswith("200") for l in retried)


def test_sigterm_drains_in_flight_request(stack, n_workers):
    rid = unique_id("drain")
    result = {}

    def slow():
        started = time.monotonic()
        try:
            r = requests.get(stack.base + "/api/v1/test/sleep?ms=1500",
                             headers={"X-Request-Id": rid}, timeout=20)
            result["status"], result["body"] = r.status_code, r.json()
        except requests.RequestException as e:
            result["error"] = repr(e)
        result["took"] = time.monotonic() - started
    client = threading.Thread(target=slow)
    client.start()
    time.sleep(0.3)  # the request is now sleeping in some worker
    before = stack.worker_pids()
    assert len(before) == n_workers
    sent = time.monotonic()
    for pid in before:  # which worker holds it is unknown: stop them all
        os.kill(pid, signal.SIGTERM)
    exited = {}

    def all_exited():
        for pid in before:
            if pid not in exited and not pid_running(pid):
                exited[pid] = time.monotonic() - sent
        return len(exited) == len(before)
    wait_for(all_exited, 10, interval=0.01, what="terminated workers exit")
    client.join(20)
    assert result.get("status") == 200, result
    assert result["body"] == {"slept_ms": 1500}
    assert result["took"] >= 1.5
    # One worker waited for the request (about 1.2 s); the idle one left at once.
    assert min(exited.values()) < 1.0, exited
    assert max(exited.values()) >= 1.0, exited
    entry = wait_app_access(stack, rid)
    assert (entry["route"], entry["status"]) == ("/api/v1/test/sleep", 200)
    wait_for(new_pids(stack, before, n_workers), 5, what="master replaces stopped workers")
    for _ in range(2 * n_workers):
        assert requests.get(stack.base + "/healthz", timeout=5).status_code == 200


def test_reload_under_load_fails_nothing(stack, n_workers):
    before = stack.worker_pids()
    master = stack.pid("onewindow-fcgi")
    with Load(stack.base, PATHS, threads=8) as load:
        load.wait_count(100)
        r = stack.script("reload")
        assert r.returncode == 0, r.stderr
        # One slot at a time: new worker, overlap, old one drained.
        after = wait_for(new_pids(stack, before, n_workers), 20, interval=0.02,
                         what="every worker replaced by the reload")
        done = load.count()
        load.wait_count(done + 200)
    assert not load.failures(), f"{load.summary()}: {load.failures()[:5]}"
    assert stack.pid("onewindow-fcgi") == master
    assert all(not pid_running(p) for p in before)
    assert set(after).isdisjoint(before)
