"""onewindow-pushd and the transactional outbox (API.md §6), SMS channel with the `log`
provider (one JSON line per delivery in <var_dir>/sms-notifications.jsonl):

- a need_materials step reaches the citizen's phone by SMS, carrying the outbox row's
  delivery id, and the row is done;
- a backlog of 20 000 deliveries worked by two pushd processes at once (the stack's own and a
  second one): every delivery sent, none claimed twice;
- a pushd killed with SIGKILL mid-batch: its claimed rows come back when its lease ends and
  the backlog is still fully delivered; the only repeats are sends that were in flight in
  the killed process (at most its batch), each with the same delivery id (the test counts
  and prints them);
- dead deliveries: `outbox --dead` lists them and `outbox --requeue` gives them a round;
- SIGTERM while a send is in flight: the batch is finished and recorded, exit 0.

These tests run last (marked disruptive): they flood the stack's pushd and kill a process."""
import collections
import json
import os
import re
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from helpers import Metrics, sql
from sms_gateway import SmsGateway
from people import GA_3, new_citizen, new_staff, q, staff_step, submitted
from stack import BIN

BACKLOG = 20000


def sms_lines(stack):
    path = os.path.join(stack.var_dir, "sms-notifications.jsonl")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def start_pushd(stack, **env):
    e = dict(stack.env)
    e.update({f"ONEWINDOW_{k.upper()}": str(v) for k, v in env.items()})
    log = open(os.path.join(stack.var_dir, "log", "pushd-extra.log"), "a")
    return subprocess.Popen([os.path.join(BIN, "onewindow-pushd")], env=e, stdout=log,
                            stderr=subprocess.STDOUT)


def pending(stack, tag):
    return int(sql(stack, f"SELECT COUNT(*) FROM outbox WHERE status <> 'done' "
                          f"AND target_ref = {q(tag)}")[0][0])


def wait_delivered(stack, tag, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pending(stack, tag) == 0:
            return
        time.sleep(0.2)
    raise AssertionError(f"{pending(stack, tag)} deliveries of {tag} still not done")


def flood(stack, citizen_id, notification_id, tag, n=BACKLOG):
    """n SMS deliveries of one notification, tagged (target_ref) so this test counts its own."""
    sql(stack, f"INSERT INTO outbox (delivery_id, channel, notification_id, citizen_id, "
               f"target_ref) SELECT UUID(), 'sms', {notification_id}, {citizen_id}, {q(tag)} "
               f"FROM seq_1_to_{n}")


def a_notification(stack, http, base):
    """A citizen with a real phone and one notification of theirs (its id)."""
    citizen = new_citizen(stack, http, base)
    submitted(http, base, citizen, GA_3)
    nid = sql(stack, f"SELECT MAX(id) FROM notifications WHERE citizen_id = {int(citizen.id)}")
    return citizen, int(nid[0][0])


def counters(base):
    """This host's delivery counters: (sms done, sms resent)."""
    m = Metrics(requests.get(base + "/metrics", timeout=10).text)
    return (m.get("onewindow_push_deliveries_total", channel="sms", result="done") or 0,
            m.get("onewindow_push_resends_total", channel="sms") or 0)


def delivery_counts(stack, tag):
    ids = {row[0] for row in sql(stack, f"SELECT delivery_id FROM outbox WHERE target_ref = {q(tag)}")}
    sent = collections.Counter(line["delivery_id"] for line in sms_lines(stack)
                               if line["delivery_id"] in ids)
    return ids, sent


@pytest.mark.disruptive
def test_need_materials_reaches_the_phone_by_sms(stack, http, base):
    citizen = new_citizen(stack, http, base)
    staff = new_staff(stack, http, base, "GA")
    no = submitted(http, base, citizen, GA_3)["application_no"]
    staff_step(http, base, staff, no, "need_materials", note="请补充近期免冠照片")
    row = sql(stack, f"SELECT o.delivery_id FROM outbox o JOIN notifications n "
                     f"ON n.id = o.notification_id JOIN applications a ON a.id = n.application_id "
                     f"WHERE a.application_no = {q(no)} AND o.channel = 'sms'")
    assert len(row) == 1, row
    delivery = row[0][0]
    deadline = time.time() + 10
    while time.time() < deadline:
        lines = [l for l in sms_lines(stack) if l["delivery_id"] == delivery]
        if lines:
            break
        time.sleep(0.1)
    assert len(lines) == 1, lines
    assert lines[0]["phone"] == citizen.phone
    assert "请补充近期免冠照片" in lines[0]["params"]["body"]
    state = sql(stack, f"SELECT status, attempts FROM outbox WHERE delivery_id = {q(delivery)}")
    assert state == [["done", "1"]], state


@pytest.mark.disruptive
def test_two_pushd_share_a_backlog_without_claiming_a_row_twice(stack, http, base):
    citizen, nid = a_notification(stack, http, base)
    done_before, _ = counters(base)
    tag = f"flood-{int(time.time() * 1000)}"
    flood(stack, citizen.id, nid, tag)
    second = start_pushd(stack)
    t0 = time.time()
    try:
        wait_delivered(stack, tag, timeout=120)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=20) == 0
    seconds = time.time() - t0
    ids, sent = delivery_counts(stack, tag)
    assert len(ids) == BACKLOG
    assert set(sent) == ids, f"{len(ids - set(sent))} deliveries never sent"
    twice = {d: c for d, c in sent.items() if c > 1}
    assert not twice, f"{len(twice)} deliveries sent more than once"
    by = sql(stack, f"SELECT attempts, COUNT(*) FROM outbox WHERE target_ref = {q(tag)} "
                    f"GROUP BY attempts")
    assert by == [["1", str(BACKLOG)]], by
    # the counters are written with the results (other tests' deliveries may be counted
    # meanwhile; make test-faults checks equality on a stack of its own)
    assert counters(base)[0] - done_before >= BACKLOG
    print(f"\n{BACKLOG} deliveries by two pushd in {seconds:.1f} s "
          f"({BACKLOG / seconds:.0f}/s, log provider)")


