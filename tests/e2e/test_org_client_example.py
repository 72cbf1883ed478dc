"""examples/org-client/ against the real stack: the example organization system obtains a
token, follows the change feed from a saved cursor, accepts and completes the applications of
its delegated service (the citizen sees the organization on the timeline), resumes without
doing anything twice, and its webhook receiver verifies the signatures of the events it gets
(and refuses a forged one)."""
import json
import os
import subprocess
import sys

import requests

from helpers import ROOT, wait_for
from orgs import Org, delegate, revoke, take_service
from people import detail, new_citizen, new_staff, submitted
from stack import free_port

EXAMPLE = os.path.join(ROOT, "examples", "org-client")


def run_example(*args, timeout=120):
    p = subprocess.run([sys.executable, os.path.join(EXAMPLE, "org_client.py"), *args],
                       capture_output=True, text=True, timeout=timeout, cwd=EXAMPLE)
    assert p.returncode == 0, (p.stdout, p.stderr)
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def test_the_example_client_works_applications_and_verifies_webhooks(stack, http, base, tmp_path):
    log = tmp_path / "events.jsonl"
    port = free_port()
    code, dept = take_service()
    staff = new_staff(stack, http, base, dept)
    org = Org(stack, http, base, webhook=f"http://127.0.0.1:{port}/hooks")
    receiver = subprocess.Popen(
        [sys.executable, os.path.join(EXAMPLE, "org_client.py"), "webhooks", "--port",
         str(port), "--secret", org.webhook_secret, "--log", str(log)],
        stdout=subprocess.PIPE, text=True, cwd=EXAMPLE)
    try:
        assert json.loads(receiver.stdout.readline()) == {"action": "listening", "port": port}
        d = delegate(http, base, staff, org, code)
        c = new_citizen(stack, http, base)
        numbers = [submitted(http, base, c, code)["application_no"] for _ in range(2)]
        cursor = str(tmp_path / "cursor.txt")
        creds = ["--base", base, "--client-id", org.client_id, "--client-secret",
                 org.client_secret, "--cursor-file", cursor]
        # one run: both accepted, then (their own steps come back through the feed) completed,
        # then seen completed; it stops when nothing new is left
        out = run_example("work", *creds, "--once")
        assert out[0] == {"action": "services", "codes": [code]}, out
        actions = [(o["action"], o["application_no"]) for o in out[1:]]
        for no in numbers:
            assert [a for a, n in actions if n == no] == ["accepted", "completed", "seen"], out
        seqs = [o["change_seq"] for o in out[1:]]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), out
        for no in numbers:
            d_ = detail(http, base, c, no)
            assert d_["status"] == "completed" and d_["result"] == "approved", d_
            assert [e["actor"] for e in d_["timeline"]] == ["citizen", "organization",
                                                             "organization"], d_["timeline"]
            assert d_["timeline"][-1]["actor_name"] == org.name
        # resumed from the saved cursor: nothing again
        assert run_example("work", *creds, "--once")[1:] == []
        # a change by someone else shows up in the next run, once
        c2 = submitted(http, base, c, code)["application_no"]
        later = run_example("work", *creds, "--once")
        assert [(o["action"], o["application_no"]) for o in later[1:3]] == [
            ("accepted", c2), ("completed", c2)], later
        # the webhooks of both submissions arrived, verified, once each
        def logged():
            if not os.path.exists(log):
                return None
            with open(log, encoding="utf-8") as f:
                lines = [json.loads(line) for line in f]
            return lines if len(lines) >= 3 else None
        events = wait_for(logged, 15, interval=0.1, what="three verified events")
        assert sorted(e["data"]["application_no"] for e in events
                      if e["type"] == "application.submitted") == sorted(numbers + [c2]), events
        # a forged event is refused
        r = requests.post(f"http://127.0.0.1:{port}/hooks", data=b'{"type":"x"}', timeout=10,
                          headers={"OneWindow-Signature": "t=1,v1=" + "0" * 64,
                                   "OneWindow-Event-Id": "forged"})
        assert r.status_code == 401
        revoke(http, base, staff, d["id"])
    finally:
        receiver.terminate()
        receiver.wait(10)
