"""The contract as a test (issue 12): every answer a stack gives the e2e tests is checked
against api/openapi.yaml — the status is listed for the operation, the headers the document
names are there and well-formed, the body matches the response's schema (JSON Schema 2020-12).

install() wraps requests (every Session, so requests.get too) and helpers.raw_request calls
check() itself; Stack.start() registers its base URL with watch(), so fakes and side servers
on other ports are left alone. A violation fails the test at the request that got it.

What is not an operation's own answer:
- nginx's own problems (nginx/problems.tsv: 400, 408, 413, 414, 429, 5xx) may come on any
  path; they are recognized by their exact body and checked against Problem.
- a path that no template matches → 404 not_found; a method the path does not document →
  405 method_not_allowed with Allow (both: the info section of the document).
- ALLOWED below: the few probes that break the contract on purpose, each with its reason."""
import csv
import json
import os
import re
import threading
from urllib.parse import urlsplit

import requests
import yaml
from jsonschema import Draft202012Validator, RefResolver

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# Headers with a meaning of their own: present in an answer, the response must document them.
MEANINGFUL = ("location", "retry-after", "www-authenticate", "allow", "idempotent-replayed")
# (method or None, path regex, reason): answers not checked. Keep it short and explained.
ALLOWED = [
    (None, r"^/_nginx/static$", "make bench's nginx ceiling, not part of the API"),
    (None, r"^/docs(/.*)?$", "the developer portal: static pages nginx serves (test_docs_portal)"),
]

_watched = set()
_lock = threading.Lock()
_contract = None


class ContractError(AssertionError):
    pass


def watch(base):
    """Checks every answer from this base URL (a stack's nginx) from now on."""
    u = urlsplit(base)
    with _lock:
        _watched.add((u.hostname, u.port))


def _watching(url):
    u = urlsplit(url)
    with _lock:
        return (u.hostname, u.port) in _watched