def stack_pushd_pid(stack):
    with open(os.path.join(stack.var_dir, "run", "onewindow-pushd.pid")) as f:
        return int(f.read())


@pytest.mark.disruptive
def test_a_killed_pushd_loses_nothing(stack, http, base):
    citizen, nid = a_notification(stack, http, base)
    tag = f"kill-{int(time.time() * 1000)}"
    batch, lease = 200, 3
    done_before, resent_before = counters(base)
    # the victim works alone (the stack's pushd paused before the backlog is written, so that
    # it holds none of it), so that when it dies it holds a batch: claimed and leased, maybe
    # sent, not recorded
    own = stack_pushd_pid(stack)
    os.kill(own, signal.SIGSTOP)
    flood(stack, citizen.id, nid, tag)
    try:
        victim = start_pushd(stack, push_batch=batch, push_lease_s=lease)
        # freeze it at random moments until it is caught holding a batch (claimed and
        # leased, not recorded), then kill it there
        in_hand, deadline = 0, time.time() + 60
        while not in_hand and time.time() < deadline and pending(stack, tag) > batch:
            time.sleep(0.003 + (time.time() * 1000 % 7) / 1000)
            victim.send_signal(signal.SIGSTOP)
            time.sleep(0.2)  # statements it sent before the freeze land first
            in_hand = int(sql(stack, f"SELECT COUNT(*) FROM outbox WHERE target_ref = {q(tag)} "
                                     f"AND status = 'pending' AND attempts = 1 "
                                     f"AND next_attempt_at > CURRENT_TIMESTAMP(3)")[0][0])
            if not in_hand:
                victim.send_signal(signal.SIGCONT)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
    finally:
        os.kill(own, signal.SIGCONT)
    wait_delivered(stack, tag, timeout=120)
    ids, sent = delivery_counts(stack, tag)
    assert set(sent) == ids, f"{len(ids - set(sent))} deliveries lost"
    repeats = sum(c - 1 for c in sent.values() if c > 1)
    reclaimed = int(sql(stack, f"SELECT COUNT(*) FROM outbox WHERE target_ref = {q(tag)} "
                               f"AND attempts = 2")[0][0])
    # the killed pushd held rows (at most a batch), which came back after its lease and were
    # sent by the other
    assert 0 < in_hand <= batch and reclaimed == in_hand, (in_hand, reclaimed)
    # the only repeats: sends of those batches, with the same delivery id
    assert repeats <= reclaimed, (repeats, reclaimed)
    # every delivery counted done, and each try whose outcome was never recorded counted as
    # resent (exact equality with the outbox: make test-faults, on a stack of its own)
    done_after, resent_after = counters(base)
    assert done_after - done_before >= len(ids), (done_before, done_after)
    assert resent_after - resent_before == reclaimed, (resent_before, resent_after, reclaimed)
    print(f"\nSIGKILL mid-backlog: {len(ids)} delivered; the killed pushd "
          f"held {reclaimed}, {repeats} of them had been sent before the kill and were sent "
          f"again with the same delivery id (a receiver drops them)")


