"""Real-name binding and the assurance level (API.md §3, issue 12 finding 1), on the shared
stack, whose identity provider is `dev` (it checks the form only: level 2). The `http`
provider against a fake identity service is test_identity_provider.py.

- A verified account cannot change its recorded name by sending its ID number again with
  another name (409), nor its ID number; the same pair again is a retry (200).
- The level is in /me and in the access token (`assurance_level`): 1 after a phone login, 2
  after a binding by the dev provider (a refresh carries the new level).
- A service may require a minimum (catalog `min_assurance_level`): below it a submission is
  403 real_name_required with `required_assurance_level`.
- Operators resolve a dispute: `onewindow-admin unbind-identity --citizen ID --reason TEXT`
  (audited; the account's sessions end), after which the real owner can bind.
- The dev provider is refused by a production configuration."""
import json
import os
import secrets
import subprocess
import tempfile

from conftest import assert_problem
from helpers import BIN, b64url_decode, sql, wait_for
from people import (APPS, API, CATALOG, REAL_NAME, call, new_citizen, new_id_number, new_name,
                    required_materials, submit, valid_form)

ME = API + "/me"
REFRESH = API + "/auth/refresh"
LEVEL_SERVICE = "E2E-VERIFIED-ONLY"  # imported by the test that needs it


def claims(token):
    return json.loads(b64url_decode(token.split(".")[1]))


def me(http, base, token):
    r = call(http, base, "GET", ME, token)
    assert r.status_code == 200, r.text
    return r.json()


def bind(http, base, token, name, id_number):
    return call(http, base, "POST", REAL_NAME, token, {"name": name, "id_number": id_number})


def test_a_verified_account_cannot_change_its_name(base, http, stack):
    """Issue 12: today's 200 let an account rename itself, and staff then saw the new name on
    its old applications."""
    c = new_citizen(stack, http, base)
    before = me(http, base, c.token)
    other = new_name()
    while other[0] == c.name[0]:
        other = new_name()
    r = bind(http, base, c.token, other, c.id_number)
    assert_problem(r, 409, "conflict")
    assert me(http, base, c.token) == before
    assert_problem(bind(http, base, c.token, c.name, new_id_number()), 409, "conflict")
    r = bind(http, base, c.token, c.name, c.id_number)  # a retry of the same pair
    assert r.status_code == 200 and r.json() == before, r.text
    stored = sql(stack, f"SELECT HEX(name_enc) FROM citizens WHERE id = {int(c.id)}")
    r = bind(http, base, c.token, c.name, c.id_number)
    assert sql(stack, f"SELECT HEX(name_enc) FROM citizens WHERE id = {int(c.id)}") == stored


def test_the_assurance_level_is_in_me_and_in_the_token(base, http, stack):
    c = new_citizen(stack, http, base, verified=False)
    assert me(http, base, c.token)["assurance_level"] == 1
    assert claims(c.token)["assurance_level"] == 1
    r = bind(http, base, c.token, new_name(), new_id_number())
    assert r.status_code == 200, r.text
    assert r.json()["assurance_level"] == 2 and r.json()["real_name_verified"] is True
    r = call(http, base, "POST", REFRESH, None, {"refresh_token": c.refresh})
    assert r.status_code == 200, r.text
    assert claims(r.json()["access_token"])["assurance_level"] == 2
    assert r.json()["citizen"]["assurance_level"] == 2
    # the binding is audited
    rows = sql(stack, "SELECT actor_type, actor_id, action, detail FROM audit_log WHERE "
                      f"target = 'citizen:{int(c.id)}'")
    assert rows == [["citizen", c.id, "identity.bind", "assurance level 2"]], rows


def import_level_service(stack, level):
    item = dict(CATALOG["GA-GG-019"], code=LEVEL_SERVICE, name="e2e 需经核验的事项",
                min_assurance_level=level)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump([item], f, ensure_ascii=False)
    try:
        p = stack.admin("import-catalog", f.name, "--partial", check=False)
        assert p.returncode == 0, (p.stdout, p.stderr)
    finally:
        os.unlink(f.name)


