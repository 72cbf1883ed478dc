"""Errors that nginx makes itself (API.md §1: 413, 429, 502, 504, oversized headers) are
problem+json with X-Request-Id too. 429, 502 and 504 need a front end in trouble: each test
renders a private nginx from the stack's own nginx.conf and fastcgi.conf (rate limit, upstream
and timeout rewritten), so the shared stack is not disturbed."""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import pytest
import requests

from conftest import assert_problem
from helpers import HEX32, pid_running, raw_request, unique_id, wait_for
from stack import free_port


class SideNginx:
    """A copy of the stack's nginx on another port, started and stopped by the test."""

    def __init__(self, stack, upstream_socket=None, rate_per_min=None, read_timeout_s=None):
        self.dir = tempfile.mkdtemp(prefix="ow-e2e-nginx-")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        src = os.path.join(stack.var_dir, "nginx")
        with open(os.path.join(src, "nginx.conf")) as f:
            conf = f.read()
        with open(os.path.join(src, "fastcgi.conf")) as f:
            fcgi = f.read()
        d = self.dir
        conf, n = re.subn(r"listen 127\.0\.0\.1:\d+;", f"listen 127.0.0.1:{self.port};", conf)
        assert n == 1
        conf, n = re.subn(r"(?m)^pid \S+;", f"pid {d}/nginx.pid;", conf)
        assert n == 1
        conf, n = re.subn(r"error_log \S+", f"error_log {d}/error.log", conf)
        assert n == 1
        conf, n = re.subn(r"access_log \S+", f"access_log {d}/access.log", conf)
        assert n == 1
        conf, n = re.subn(r"(\w+_temp_path) \S+;", rf"\1 {d}/\1;", conf)
        assert n >= 1
        conf, n = re.subn(r"include \S+/fastcgi\.conf;", f"include {d}/fastcgi.conf;", conf)
        assert n >= 1
        # servers a script added for itself (the bench's PHP peer) are not part of the copy
        conf = re.sub(r"include \S+/conf\.d/\*\.conf;", f"include {d}/conf.d/*.conf;", conf)
        if rate_per_min is not None:
            conf, n = re.subn(r"rate=\d+r/s", f"rate={rate_per_min}r/m", conf)
            assert n == 1
            conf, n = re.subn(r"burst=\d+", "burst=1", conf)
            assert n >= 1  # the API's location, the upload location and the static /docs/ one
        if upstream_socket is not None:
            conf, n = re.subn(r"(?m)^(\s*)server unix:\S+ (.*)\n(\s*server unix:\S+ .*\n)*",
                              rf"\1server unix:{upstream_socket} \2\n", conf)
            assert n == 1
        if read_timeout_s is not None:
            fcgi, n = re.subn(r"fastcgi_read_timeout \d+s;",
                              f"fastcgi_read_timeout {read_timeout_s}s;", fcgi)
            assert n == 1
        # Nothing of the stack's own files is left, except (when kept) its worker sockets and
        # the object store that material downloads are served from (read only).
        leftover = [l for l in conf.splitlines()
                    if stack.var_dir in l and not re.match(
                        r"\s*(server unix:.*/run/fcgi-|alias \S+/store/;)", l)]
        assert not leftover, leftover
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write(conf)
        with open(os.path.join(d, "fastcgi.conf"), "w") as f:
            f.write(fcgi)

    def _nginx(self, *args):
        return subprocess.run(["nginx", "-p", self.dir, "-c", f"{self.dir}/nginx.conf",
                               "-e", f"{self.dir}/error.log", *args],
                              capture_output=True, text=True, timeout=30)

    def start(self):
        r = self._nginx()
        assert r.returncode == 0, r.stderr
        wait_for(lambda: os.path.exists(f"{self.dir}/nginx.pid"), 5, what="side nginx pid file")

        def answers():
            try:
                return requests.get(self.base + "/_nginx/static", timeout=1).status_code == 200
            except requests.RequestException:
                return False
        wait_for(answers, 5, interval=0.05, what="side nginx answering")

    def stop(self):
        pid = None
        try:
            with open(f"{self.dir}/nginx.pid") as f:
                pid = int(f.read())
        except (FileNotFoundError, ValueError):
            pass
        if pid:
            self._nginx("-s", "stop")
            try:
                wait_for(lambda: not pid_running(pid), 10, what="side nginx exit")
            except AssertionError:
                os.kill(pid, 9)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def side_nginx(stack):
    started = []

    def start(**kw):
        s = SideNginx(stack, **kw)
        started.append(s)
        s.start()
        return s
    yield start
    for s in started:
        s.stop()


