import atexit

import pytest
import requests

import contract
from stack import Stack

# Every answer of a stack is checked against api/openapi.yaml (tests/e2e/contract.py).
contract.install()


@pytest.fixture(scope="session")
def stack():
    s = Stack()
    atexit.register(s.stop)  # even when pytest is interrupted
    s.start()
    yield s
    s.destroy()


@pytest.fixture(scope="session")
def base(stack):
    return stack.base


@pytest.fixture()
def http():
    with requests.Session() as session:
        yield session


def assert_problem(resp, status, code):
    """An RFC 9457 answer of API.md §1: status, content type, code, request id echo."""
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith("application/problem+json"), resp.headers
    body = resp.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == "about:blank"
    assert body["title"] and body["detail"]
    assert body["request_id"] == resp.headers["X-Request-Id"]
    return body


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "disruptive: stops or kills parts of the shared stack; runs after the rest")


def pytest_collection_modifyitems(items):
    """Tests that stop MariaDB or kill workers run last (stable order otherwise), so that
    a slow recovery cannot disturb the others."""
    items.sort(key=lambda item: item.get_closest_marker("disruptive") is not None)