def submit_level_service(http, base, who):
    """A submission to the copy of GA-GG-019: its form and materials (checked before the
    identity, which is refused after the body is found valid)."""
    return submit(http, base, who, LEVEL_SERVICE, form=valid_form("GA-GG-019"),
                  materials=required_materials(http, base, who, "GA-GG-019"))


def test_a_service_may_require_a_verified_identity(base, http, stack):
    import_level_service(stack, 3)
    wait_for(lambda: http.get(f"{base}/api/v1/services/{LEVEL_SERVICE}",
                              timeout=10).status_code == 200, 10, what="imported item")
    assert http.get(f"{base}/api/v1/services/{LEVEL_SERVICE}",
                    timeout=10).json()["min_assurance_level"] == 3
    dev_verified = new_citizen(stack, http, base)  # level 2
    r = submit_level_service(http, base, dev_verified)
    body = assert_problem(r, 403, "real_name_required")
    assert body["required_assurance_level"] == "3", body
    phone_only = new_citizen(stack, http, base, verified=False)
    body = assert_problem(submit(http, base, phone_only, "GA-GG-019"), 403, "real_name_required")
    assert body["required_assurance_level"] == "2", body
    # verified by a provider (as test_identity_provider.py does for real): accepted
    sql(stack, f"UPDATE citizens SET assurance_level = 3 WHERE id = {int(dev_verified.id)}")
    r = submit_level_service(http, base, dev_verified)
    assert r.status_code == 201, r.text
    # and an item of before (no min_assurance_level) takes any real name
    assert http.get(f"{base}/api/v1/services/GA-GG-019", timeout=10).json()[
        "min_assurance_level"] == 2
    import_level_service(stack, 2)


def test_min_assurance_level_is_checked_on_import(stack):
    for bad in (1, 4, "3", 2.5, None):
        item = dict(CATALOG["GA-GG-019"], code="E2E-BAD-LEVEL", min_assurance_level=bad)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump([item], f, ensure_ascii=False)
        try:
            p = stack.admin("import-catalog", f.name, "--partial", check=False)
        finally:
            os.unlink(f.name)
        assert p.returncode == 1 and "min_assurance_level" in p.stdout + p.stderr, (bad, p)


def test_an_operator_unbinds_a_disputed_identity(base, http, stack):
    owner_name, id_number = new_name(), new_id_number()
    squatter = new_citizen(stack, http, base, name=new_name(), id_number=id_number)
    owner = new_citizen(stack, http, base, verified=False)
    assert_problem(bind(http, base, owner.token, owner_name, id_number), 409, "conflict")
    p = stack.admin("unbind-identity", "--citizen", squatter.id, "--reason",
                    "dispute 2026-118: owner showed the ID card at the desk", check=False)
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert "unbound: true" in p.stdout
    rows = sql(stack, "SELECT actor_type, action, detail FROM audit_log WHERE target = "
                      f"'citizen:{int(squatter.id)}' ORDER BY id")
    assert rows[-1] == ["operator", "identity.unbind",
                        "dispute 2026-118: owner showed the ID card at the desk"], rows
    # the squatter's sessions are over, and its account is back to a phone account
    wait_for(lambda: call(http, base, "GET", ME, squatter.token).status_code == 401, 2,
             what="the unbound account's token refused")
    assert call(http, base, "POST", REFRESH, None,
                {"refresh_token": squatter.refresh}).status_code == 401
    assert sql(stack, "SELECT assurance_level, id_number_bidx IS NULL, name_enc IS NULL FROM "
                      f"citizens WHERE id = {int(squatter.id)}") == [["1", "1", "1"]]
    # the real owner binds now
    r = bind(http, base, owner.token, owner_name, id_number)
    assert r.status_code == 200 and r.json()["real_name_verified"] is True, r.text


