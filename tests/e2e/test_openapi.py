"""api/openapi.yaml must describe exactly the routes the router serves (API.md intro)."""
import os

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
