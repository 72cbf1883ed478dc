"""Revocable organization clients (API.md §7): `onewindow-admin revoke-client CLIENT_ID` and
`disable-org` make the client's access tokens refused by every worker within 1 s (as logout
does for citizens), and the token endpoint refuses the client; `create-client --list` shows
the clients without any secret, `create-client --rotate` replaces a secret (printed once; the
old one works for `--overlap-hours`, 24 by default).
Every change is an operator's line in the audit log."""
import json
import time

from conftest import assert_problem
from helpers import INVALID_TOKEN, sql, wait_for
from orgs import ORG_SERVICES, TOKEN, Org

REVOKE_VISIBLE_S = 1.0  # API.md §7: refused by every worker within 1 s
REPEAT = 16  # requests in a row: with 2 workers × 4 threads, every worker answers some


def services(http, base, token):
    return http.get(base + ORG_SERVICES, timeout=30, headers={"Authorization": f"Bearer {token}"})


def accepted_everywhere(http, base, token):
    for _ in range(REPEAT):
        r = services(http, base, token)
        assert r.status_code == 200, r.text


def refused_within(http, base, token, timeout):
    """Seconds until REPEAT requests in a row were refused; then it stays refused."""
    start = time.monotonic()
    wait_for(lambda: all(services(http, base, token).status_code == 401 for _ in range(REPEAT)),
             timeout, interval=0.01, what="the revoked client's token refused everywhere")
    elapsed = time.monotonic() - start
    for _ in range(2 * REPEAT):
        r = services(http, base, token)
        assert_problem(r, 401, "unauthorized")
        assert r.headers["WWW-Authenticate"] == INVALID_TOKEN
    return elapsed


def grant(http, base, client_id, secret):
    return http.post(base + TOKEN, data={"grant_type": "client_credentials"},
                     auth=(client_id, secret), timeout=30)


def last_audit(stack, target):
    return sql(stack, f"SELECT actor_type, action FROM audit_log WHERE target = '{target}' "
                      f"ORDER BY id DESC LIMIT 1")


