"""The organization's webhooks (API.md §7) from the real flows, through the outbox and
onewindow-pushd: application.submitted, application.supplemented, application.withdrawn
and delegation.revoked, each signed (checked here by an independent HMAC implementation,
orgs.verify_signature), each event id stable across retries; the delivery log of every try
(GET /api/v1/org/webhook-deliveries); rotate-webhook-secret with its 24 h overlap (two v1=);
webhook URLs checked when set (https, public addresses) and again at connect time.

config/test.conf: webhook_retry_unit_ms = 100 (retries after about 0.1, 0.5, 3, 12 and
72 s), and development's webhook_allow_http / webhook_allow_private = 1 (local receivers);
the tests of the production rules set them to 0 for the process they start."""
import json
import os
import signal
import subprocess

import pytest

from helpers import sql, wait_for
from orgs import (ORG_DELIVERIES, Delegated, Org, Receiver, delegate, revoke, take_service,
                  verify_signature)
from people import new_citizen, new_staff, q, submitted, supplement, withdraw
from stack import BIN

UUID_LEN = 36


@pytest.fixture()
def receiver():
    r = Receiver()
    yield r
    r.close()


def webhook_org(stack, http, base, receiver):
    return Org(stack, http, base, webhook=receiver.url)


def one_event(receiver, type_, no=None, timeout=15):
    """The single event of a type (for an application number, if given) the receiver got."""
    def find():
        got = [e for e in receiver.events(type_)
               if no is None or e[2]["data"].get("application_no") == no]
        return got or None
    got = wait_for(find, timeout, interval=0.05, what=f"a {type_} event")
    ids = {e[2]["id"] for e in got}
    assert len(ids) == 1, got
    return got[0]


def test_the_events_of_a_case_arrive_signed(stack, http, base, receiver):
    case = Delegated(stack, http, base, webhook=receiver.url)
    code, staff, org, d = case.code, case.staff, case.org, case.delegation
    c = new_citizen(stack, http, base)
    no = submitted(http, base, c, code)["application_no"]
    assert org.step(no, "need_materials", note="请补充材料").status_code == 200
    assert supplement(http, base, c, no).status_code == 200
    assert withdraw(http, base, c, no).status_code == 200
    revoke(http, base, staff, d["id"])
    expected = [("application.submitted", "submitted"), ("application.supplemented", "submitted"),
                ("application.withdrawn", "withdrawn")]
    for type_, status in expected:
        headers, raw, event = one_event(receiver, type_, no)
        assert set(event) == {"id", "type", "created_at", "data"}, event
        assert headers["OneWindow-Event-Id"] == event["id"] and len(event["id"]) == UUID_LEN
        assert headers["Content-Type"] == "application/json"
        assert verify_signature(headers["OneWindow-Signature"], raw, [org.webhook_secret]), headers
        assert not verify_signature(headers["OneWindow-Signature"], raw, ["wrong" * 8])
        assert event["data"] == {"application_no": no, "status": status,
                                 "service": {"code": code,
                                             "name": event["data"]["service"]["name"]}}
    headers, raw, event = one_event(receiver, "delegation.revoked")
    assert verify_signature(headers["OneWindow-Signature"], raw, [org.webhook_secret])
    assert event["data"]["delegation_id"] == d["id"] and event["data"]["service"]["code"] == code
    assert (event["data"]["from"], event["data"]["to"]) == (d["from"], d["to"])
    # the organization's own step is no event (it knows); no personal data in any event
    assert not [e for e in receiver.events() if e[2]["type"] not in
                {"application.submitted", "application.supplemented", "application.withdrawn",
                 "delegation.revoked"}]
    for _, raw, _ in receiver.events():
        assert c.phone.encode() not in raw and c.id_number.encode() not in raw