class SilentUpstream:
    """A unix socket that accepts FastCGI connections and never answers."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        # nginx's workers run as their own user (README "Privileges"): let them connect.
        os.chmod(os.path.dirname(path), 0o755)
        os.chmod(path, 0o666)
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.conns = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
                self.conns.append(conn)
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self):
        self.stopping.set()
        self.thread.join(5)
        for c in self.conns:
            c.close()
        self.sock.close()


def check_nginx_problem(r, status, code, rid):
    body = assert_problem(r, status, code)
    assert r.headers["X-Request-Id"] == rid
    return body


def test_rate_limit_is_429_problem_with_retry_after(stack, side_nginx):
    side = side_nginx(rate_per_min=1)
    statuses = []
    with requests.Session() as http:
        for _ in range(5):
            rid = unique_id("limited")
            r = http.get(side.base + "/healthz", headers={"X-Request-Id": rid,
                                                          "Accept-Language": "en"})
            statuses.append(r.status_code)
            if r.status_code == 429:
                break
        assert statuses[0] == 200, statuses  # the real workers answer through the copy
        assert statuses[-1] == 429, statuses
        body = check_nginx_problem(r, 429, "rate_limited", rid)
        assert r.headers["Retry-After"].isdigit() and int(r.headers["Retry-After"]) >= 1
        assert body["detail"].isascii()
        # Still limited, and Chinese by default.
        again = http.get(side.base + "/healthz")
        zh = assert_problem(again, 429, "rate_limited")
        assert zh["detail"] != body["detail"] and not zh["detail"].isascii()
        assert HEX32.match(again.headers["X-Request-Id"])
        assert "Retry-After" in again.headers


def test_upstream_down_is_502_problem_with_retry_after(side_nginx):
    missing = os.path.join(tempfile.gettempdir(), f"ow-e2e-missing-{os.getpid()}.sock")
    assert not os.path.exists(missing)
    side = side_nginx(upstream_socket=missing)
    rid = unique_id("bad-gateway")
    r = requests.get(side.base + "/healthz", headers={"X-Request-Id": rid}, timeout=10)
    check_nginx_problem(r, 502, "unavailable", rid)
    assert int(r.headers["Retry-After"]) >= 1
    # A POST as well (no retry on another worker, same answer).
    rid = unique_id("bad-gateway")
    r = requests.post(side.base + "/api/v1/test/echo", data=b'{"text":"x"}',
                      headers={"X-Request-Id": rid, "Content-Type": "application/json"},
                      timeout=10)
    check_nginx_problem(r, 502, "unavailable", rid)


def test_upstream_silent_is_504_problem_with_retry_after(side_nginx):
    sock_dir = tempfile.mkdtemp(prefix="ow-e2e-silent-")
    upstream = SilentUpstream(os.path.join(sock_dir, "fcgi.sock"))
    try:
        side = side_nginx(upstream_socket=upstream.path, read_timeout_s=1)
        rid = unique_id("timeout")
        started = time.monotonic()
        r = requests.get(side.base + "/healthz", headers={"X-Request-Id": rid}, timeout=20)
        took = time.monotonic() - started
        check_nginx_problem(r, 504, "unavailable", rid)
        assert int(r.headers["Retry-After"]) >= 1
        assert 0.9 <= took < 10, took
        assert upstream.conns, "nginx never connected to the silent upstream"
    finally:
        upstream.close()
        shutil.rmtree(sock_dir, ignore_errors=True)


def test_oversized_header_is_400_problem(base):
    """A header line larger than nginx's buffers (large_client_header_buffers 4 8k): nginx's
    internal 494, sent as 400, with a problem body that says 400 too."""
    rid = unique_id("big-header")
    r = requests.get(base + "/healthz", timeout=10,
                     headers={"X-Request-Id": rid, "Cookie": "a=" + "x" * 20_000})
    body = assert_problem(r, 400, "invalid_argument")
    assert r.headers["X-Request-Id"] == rid  # sent before the cookie, so nginx has read it
    assert body["title"] == "Bad Request"


def test_too_many_large_headers_is_400_problem(base):
    headers = {f"X-Filler-{i}": "y" * 7000 for i in range(6)}
    r = requests.get(base + "/healthz", headers=headers, timeout=10)
    assert_problem(r, 400, "invalid_argument")


def test_uri_too_long_is_414_problem(base):
    r = requests.get(base + "/api/v1/test/query?q=" + "a" * 9000, timeout=10)
    body = assert_problem(r, 414, "invalid_argument")
    assert body["title"] == "URI Too Long"


# --- methods (issue 12, finding 5) -----------------------------------------------------------
@pytest.mark.parametrize("method", ["TRACE", "FOO", "PROPFIND", "M-SEARCH", "BREW", "X" * 30])
def test_unknown_methods_are_405_problem_from_nginx(base, method):
    """Only the methods of HTTP's registry that the API may see reach the workers; any other
    (TRACE included) is nginx's 405 as problem+json, with X-Request-Id."""
    rid = unique_id("method")
    for path in ("/healthz", "/api/v1/services", "/no/such/path"):
        r = raw_request(base, method, path, headers={"X-Request-Id": rid})
        body = check_nginx_problem(r, 405, "method_not_allowed", rid)
        assert body["title"] == "Method Not Allowed", body


def test_a_method_that_is_not_a_method_is_400_problem(base):
    """nginx parses methods as upper-case letters (and _ -): anything else is a bad request."""
    r = raw_request(base, "get", "/healthz")
    assert_problem(r, 400, "invalid_argument")


@pytest.mark.parametrize("method", ["OPTIONS", "PUT", "PATCH", "DELETE"])
def test_known_methods_still_reach_the_app(base, method):
    """The app answers these itself: 405 with Allow on a route that lacks them."""
    rid = unique_id("method")
    r = raw_request(base, method, "/healthz", headers={"X-Request-Id": rid})
    check_nginx_problem(r, 405, "method_not_allowed", rid)
    assert r.headers.get("Allow") == "GET, HEAD", r.headers