def test_revoked_client_tokens_are_refused_by_every_worker_within_a_second(stack, http, base):
    org = Org(stack, http, base)
    other_client = org.new_client("services:read")
    other_token = org.new_token(client=other_client)
    accepted_everywhere(http, base, org.token)  # cached as verified in every worker
    accepted_everywhere(http, base, other_token)
    r = stack.admin("revoke-client", org.client_id, check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [f"client_id: {org.client_id}", "status: revoked"]
    elapsed = refused_within(http, base, org.token, REVOKE_VISIBLE_S)
    print(f"\nrevoked client's token refused everywhere after {elapsed * 1000:.0f} ms")
    r = grant(http, base, org.client_id, org.client_secret)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client", r.text
    # the organization's other client is untouched
    accepted_everywhere(http, base, other_token)
    assert last_audit(stack, f"client:{org.client_id}") == [["operator", "client.revoke"]]
    # again: fine; unknown: exit 1; not a client id: exit 2
    assert stack.admin("revoke-client", org.client_id, check=False).returncode == 0
    assert stack.admin("revoke-client", "0" * 32, check=False).returncode == 1
    for bad in (("x",), ("ABC" * 11,), ()):
        assert stack.admin("revoke-client", *bad, check=False).returncode == 2


def test_disabling_an_organization_refuses_all_its_clients(stack, http, base):
    org = Org(stack, http, base)
    second = org.new_client("services:read applications:read")
    tokens = [org.token, org.new_token(client=second)]
    for t in tokens:
        accepted_everywhere(http, base, t)
    r = stack.admin("disable-org", "--org", org.id, check=False)
    assert r.returncode == 0 and "status: disabled" in r.stdout, (r.stdout, r.stderr)
    for t in tokens:
        refused_within(http, base, t, REVOKE_VISIBLE_S)
    for client_id, secret in ((org.client_id, org.client_secret), second):
        assert grant(http, base, client_id, secret).status_code == 401
    assert stack.admin("create-client", "--org", org.id, "--scopes", "services:read",
                       check=False).returncode == 1
    assert stack.admin("disable-org", "--org", org.id, check=False).returncode == 1  # already
    assert last_audit(stack, f"org:{org.id}") == [["operator", "org.disable"]]
    # enabled again: new clients work; the old ones stay revoked
    r = stack.admin("enable-org", "--org", org.id, check=False)
    assert r.returncode == 0 and "stay disabled" in r.stdout, r.stdout
    fresh = org.new_client("services:read")
    assert services(http, base, org.new_token(client=fresh)).status_code == 200
    assert grant(http, base, org.client_id, org.client_secret).status_code == 401
    for args in (("--org", "0"), ("--org", "x"), ()):
        assert stack.admin("disable-org", *args, check=False).returncode == 2
    assert stack.admin("enable-org", "--org", "987654321", check=False).returncode == 1


def test_list_and_rotate_client_secrets(stack, http, base):
    org = Org(stack, http, base, scopes="services:read")
    second = org.new_client("applications:read applications:write")
    r = stack.admin("create-client", "--list", "--org", org.id, check=False)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["client_id"] for row in rows] == [org.client_id, second[0]], rows
    for row in rows:
        assert set(row) == {"client_id", "org_id", "org_name", "scopes", "created_at",
                            "rotated_at", "previous_secret_until", "disabled_at"}, row
        assert row["org_id"] == org.id and row["org_name"] == org.name
    assert rows[1]["scopes"] == "applications:read applications:write"
    everything = stack.admin("create-client", "--list").stdout
    assert org.client_id in everything and second[0] in everything
    assert org.client_secret not in everything and second[1] not in everything
    # rotation: a new secret, once; the old one keeps working for 24 h (the organization
    # deploys the new one meanwhile); tokens issued before live on
    token = org.token
    r = stack.admin("create-client", "--rotate", org.client_id, check=False)
    assert r.returncode == 0, r.stderr
    out = dict(line.split(": ", 1) for line in r.stdout.splitlines())
    assert out["client_id"] == org.client_id and len(out["client_secret"]) == 43, out
    assert out["previous_valid_hours"] == "24", out
    assert grant(http, base, org.client_id, out["client_secret"]).status_code == 200
    assert grant(http, base, org.client_id, org.client_secret).status_code == 200
    assert services(http, base, token).status_code == 200
    assert out["client_secret"] not in stack.admin("create-client", "--list").stdout
    listed = [json.loads(line) for line in stack.admin(
        "create-client", "--list", "--org", org.id).stdout.splitlines()]
    assert listed[0]["rotated_at"] and listed[1]["rotated_at"] is None, listed
    assert listed[0]["previous_secret_until"] and listed[1]["previous_secret_until"] is None
    assert last_audit(stack, f"client:{org.client_id}") == [["operator", "client.rotate"]]
    assert not sql(stack, f"SELECT client_id FROM oauth_clients WHERE "
                          f"LOCATE('{out['client_secret']}', secret_hash) > 0")
    # once the overlap is over, the old secret is refused
    sql(stack, f"UPDATE oauth_clients SET secret_prev_until = CURRENT_TIMESTAMP(3) - INTERVAL 1 "
               f"SECOND WHERE client_id = '{org.client_id}'")
    assert grant(http, base, org.client_id, org.client_secret).status_code == 401
    assert grant(http, base, org.client_id, out["client_secret"]).status_code == 200
    # a leaked secret: --overlap-hours 0 ends the old one at once
    r = stack.admin("create-client", "--rotate", org.client_id, "--overlap-hours", "0")
    third = dict(line.split(": ", 1) for line in r.stdout.splitlines())
    assert third["previous_valid_hours"] == "0", third
    assert grant(http, base, org.client_id, out["client_secret"]).status_code == 401
    assert grant(http, base, org.client_id, third["client_secret"]).status_code == 200
    for hours in ("-1", "169", "x"):
        assert stack.admin("create-client", "--rotate", org.client_id, "--overlap-hours", hours,
                           check=False).returncode == 2, hours
    # a revoked client cannot be rotated back to life; bad input
    assert stack.admin("revoke-client", second[0]).returncode == 0
    assert stack.admin("create-client", "--rotate", second[0], check=False).returncode == 1
    for args in (("--rotate",), ("--rotate", "nothex"), ("--list", "--org", "x")):
        assert stack.admin("create-client", *args, check=False).returncode == 2, args
