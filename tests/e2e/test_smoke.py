from conftest import assert_problem


def test_healthz(base, http):
    r = http.get(base + "/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    assert r.headers["Content-Type"] == "application/json"
    assert len(r.headers["X-Request-Id"]) == 32


def test_unknown_path_is_problem(base, http):
    assert_problem(http.get(base + "/api/v1/nope"), 404, "not_found")
