"""The logs (issue 12): no log file is readable by every local user, and none holds the
personal data a citizen sent (phone, ID number, name, query code, password)."""
import os
import stat

from helpers import post, wait_for
from people import (APPS, PROGRESS, call, new_citizen, new_phone, set_first_password, sms_send,
                    submitted)

# Sinks of the development providers, not logs: they hold SMS texts on purpose (README).
NOT_LOGS = {"sms-outbox.jsonl", "sms-notifications.jsonl"}


def log_files(stack):
    log_dir = os.path.join(stack.var_dir, "log")
    return [os.path.join(log_dir, n) for n in sorted(os.listdir(log_dir))]


def test_no_log_file_is_world_readable(stack, http, base):
    assert http.get(base + "/healthz", timeout=10).status_code == 200
    files = log_files(stack)
    assert any(f.endswith("nginx-access.log") for f in files), files
    for path in files:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode & 0o007 == 0, f"{path} is {oct(mode)}"
    mode = stat.S_IMODE(os.stat(os.path.join(stack.var_dir, "log")).st_mode)
    assert mode & 0o002 == 0, f"the log folder is {oct(mode)}"


def test_secrets_are_not_world_readable(stack):
    paths = [os.path.join(stack.var_dir, "master.key")]
    secrets = os.path.join(stack.var_dir, "secrets")
    paths += [os.path.join(secrets, n) for n in os.listdir(secrets)]
    for path in paths:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode & 0o007 == 0, f"{path} is {oct(mode)}"


def test_no_personal_data_in_the_logs(stack, http, base):
    """A citizen's whole path with personal data in bodies, queries and headers; then every
    log file is searched for each value."""
    citizen = new_citizen(stack, http, base)
    app = submitted(http, base, citizen, form={"purpose": "e2e", "note": citizen.id_number})
    other = new_phone()
    assert sms_send(http, base, other).status_code == 202
    password = "Pw-" + os.urandom(6).hex()
    r = set_first_password(stack, http, base, citizen.phone, citizen.id, citizen.token, password)
    assert r.status_code == 204, r.text
    r = post(http, base, "/api/v1/auth/login", {"phone": citizen.phone, "password": password})
    assert r.status_code == 200, r.text
    r = post(http, base, PROGRESS, {"application_no": app["application_no"],
                                    "query_code": app["query_code"]})
    assert r.status_code == 200, r.text
    # Personal data where it does not belong: in a query string and a header.
    r = http.get(base + "/api/v1/services", params={"q": citizen.id_number}, timeout=10,
                 headers={"X-Citizen": citizen.phone})
    assert r.status_code == 200, r.text
    r = call(http, base, "GET", f"{APPS}?status={citizen.phone}", citizen.token)
    assert r.status_code == 400, r.text
    secrets = {"phone": citizen.phone, "other phone": other, "ID number": citizen.id_number,
               "name": citizen.name, "query code": app["query_code"], "password": password,
               "token": citizen.token[-40:]}

    def leaks():
        found = []
        for path in log_files(stack):
            if os.path.basename(path) in NOT_LOGS:
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            found += [f"{what} in {os.path.basename(path)}" for what, value in secrets.items()
                      if value in text]
        return found
    # nginx flushes its access log within a second: wait for this request's line first.
    wait_for(lambda: os.path.getsize(os.path.join(stack.var_dir, "log", "nginx-access.log")),
             5, what="nginx access log")
    assert leaks() == []
