"""The developer portal (API.md §7): nginx serves at /docs/ the API reference rendered from
api/openapi.yaml by Redoc (scripts/build-docs.sh, `make docs`) with the guide for
organizations (docs/organizations.md) as its first sections. A real browser — Debian's
headless Chromium driven by the pinned playwright-core (tests/e2e/docs_portal.js) — opens the
page, finds the guide and every organization route in its menu, and opens one. The guide's
signature examples (Python and JavaScript) are run against a real signature."""
import hashlib
import hmac
import json
import os
import re
import subprocess
import time

import yaml

from helpers import ROOT

DOCS = "/docs/"
DRIVER = os.path.join(ROOT, "tests", "e2e", "docs_portal.js")
GUIDE = os.path.join(ROOT, "docs", "organizations.md")
ORG_ROUTES = [("get", "/api/v1/org/services"), ("get", "/api/v1/org/applications"),
              ("get", "/api/v1/org/applications/{no}"),
              ("post", "/api/v1/org/applications/{no}/events"),
              ("post", "/api/v1/org/applications/{no}/messages"),
              ("get", "/api/v1/org/webhook-deliveries"), ("get", "/api/v1/staff/delegations"),
              ("post", "/api/v1/staff/delegations"), ("delete", "/api/v1/staff/delegations/{id}"),
              ("post", "/api/v1/oauth/token")]


with open(os.path.join(ROOT, "api", "openapi.yaml"), encoding="utf-8") as _f:
    SPEC = yaml.safe_load(_f)


def href(method, path):
    """The menu's link to an operation: Redoc names it by its tag and operationId."""
    op = SPEC["paths"][path][method]
    return f"/{op['tags'][0]}/{op['operationId'].lower()}"


def browse(base, open_item=None):
    assert os.path.exists("/usr/bin/chromium"), "no /usr/bin/chromium (scripts/deps.sh test)"
    args = ["node", DRIVER, base + DOCS] + ([open_item] if open_item else [])
    p = subprocess.run(args, capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_the_portal_renders_in_a_browser_and_lists_the_organization_routes(base):
    page = browse(base, href("get", "/api/v1/org/applications"))
    assert page["status"] == 200 and page["errors"] == [], page["errors"]
    assert page["title"] == "onewindow API (一网通办)"
    headings = page["headings"]
    for h in ("Guide for organizations (社会组织接入指南)", "4. The change feed", "6. Webhooks",
              "Verifying a signature in Python", "Verifying a signature in JavaScript (Node.js)"):
        assert h in headings, headings
    menu = {m["href"]: m["text"] for m in page["menu"]}
    spec = SPEC
    for method, path in ORG_ROUTES:
        item = menu.get(href(method, path))
        assert item, (method, path, sorted(menu))
        # the menu shows the operation's summary and its method
        assert item.startswith(spec["paths"][path][method]["summary"][:40]), item
        assert item.endswith(method.upper()), item
    # every served route is there, and no test-only probe
    documented = {href(m, p) for p, ops in spec["paths"].items() for m in ops
                  if m in ("get", "post", "put", "delete") and not ops.get("x-test-only")}
    probes = {href(m, p) for p, ops in spec["paths"].items() for m in ops
              if m in ("get", "post", "put", "delete") and ops.get("x-test-only")}
    assert documented <= set(menu), documented - set(menu)
    assert not probes & set(menu), probes & set(menu)
    # a reader who clicks the feed sees its route, its scope and its cursor rules
    opened = page["opened"]
    assert re.search(r"GET\s*\n?\s*/api/v1/org/applications\b", opened), opened[:2000]
    assert "applications:read" in opened and "next_cursor" in opened and "change_seq" in opened


def test_nginx_serves_the_portal_and_its_sources(base, http):
    r = http.get(base + "/docs", allow_redirects=False, timeout=30)
    assert r.status_code == 301 and r.headers["Location"] == "/docs/", r.headers
    r = http.get(base + DOCS, timeout=30)
    assert r.status_code == 200, r.status_code
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Request-Id"]
    assert "default-src 'none'" in r.headers["Content-Security-Policy"]
    # self-contained: no script or style is fetched from elsewhere
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', r.text)
    with open(os.path.join(ROOT, "api", "openapi.yaml"), "rb") as f:
        assert http.get(base + DOCS + "openapi.yaml", timeout=30).content == f.read()
    with open(GUIDE, "rb") as f:
        assert http.get(base + DOCS + "organizations.md", timeout=30).content == f.read()
    assert http.get(base + DOCS + "nothing-here.html", timeout=30).status_code == 404


def guide_block(language):
    with open(GUIDE, encoding="utf-8") as f:
        text = f.read()
    blocks = re.findall(r"### Verifying a signature in [^\n]*\n+```" + language + r"\n(.*?)```",
                        text, re.S)
    assert len(blocks) == 1, language
    return blocks[0]


def signed(body, secrets, t=None):
    t = str(int(time.time()) if t is None else t)
    v1 = [hmac.new(s.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
          for s in secrets]
    return "t=" + t + "".join(f",v1={v}" for v in v1)


CASES = [  # (header secrets, receiver's secrets, timestamp offset, accepted)
    (["new"], ["new"], 0, True),
    (["new", "old"], ["old"], 0, True),       # a rotation's overlap: either secret
    (["new", "old"], ["other"], 0, False),
    (["new"], ["new"], -400, False),          # older than 5 minutes: refused
]


def test_the_guides_python_example_verifies(tmp_path):
    ns = {}
    exec(compile(guide_block("python"), "organizations.md", "exec"), ns)
    body = json.dumps({"id": "x", "type": "application.submitted"}).encode()
    for made, held, offset, ok in CASES:
        header = signed(body, made, int(time.time()) + offset)
        assert ns["verify"](header, body, held) is ok, (made, held, offset)
    assert ns["verify"](signed(body, ["new"]), body + b" ", ["new"]) is False
    assert ns["verify"]("garbage", body, ["new"]) is False


def test_the_guides_javascript_example_verifies(tmp_path):
    module = tmp_path / "verify.js"
    module.write_text(guide_block("javascript"), encoding="utf-8")
    body = json.dumps({"id": "x", "type": "application.submitted"}).encode()
    cases = [{"header": signed(body, made, int(time.time()) + offset), "held": held, "ok": ok}
             for made, held, offset, ok in CASES]
    cases.append({"header": signed(body, ["new"]), "held": ["new"], "ok": False, "tamper": True})
    script = """
const { verify } = require(process.argv[1]);
const body = Buffer.from(process.argv[2], "base64");
const cases = JSON.parse(process.argv[3]);
console.log(JSON.stringify(cases.map((c) =>
  verify(c.header, c.tamper ? Buffer.concat([body, Buffer.from(" ")]) : body, c.held))));
"""
    import base64
    p = subprocess.run(["node", "-e", script, str(module), base64.b64encode(body).decode(),
                        json.dumps(cases)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == [c["ok"] for c in cases]
