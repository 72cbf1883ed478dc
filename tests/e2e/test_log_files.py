"""nginx's error log never records the request line of a request it rejected (issue 12,
finding 6): a 413 or a 429 would otherwise write the path and query -- what a citizen typed
-- into it. (Who may read the logs: tests/security/test_logs.py.)"""
import os
import time

import requests

from conftest import assert_problem
from helpers import settings, unique_id
from test_nginx_errors import side_nginx  # noqa: F401 (a fixture)

MARKER_PREFIX = "MARK"


def marker():
    return MARKER_PREFIX + unique_id("q").replace("-", "")


def error_log_holds(path, text):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return text in f.read()
    except FileNotFoundError:
        return False


def test_a_rejected_body_leaves_no_request_line_in_the_error_log(base, stack):
    """nginx's 413 (over client_max_body_size) is logged at level error with the request
    line; the log records no such line."""
    mark = marker()
    too_big = int(settings(stack)["max_body_bytes"]) + 16384 + 1024
    r = requests.post(f"{base}/api/v1/test/echo?name={mark}", data=b"x" * too_big,
                      headers={"Content-Type": "application/json"}, timeout=30)
    assert_problem(r, 413, "payload_too_large")
    time.sleep(0.5)  # nginx writes its error log at once; a little slack
    assert not error_log_holds(stack.log_path("nginx-error.log"), mark)


def test_a_rate_limited_request_leaves_no_request_line_in_the_error_log(stack, side_nginx):
    side = side_nginx(rate_per_min=1)
    mark = marker()
    statuses = []
    with requests.Session() as http:
        for _ in range(5):
            r = http.get(f"{side.base}/healthz?q={mark}", timeout=10)
            statuses.append(r.status_code)
            if r.status_code == 429:
                break
    assert statuses[-1] == 429, statuses
    time.sleep(0.5)
    assert not error_log_holds(os.path.join(side.dir, "error.log"), mark)
