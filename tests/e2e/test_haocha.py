"""Forwarding ratings to a provincial or national 好差评 system (docs/API.md §8 "Forwarding
ratings"): the haocha push channel of onewindow-pushd against a fake receiver
(fake_haocha.FakeHaocha).

The module runs its own stack whose config file is config/test.conf plus haocha_url (the
fake), haocha_token (a credential: the config file only) and short push retries; the shared
stack (config/test.conf alone) shows that forwarding is off by default. Every test makes its
own citizen and application, and follows its rating's outbox row to the fake's requests and
to the row's final state.

Timing (config below): push_retry_base_ms 200, push_max_attempts 4, push_poll_ms 50."""
import atexit
import json
import os
import secrets
import subprocess

import pytest

from fake_haocha import DROP, PATH, FakeHaocha
from helpers import sql, wait_for
from orgs import Org, delegate, take_service
from people import (APPS, GA_3, bring_to, call, new_citizen, new_operator, new_staff, q,
                    service_department, submitted)
from stack import BIN, ROOT, Stack, service_readable

TOKEN = "hc-" + secrets.token_hex(16)
DIMENSIONS = {"efficiency": 5, "guide_accuracy": 4, "convenience": 5, "usability": 3}
RECORD_KEYS = {"schema", "event", "rating_id", "application_no", "service_code", "service_name",
               "department_code", "department_name", "application_channel", "rating_channel",
               "rated", "status", "result", "finished_day", "score", "level", "dimensions",
               "tags", "comment", "rated_at", "rated_day", "excluded"}


def config_text(fake):
    with open(os.path.join(ROOT, "config", "test.conf"), encoding="utf-8") as f:
        text = f.read()
    extra = {"haocha_url": fake.url, "haocha_token": TOKEN, "push_retry_base_ms": 200,
             "push_max_attempts": 4, "push_poll_ms": 50}
    lines = [f"{k} = {v}" for k, v in extra.items()]
    return text.rstrip("\n") + "\n# e2e: test_haocha.py\n" + "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def fake():
    f = FakeHaocha()
    f.start()
    yield f
    f.stop()


@pytest.fixture(scope="module")
def hstack(fake):
    s = Stack()
    path = os.path.join(s.var_dir, "haocha-test.conf")  # removed with the stack's directory
    with open(path, "w", encoding="utf-8") as f:
        f.write(config_text(fake))
    os.chmod(path, 0o600)
    service_readable(path)  # the token: the services' group only
    s.env["ONEWINDOW_CONFIG"] = path
    atexit.register(s.stop)
    s.start()
    yield s
    s.destroy()


@pytest.fixture(scope="module")
def ga(hstack):
    import requests
    with requests.Session() as session:
        return new_staff(hstack, session, hstack.base, "GA")


def rate(http, stack, staff, body):
    """A citizen's new completed GA_3 application, rated with body: (citizen, no, rating)."""
    c = new_citizen(stack, http, stack.base)
    no = bring_to(http, stack.base, c, staff, "completed", GA_3)
    r = call(http, stack.base, "POST", f"{APPS}/{no}/rating", c.token, body)
    assert r.status_code == 201, r.text
    return c, no, r.json()


def haocha_rows(stack, rating_id):
    return sql(stack, f"SELECT id, status, attempts, COALESCE(last_error, ''), target_ref "
                      f"FROM outbox WHERE channel = 'haocha' AND target_id = {int(rating_id)}")


def final_row(stack, rating_id, timeout=20):
    def settled():
        rows = haocha_rows(stack, rating_id)
        return rows if rows and rows[0][1] != "pending" else None
    rows = wait_for(settled, timeout, interval=0.05, what=f"rating {rating_id} forwarded")
    assert len(rows) == 1, rows
    return rows[0]


