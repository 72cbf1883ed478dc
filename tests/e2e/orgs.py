"""Shared pieces of the e2e modules about organizations (API.md §7): organizations and their
OAuth clients made with onewindow-admin, their tokens, delegations made by a department's
staff, the organization's routes, a webhook receiver, and an independent check of the
webhook signature.

Delegations change who handles a service, so each test takes its own services from a pool
of catalog items of departments no other module submits to (TY, WL, HB, YJ, SWW) and revokes
what it delegated; no test depends on another."""
import datetime
import hashlib
import hmac
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from helpers import credit_code, unique_id
from people import CATALOG, DEPARTMENT_CODES, call, shanghai_today

API = "/api/v1"
TOKEN = API + "/oauth/token"
ORG = API + "/org"
ORG_SERVICES = ORG + "/services"
ORG_APPS = ORG + "/applications"
ORG_DELIVERIES = ORG + "/webhook-deliveries"
DELEGATIONS = API + "/staff/delegations"
ALL_SCOPES = "applications:read applications:write notifications:write services:read"
SCOPE_CHALLENGE = 'Bearer realm="onewindow", error="insufficient_scope"'
# An endpoint that refuses at once (the discard port, closed here): the events of an
# organization whose webhooks a test does not look at fail fast instead of waiting for DNS.
CLOSED_PORT_URL = "http://127.0.0.1:9/hooks"

POOL_DEPARTMENTS = ("TY", "WL", "HB", "YJ", "SWW")
# items with materials only: the tests supplement what they submit (API.md §5)
_pool = {dept: [code for code, item in sorted(CATALOG.items())
                if DEPARTMENT_CODES[item["department"]] == dept and item.get("materials")]
         for dept in POOL_DEPARTMENTS}
_pool_lock = threading.Lock()


def take_services(n):
    """n catalog items of one department that no other test delegates or submits to:
    ([codes], department code)."""
    with _pool_lock:
        for dept in POOL_DEPARTMENTS:
            if len(_pool[dept]) >= n:
                codes, _pool[dept] = _pool[dept][:n], _pool[dept][n:]
                return codes, dept
    raise AssertionError("the pool of services for delegation tests is used up")


def take_service():
    """One such item: (code, department code)."""
    codes, dept = take_services(1)
    return codes[0], dept


def fields(out):
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)


class Org:
    """An organization with one client holding scopes (all by default)."""

    def __init__(self, stack, http, base, scopes=ALL_SCOPES, webhook=None, name=None):
        self.stack, self.http, self.base = stack, http, base
        self.name = name or f"社会组织{unique_id('')[-8:]}"
        r = stack.admin("create-org", "--name", self.name, "--credit-code", credit_code(),
                        "--webhook-url", webhook or CLOSED_PORT_URL, check=False)
        assert r.returncode == 0, (r.stdout, r.stderr)
        out = fields(r.stdout)
        self.id, self.webhook_secret = out["id"], out["webhook_secret"]
        self.client_id, self.client_secret = self.new_client(scopes)
        self.token = self.new_token()

    def new_client(self, scopes):
        r = self.stack.admin("create-client", "--org", self.id, "--scopes", scopes, check=False)
        assert r.returncode == 0, (r.stdout, r.stderr)
        out = fields(r.stdout)
        return out["client_id"], out["client_secret"]

    def new_token(self, scope=None, client=None):
        client_id, secret = client or (self.client_id, self.client_secret)
        data = {"grant_type": "client_credentials"}
        if scope:
            data["scope"] = scope
        r = self.http.post(self.base + TOKEN, data=data, auth=(client_id, secret), timeout=30)
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def get(self, path, token=None, **params):
        return self.http.get(self.base + path, params=params, timeout=30,
                             headers={"Authorization": f"Bearer {token or self.token}"})

    def post(self, path, body, token=None, **kw):
        return call(self.http, self.base, "POST", path, token or self.token, body, **kw)

    def detail(self, no):
        r = self.get(f"{ORG_APPS}/{no}")
        assert r.status_code == 200, r.text
        return r.json()

    def step(self, no, status, note=None, result=None, **kw):
        body = {"status": status}
        if note is not None:
            body["note"] = note
        if result is not None:
            body["result"] = result
        return self.post(f"{ORG_APPS}/{no}/events", body, **kw)

    def feed(self, cursor=None, limit=100, **params):
        if cursor is not None:
            params["cursor"] = cursor
        r = self.get(ORG_APPS, limit=limit, **params)
        assert r.status_code == 200, r.text
        return r.json()

    def feed_all(self, cursor=None, limit=100, **params):
        """Every change after cursor (following has_more): (items, next cursor)."""
        items = []
        for _ in range(1000):
            page = self.feed(cursor, limit, **params)
            items += page["items"]
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return items, cursor
        raise AssertionError("the feed did not end")


def delegate(http, base, staff, org, service, start=None, end=None, today=None, expect=201):
    """POST /staff/delegations (start and end default to today … a year on): the body."""
    start = start or shanghai_today()
    end = end or start + datetime.timedelta(days=365)
    r = call(http, base, "POST", DELEGATIONS, staff.token,
             {"service_code": service, "org_id": str(org.id if hasattr(org, "id") else org),
              "from": str(start), "to": str(end)}, today=today)
    assert r.status_code == expect, r.text
    return r.json() if r.content else None


class Delegated:
    """A service of the pool delegated today for a year to a new organization, by a new staff
    member of its department: code, dept, staff, org, delegation (the 201 body)."""

    def __init__(self, stack, http, base, webhook=None):
        from people import new_staff
        self.http, self.base = http, base
        self.code, self.dept = take_service()
        self.staff = new_staff(stack, http, base, self.dept)
        self.org = Org(stack, http, base, webhook=webhook)
        self.delegation = delegate(http, base, self.staff, self.org, self.code)

    def revoke(self):
        revoke(self.http, self.base, self.staff, self.delegation["id"])


def revoke(http, base, staff, delegation_id):
    r = call(http, base, "DELETE", f"{DELEGATIONS}/{delegation_id}", staff.token)
    assert r.status_code == 204, r.text


# --- webhooks --------------------------------------------------------------------------------
class Receiver:
    """An organization's endpoint: records each POST, answers `status`."""

    def __init__(self):
        self.requests, self.status, self.lock = [], 200, threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer.lock:
                    outer.requests.append((time.time(), dict(self.headers), body))
                    status = outer.status
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/onewindow"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self, type_=None):
        """(headers, raw body, parsed body) of each request, of one event type if given."""
        with self.lock:
            got = [(h, b, json.loads(b)) for _, h, b in self.requests]
        return [(h, b, e) for h, b, e in got if type_ is None or e["type"] == type_]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


SIGNATURE = re.compile(r"^t=(\d+)((?:,v1=[0-9a-f]{64})+)$")


def verify_signature(header, body, secrets, now=None, tolerance=300):
    """An independent check of OneWindow-Signature (API.md §7): t within tolerance seconds and
    one v1 that is HMAC-SHA256(secret, t + "." + body) for one of secrets. The matching
    secret, or None."""
    m = SIGNATURE.match(header or "")
    if not m:
        return None
    t = m.group(1)
    if abs((now or time.time()) - int(t)) > tolerance:
        return None
    given = m.group(2).split(",v1=")[1:]
    for secret in secrets:
        mac = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(mac, v) for v in given):
            return secret
    return None
