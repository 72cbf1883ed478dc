"""What the fault and cluster tests share: the e2e modules on the path (the private stack,
the SMS gateway fake), SQL through a MariaDB socket, the people the load needs, and the
checks of what the database must hold after a load."""
import collections
import json
import os
import secrets
import subprocess
import sys
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))

import stack as stack_module  # noqa: E402  (tests/e2e/stack.py)
from helpers import wait_for  # noqa: E402,F401  (tests/e2e/helpers.py)

ROOT = stack_module.ROOT
BIN = stack_module.BIN
API = "/api/v1"
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def sql_socket(socket, query, database="onewindow"):
    """Rows (lists of strings) of query on the MariaDB at socket, as its root."""
    out = subprocess.run(["mariadb", "--no-defaults", f"--socket={socket}", database, "-N", "-B",
                          "-e", query], check=True, capture_output=True, text=True,
                         timeout=60).stdout
    return [line.split("\t") for line in out.splitlines()]


def new_phone():
    return "136" + "".join(str(secrets.randbelow(10)) for _ in range(8))


def new_id_number():
    while True:
        first17 = ("110105" + f"19{50 + secrets.randbelow(50)}" + f"{1 + secrets.randbelow(12):02d}"
                   + f"{1 + secrets.randbelow(28):02d}" + f"{secrets.randbelow(1000):03d}")
        check = "10X98765432"[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]
        if check != "X":
            return first17 + check


def sms_code(outboxes, phone, timeout=10):
    """The newest code the log SMS provider wrote for phone in any of the outbox files."""
    def find():
        codes = []
        for path in outboxes:
            try:
                with open(path, encoding="utf-8") as f:
                    codes += [json.loads(l)["code"] for l in f
                              if l.strip() and json.loads(l).get("phone") == phone]
            except FileNotFoundError:
                pass
        return codes[-1] if codes else None
    return wait_for(find, timeout, what=f"an SMS code for {phone}")


def citizen(base, outboxes, sms_notices=True):
    """A real-name verified citizen (SMS login), opted in to SMS notices: (id, token)."""
    with requests.Session() as http:
        phone = new_phone()
        r = http.post(base + API + "/auth/sms/send", json={"phone": phone}, timeout=30)
        assert r.status_code == 202, r.text
        r = http.post(base + API + "/auth/login",
                      json={"phone": phone, "code": sms_code(outboxes, phone)}, timeout=30)
        assert r.status_code == 200, r.text
        token, cid = r.json()["access_token"], r.json()["citizen"]["id"]
        auth = {"Authorization": f"Bearer {token}"}
        r = http.post(base + API + "/me/real-name", headers=auth, timeout=30,
                      json={"name": "张测试", "id_number": new_id_number()})
        assert r.status_code == 200, r.text
        if sms_notices:
            r = http.put(base + API + "/me/notification-settings", headers=auth, timeout=30,
                         json={"push": True, "sms": True})
            assert r.status_code == 200, r.text
        return cid, token


def staff(base, admin, department="GA"):
    """A staff account (created with the admin command `admin`), logged in: its token."""
    username = "load-" + secrets.token_hex(4)
    password = "Pw-" + secrets.token_hex(8)
    admin("create-staff", "--username", username, "--password", password,
          "--department", department)
    r = requests.post(base + API + "/auth/staff/login", timeout=30,
                      json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def check_held(sql, load, gateway_ids):
    """What the database must hold after the load, whatever was killed: every 201 exactly
    once and nothing else (no key produced two applications), each application's steps once
    each (events, audit rows, notifications), and every notification's SMS delivered with its
    one delivery id. Returns the figures; raises on a violation."""
    submitted = load.submitted()
    ids = ",".join(str(int(c)) for c, _ in load.citizens)
    rows = sql(f"SELECT application_no, status FROM applications WHERE citizen_id IN ({ids})")
    in_db = collections.Counter(no for no, _ in rows)
    assert not [no for no, n in in_db.items() if n > 1]
    assert set(in_db) == set(submitted), (
        f"{len(set(in_db) - set(submitted))} applications nobody was answered 201 for, "
        f"{len(set(submitted) - set(in_db))} answered 201 but missing")
    # each step of each application once: events, audit rows, notifications
    steps = sql(f"SELECT a.application_no, (SELECT COUNT(*) FROM application_events e "
                f"WHERE e.application_id = a.id), (SELECT COUNT(*) FROM audit_log l "
                f"WHERE l.target = a.application_no AND l.action LIKE 'application.%' "
                f"AND l.action <> 'application.read'), (SELECT COUNT(*) FROM notifications n "
                f"WHERE n.application_id = a.id), JSON_LENGTH(a.timeline) "
                f"FROM applications a WHERE a.citizen_id IN ({ids})")
    uneven = [r for r in steps if len(set(r[1:])) != 1]
    assert not uneven, f"steps recorded unevenly (events, audit, notifications, timeline): {uneven[:5]}"
    n_steps = sum(int(r[1]) for r in steps)
    # every notification: one SMS delivery (one delivery id), done, received by the gateway
    sms = sql(f"SELECT o.delivery_id, o.status, o.notification_id FROM outbox o JOIN "
              f"notifications n ON n.id = o.notification_id WHERE o.channel = 'sms' "
              f"AND n.citizen_id IN ({ids})")
    per_notification = collections.Counter(r[2] for r in sms)
    assert len(per_notification) == n_steps and set(per_notification.values()) == {1}, (
        len(per_notification), n_steps)
    not_done = [r for r in sms if r[1] != "done"]
    assert not not_done, f"{len(not_done)} SMS deliveries not done: {not_done[:3]}"
    got = collections.Counter(gateway_ids)
    outbox_ids = {r[0] for r in sms}
    missing = outbox_ids - set(got)
    assert not missing, f"{len(missing)} deliveries never reached the gateway"
    duplicates = sum(n - 1 for d, n in got.items() if d in outbox_ids)
    return dict(applications=len(submitted), steps=n_steps, sms=len(outbox_ids),
                sms_repeats_same_delivery_id=duplicates, ryw_misses=len(load.ryw_misses))
