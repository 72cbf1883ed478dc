"""Helpers shared by the e2e test modules: polling, logs, /proc, Prometheus text, load, and
the request and answer checks several modules use."""
import base64
import http.client
import json
import os
import re
import secrets
import subprocess
import threading
import time
import uuid
from collections import Counter
from urllib.parse import urlsplit

import requests

import contract
import stack as stack_module
from conftest import assert_problem

ROOT = stack_module.ROOT
BIN = getattr(stack_module, "BIN", os.path.join(ROOT, "build", "bin"))
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def unique_id(prefix="e2e"):
    """A sane X-Request-Id (API.md §1: 1..64 of [A-Za-z0-9._-]) that no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def unique_sub():
    """A token subject no other test uses: our ids are canonical decimal numbers (a token
    whose sub is not one is refused)."""
    return str(10**12 + secrets.randbelow(10**15))


def wait_for(predicate, timeout, interval=0.02, what="condition"):
    """Polls predicate until it returns something truthy (returned) or timeout seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not reached within {timeout} s")
        time.sleep(interval)


# --- settings and databases ----------------------------------------------------------
def settings(stack, env=None):
    """`onewindow-admin config` as a dict (name: value lines)."""
    out = subprocess.run([os.path.join(BIN, "onewindow-admin"), "config"], env=env or stack.env,
                         check=True, capture_output=True, text=True, timeout=30).stdout
    return dict(line.split(": ", 1) for line in out.splitlines())


def sql(stack, query, database="onewindow"):
    """Runs SQL on the stack's private MariaDB; rows as lists of strings."""
    out = subprocess.run(
        ["mariadb", "--no-defaults", f"--socket={stack.var_dir}/run/mysqld.sock", database,
         "-N", "-B", "-e", query], check=True, capture_output=True, text=True, timeout=30).stdout
    return [line.split("\t") for line in out.splitlines()]


# --- logs ----------------------------------------------------------------------------
def json_lines(path):
    """The JSON lines of a log file (other lines are skipped)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
    except FileNotFoundError:
        return []
    out = []
    for line in lines:
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            out.append(value)
    return out


def app_access_entries(stack, request_id):
    return [e for e in json_lines(stack.log_path("onewindow.log"))
            if e.get("kind") == "access" and e.get("request_id") == request_id]


def wait_app_access(stack, request_id, timeout=5):
    """The app's access log line of a request (written just after the response is sent)."""
    entries = wait_for(lambda: app_access_entries(stack, request_id), timeout,
                       what=f"access log line of {request_id}")
    assert len(entries) == 1, entries
    return entries[0]


def wait_nginx_access(stack, request_id, timeout=5):
    """nginx's access log line of a request (buffered: flushed within about 1 s)."""
    def find():
        return [e for e in json_lines(stack.log_path("nginx-access.log"))
                if e.get("request_id") == request_id]
    entries = wait_for(find, timeout, interval=0.1, what=f"nginx access line of {request_id}")
    assert len(entries) == 1, entries
    return entries[0]


