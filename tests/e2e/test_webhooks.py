"""Organization webhooks through onewindow-pushd (API.md §6, §7): an event POSTed to the
organization's URL as {"id","type","created_at","data"} with OneWindow-Event-Id (the delivery
id) and OneWindow-Signature (t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>, the
secret that `create-org` printed once); 2xx delivered; anything else tried again after about
1, 5, 30, 120, 720 units (config/test.conf: webhook_retry_unit_ms = 100, so 0.1 s, 0.5 s …),
dead after the sixth try. The events themselves come with the organizations capability; here the
outbox rows are written directly."""
import hashlib
import hmac
import json
import re
import pytest

from helpers import sql, unique_id
from orgs import Receiver
from people import q
from helpers import credit_code, wait_for

UNIT_S = 0.1


@pytest.fixture()
def receiver():
    r = Receiver()
    yield r
    r.close()


def new_org(stack, url):
    out = stack.admin("create-org", "--name", f"测试社会组织{unique_id('')[-6:]}",
                      "--credit-code", credit_code(), "--webhook-url", url).stdout
    lines = dict(line.split(": ", 1) for line in out.splitlines())
    assert re.fullmatch(r"[0-9a-f]{64}", lines["webhook_secret"]), out
    return int(lines["id"]), lines["webhook_secret"]


def enqueue(stack, org_id, kind, data):
    tag = unique_id("wh")
    sql(stack, f"INSERT INTO outbox (delivery_id, channel, target_id, target_ref, payload) "
               f"VALUES (UUID(), 'webhook', {org_id}, {q(kind)}, {q(json.dumps(data))})")
    return sql(stack, f"SELECT id, delivery_id FROM outbox WHERE channel = 'webhook' "
                      f"AND target_id = {org_id} ORDER BY id DESC LIMIT 1")[0]


def test_an_event_arrives_signed_with_its_delivery_id(stack, receiver):
    org, secret = new_org(stack, receiver.url)
    row_id, delivery = enqueue(stack, org, "application.submitted",
                               {"application_no": "20261128-ABCDE-12345"})
    assert wait_for(lambda: receiver.requests, 10)
    at, headers, body = receiver.requests[0]
    assert headers["OneWindow-Event-Id"] == delivery
    assert headers["Content-Type"] == "application/json"
    m = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", headers["OneWindow-Signature"])
    assert m, headers
    t, v1 = m.groups()
    assert abs(int(t) - at) < 300  # receivers refuse a t older than 5 minutes
    expected = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(v1, expected)
    event = json.loads(body)
    assert event["id"] == delivery and event["type"] == "application.submitted"
    assert event["data"] == {"application_no": "20261128-ABCDE-12345"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", event["created_at"])
    assert wait_for(lambda: sql(stack, f"SELECT status FROM outbox WHERE id = {row_id}")
                    == [["done"]], 5)
    # the secret is nowhere in clear in the database
    assert not sql(stack, f"SELECT id FROM organizations WHERE id = {org} "
                          f"AND LOCATE({q(secret)}, webhook_secret_enc) > 0")


def test_failures_retry_on_the_schedule_then_die(stack, receiver):
    org, _ = new_org(stack, receiver.url)
    receiver.status = 503
    row_id, delivery = enqueue(stack, org, "application.withdrawn", {"application_no": "x"})
    # tries 1, 2, 3: after about 1 and 5 units (±10 %, plus pushd's poll)
    assert wait_for(lambda: len(receiver.requests) >= 3, 15), len(receiver.requests)
    times = [r[0] for r in receiver.requests[:3]]
    assert 0.8 * UNIT_S <= times[1] - times[0] <= UNIT_S + 1.0, times
    assert 4 * UNIT_S <= times[2] - times[1] <= 5 * UNIT_S + 1.0, times
    assert {r[1]["OneWindow-Event-Id"] for r in receiver.requests} == {delivery}
    state = sql(stack, f"SELECT status, attempts, last_error FROM outbox WHERE id = {row_id}")[0]
    assert state[0] == "pending" and int(state[1]) >= 3 and state[2] == "provider error", state
    # skip the long waits (30, 120, 720 units): the sixth failed try is the last
    sql(stack, f"UPDATE outbox SET attempts = 5, next_attempt_at = CURRENT_TIMESTAMP(3) "
               f"WHERE id = {row_id} AND status = 'pending'")
    assert wait_for(lambda: sql(stack, f"SELECT status FROM outbox WHERE id = {row_id}")
                    == [["dead"]], 10)
    dead = [json.loads(line) for line in stack.admin("outbox", "--dead").stdout.splitlines()]
    assert any(d["delivery_id"] == delivery and d["channel"] == "webhook" for d in dead)
    # the organization is back: requeued, delivered with the same event id
    receiver.status = 204
    stack.admin("outbox", "--requeue", str(row_id))
    assert wait_for(lambda: sql(stack, f"SELECT status FROM outbox WHERE id = {row_id}")
                    == [["done"]], 10)
    assert receiver.requests[-1][1]["OneWindow-Event-Id"] == delivery


def test_a_delivery_for_an_unknown_organization_is_dead(stack):
    row_id, _ = enqueue(stack, 987654321, "application.submitted", {})
    assert wait_for(lambda: sql(stack, f"SELECT status, last_error FROM outbox WHERE id = {row_id}")
                    == [["dead", "no such organization"]], 10)