def test_retries_keep_the_event_id_and_every_try_is_logged(stack, http, base, receiver):
    case = Delegated(stack, http, base, webhook=receiver.url)
    code, staff, org, d = case.code, case.staff, case.org, case.delegation
    receiver.status = 503
    c = new_citizen(stack, http, base)
    submitted(http, base, c, code)
    wait_for(lambda: len(receiver.events("application.submitted")) >= 2, 15, interval=0.05,
             what="two tries")
    receiver.status = 200
    wait_for(lambda: sql(stack, f"SELECT status FROM outbox WHERE channel = 'webhook' AND "
                                f"target_id = {org.id} AND target_ref = 'application.submitted'")
             == [["done"]], 15, what="delivered on a later try")
    tries = receiver.events("application.submitted")
    ids = {h["OneWindow-Event-Id"] for h, _, _ in tries} | {e["id"] for _, _, e in tries}
    assert len(ids) == 1 and len(tries) >= 3, tries
    event_id = ids.pop()
    # each try signed afresh, each valid
    for h, raw, _ in tries:
        assert verify_signature(h["OneWindow-Signature"], raw, [org.webhook_secret])
    # the log: newest first, one line per try
    r = org.get(ORG_DELIVERIES, event_id=event_id)
    assert r.status_code == 200, r.text
    log = list(reversed(r.json()["items"]))
    assert [t["attempt"] for t in log] == list(range(1, len(tries) + 1)), log
    assert [t["result"] for t in log] == ["failed"] * (len(tries) - 1) + ["delivered"], log
    assert [t["status_code"] for t in log] == [503] * (len(tries) - 1) + [200], log
    for t in log:
        assert t["event_id"] == event_id and t["type"] == "application.submitted", t
        assert t["at"].endswith("Z") and t["duration_ms"] >= 0, t
    assert log[0]["error"] == "provider error" and log[0]["next_attempt_at"], log[0]
    assert log[-1]["error"] is None and log[-1]["next_attempt_at"] is None, log[-1]
    # another organization sees none of it
    other = Org(stack, http, base)
    assert other.get(ORG_DELIVERIES, event_id=event_id).json()["items"] == []
    # the last try fails: dead, and logged so
    receiver.status = 500
    revoke(http, base, staff, d["id"])
    row = wait_for(lambda: sql(stack, f"SELECT id FROM outbox WHERE channel = 'webhook' AND "
                                      f"target_id = {org.id} AND target_ref = "
                                      f"'delegation.revoked' AND attempts >= 1"), 15)
    sql(stack, f"UPDATE outbox SET attempts = 5, next_attempt_at = CURRENT_TIMESTAMP(3) "
               f"WHERE id = {row[0][0]} AND status = 'pending'")
    wait_for(lambda: sql(stack, f"SELECT status FROM outbox WHERE id = {row[0][0]}")
             == [["dead"]], 15, what="dead after the last try")
    items = org.get(ORG_DELIVERIES).json()["items"]
    assert items[0]["type"] == "delegation.revoked" and items[0]["result"] == "dead", items[0]
    assert items[0]["attempt"] == 6 and items[0]["status_code"] == 500, items[0]


def test_rotated_secret_signs_beside_the_old_one_for_24_hours(stack, http, base, receiver):
    code, dept = take_service()
    staff = new_staff(stack, http, base, dept)
    org = webhook_org(stack, http, base, receiver)
    old = org.webhook_secret
    d = delegate(http, base, staff, org, code)
    c = new_citizen(stack, http, base)
    r = stack.admin("rotate-webhook-secret", "--org", org.id, check=False)
    assert r.returncode == 0, r.stderr
    out = dict(line.split(": ", 1) for line in r.stdout.splitlines())
    new = out["webhook_secret"]
    assert len(new) == 64 and new != old and out["previous_valid_hours"] == "24", out
    no = submitted(http, base, c, code)["application_no"]
    headers, raw, _ = one_event(receiver, "application.submitted", no)
    sig = headers["OneWindow-Signature"]
    assert sig.count(",v1=") == 2, sig
    # a receiver that has either secret accepts it
    assert verify_signature(sig, raw, [new]) == new
    assert verify_signature(sig, raw, [old]) == old
    # the first v1 is the new secret's
    t, first, second = sig[2:].split(",v1=")
    only_new = f"t={t},v1={first}"
    assert verify_signature(only_new, raw, [new]) and not verify_signature(only_new, raw, [old])
    # stored sealed, never in clear; the rotation is audited
    assert not sql(stack, f"SELECT id FROM organizations WHERE id = {org.id} AND "
                          f"(LOCATE({q(new)}, webhook_secret_enc) > 0 OR "
                          f"LOCATE({q(old)}, webhook_secret_prev_enc) > 0)")
    assert sql(stack, f"SELECT action FROM audit_log WHERE target = 'org:{org.id}' "
                      f"ORDER BY id DESC LIMIT 1") == [["org.webhook_secret"]]
    # once the 24 h are over, only the new secret signs
    sql(stack, f"UPDATE organizations SET webhook_secret_prev_until = CURRENT_TIMESTAMP(3) - "
               f"INTERVAL 1 SECOND WHERE id = {org.id}")
    withdraw(http, base, c, no)
    headers, raw, _ = one_event(receiver, "application.withdrawn", no)
    sig = headers["OneWindow-Signature"]
    assert sig.count(",v1=") == 1, sig
    assert verify_signature(sig, raw, [new]) and not verify_signature(sig, raw, [old])
    assert stack.admin("rotate-webhook-secret", "--org", "987654321", check=False).returncode == 1
    assert stack.admin("rotate-webhook-secret", "--org", "x", check=False).returncode == 2
    revoke(http, base, staff, d["id"])