# --- processes -----------------------------------------------------------------------
def pid_running(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


# --- Prometheus text format 0.0.4 ----------------------------------------------------
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"(,|$)')


def parse_labels(text):
    labels, pos = {}, 0
    while pos < len(text):
        m = LABEL.match(text, pos)
        assert m, f"bad label set: {text!r}"
        labels[m.group(1)] = m.group(2)
        pos = m.end()
    return labels


class Metrics:
    """A parsed scrape: types[family] and samples[(name, frozenset(labels))] = value."""

    def __init__(self, text):
        self.types, self.helps, self.samples = {}, {}, {}
        for line in text.splitlines():
            if not line:
                continue
            if line.startswith("# HELP "):
                name, _, help_text = line[7:].partition(" ")
                self.helps[name] = help_text
                continue
            if line.startswith("# TYPE "):
                name, _, kind = line[7:].partition(" ")
                assert kind in ("counter", "gauge", "histogram", "summary", "untyped"), line
                assert name not in self.types, f"family typed twice: {line}"
                self.types[name] = kind
                continue
            assert not line.startswith("#") or line.startswith("# "), line
            if line.startswith("#"):
                continue
            m = SAMPLE.match(line)
            assert m, f"not a sample line: {line!r}"
            name, labels = m.group(1), parse_labels(m.group(3) or "")
            key = (name, frozenset(labels.items()))
            assert key not in self.samples, f"duplicate series: {line}"
            self.samples[key] = float(m.group(4))
            assert self.family(name) in self.types, f"sample before its # TYPE: {line}"

    def family(self, name):
        for suffix in ("_bucket", "_sum", "_count"):
            base = name[: -len(suffix)]
            if name.endswith(suffix) and self.types.get(base) == "histogram":
                return base
        return name

    def get(self, name, **labels):
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def series(self, name):
        """[(labels dict, value)] of one sample name."""
        return [(dict(k[1]), v) for k, v in self.samples.items() if k[0] == name]


def scrape(base, session=None):
    r = (session or requests).get(base + "/metrics", timeout=10)
    assert r.status_code == 200, r.text
    return Metrics(r.text)


# --- load ----------------------------------------------------------------------------
class Load:
    """Client threads that send GETs until stopped; every answer (or exception) is kept.
    Use as a context manager: `with Load(base, ["/healthz"], threads=4) as load: ...`."""

    def __init__(self, base, paths, threads=4, timeout=15):
        self.base, self.paths, self.timeout = base, paths, timeout
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.results = []  # (path, status or exception text, request id)
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                        for i in range(threads)]

    def _run(self, index):
        path = self.paths[index % len(self.paths)]
        with requests.Session() as session:
            while not self.stop_event.is_set():
                rid = unique_id("load")
                try:
                    r = session.get(self.base + path, headers={"X-Request-Id": rid},
                                    timeout=self.timeout)
                    outcome = r.status_code
                except requests.RequestException as e:
                    outcome = f"{type(e).__name__}: {e}"
                with self.lock:
                    self.results.append((path, outcome, rid))

    def count(self):
        with self.lock:
            return len(self.results)

    def wait_count(self, n, timeout=10):
        wait_for(lambda: self.count() >= n, timeout, what=f"{n} answers under load")

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        for t in self.threads:
            t.join(self.timeout + 5)

    def failures(self):
        with self.lock:
            return [r for r in self.results if r[1] != 200]

    def summary(self):
        with self.lock:
            return Counter(str(r[1]) for r in self.results)


# --- fakes of outside services ----------------------------------------------------------------
def serve_http(handle):
    """A threaded HTTP server on a free loopback port, in daemon threads of this process, that
    calls handle(request handler) for every GET and POST (a fake provider's whole server).
    Broken pipes of a client that gave up waiting (a scripted hang) are expected."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            handle(self)

        def do_POST(self):
            handle(self)

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            pass

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- raw responses (http.client) -----------------------------------------------------
class RawResponse:
    """An http.client answer shaped like requests' Response, for conftest.assert_problem."""

    def __init__(self, resp):
        self.status_code = resp.status
        self.headers = resp.headers  # case-insensitive lookups
        self.content = resp.read()
        self.text = self.content.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.text)


def raw_request(base, method, target, body=None, headers=None, source_address=None):
    """Sends target byte for byte (requests would re-quote a bad percent-escape), optionally
    from another local address."""
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10,
                                      source_address=source_address)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        resp = RawResponse(conn.getresponse())
    finally:
        conn.close()
    contract.check(method, base + target, resp.status_code, dict(resp.headers), resp.content)
    return resp


# --- answers of the API shared by several modules --------------------------------------------
INVALID_TOKEN = 'Bearer realm="onewindow", error="invalid_token"'
# GB 32100-2015: 17 characters of this alphabet (no I, O, S, V, Z) and a check character.
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
JWKS = "/.well-known/jwks.json"


def post(http, base, path, body=None, token=None, headers=None, method="POST"):
    """A request with a JSON body (none when body is None) and an optional bearer token."""
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    if body is None:
        return http.request(method, base + path, headers=h, timeout=30)
    return http.request(method, base + path, json=body, headers=h, timeout=30)


def field_error_list(r):
    """The sorted fields of a 400 invalid_argument answer (a field named twice, twice), each
    with a message."""
    body = assert_problem(r, 400, "invalid_argument")
    assert body.get("errors"), body
    for e in body["errors"]:
        assert e["message"], e
    return sorted(e["field"] for e in body["errors"])


def field_errors(r):
    """The sorted distinct fields of a 400 invalid_argument answer, each with a message."""
    return sorted(set(field_error_list(r)))


def assert_invalid_token(r):
    """401 for a bad token, with the invalid_token challenge (API.md §1)."""
    assert_problem(r, 401, "unauthorized")
    assert r.headers.get("WWW-Authenticate") == INVALID_TOKEN, r.headers


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwks(http, base):
    r = http.get(base + JWKS, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    return r.json()


def credit_check_char(body17):
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(body17, CREDIT_WEIGHTS))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def credit_code(body17=None):
    """A valid GB 32100 unified social credit code; random (so no two tests collide) unless
    given its first 17 characters."""
    if body17 is None:
        body17 = "91" + "".join(secrets.choice(CREDIT_CHARS) for _ in range(15))
    return body17 + credit_check_char(body17)
