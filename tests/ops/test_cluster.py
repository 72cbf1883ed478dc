"""Several hosts, tested for real (`make test-cluster`, root only): two application hosts, a
front nginx, a MariaDB primary and its replica, each in a network namespace of its own
(tests/ops/cluster.py). In order:

- nothing can leave the namespaces (no route out of any of them);
- the front balances between both hosts; the keys and the master key are shared as
  documented (a token of one host works on the other, both serve the same JWKS);
- a logout on one host is refused on the other within 1 s;
- a catalog change is searchable on both within 5 s, built from the replica, which the
  replica's own counters (TABLE_STATISTICS) show;
- the replica stopped, lagging, or killed: reads go to the primary at once (/metrics says
  so) and come back to it when it catches up;
- app2's workers listen on TCP and answer only its own nginx (FCGI_WEB_SERVER_ADDRS);
- the two pushd share a backlog and never deliver one row twice; each host counts its own;
- a host killed under a mobile-app load: the front keeps serving, no GET fails, every keyed
  POST is answered once, and the dead host's pushd rows are delivered by the other.

Figures are printed (-s)."""
import collections
import json
import os
import socket
import struct
import subprocess
import time

import pytest
import requests

import common
import fcgi_client
from cluster import ADDR, Cluster
from common import API, wait_for
from load import SERVICE, Load, print_phase, service_form, summary

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root")


@pytest.fixture(scope="module")
def cluster():
    c = Cluster()
    try:
        t0 = time.monotonic()
        c.up()
        c.enter("client")
        print(f"\ncluster up in {time.monotonic() - t0:.1f} s: {c.dir}")
        yield c
    finally:
        c.down()


def outboxes(c):
    return [c.var(h, "sms-outbox.jsonl") for h in ("app1", "app2")]


def host_metrics(c, node):
    """A host's /metrics (served on its loopback only: read from inside the host)."""
    p = subprocess.run(c.exec(node, "curl", "-s", "http://127.0.0.1:8080/metrics"),
                       capture_output=True, text=True, timeout=30, check=True)
    out = {}
    for line in p.stdout.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def services_rows_read(c, node):
    rows = c.sql(node, "SELECT ROWS_READ FROM information_schema.TABLE_STATISTICS "
                       "WHERE TABLE_SCHEMA = 'onewindow' AND TABLE_NAME = 'services'")
    return int(rows[0][0]) if rows else 0