@pytest.mark.disruptive
def test_dead_deliveries_are_listed_and_requeued(stack, http, base):
    citizen, nid = a_notification(stack, http, base)
    tag = f"dead-{int(time.time() * 1000)}"
    flood(stack, citizen.id, nid, tag, n=3)
    sql(stack, f"UPDATE outbox SET status = 'dead', attempts = 8, last_error = 'gateway refused' "
               f"WHERE target_ref = {q(tag)}")
    ids = [r[0] for r in sql(stack, f"SELECT id FROM outbox WHERE target_ref = {q(tag)} ORDER BY id")]
    listed = [json.loads(l) for l in stack.admin("outbox", "--dead").stdout.splitlines()]
    mine = [d for d in listed if d["id"] in ids]
    assert len(mine) == 3 and all(d["channel"] == "sms" and d["attempts"] == 8 and
                                  d["last_error"] == "gateway refused" for d in mine), mine
    out = stack.admin("outbox", "--requeue", ids[0]).stdout
    assert "requeued: 1" in out
    out = stack.admin("outbox", "--requeue", "--all-dead").stdout
    assert "requeued:" in out and int(out.split(":")[1]) >= 2
    assert stack.admin("outbox", "--requeue", ids[0], check=False).returncode == 1  # not dead now
    wait_delivered(stack, tag, timeout=30)
    assert stack.admin("outbox", "--requeue", "abc", check=False).returncode == 2


@pytest.mark.disruptive
def test_pushd_figures_in_the_hosts_metrics(stack, http, base):
    def figures():
        text = requests.get(base + "/metrics", timeout=10).text
        m = Metrics(text)
        return (m.get("onewindow_push_deliveries_total", channel="sms", result="done"), text)
    before, _ = figures()
    citizen, nid = a_notification(stack, http, base)
    tag = f"metrics-{int(time.time() * 1000)}"
    flood(stack, citizen.id, nid, tag, n=50)
    wait_delivered(stack, tag, timeout=30)
    deadline = time.time() + 5
    while time.time() < deadline and figures()[0] < before + 50:
        time.sleep(0.1)
    done, text = figures()
    assert done >= before + 50, (before, done)
    assert "# TYPE onewindow_push_deliveries_total counter" in text
    assert re.search(r"^onewindow_outbox_pending \d+$", text, re.M), text[-500:]
    assert re.search(r"^onewindow_outbox_oldest_due_seconds \d+$", text, re.M)