PRODUCTION_RULES = {"ONEWINDOW_WEBHOOK_ALLOW_HTTP": "0", "ONEWINDOW_WEBHOOK_ALLOW_PRIVATE": "0"}


def admin_with(stack, env, *args):
    e = dict(stack.env)
    e.update(env)
    return subprocess.run([os.path.join(BIN, "onewindow-admin"), *args], env=e,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("url, why", [
    ("http://93.184.215.14/hooks", "must be https"),
    ("https://127.0.0.1/hooks", "non-public"),
    ("https://localhost:8443/hooks", "non-public"),
    ("https://10.1.2.3/hooks", "non-public"),
    ("https://172.20.0.1/hooks", "non-public"),
    ("https://192.168.1.1/hooks", "non-public"),
    ("https://169.254.169.254/latest/meta-data", "non-public"),
    ("https://100.64.0.1/hooks", "non-public"),
    ("https://0.0.0.0/hooks", "non-public"),
    ("https://[::1]/hooks", "non-public"),
    ("https://[fe80::1]/hooks", "non-public"),
    ("https://[fd00::1]/hooks", "non-public"),
    ("https://[::ffff:127.0.0.1]/hooks", "non-public"),
    ("https://2130706433/hooks", "non-public"),  # 127.0.0.1 written as one number
    ("https://user:pw@93.184.215.14/hooks", "user name or password"),
    ("ftp://93.184.215.14/hooks", "must be https"),
    ("not a url", "printable ASCII"),
    ("/relative/path", "not an absolute URL"),
    ("https://93.184.215.14/" + "x" * 600, "1 to 512"),
])
def test_webhook_url_is_checked_when_set(stack, url, why):
    """Literal addresses and localhost only (/etc/hosts): these checks ask no DNS server and
    nothing is sent to any of them."""
    from helpers import credit_code
    r = admin_with(stack, PRODUCTION_RULES, "create-org", "--name", "测试组织", "--credit-code",
                   credit_code(), "--webhook-url", url)
    assert r.returncode == 2 and why in r.stderr, (url, r.returncode, r.stderr)
    r = admin_with(stack, PRODUCTION_RULES, "set-webhook-url", "--org", "1", "--url", url)
    assert r.returncode == 2 and why in r.stderr, (url, r.returncode, r.stderr)


def test_a_public_https_url_is_accepted(stack, http, base):
    from helpers import credit_code
    url = "https://93.184.215.14:8443/hooks/onewindow?x=1"
    r = admin_with(stack, PRODUCTION_RULES, "create-org", "--name", "测试组织", "--credit-code",
                   credit_code(), "--webhook-url", url)
    assert r.returncode == 0, r.stderr
    org_id = dict(line.split(": ", 1) for line in r.stdout.splitlines())["id"]
    url2 = "https://[2606:2800:220:1:248:1893:25c8:1946]/hooks"
    r = admin_with(stack, PRODUCTION_RULES, "set-webhook-url", "--org", org_id, "--url", url2)
    assert r.returncode == 0, r.stderr
    assert sql(stack, f"SELECT webhook_url FROM organizations WHERE id = {org_id}") == [[url2]]
    # development allows a local receiver (test.conf)
    r = admin_with(stack, {}, "set-webhook-url", "--org", org_id, "--url",
                   "http://127.0.0.1:9/hooks")
    assert r.returncode == 0, r.stderr
    assert admin_with(stack, {}, "set-webhook-url", "--org", "987654321", "--url",
                      url).returncode == 1


def test_the_address_is_checked_again_at_connect_time(stack, http, base, receiver):
    """A URL accepted when set (here: while local targets were allowed, as a DNS answer that
    changed would do) is refused by a pushd that does not allow them, when it connects."""
    case = Delegated(stack, http, base, webhook=receiver.url)
    code, staff, org, d = case.code, case.staff, case.org, case.delegation
    own = int(open(os.path.join(stack.var_dir, "run", "onewindow-pushd.pid")).read())
    os.kill(own, signal.SIGSTOP)
    strict = None
    try:
        e = dict(stack.env)
        e.update(PRODUCTION_RULES)
        e["ONEWINDOW_WEBHOOK_ALLOW_HTTP"] = "1"  # the scheme is not what this test is about
        e["ONEWINDOW_PUSH_CHANNELS"] = "webhook"
        log = open(os.path.join(stack.var_dir, "log", "pushd-strict.log"), "a")
        strict = subprocess.Popen([os.path.join(BIN, "onewindow-pushd")], env=e, stdout=log,
                                  stderr=subprocess.STDOUT)
        c = new_citizen(stack, http, base)
        no = submitted(http, base, c, code)["application_no"]

        def refused():
            items = org.get(ORG_DELIVERIES).json()["items"]
            return [i for i in items if i["type"] == "application.submitted"] or None
        tries = wait_for(refused, 15, interval=0.1, what="a refused try in the log")
        assert tries[0]["result"] == "failed" and tries[0]["status_code"] is None, tries
        assert tries[0]["error"] == "webhook address not allowed", tries
        assert receiver.events() == []
    finally:
        if strict:
            strict.send_signal(signal.SIGTERM)
            strict.wait(timeout=15)
        os.kill(own, signal.SIGCONT)
    # the stack's pushd (development rules) delivers it on a later try
    headers, raw, event = one_event(receiver, "application.submitted", no, timeout=20)
    assert verify_signature(headers["OneWindow-Signature"], raw, [org.webhook_secret])
    revoke(http, base, staff, d["id"])


def test_a_disabled_organization_gets_no_webhook(stack, http, base, receiver):
    case = Delegated(stack, http, base, webhook=receiver.url)
    staff, org, d = case.staff, case.org, case.delegation
    assert stack.admin("disable-org", "--org", org.id).returncode == 0
    revoke(http, base, staff, d["id"])
    wait_for(lambda: sql(stack, f"SELECT status, last_error FROM outbox WHERE channel = "
                                f"'webhook' AND target_id = {org.id}")
             == [["dead", "organization disabled"]], 15, what="dead: organization disabled")
    assert receiver.events() == []
    assert json.loads(sql(stack, f"SELECT payload FROM outbox WHERE channel = 'webhook' AND "
                                 f"target_id = {org.id}")[0][0])["delegation_id"] == d["id"]


def test_old_tries_leave_the_delivery_log_with_the_outbox(stack, http, base):
    """pushd deletes tries older than outbox_keep_days (7) when it starts and every minute."""
    org = Org(stack, http, base)
    for age_days in (8, 6):
        sql(stack, f"INSERT INTO webhook_attempts (org_id, delivery_id, event_type, attempt, "
                   f"result, created_at) VALUES ({org.id}, UUID(), 'application.submitted', 1, "
                   f"'delivered', CURRENT_TIMESTAMP(3) - INTERVAL {age_days} DAY)")
    e = dict(stack.env)
    e["ONEWINDOW_PUSH_CHANNELS"] = "sms"  # prunes whatever it serves
    log = open(os.path.join(stack.var_dir, "log", "pushd-prune.log"), "a")
    pushd = subprocess.Popen([os.path.join(BIN, "onewindow-pushd")], env=e, stdout=log,
                             stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: sql(stack, f"SELECT COUNT(*) FROM webhook_attempts WHERE org_id = "
                                    f"{org.id}") == [["1"]], 15, what="the old try deleted")
    finally:
        pushd.send_signal(signal.SIGTERM)
        pushd.wait(timeout=15)
    left = org.get(ORG_DELIVERIES).json()["items"]
    assert len(left) == 1, left