def test_a_rating_is_posted_once_with_every_field_and_the_token(hstack, fake, http, ga):
    body = {"score": 5, "dimensions": DIMENSIONS, "tags": ["fast", "one_trip"],
            "comment": "很快，一次办好 \"引号\"", "channel": "wechat"}
    c, no, out = rate(http, hstack, ga, body)
    row = final_row(hstack, out["id"])
    assert row[1:] == ["done", "1", "", "rating.created"], row
    reqs = fake.requests(out["id"])
    assert len(reqs) == 1, reqs
    req = reqs[0]
    assert req["path"] == PATH
    assert req["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert req["headers"]["Idempotency-Key"] == f"rating-{out['id']}"
    assert req["headers"]["Content-Type"] == "application/json"
    rec = req["body"]
    assert set(rec) == RECORD_KEYS, rec
    dept, dept_name = service_department(GA_3)
    stored = sql(hstack, f"SELECT service_name, DATE_FORMAT(finished_day, '%Y-%m-%d'), "
                         f"DATE_FORMAT(rated_day, '%Y-%m-%d'), "
                         f"DATE_FORMAT(rated_at, '%Y-%m-%dT%H:%i:%sZ') FROM ratings "
                         f"WHERE id = {int(out['id'])}")[0]
    assert rec == {
        "schema": "onewindow.haocha/1", "event": "rating.created", "rating_id": out["id"],
        "application_no": no, "service_code": GA_3, "service_name": stored[0],
        "department_code": dept, "department_name": dept_name,
        "application_channel": "online", "rating_channel": "wechat",
        "rated": {"type": "department", "name": dept_name, "staff_username": ga.username,
                  "org_credit_code": None},
        "status": "completed", "result": "approved", "finished_day": stored[1], "score": 5,
        "level": "非常满意", "dimensions": DIMENSIONS, "tags": ["fast", "one_trip"],
        "comment": body["comment"], "rated_at": stored[3], "rated_day": stored[2],
        "excluded": None}, rec
    # the citizen is not part of the record
    assert c.phone not in json.dumps(rec, ensure_ascii=False)


def test_a_bare_rating_sends_nulls_for_what_was_not_given(hstack, fake, http, ga):
    _, _, out = rate(http, hstack, ga, {"score": 2, "tags": ["slow"]})
    assert final_row(hstack, out["id"])[1] == "done"
    rec = fake.requests(out["id"])[0]["body"]
    assert rec["score"] == 2 and rec["level"] == "不满意", rec
    assert rec["dimensions"] is None and rec["comment"] is None and rec["tags"] == ["slow"], rec
    assert rec["rating_channel"] == "app", rec


def test_delegated_work_names_the_organization(hstack, fake, http):
    service, dept = take_service()
    org = Org(hstack, http, hstack.base)
    delegate(http, hstack.base, new_staff(hstack, http, hstack.base, dept), org, service)
    c = new_citizen(hstack, http, hstack.base)
    no = submitted(http, hstack.base, c, service)["application_no"]
    for body in ({"status": "accepted"}, {"status": "completed", "result": "denied"}):
        r = call(http, hstack.base, "POST", f"/api/v1/org/applications/{no}/events", org.token,
                 body)
        assert r.status_code == 200, r.text
    r = call(http, hstack.base, "POST", f"{APPS}/{no}/rating", c.token,
             {"score": 3, "channel": "web"})
    assert r.status_code == 201, r.text
    rating_id = r.json()["id"]
    assert final_row(hstack, rating_id)[1] == "done"
    rec = fake.requests(rating_id)[0]["body"]
    credit = sql(hstack, f"SELECT credit_code FROM organizations WHERE id = {int(org.id)}")[0][0]
    assert rec["rated"] == {"type": "organization", "name": org.name, "staff_username": None,
                            "org_credit_code": credit}, rec
    assert rec["service_code"] == service and rec["department_code"] == dept, rec
    assert rec["result"] == "denied" and rec["rating_channel"] == "web", rec


def test_a_replayed_rating_request_forwards_nothing_twice(hstack, fake, http, ga):
    c = new_citizen(hstack, http, hstack.base)
    no = bring_to(http, hstack.base, c, ga, "completed", GA_3)
    answers = [call(http, hstack.base, "POST", f"{APPS}/{no}/rating", c.token, {"score": 5},
                    key="hc-replay-" + no) for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    assert answers[0].json() == answers[1].json()
    rating_id = answers[0].json()["id"]
    assert final_row(hstack, rating_id)[1] == "done"
    assert len(fake.requests(rating_id)) == 1


@pytest.mark.parametrize("status", [503, 500, 429, 408, DROP])
def test_a_passing_failure_is_delivered_once_after_a_retry(hstack, fake, http, ga, status):
    c = new_citizen(hstack, http, hstack.base)
    no = bring_to(http, hstack.base, c, ga, "completed", GA_3)
    # the rating id is known only once it exists: script by the next id the fake will see
    next_id = int(sql(hstack, "SELECT COALESCE(MAX(id), 0) + 1 FROM ratings")[0][0])
    fake.answer(next_id, status)
    r = call(http, hstack.base, "POST", f"{APPS}/{no}/rating", c.token, {"score": 4})
    assert r.status_code == 201, r.text
    assert r.json()["id"] == str(next_id)
    row = final_row(hstack, next_id)
    assert row[1:3] == ["done", "2"], row
    reqs = fake.requests(next_id)
    assert len(reqs) == 2, reqs
    assert reqs[0]["body"] == reqs[1]["body"]
    assert {x["headers"]["Idempotency-Key"] for x in reqs} == {f"rating-{next_id}"}


def test_400_is_dead_at_once_and_listed_for_operators(hstack, fake, http, ga):
    c = new_citizen(hstack, http, hstack.base)
    no = bring_to(http, hstack.base, c, ga, "completed", GA_3)
    next_id = int(sql(hstack, "SELECT COALESCE(MAX(id), 0) + 1 FROM ratings")[0][0])
    fake.answer(next_id, 400)
    r = call(http, hstack.base, "POST", f"{APPS}/{no}/rating", c.token, {"score": 3})
    assert r.status_code == 201, r.text
    row = final_row(hstack, next_id)
    assert row[1:4] == ["dead", "1", "the haocha receiver refused"], row
    assert len(fake.requests(next_id)) == 1
    dead = [json.loads(line) for line in hstack.admin("outbox", "--dead").stdout.splitlines()]
    assert any(d["id"] == row[0] and d["channel"] == "haocha" for d in dead), dead
    assert TOKEN not in hstack.admin("config").stdout


def test_every_rating_has_exactly_one_forward(hstack, fake, http, ga):
    rate(http, hstack, ga, {"score": 1, "tags": ["slow"]})
    missing = sql(hstack, "SELECT r.id, COUNT(o.id) FROM ratings r LEFT JOIN outbox o "
                          "ON o.channel = 'haocha' AND o.target_id = r.id "
                          "GROUP BY r.id HAVING COUNT(o.id) <> 1")
    assert missing == [], missing
    orphans = sql(hstack, "SELECT o.id FROM outbox o LEFT JOIN ratings r ON r.id = o.target_id "
                          "WHERE o.channel = 'haocha' AND r.id IS NULL")
    assert orphans == [], orphans


def test_forwarding_is_off_by_default(stack, http, base):
    """The shared stack (config/test.conf, no haocha_url): a rating writes no haocha row."""
    staff = new_staff(stack, http, base, "GA")
    _, _, out = rate(http, stack, staff, {"score": 5})
    assert sql(stack, f"SELECT COUNT(*) FROM ratings WHERE id = {int(out['id'])}") == [["1"]]
    assert sql(stack, "SELECT COUNT(*) FROM outbox WHERE channel = 'haocha'") == [["0"]]
    # switched off is not missing credentials: pushd leaves the channel out without a warning
    with open(stack.log_path("onewindow.log"), errors="replace") as f:
        assert "channel haocha has no credentials" not in f.read()


def admin_config(stack, **env):
    return subprocess.run([os.path.join(BIN, "onewindow-admin"), "config"],
                          env=dict(stack.env, **env), capture_output=True, text=True, timeout=30)


def test_the_settings_check_the_url_and_keep_the_token_out_of_the_environment(stack):
    p = admin_config(stack, ONEWINDOW_HAOCHA_URL="ftp://haocha.example/ratings")
    assert p.returncode == 2 and "HAOCHA_URL" in p.stderr, (p.stdout, p.stderr)
    p = admin_config(stack, ONEWINDOW_HAOCHA_URL="https://haocha.example/ratings")
    assert p.returncode == 0 and "haocha_url: https://haocha.example/ratings" in p.stdout, p
    # a credential: the environment may not set it
    p = admin_config(stack, ONEWINDOW_HAOCHA_TOKEN="x")
    assert p.returncode == 2 and "HAOCHA_TOKEN" in p.stderr, (p.stdout, p.stderr)
    # production: https only (the token would travel in clear text)
    production = dict(ONEWINDOW_DEPLOYMENT="production", ONEWINDOW_TEST_ROUTES="0",
                      ONEWINDOW_IDENTITY_PROVIDER="http", ONEWINDOW_ENTERPRISE_REGISTRY="none",
                      ONEWINDOW_SMS_PROVIDER="http", ONEWINDOW_WEBHOOK_ALLOW_HTTP="0",
                      ONEWINDOW_WEBHOOK_ALLOW_PRIVATE="0")
    p = admin_config(stack, **dict(production, ONEWINDOW_HAOCHA_URL="http://haocha.example/r"))
    assert p.returncode == 2 and "haocha_url=http://" in p.stderr, (p.stdout, p.stderr)
    p = admin_config(stack, **dict(production, ONEWINDOW_HAOCHA_URL="https://haocha.example/r"))
    assert p.returncode == 0, p.stderr


def test_an_exclusion_on_appeal_is_forwarded_under_its_own_key(hstack, fake, http, ga):
    """申诉复核: the operator's exclusion forwards the record again, event rating.excluded with
    the reviewer's reason, in the decision's transaction, under its own Idempotency-Key."""
    _, _, out = rate(http, hstack, ga, {"score": 1, "tags": ["slow"]})
    rid = int(out["id"])
    final_row(hstack, rid)
    r = call(http, hstack.base, "POST", f"/api/v1/staff/ratings/{rid}/appeal", ga.token,
             {"reason": "申请人评价的是其他部门的事项，电话核实属实。"})
    assert r.status_code == 201, r.text
    op = new_operator(hstack, http, hstack.base)
    r = call(http, hstack.base, "POST", f"/api/v1/staff/rating-appeals/{r.json()['id']}/decision",
             op.token, {"decision": "exclude", "reason": "同一事项重复评价"})
    assert r.status_code == 200, r.text
    wait_for(lambda: len(fake.requests(rid)) == 2, 20, interval=0.05, what="exclusion sent")
    first, sent = fake.requests(rid)
    assert sent["headers"]["Idempotency-Key"] == f"rating-{rid}-excluded"
    assert sent["body"]["event"] == "rating.excluded"
    assert sent["body"]["excluded"]["reason"] == "同一事项重复评价" and sent["body"]["excluded"]["at"]
    assert {k: v for k, v in sent["body"].items() if k not in ("event", "excluded")} == \
        {k: v for k, v in first["body"].items() if k not in ("event", "excluded")}
    rows = haocha_rows(hstack, rid)
    assert sorted(r[4] for r in rows) == ["rating.created", "rating.excluded"], rows