def test_unbind_identity_refusals(stack, base, http):
    unbound = new_citizen(stack, http, base, verified=False)
    for args, status in ((("--citizen", unbound.id, "--reason", "x"), 1),
                         (("--citizen", "999999999999", "--reason", "x"), 1),
                         (("--citizen", unbound.id), 2), (("--reason", "x"), 2),
                         (("--citizen", "07", "--reason", "x"), 2),
                         (("--citizen", unbound.id, "--reason", ""), 2),
                         (("--citizen", unbound.id, "--reason", "x" * 201), 2),
                         (("--citizen", unbound.id, "--reason", "a\nb"), 2)):
        p = stack.admin("unbind-identity", *args, check=False)
        assert p.returncode == status, (args, p.stdout, p.stderr)


def admin_config(stack, **env):
    return subprocess.run([os.path.join(BIN, "onewindow-admin"), "config"],
                          env=dict(stack.env, **env), capture_output=True, text=True, timeout=30)


def test_the_dev_provider_is_refused_in_production(stack):
    p = admin_config(stack, ONEWINDOW_DEPLOYMENT="production", ONEWINDOW_TEST_ROUTES="0")
    assert p.returncode == 2 and "identity_provider=dev" in p.stderr, (p.stdout, p.stderr)
    p = admin_config(stack, ONEWINDOW_DEPLOYMENT="production", ONEWINDOW_TEST_ROUTES="0",
                     ONEWINDOW_IDENTITY_PROVIDER="http", ONEWINDOW_ENTERPRISE_REGISTRY="none")
    assert p.returncode == 2 and "sms_provider=log" in p.stderr, (p.stdout, p.stderr)
    # the test configuration's webhook relaxations (API.md §7) are development-only too
    p = admin_config(stack, ONEWINDOW_DEPLOYMENT="production", ONEWINDOW_TEST_ROUTES="0",
                     ONEWINDOW_IDENTITY_PROVIDER="http", ONEWINDOW_ENTERPRISE_REGISTRY="none",
                     ONEWINDOW_SMS_PROVIDER="http")
    assert p.returncode == 2 and "webhook_allow_http" in p.stderr, (p.stdout, p.stderr)
    production = dict(ONEWINDOW_DEPLOYMENT="production", ONEWINDOW_TEST_ROUTES="0",
                      ONEWINDOW_IDENTITY_PROVIDER="http", ONEWINDOW_ENTERPRISE_REGISTRY="none",
                      ONEWINDOW_SMS_PROVIDER="http", ONEWINDOW_WEBHOOK_ALLOW_HTTP="0",
                      ONEWINDOW_WEBHOOK_ALLOW_PRIVATE="0")
    for relaxed in ("ONEWINDOW_WEBHOOK_ALLOW_HTTP", "ONEWINDOW_WEBHOOK_ALLOW_PRIVATE"):
        p = admin_config(stack, **dict(production, **{relaxed: "1"}))
        assert p.returncode == 2 and "webhook_allow" in p.stderr, (relaxed, p.stderr)
    p = admin_config(stack, **production)
    assert p.returncode == 0, p.stderr
    p = admin_config(stack, **dict(production, ONEWINDOW_TEST_ROUTES="1"))
    assert p.returncode == 2 and "test_routes=1" in p.stderr, (p.stdout, p.stderr)
    # production is what a configuration without the word is
    env = {k: v for k, v in stack.env.items() if k != "ONEWINDOW_CONFIG"}
    p = subprocess.run([os.path.join(BIN, "onewindow-admin"), "config"], env=env,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and "deployment: production" in p.stdout, p.stderr
    assert "identity_provider: http" in p.stdout
    p = admin_config(stack, ONEWINDOW_IDENTITY_PROVIDER="ldap")
    assert p.returncode == 2 and "IDENTITY_PROVIDER" in p.stderr, p.stderr
