"""The organization's change feed (GET /api/v1/org/applications, API.md §7) while changes are
being written: ordered by last change, a cursor that resumes after the last change seen, no
change skipped, none repeated.

The hard case is commit order: a change that takes its place in the order early but commits
late must not be passed by a reader that already saw a later one. The first test makes that
happen on purpose (X-Test-Commit-Delay-Ms, test configuration only, holds a writer's
transaction open after its change took its number); the second runs writers and a reader at
once and checks everything the reader saw."""
import threading
import time

import requests

from helpers import sql, wait_for
from orgs import ORG_APPS, Delegated, Org, delegate, revoke, take_service
from people import call, new_citizen, new_staff, submit

DELAY_MS = 1500


def dirty_last_seq(stack, org):
    """The organization's feed counter as an uncommitted writer left it (READ UNCOMMITTED)."""
    rows = sql(stack, "SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED; "
                      f"SELECT last_seq FROM org_feed WHERE org_id = {int(org.id)}")
    return int(rows[0][0])


def in_thread(fn):
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("r", fn()), daemon=True)
    t.start()
    return t, box


def test_a_late_commit_is_not_passed_by_a_later_change(stack, http, base):
    case = Delegated(stack, http, base)
    code, staff, org, d = case.code, case.staff, case.org, case.delegation
    c = new_citizen(stack, http, base)
    _, cursor = org.feed_all()
    start = dirty_last_seq(stack, org)

    def submit_with(delay):
        with requests.Session() as s:
            headers = {"X-Test-Commit-Delay-Ms": str(delay)} if delay else None
            return submit(s, base, c, code, headers=headers)

    # A takes the next number, then holds its transaction open
    slow, slow_box = in_thread(lambda: submit_with(DELAY_MS))
    wait_for(lambda: dirty_last_seq(stack, org) == start + 1, 10, interval=0.01,
             what="the slow writer took its number")
    # B starts after A took its number: it must not commit before A does
    fast, fast_box = in_thread(lambda: submit_with(0))
    seen_meanwhile = []
    t_end = time.monotonic() + DELAY_MS / 1000 * 0.6
    while time.monotonic() < t_end and slow.is_alive():
        page = org.feed(cursor)
        seen_meanwhile += page["items"]
        time.sleep(0.05)
    assert slow.is_alive(), "the slow writer was not slow: the test proves nothing"
    # nothing is visible out of order while A is open (B waits for A's number to commit)
    assert seen_meanwhile == [], seen_meanwhile
    assert fast.is_alive(), "the later writer committed before the earlier one"
    slow.join(30)
    fast.join(30)
    a_no = slow_box["r"].json()["application_no"]
    b_no = fast_box["r"].json()["application_no"]
    items, _ = org.feed_all(cursor)
    assert [i["application_no"] for i in items] == [a_no, b_no], items
    assert items[0]["change_seq"] < items[1]["change_seq"]
    revoke(http, base, staff, d["id"])


def test_feed_under_concurrent_writers(stack, http, base):
    code, dept = take_service()
    code2, dept2 = take_service()
    staffs = {dept: new_staff(stack, http, base, dept)}
    staffs.setdefault(dept2, new_staff(stack, http, base, dept2))
    org = Org(stack, http, base)
    ds = [(staffs[dept], delegate(http, base, staffs[dept], org, code)),
          (staffs[dept2], delegate(http, base, staffs[dept2], org, code2))]
    citizens = [new_citizen(stack, http, base) for _ in range(3)]
    _, cursor = org.feed_all()
    writers, per_writer = 6, 20
    done = threading.Event()
    written = {}  # application_no → the statuses it went through, in order
    lock = threading.Lock()
    failures = []

    def writer(i):
        with requests.Session() as s:
            for k in range(per_writer):
                c = citizens[(i + k) % len(citizens)]
                r = submit(s, base, c, code if k % 2 else code2)
                if r.status_code != 201:
                    failures.append(r.text)
                    continue
                no = r.json()["application_no"]
                with lock:
                    written[no] = ["submitted"]
                if k % 3 == 0:  # some move on: the organization accepts, or the citizen withdraws
                    if i % 2:
                        r = call(s, base, "POST", f"{ORG_APPS}/{no}/events", org.token,
                                 {"status": "accepted"})
                        status = "accepted"
                    else:
                        r = call(s, base, "POST", f"/api/v1/applications/{no}/withdraw", c.token)
                        status = "withdrawn"
                    if r.status_code != 200:
                        failures.append(r.text)
                    else:
                        with lock:
                            written[no].append(status)

    seen = []  # (no, change_seq, status), in the order read

    def reader():
        nonlocal cursor
        with requests.Session() as s:
            while True:
                finishing = done.is_set()
                r = s.get(base + ORG_APPS, params={"cursor": cursor, "limit": 7}, timeout=30,
                          headers={"Authorization": f"Bearer {org.token}"})
                if r.status_code != 200:
                    failures.append(r.text)
                    return
                page = r.json()
                seen.extend((i["application_no"], i["change_seq"], i["status"])
                            for i in page["items"])
                cursor = page["next_cursor"]
                if finishing and not page["has_more"]:
                    return  # one full read after every writer finished

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    read = threading.Thread(target=reader)
    read.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    done.set()
    read.join(120)
    assert not failures, failures[:5]
    assert len(written) == writers * per_writer
    # none repeated: every change number once, in increasing order
    seqs = [s for _, s, _ in seen]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs)), "a change came twice or late"
    # none skipped: every application seen, its last state last, its states in their order
    by_app = {}
    for no, _, status in seen:
        by_app.setdefault(no, []).append(status)
    assert set(by_app) == set(written), (len(by_app), len(written))
    for no, statuses in written.items():
        got = by_app[no]
        assert got[-1] == statuses[-1], (no, statuses, got)
        assert all(s in statuses for s in got), (no, statuses, got)
        assert [s for s in statuses if s in got] == got, (no, statuses, got)
    changes = sum(len(v) for v in written.values())
    print(f"\nfeed under {writers} writers: {changes} changes, {len(seen)} read, "
          f"{len(by_app)} applications")
    for staff, d in ds:
        revoke(http, base, staff, d["id"])
