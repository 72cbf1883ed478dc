"""api/openapi.yaml must describe exactly the routes the router serves (API.md intro)."""
import os
import re

import yaml

from stack import ROOT

METHODS = {"get", "post", "put", "patch", "delete"}


def openapi_routes():
    with open(os.path.join(ROOT, "api", "openapi.yaml")) as f:
        doc = yaml.safe_load(f)
    assert doc["openapi"].startswith("3.1")
    found = set()
    for path, item in doc["paths"].items():
        tag = "test-only" if item.get("x-test-only") else ""
        for method in item:
            if method in METHODS:
                found.add((method.upper(), path, tag))
    return found


def router_routes(stack):
    out = stack.admin("routes").stdout
    found = set()
    for line in out.splitlines():
        parts = line.split()
        found.add((parts[0], parts[1], parts[3] if len(parts) > 3 else ""))
    return found


def test_openapi_matches_route_table(stack):
    served, documented = router_routes(stack), openapi_routes()
    assert served, "the router serves nothing?"
    assert served - documented == set(), "served but not in api/openapi.yaml"
    assert documented - served == set(), "in api/openapi.yaml but not served"


def test_every_operation_documents_its_responses():
    with open(os.path.join(ROOT, "api", "openapi.yaml")) as f:
        doc = yaml.safe_load(f)
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                assert op.get("summary"), f"{method} {path} has no summary"
                assert op.get("responses"), f"{method} {path} has no responses"


def walk(node, where="#"):
    if isinstance(node, dict):
        for k, v in node.items():
            yield where, k, v
            yield from walk(v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, f"{where}/{i}")


def test_no_text_is_cut_by_yaml():
    """An unquoted text in a flow mapping ({type: string, description: …}) ends at its first
    comma, and any unquoted text at " #": the rest becomes a key of its own or a comment,
    silently (two descriptions were cut so). Such texts must be quoted."""
    path = os.path.join(ROOT, "api", "openapi.yaml")
    with open(path) as f:
        text = f.read()
    doc = yaml.safe_load(text)
    cut = [f"{where}: {key!r}" for where, key, value in walk(doc)
           if isinstance(key, str) and " " in key and value is None]
    assert cut == [], "text cut into keys by a comma"
    comment = re.compile(r"^\s*-?\s*\w+: [^'\"|>{\[].* #")
    hidden = [f"line {n}: {line.strip()}" for n, line in enumerate(text.splitlines(), 1)
              if comment.match(line)]
    assert hidden == [], "text cut by ' #' (a comment)"


def test_every_operation_has_an_id_a_tag_and_security():
    with open(os.path.join(ROOT, "api", "openapi.yaml")) as f:
        doc = yaml.safe_load(f)
    tags = {t["name"] for t in doc["tags"]}
    ids = []
    public = {(m.upper(), p) for m, p, auth in router_auth()}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            ids.append(op.get("operationId"))
            assert op.get("operationId"), f"{method} {path}"
            assert op.get("tags") and set(op["tags"]) <= tags, f"{method} {path}"
            is_public = (method.upper(), path) in public
            assert (op.get("security") == []) == is_public, \
                f"{method} {path}: security [] exactly on public routes"
            if not is_public:
                assert {"401", "403"} <= set(op["responses"]), f"{method} {path}"
            assert any(s.startswith("4") for s in op["responses"]), f"{method} {path}"
    assert len(ids) == len(set(ids)), "operationIds repeat"


def router_auth():
    """(METHOD, path, auth) of the route table, from the source (no stack needed)."""
    with open(os.path.join(ROOT, "handlers", "routes.c")) as f:
        src = f.read()
    for m in re.finditer(r'\{"([A-Z]+)",\s*"([^"]+)",\s*\w+,\s*(AUTH_\w+)', src):
        if m.group(3) == "AUTH_PUBLIC":
            yield m.group(1).lower(), m.group(2), m.group(3)