class Contract:
    def __init__(self, path=os.path.join(ROOT, "api", "openapi.yaml")):
        with open(path, encoding="utf-8") as f:
            self.doc = yaml.safe_load(f)
        self.resolver = RefResolver(base_uri="", referrer=self.doc)
        self.validators = {}
        # Literal templates before those with parameters, so /services/suggest beats
        # /services/{code}.
        self.paths = []
        for template, item in self.doc["paths"].items():
            regex = "^" + re.sub(r"\\{[^}/]+\\}", "[^/]+", re.escape(template)) + "$"
            self.paths.append((template.count("{"), re.compile(regex), template, item))
        self.paths.sort(key=lambda p: p[0])
        self.nginx = self._nginx_problems()

    @staticmethod
    def _nginx_problems():
        """(status on the wire, code, title) → the two details of nginx's own answers."""
        out = {}
        with open(os.path.join(ROOT, "nginx", "problems.tsv"), encoding="utf-8") as f:
            for row in csv.reader(f, delimiter="\t"):
                if not row or not row[0].isdigit():
                    continue
                status = 400 if row[0] == "494" else int(row[0])
                out.setdefault((status, row[1], row[2]), set()).update((row[3], row[4]))
        return out

    def deref(self, node):
        while isinstance(node, dict) and "$ref" in node:
            _, node = self.resolver.resolve(node["$ref"])
        return node

    def validator(self, schema):
        key = id(schema)
        if key not in self.validators:
            self.validators[key] = Draft202012Validator(schema, resolver=self.resolver)
        return self.validators[key]

    def operation(self, method, path):
        """(template, operation or None, path item or None)."""
        for _, regex, template, item in self.paths:
            if regex.match(path):
                op = item.get(method.lower())
                if op is None and method == "HEAD":
                    op = item.get("get")
                return template, op, item
        return None, None, None

    # --- the checks ---------------------------------------------------------------------------
    def check(self, method, url, status, headers, body):
        """Raises ContractError with every violation of one answer."""
        path = urlsplit(url).path
        for m, regex, _ in ALLOWED:
            if (m is None or m == method) and re.match(regex, path):
                return
        problems = []
        where = f"{method} {path} → {status}"
        if "x-request-id" not in {h.lower() for h in headers}:
            problems.append("no X-Request-Id")
        if self.is_nginx_problem(status, headers, body):
            self.check_generic_problem(status, headers, body, problems)
        else:
            template, op, item = self.operation(method, path)
            if template is None:
                self.check_fallback(404, "not_found", status, headers, body, problems,
                                    "a path no template matches")
            elif op is None:
                self.check_fallback(405, "method_not_allowed", status, headers, body, problems,
                                    f"{method} is not an operation of {template}")
                allow = _header(headers, "Allow")
                documented = {m.upper() for m in item if m in METHODS}
                if "GET" in documented:
                    documented.add("HEAD")
                if allow is None or {a.strip() for a in allow.split(",")} - documented:
                    problems.append(f"Allow {allow!r} is not the documented {sorted(documented)}")
            else:
                self.check_operation(op, method, status, headers, body, problems)
        if problems:
            raise ContractError(f"contract (api/openapi.yaml) broken by {where}: "
                                + "; ".join(problems))

    def is_nginx_problem(self, status, headers, body):
        if not _content_type(headers).startswith("application/problem+json"):
            return False
        try:
            doc = json.loads(body)
        except ValueError:
            return False
        details = self.nginx.get((status, doc.get("code"), doc.get("title")))
        return bool(details) and doc.get("detail") in details

    def check_generic_problem(self, status, headers, body, problems, code=None):
        if not _content_type(headers).startswith("application/problem+json"):
            problems.append(f"content type {_content_type(headers)!r} is not a problem")
            return
        problem = self.doc["components"]["schemas"]["Problem"]
        self.check_json(problem, body, problems)
        doc = _json(body)
        if isinstance(doc, dict):
            if doc.get("status") != status:
                problems.append(f"body status {doc.get('status')} on a {status}")
            if code and doc.get("code") != code:
                problems.append(f"code {doc.get('code')!r}, expected {code!r}")
        if status in (429, 502, 503, 504) and _header(headers, "Retry-After") is None:
            problems.append("no Retry-After")

    def check_fallback(self, expected, code, status, headers, body, problems, what):
        if status != expected:
            problems.append(f"{status} for {what} (expected {expected})")
            return
        self.check_generic_problem(status, headers, body, problems, code)

    def check_operation(self, op, method, status, headers, body, problems):
        responses = op.get("responses", {})
        response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") \
            or responses.get("default")
        if response is None:
            problems.append(f"status {status} is not listed (listed: {sorted(responses)})")
            return
        response = self.deref(response)
        documented = {name.lower(): self.deref(h)
                      for name, h in (response.get("headers") or {}).items()}
        for name in MEANINGFUL:
            if _header(headers, name) is not None and name not in documented:
                problems.append(f"header {name} is not documented for {status}")
        for name, spec in documented.items():
            value = _header(headers, name)
            if value is None:
                if spec.get("required"):
                    problems.append(f"required header {name} is missing")
                continue
            schema = self.deref(spec.get("schema") or {})
            if schema.get("type") == "integer":
                if not re.fullmatch(r"-?[0-9]+", value):
                    problems.append(f"header {name}: {value!r} is not an integer")
                continue
            errors = list(self.validator(schema).iter_errors(value))
            if errors:
                problems.append(f"header {name}: {errors[0].message}")
        content = response.get("content")
        if method == "HEAD" or status in (204, 304):
            if body:
                problems.append(f"a body on a {status} answer to {method}")
            return
        if not content:
            if body:
                problems.append(f"a body where the document has none ({len(body)} bytes)")
            return
        ctype = _content_type(headers).split(";")[0].strip()
        media = content.get(ctype)
        if media is None:
            problems.append(f"content type {ctype!r} is not documented ({sorted(content)})")
            return
        if "json" in ctype and "schema" in media:
            self.check_json(media["schema"], body, problems)

    def check_json(self, schema, body, problems):
        doc = _json(body)
        if doc is _NOT_JSON:
            problems.append("the body is not JSON")
            return
        errors = sorted(self.validator(schema).iter_errors(doc), key=lambda e: e.path)
        for e in errors[:3]:
            at = "/" + "/".join(str(p) for p in e.path)
            problems.append(f"body at {at}: {e.message[:300]}")


_NOT_JSON = object()


def _json(body):
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _NOT_JSON


def _header(headers, name):
    for k, v in headers.items():
        if k.lower() == name.lower():
            return v
    return None


def _content_type(headers):
    return _header(headers, "Content-Type") or ""


def contract():
    global _contract
    if _contract is None:
        _contract = Contract()
    return _contract


def check(method, url, status, headers, body):
    """Checks one answer when url belongs to a watched stack."""
    if _watching(url):
        contract().check(method.upper(), url, status, headers, body)


def install():
    """Checks every answer requests receives (idempotent)."""
    if getattr(requests.Session.send, "_contract", False):
        return
    original = requests.Session.send

    def send(self, request, **kwargs):
        response = original(self, request, **kwargs)
        if not kwargs.get("stream"):
            check(request.method, request.url, response.status_code, response.headers,
                  response.content)
        return response
    send._contract = True
    requests.Session.send = send