def import_item(c, code, name, keyword):
    item = {"code": code, "name": name, "department": "市公安局", "topics": ["户籍办理"],
            "audience": "personal", "kind": "承诺件", "online_level": 2, "legal_days": 20,
            "promised_days": 10, "fee": "不收费", "materials": ["居民身份证"],
            "keywords": [keyword], "description": f"集群测试：{name}。"}
    path = c.var("app1", f"{code}.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump([item], f, ensure_ascii=False)
    c.admin("import-catalog", path, "--partial")


def searchable_on_both(c, code, keyword, timeout):
    """Seconds until both hosts find the item (each host asked directly)."""
    t0 = time.monotonic()
    for node in ("app1", "app2"):
        def found():
            r = requests.get(c.base(node) + API + "/services", params={"q": keyword}, timeout=10)
            return r.status_code == 200 and any(i["code"] == code for i in r.json()["items"])
        wait_for(found, timeout - (time.monotonic() - t0), interval=0.05,
                 what=f"{code} searchable on {node}")
    return time.monotonic() - t0


def test_nothing_leaves_the_namespaces(cluster):
    for node in ADDR:
        routes = cluster.routes(node)
        assert "default" not in routes and routes.strip().startswith("198.18.0.0/24"), routes
    with pytest.raises(requests.RequestException):  # not even the machine's own network
        requests.get("http://192.0.2.1/", timeout=1)


def test_both_hosts_serve_and_share_their_keys(cluster):
    c = cluster
    seen = collections.Counter()
    with requests.Session() as http:
        for _ in range(40):
            r = http.get(c.base("front") + "/readyz", timeout=10)
            assert r.status_code == 200
            seen[r.headers["X-Upstream"]] += 1
    assert set(seen) == {f"{ADDR['app1']}:8080", f"{ADDR['app2']}:8080"}, seen
    # a token made on app1 works on app2: the signing key is in the database, sealed with the
    # master key both hosts read from the same file
    cid, token = common.citizen(c.base("app1"), outboxes(c), sms_notices=False)
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.get(c.base("app2") + API + "/me", headers=auth, timeout=10).status_code == 200
    jwks = [requests.get(c.base(n) + "/.well-known/jwks.json", timeout=10).json()
            for n in ("app1", "app2")]
    assert jwks[0] == jwks[1] and jwks[0]["keys"], jwks
    print(f"\n  front: {dict(seen)}; one JWKS on both hosts ({len(jwks[0]['keys'])} key)")


def test_a_logout_on_one_host_is_refused_on_the_other_within_1s(cluster):
    c = cluster
    cid, token = common.citizen(c.base("app1"), outboxes(c), sms_notices=False)
    auth = {"Authorization": f"Bearer {token}"}
    with requests.Session() as http:
        assert http.get(c.base("app2") + API + "/me", headers=auth, timeout=10).status_code == 200
        r = http.post(c.base("app1") + API + "/auth/logout", headers=auth, timeout=10)
        assert r.status_code == 204, r.text
        t0 = time.monotonic()
        wait_for(lambda: http.get(c.base("app2") + API + "/me", headers=auth,
                                  timeout=10).status_code == 401, 1.0, interval=0.02,
                 what="the logout seen on app2")
        print(f"\n  logout on app1 refused on app2 after {time.monotonic() - t0:.3f} s")


def test_a_catalog_change_is_searchable_on_both_within_5s_from_the_replica(cluster):
    c = cluster
    wait_for(lambda: all(host_metrics(c, n).get("onewindow_db_replica_usable") == 1
                         for n in ("app1", "app2")), 10, what="the replica in use")
    import_item(c, "GA-GG-901", "星辰港口通行证办理", "星辰港口")
    primary0, replica0 = services_rows_read(c, "db1"), services_rows_read(c, "db2")
    seconds = searchable_on_both(c, "GA-GG-901", "星辰港口", 5)
    time.sleep(1)  # every worker has rebuilt (each checks once a second)
    primary, replica = services_rows_read(c, "db1") - primary0, services_rows_read(c, "db2") - replica0
    reads = sum(host_metrics(c, n)["onewindow_db_replica_reads_total"] for n in ("app1", "app2"))
    print(f"\n  catalog change searchable on both hosts after {seconds:.2f} s; services rows "
          f"read while the 4 workers rebuilt: replica {replica}, primary {primary}; "
          f"reads sent to the replica: {reads:.0f}")
    n_items = int(c.sql("db1", "SELECT COUNT(*) FROM services")[0][0])
    assert replica >= 4 * n_items, (replica, n_items)  # two hosts × two workers
    assert primary < n_items, primary
    # the service's detail is a catalog read too: served by the replica
    before = services_rows_read(c, "db2")
    for node in ("app1", "app2"):
        r = requests.get(c.base(node) + API + "/services/GA-GG-901", timeout=10)
        assert r.status_code == 200, r.text
    assert services_rows_read(c, "db2") > before


def table_rows_read(c, node, table):
    rows = c.sql(node, "SELECT ROWS_READ FROM information_schema.TABLE_STATISTICS "
                       f"WHERE TABLE_SCHEMA = 'onewindow' AND TABLE_NAME = '{table}'")
    return int(rows[0][0]) if rows else 0


def test_a_citizens_own_reads_see_their_write_while_the_replica_lags(cluster):
    """Read-your-writes: a citizen's own data is read from the primary, so an application
    submitted on one host is in the detail and the list on the other at once, while the
    replica (still in use for the catalog: the lag is under its bound) has not got it. The
    replica's own counters show that no applications row was read there."""
    c = cluster
    wait_for(lambda: all(host_metrics(c, n).get("onewindow_db_replica_usable") == 1
                         for n in ("app1", "app2")), 10, what="the replica in use")
    cid, token = common.citizen(c.base("app1"), outboxes(c), sms_notices=False)
    auth = {"Authorization": f"Bearer {token}"}
    replica0 = table_rows_read(c, "db2", "applications")
    c.sql("db2", "STOP SLAVE", database="mysql")
    try:
        r = requests.post(c.base("app1") + API + "/applications", timeout=10,
                          headers={**auth, "Idempotency-Key": "ryw-1"},
                          json={"service_code": SERVICE, "form": service_form("ryw")})
        assert r.status_code == 201, r.text
        no = r.json()["application_no"]
        detail = requests.get(c.base("app2") + API + f"/applications/{no}", headers=auth,
                              timeout=10)
        listed = requests.get(c.base("app2") + API + "/applications", headers=auth, timeout=10)
        assert detail.status_code == 200, detail.text
        assert [a["application_no"] for a in listed.json()["items"]] == [no], listed.text
        # (before the query below, which reads the replica's table itself)
        assert table_rows_read(c, "db2", "applications") == replica0
        assert int(c.sql("db2", "SELECT COUNT(*) FROM applications WHERE application_no = "
                                f"'{no}'")[0][0]) == 0  # the replica has not got it
    finally:
        c.sql("db2", "START SLAVE", database="mysql")
    wait_for(lambda: all(host_metrics(c, n).get("onewindow_db_replica_usable") == 1
                         for n in ("app1", "app2")), 10, what="the replica in use again")


def test_reads_leave_a_stopped_lagging_or_dead_replica_and_come_back(cluster):
    c = cluster
    hosts = ("app1", "app2")

    def usable(value):
        return lambda: all(host_metrics(c, n).get("onewindow_db_replica_usable") == value
                           for n in hosts)
    # stopped (a lag that grows): out within the bound (1 s) plus a check (0.5 s)
    c.sql("db2", "STOP SLAVE", database="mysql")
    t0 = time.monotonic()
    wait_for(usable(0), 5, interval=0.05, what="reads off the stopped replica")
    left = time.monotonic() - t0
    lag = host_metrics(c, "app1")["onewindow_db_replica_lag_seconds"]
    fallbacks0 = sum(host_metrics(c, n)["onewindow_db_replica_fallbacks_total"] for n in hosts)
    primary0 = services_rows_read(c, "db1")
    import_item(c, "GA-GG-902", "月光码头通行证办理", "月光码头")
    primary_after_import = services_rows_read(c, "db1")
    seconds = searchable_on_both(c, "GA-GG-902", "月光码头", 5)  # built from the primary
    time.sleep(1)
    assert services_rows_read(c, "db1") - primary_after_import > 0
    fallbacks = sum(host_metrics(c, n)["onewindow_db_replica_fallbacks_total"] for n in hosts)
    assert fallbacks > fallbacks0
    c.sql("db2", "START SLAVE", database="mysql")
    t0 = time.monotonic()
    wait_for(usable(1), 10, interval=0.05, what="the replica in use again")
    back = time.monotonic() - t0
    # killed outright: the reads in flight and after go to the primary, none fails
    failures = collections.Counter()
    os.kill(c.db_pid("db2"), 9)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 3:
        for node in hosts:
            r = requests.get(c.base(node) + API + "/services/GA-GG-902", timeout=10)
            failures[r.status_code] += 1
    wait_for(usable(0), 5, what="reads off the dead replica")
    c.start_db("db2", 2, replica=True)  # replication resumes at its GTID position
    wait_for(usable(1), 15, interval=0.1, what="the restarted replica in use again")
    print(f"\n  replica stopped: reads on the primary after {left:.2f} s (lag seen "
          f"{lag:.2f} s); a catalog change searchable on both after {seconds:.2f} s "
          f"meanwhile; replica back in use {back:.2f} s after START SLAVE; killed: "
          f"service detail answers {dict(failures)}")
    assert set(failures) == {200}, failures


def test_tcp_workers_answer_only_their_nginx(cluster):
    c = cluster
    # from the client's address: accepted by the kernel, closed by libfcgi unanswered
    assert fcgi_client.get(ADDR["app2"], 9000) == b""
    # from app2 itself (its nginx's address): answered
    p = subprocess.run(c.exec("app2", "/usr/bin/python3", fcgi_client.__file__, ADDR["app2"],
                              "9000"),
                       capture_output=True, text=True, timeout=30)
    assert "Status: 200" in p.stdout or '{\\"status\\":\\"ok\\"}' in p.stdout, (p.stdout, p.stderr)


def sms_lines(c):
    out = []
    for node in ("app1", "app2"):
        try:
            with open(c.var(node, "sms-notifications.jsonl"), encoding="utf-8") as f:
                out += [(node, json.loads(l)["delivery_id"]) for l in f if l.strip()]
        except FileNotFoundError:
            pass
    return out


def pushd_counts(c):
    rows = c.sql("db1", "SELECT host, SUM(n) FROM push_counters WHERE channel = 'sms' "
                        "AND result = 'done' GROUP BY host")
    return {h: int(n) for h, n in rows}


def test_two_pushd_never_deliver_a_row_twice(cluster):
    c = cluster
    cid, token = common.citizen(c.base("app1"), outboxes(c))
    r = requests.post(c.base("app1") + API + "/applications", timeout=10,
                      headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "flood"},
                      json={"service_code": SERVICE, "form": service_form("flood")})
    assert r.status_code == 201, r.text
    nid = c.sql("db1", f"SELECT MAX(id) FROM notifications WHERE citizen_id = {int(cid)}")[0][0]
    wait_for(lambda: c.sql("db1", "SELECT COUNT(*) FROM outbox WHERE status = 'pending'")[0][0]
             == "0", 30, what="an idle outbox")  # the submission's own SMS counted first
    counts0 = pushd_counts(c)
    n = 4000
    c.sql("db1", f"INSERT INTO outbox (delivery_id, channel, notification_id, citizen_id, "
                 f"target_ref) SELECT UUID(), 'sms', {nid}, {cid}, 'flood' FROM seq_1_to_{n}")
    t0 = time.monotonic()
    wait_for(lambda: c.sql("db1", "SELECT COUNT(*) FROM outbox WHERE target_ref = 'flood' "
                                  "AND status <> 'done'")[0][0] == "0", 60, interval=0.2,
             what="the flood delivered")
    seconds = time.monotonic() - t0
    ids = {r[0] for r in c.sql("db1", "SELECT delivery_id FROM outbox WHERE target_ref = 'flood'")}
    sent = collections.Counter(d for _, d in sms_lines(c) if d in ids)
    by_host = collections.Counter(h for h, d in sms_lines(c) if d in ids)
    counts = pushd_counts(c)
    per_host = {h: counts.get(h, 0) - counts0.get(h, 0) for h in ("app1", "app2")}
    print(f"\n  {n} SMS by the two pushd in {seconds:.1f} s: {dict(by_host)} (counted per host: "
          f"{per_host})")
    assert set(sent) == ids and max(sent.values()) == 1, collections.Counter(sent.values())
    assert by_host["app1"] > 0 and by_host["app2"] > 0, by_host
    assert per_host == dict(by_host), (per_host, by_host)


