"""A small client of onewindow's organization API (docs/organizations.md, API.md §7).

    client = OrgClient("https://onewindow.example.gov.cn", CLIENT_ID, CLIENT_SECRET)
    for page in client.pages(saved_cursor):             # the change feed, resumable
        for item in page["items"]: ...
        save(page["next_cursor"])
    client.step(no, "accepted")                         # the department's steps
    verify_signature(header, raw_body, [secret])        # a webhook's signature

Only the standard library and `requests` (Debian: python3-requests)."""
import hashlib
import hmac
import time
import uuid

import requests

TOKEN_MARGIN_S = 60  # a token is renewed this long before it expires


class ApiError(Exception):
    """A problem+json answer (or an OAuth error) of the API."""

    def __init__(self, response):
        self.status = response.status_code
        try:
            self.body = response.json()
        except ValueError:
            self.body = {"detail": response.text}
        super().__init__(f"{self.status} {self.body.get('code') or self.body.get('error')}: "
                         f"{self.body.get('detail') or self.body.get('error_description')}")


class OrgClient:
    """An organization's OAuth client: tokens by the client-credentials grant, renewed before
    they run out (and once more after a 401), every POST with an Idempotency-Key."""

    def __init__(self, base_url, client_id, client_secret, scope=None, timeout=30):
        self.base = base_url.rstrip("/")
        self.client_id, self.client_secret, self.scope = client_id, client_secret, scope
        self.timeout = timeout
        self.http = requests.Session()
        self._token, self._expires = None, 0.0

    # --- tokens ----------------------------------------------------------------------------
    def token(self):
        if self._token and time.monotonic() < self._expires - TOKEN_MARGIN_S:
            return self._token
        data = {"grant_type": "client_credentials"}
        if self.scope:
            data["scope"] = self.scope
        r = self.http.post(self.base + "/api/v1/oauth/token", data=data,
                           auth=(self.client_id, self.client_secret), timeout=self.timeout)
        if r.status_code != 200:
            raise ApiError(r)
        body = r.json()
        self._token = body["access_token"]
        self._expires = time.monotonic() + body["expires_in"]
        return self._token

    def _request(self, method, path, **kw):
        for attempt in (1, 2):
            headers = dict(kw.pop("headers", {}) or {})
            headers["Authorization"] = f"Bearer {self.token()}"
            r = self.http.request(method, self.base + path, headers=headers,
                                  timeout=self.timeout, **kw)
            if r.status_code == 401 and attempt == 1:
                self._token = None  # expired or revoked meanwhile: one new token, once
                kw["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
                continue
            if r.status_code >= 400:
                raise ApiError(r)
            return r.json() if r.content else None
        raise AssertionError("unreachable")

    # --- the API ---------------------------------------------------------------------------
    def services(self):
        """Every delegation in force or to come."""
        items, cursor = [], None
        while True:
            page = self._request("GET", "/api/v1/org/services",
                                 params={"limit": 100, **({"cursor": cursor} if cursor else {})})
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return items

    def feed_page(self, cursor=None, limit=100, status=None):
        params = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        if status:
            params["status"] = status
        return self._request("GET", "/api/v1/org/applications", params=params)

    def pages(self, cursor=None, limit=100):
        """The feed's pages after cursor, until none is waiting. Handle a page's items, then
        persist its next_cursor: a restart resumes there, nothing is missed, nothing comes
        twice (handle items idempotently: a crash between the two repeats the last page)."""
        while True:
            page = self.feed_page(cursor, limit)
            yield page
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return

    def application(self, no):
        """The detail with the applicant's data (each call is audited: read when you work)."""
        return self._request("GET", f"/api/v1/org/applications/{no}")

    def step(self, no, status, note=None, result=None, key=None):
        body = {"status": status}
        if note:
            body["note"] = note
        if result:
            body["result"] = result
        return self._request("POST", f"/api/v1/org/applications/{no}/events", json=body,
                             headers={"Idempotency-Key": key or str(uuid.uuid4())})

    def message(self, no, title, body, key=None):
        return self._request("POST", f"/api/v1/org/applications/{no}/messages",
                             json={"title": title, "body": body},
                             headers={"Idempotency-Key": key or str(uuid.uuid4())})

    def deliveries(self, event_id=None):
        params = {"limit": 100}
        if event_id:
            params["event_id"] = event_id
        return self._request("GET", "/api/v1/org/webhook-deliveries", params=params)["items"]


def verify_signature(header, body, secrets, tolerance=300):
    """True when the OneWindow-Signature header signs the raw body with one of secrets (during
    a rotation the header carries a v1= for each) and its time is within tolerance seconds."""
    parts = (header or "").split(",")
    if not parts or not parts[0].startswith("t="):
        return False
    t = parts[0][2:]
    if not t.isdigit() or abs(time.time() - int(t)) > tolerance:
        return False
    given = [p[3:] for p in parts[1:] if p.startswith("v1=")]
    for secret in secrets:
        mac = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(mac, v) for v in given):
            return True
    return False