@pytest.mark.disruptive
def test_sigterm_finishes_the_batch_in_hand(stack, http, base):
    """SIGTERM while a send is in flight: pushd waits for the answer, records it, exits 0."""
    arrived = threading.Event()

    class SlowGateway(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            arrived.set()
            time.sleep(1.5)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    gateway = ThreadingHTTPServer(("127.0.0.1", 0), SlowGateway)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    citizen, nid = a_notification(stack, http, base)
    tag = f"term-{int(time.time() * 1000)}"
    own = stack_pushd_pid(stack)
    os.kill(own, signal.SIGSTOP)  # ours alone claims the row
    try:
        flood(stack, citizen.id, nid, tag, n=1)
        pushd = start_pushd(stack, sms_provider="http",
                            sms_url=f"http://127.0.0.1:{gateway.server_address[1]}/sms")
        assert arrived.wait(10), "the SMS never reached the gateway"
        pushd.send_signal(signal.SIGTERM)
        assert pushd.wait(timeout=10) == 0
    finally:
        os.kill(own, signal.SIGCONT)
        gateway.shutdown()
    state = sql(stack, f"SELECT status, attempts FROM outbox WHERE target_ref = {q(tag)}")
    assert state == [["done", "1"]], state


@pytest.mark.disruptive
def test_delivered_rows_are_pruned_after_outbox_keep_days(stack):
    tag = f"prune-{int(time.time() * 1000)}"
    for age_days in (8, 6):
        sql(stack, f"INSERT INTO outbox (delivery_id, channel, target_ref, status, attempts, "
                   f"next_attempt_at, done_at) VALUES (UUID(), 'sms', {q(tag)}, 'done', 1, "
                   f"CURRENT_TIMESTAMP(3) - INTERVAL {age_days} DAY, "
                   f"CURRENT_TIMESTAMP(3) - INTERVAL {age_days} DAY)")
    sql(stack, f"INSERT INTO outbox (delivery_id, channel, target_ref, status, attempts, "
               f"next_attempt_at) VALUES (UUID(), 'sms', {q(tag)}, 'dead', 8, "
               f"CURRENT_TIMESTAMP(3) - INTERVAL 30 DAY)")
    pushd = start_pushd(stack)  # prunes when it starts, then every minute
    try:
        deadline = time.time() + 10
        while time.time() < deadline and len(sql(stack, f"SELECT id FROM outbox "
                                                         f"WHERE target_ref = {q(tag)}")) > 2:
            time.sleep(0.1)
    finally:
        pushd.send_signal(signal.SIGTERM)
        pushd.wait(timeout=20)
    left = sql(stack, f"SELECT status, DATEDIFF(CURRENT_TIMESTAMP, next_attempt_at) FROM outbox "
                      f"WHERE target_ref = {q(tag)} ORDER BY id")
    # the 8-day-old delivered row is gone; the 6-day-old one and the dead one (for operators) stay
    assert left == [["done", "6"], ["dead", "30"]], left


@pytest.mark.disruptive
def test_an_http1_gateway_gets_the_whole_batch_at_once(stack, http, base):
    """HTTP/1.1 (an SMS gateway): one connection per request up to push_connections_per_host,
    so 60 messages to a gateway answering in 0.5 s take about one answer's time, not 30 s."""
    gateway = SmsGateway(0.5).start()
    citizen, nid = a_notification(stack, http, base)
    tag = f"h1-{int(time.time() * 1000)}"
    own = stack_pushd_pid(stack)
    os.kill(own, signal.SIGSTOP)
    pushd = None
    try:
        flood(stack, citizen.id, nid, tag, n=60)
        t0 = time.time()
        pushd = start_pushd(stack, sms_provider="http", sms_url=gateway.url,
                            push_connections_per_host=40)
        wait_delivered(stack, tag, timeout=30)
        seconds = time.time() - t0
    finally:
        if pushd:
            pushd.send_signal(signal.SIGTERM)
            pushd.wait(timeout=20)
        os.kill(own, signal.SIGCONT)
        gateway.stop()
    ids, _ = delivery_counts(stack, tag)
    assert sorted(gateway.ids) == sorted(ids)
    assert 20 <= gateway.most <= 40, gateway.most  # at once, up to the limit
    assert seconds < 5, seconds


@pytest.mark.disruptive
def test_a_batch_slower_than_its_lease_is_renewed_not_sent_twice(stack, http, base):
    """A gateway slower (4 s) than the lease (3 s): the sending pushd renews its lease, so the
    other pushd never claims the rows in flight and nothing is sent twice."""
    gateway = SmsGateway(4).start()
    citizen, nid = a_notification(stack, http, base)
    tag = f"renew-{int(time.time() * 1000)}"
    pushds = []
    own = stack_pushd_pid(stack)
    os.kill(own, signal.SIGSTOP)
    try:
        flood(stack, citizen.id, nid, tag, n=30)
        for _ in range(2):
            pushds.append(start_pushd(stack, sms_provider="http", sms_url=gateway.url,
                                      push_lease_s=3, push_timeout_ms=10000, push_poll_ms=50))
        wait_delivered(stack, tag, timeout=30)
    finally:
        for p in pushds:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=20)
        os.kill(own, signal.SIGCONT)
        gateway.stop()
    ids, _ = delivery_counts(stack, tag)
    assert sorted(gateway.ids) == sorted(ids), collections.Counter(
        collections.Counter(gateway.ids).values())
    by = sql(stack, f"SELECT attempts, COUNT(*) FROM outbox WHERE target_ref = {q(tag)} "
                    f"GROUP BY attempts")
    assert by == [["1", "30"]], by