def test_a_host_killed_under_load_the_front_keeps_serving(cluster):
    c = cluster
    front = c.base("front")
    citizens = [common.citizen(front, outboxes(c)) for _ in range(8)]
    clerks = [common.staff(front, c.admin)]
    t_start = time.monotonic()
    load = Load(front, citizens, clerks).start()
    time.sleep(4)
    t_kill = time.monotonic()
    killed = c.kill_node("app1")
    time.sleep(8)
    load.stop()
    t_end = time.monotonic()
    before = summary(load.rec, t_start, t_kill)
    after = summary(load.rec, t_kill, t_end, [t_kill])
    attempts, _ = load.rec.between(t_kill, t_end)
    failed_gets = collections.Counter(
        s for _, kind, s in attempts
        if kind not in ("submit", "step") and (s == "conn" or s >= 500))
    print(f"\n  app1 killed ({killed} processes) under load through the front:")
    print_phase("before", before)
    print_phase("after the kill", after)
    # app1's pushd died holding rows: they come back within its lease and app2 sends them
    wait_for(lambda: c.sql("db1", "SELECT COUNT(*) FROM outbox WHERE status = 'pending'")[0][0]
             == "0", 60, interval=0.5, what="the outbox drained by app2's pushd")
    held = common.check_held(lambda q: c.sql("db1", q), load, [d for _, d in sms_lines(c)])
    print_phase("held", held)
    assert not failed_gets, failed_gets
    assert not after["keys_unanswered"], after
    assert held["ryw_misses"] == 0
