"""GET /api/v1/client-config (docs/API.md §2): what a client must know, from the settings."""
from conftest import assert_problem
from helpers import settings

PATH = "/api/v1/client-config"


def test_client_config_serves_the_settings(stack, http, base):
    r = http.get(base + PATH, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers["Cache-Control"] == "public, max-age=300"
    s = settings(stack)
    assert r.json() == {
        "wechat": {"subscribe_template_ids": [s["wechat_status_template"]]},
        "tokens": {"access_ttl_s": int(s["access_ttl_s"]), "refresh_ttl_s": int(s["refresh_ttl_s"]),
                   "refresh_grace_s": int(s["refresh_grace_s"])},
        "requests": {"max_body_bytes": int(s["max_body_bytes"])},
        "uploads": {"max_bytes": 10485760,
                    "media_types": ["image/jpeg", "image/png", "application/pdf"]},
    }
    assert s["wechat_status_template"] == "tmpl-status-test"  # config/test.conf
    assert int(s["upload_max_bytes"]) == 10485760


def test_client_config_is_public_even_with_a_bad_token(http, base):
    r = http.get(base + PATH, headers={"Authorization": "Bearer not-a-token"}, timeout=10)
    assert r.status_code == 200, r.text


def test_client_config_head_and_other_methods(http, base):
    r = http.head(base + PATH, timeout=10)
    assert r.status_code == 200 and r.content == b""
    r = http.post(base + PATH, json={}, timeout=10)
    assert_problem(r, 405, "method_not_allowed")
    assert "GET" in r.headers["Allow"]


def test_client_config_ignores_query_parameters(http, base):
    r = http.get(base + PATH, params={"platform": "wechat"}, timeout=10)
    assert r.status_code == 200, r.text
