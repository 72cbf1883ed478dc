"""API.md §3 (POST /api/v1/oauth/token) and §9 (create-org, create-client): organizations and
their OAuth clients, the client-credentials grant of RFC 6749 §4.4 in RFC 6749's own style
(form body, HTTP Basic or body credentials, §5.2 JSON errors), the org access token checked
with an independent implementation (python3-jwt against the JWKS), what such a token may reach,
and that a client secret is shown once and stored nowhere in clear (database, logs, var dir).

Every test registers its own organizations under random valid GB 32100 credit codes, so the
tests do not depend on each other or on the rest of the suite. The checks over the logs and
the var dir come last in this file (pytest keeps file order)."""
import base64
import json
import os
import re
import secrets
import subprocess
import time

import jwt
import pytest

from conftest import assert_problem
from helpers import settings, sql, unique_id
from helpers import CREDIT_CHARS, credit_code, jwks

TOKEN = "/api/v1/oauth/token"
JWKS = "/.well-known/jwks.json"
ORG_PROBE = "/api/v1/test/org"
CITIZEN_PROBE = "/api/v1/test/citizen"
STAFF_PROBE = "/api/v1/test/staff"

ISSUER = "onewindow"
AUDIENCE = "onewindow-api"
ACCESS_TTL_S = 900
BASIC_CHALLENGE = 'Basic realm="onewindow"'
SCOPE_CHALLENGE = 'Bearer realm="onewindow", error="insufficient_scope"'

KNOWN_SCOPES = ("applications:read", "applications:write", "notifications:write",
                "services:read")
READ_SCOPES = "applications:read services:read"

CLIENT_ID = re.compile(r"^[0-9a-f]{32}$")
CLIENT_SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")
ORG_ID = re.compile(r"^[1-9][0-9]*$")

SECRETS = []  # every client secret this module was shown: none may be stored or logged
TOKENS = []   # every access token this module obtained: none may be logged


# --- GB 32100 --------------------------------------------------------------------------------
def test_credit_code_generator_matches_the_known_example():
    assert credit_code("91350100M000100Y4") == "91350100M000100Y43"


# --- the admin CLI ---------------------------------------------------------------------------
def fields(out):
    """`name: value` lines as a dict (each name once)."""
    result = {}
    for line in out.splitlines():
        name, sep, value = line.partition(": ")
        assert sep, f"not a name: value line: {line!r}"
        assert name not in result, out
        result[name] = value
    return result


def create_org(stack, name=None, code=None, webhook="https://org.example.com/hooks/onewindow"):
    r = stack.admin("create-org", "--name", name or f"社会组织 {unique_id('org')}",
                    "--credit-code", code or credit_code(), "--webhook-url", webhook,
                    check=False)
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    out = fields(r.stdout)
    # the id, and the secret that signs its webhooks (shown once, API.md §7)
    assert set(out) == {"id", "webhook_secret"}, r.stdout
    assert ORG_ID.match(out["id"]), r.stdout
    assert re.fullmatch(r"[0-9a-f]{64}", out["webhook_secret"]), r.stdout
    return out["id"]


def create_client(stack, org_id, scopes=READ_SCOPES):
    r = stack.admin("create-client", "--org", org_id, "--scopes", scopes, check=False)
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    out = fields(r.stdout)
    assert set(out) == {"client_id", "client_secret"}, r.stdout
    assert CLIENT_ID.match(out["client_id"]), r.stdout
    assert CLIENT_SECRET.match(out["client_secret"]), r.stdout
    SECRETS.append(out["client_secret"])
    return out["client_id"], out["client_secret"]


def new_client(stack, scopes=READ_SCOPES):
    """A fresh organization with one client: (org id, client id, client secret)."""
    org_id = create_org(stack)
    client_id, secret = create_client(stack, org_id, scopes)
    return org_id, client_id, secret


def admin_status(stack, *args):
    r = stack.admin(*args, check=False)
    return r.returncode


# --- the token endpoint ----------------------------------------------------------------------
def token_request(http, base, data=None, auth=None, headers=None):
    """POST /oauth/token; data as a dict or a list of pairs is sent form-encoded by requests."""
    return http.post(base + TOKEN, data=data, auth=auth, headers=headers or {}, timeout=10)


def raw_form(http, base, body, auth=None, headers=None):
    """A form body sent byte for byte (for malformed encodings)."""
    h = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    return http.post(base + TOKEN, data=body, auth=auth, headers=h, timeout=10)


def grant(http, base, client_id, secret, scope=None, in_body=False):
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    if in_body:
        data.update(client_id=client_id, client_secret=secret)
        return token_request(http, base, data)
    return token_request(http, base, data, auth=(client_id, secret))


def assert_oauth_error(r, status, error):
    """An RFC 6749 §5.2 error: JSON (not problem+json) {"error","error_description"}."""
    assert r.status_code == status, (r.status_code, r.text)
    ctype = r.headers.get("Content-Type", "")
    assert ctype.startswith("application/json"), r.headers
    body = r.json()
    assert set(body) == {"error", "error_description"}, body
    assert body["error"] == error, body
    assert isinstance(body["error_description"], str) and body["error_description"], body
    # RFC 6749 §5.2: error_description is limited to %x20-21 / %x23-5B / %x5D-7E
    assert all(0x20 <= ord(c) <= 0x7E and c not in '"\\' for c in body["error_description"]), body
    assert r.headers.get("X-Request-Id"), r.headers  # API.md §1: on every response
    assert "access_token" not in r.text
    if status == 401:
        assert r.headers.get("WWW-Authenticate") == BASIC_CHALLENGE, r.headers
    return body


def verify(http, base, token):
    """Verifies a token as a relying party would (python3-jwt, key picked by kid)."""
    header = jwt.get_unverified_header(token)
    assert header.get("alg") == "ES256" and header.get("typ") == "JWT", header
    keys = {k["kid"]: k for k in jwks(http, base)["keys"]}
    assert header.get("kid") in keys, (header, list(keys))
    return jwt.decode(token, jwt.PyJWK(keys[header["kid"]]).key, algorithms=["ES256"],
                      audience=AUDIENCE, issuer=ISSUER,
                      options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]})


def assert_token(http, base, r, org_id, client_id, scope):
    """A 200 token answer whose token verifies and carries role=org, sub, client_id, scope."""
    assert r.status_code == 200, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    assert "no-store" in r.headers.get("Cache-Control", ""), r.headers
    body = r.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}, body  # no refresh
    assert body["token_type"] == "Bearer", body
    assert body["expires_in"] == ACCESS_TTL_S and isinstance(body["expires_in"], int), body
    assert body["scope"] == scope, body
    token = body["access_token"]
    TOKENS.append(token)
    claims = verify(http, base, token)
    assert claims["role"] == "org", claims
    assert claims["sub"] == org_id, claims
    assert claims["client_id"] == client_id, claims
    assert claims.get("scope", "") == body["scope"], (claims, body)  # the token says the same
    assert claims["exp"] - claims["iat"] == ACCESS_TTL_S, claims
    assert abs(claims["iat"] - time.time()) < 60, claims
    assert claims.get("sid", "") == "" and claims.get("dept", "") == "", claims
    return token, claims


def bearer_get(http, base, path, token):
    return http.get(base + path, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def basic(value):
    return "Basic " + base64.b64encode(value.encode()).decode()


# --- create-org ------------------------------------------------------------------------------
def test_create_org_prints_the_id_and_stores_the_organization(stack):
    code = credit_code()
    name = f"为民服务社 {unique_id('org')}"
    webhook = "https://org.example.com/hooks/onewindow?source=gov"
    org_id = create_org(stack, name=name, code=code, webhook=webhook)
    rows = sql(stack, f"SELECT name, credit_code, webhook_url FROM organizations "
                      f"WHERE id = {int(org_id)}")
    assert rows == [[name, code, webhook]]
    # another organization gets another id
    assert create_org(stack) != org_id


def test_create_org_accepts_the_documented_example_code(stack):
    """91350100M000100Y43 (the contract's example) is valid; it may already be registered by
    another test module, so exit 0 or 1 (duplicate), never 2 (invalid)."""
    r = stack.admin("create-org", "--name", "示例组织", "--credit-code", "91350100M000100Y43",
                    "--webhook-url", "https://example.org/hook", check=False)
    assert r.returncode in (0, 1), (r.returncode, r.stdout, r.stderr)


def test_create_org_refuses_a_registered_credit_code(stack):
    code = credit_code()
    create_org(stack, code=code)
    r = stack.admin("create-org", "--name", "另一个组织", "--credit-code", code,
                    "--webhook-url", "https://other.example.com/hook", check=False)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert "id:" not in r.stdout
    assert sql(stack, f"SELECT COUNT(*) FROM organizations WHERE credit_code = '{code}'") == [
        ["1"]]


def test_create_org_refuses_invalid_credit_codes(stack):
    good = credit_code()
    wrong_check = good[:17] + CREDIT_CHARS[(CREDIT_CHARS.index(good[17]) + 1) % 31]
    body = "91" + "".join(secrets.choice("ABCDEFGHJKLMNPQRTUWXY") for _ in range(15))
    with_letters = credit_code(body)
    bad = [
        wrong_check,
        with_letters.lower(),                  # letters are upper case
        good[:17],                             # 17 characters
        good + "0",                            # 19 characters
        credit_code()[:16] + "I" + "0",        # I, O, S, V, Z are not in the alphabet
        "91350100M000100Y4" + "O",
        "91350100M00010OY43",
        "9135010OM000100Y43",
        " 91350100M000100Y4",
        "91350100M000100Y43 ",
        "91350100-000100Y43",
        "",
    ]
    for code in bad:
        r = stack.admin("create-org", "--name", "坏代码组织", "--credit-code", code,
                        "--webhook-url", "https://example.org/hook", check=False)
        assert r.returncode == 2, (code, r.returncode, r.stdout, r.stderr)
        assert "id:" not in r.stdout, (code, r.stdout)
        # HEX: CHAR comparisons ignore trailing spaces (PAD SPACE)
        assert sql(stack, "SELECT COUNT(*) FROM organizations WHERE HEX(credit_code) = "
                          f"HEX('{code}')") == [["0"]], code


def test_create_org_name_is_1_to_100_characters(stack):
    # code points, not bytes: 100 Chinese characters (300 bytes) are fine, 101 are not
    for name in ("组", "组" * 100, "n" * 100):
        create_org(stack, name=name)
    for name in ("", "组" * 101, "n" * 101):
        assert admin_status(stack, "create-org", "--name", name, "--credit-code",
                            credit_code(), "--webhook-url", "https://example.org/h") == 2, name
    # not UTF-8 (os.fsencode turns the lone surrogate into the byte 0xFF)
    assert admin_status(stack, "create-org", "--name", "组织\udcff", "--credit-code",
                        credit_code(), "--webhook-url", "https://example.org/h") == 2


def test_create_org_webhook_must_be_http_or_https_and_at_most_512(stack):
    prefix = "https://hooks.example.com/"
    for url in ("http://hooks.example.com/x", "https://hooks.example.com:8443/a/b?c=d",
                prefix + "a" * (512 - len(prefix))):
        create_org(stack, webhook=url)
    for url in ("", "ftp://hooks.example.com/x", "hooks.example.com/x", "javascript:alert(1)",
                "file:///etc/passwd", "mailto:ops@example.com",
                prefix + "a" * (513 - len(prefix)), "https://hooks.example.com/a b"):
        assert admin_status(stack, "create-org", "--name", "钩子组织", "--credit-code",
                            credit_code(), "--webhook-url", url) == 2, url


def test_create_org_needs_every_option(stack):
    code = credit_code()
    full = ["--name", "组织", "--credit-code", code, "--webhook-url", "https://e.example/h"]
    for drop in range(0, 6, 2):
        args = full[:drop] + full[drop + 2:]
        assert admin_status(stack, "create-org", *args) == 2, args
    assert sql(stack, f"SELECT COUNT(*) FROM organizations WHERE credit_code = '{code}'") == [
        ["0"]]


# --- create-client ---------------------------------------------------------------------------
def test_create_client_prints_an_id_and_a_secret_of_256_bits(stack):
    org_id = create_org(stack)
    client_id, secret = create_client(stack, org_id)
    raw = base64.urlsafe_b64decode(secret + "=")
    assert len(raw) == 32
    rows = sql(stack, f"SELECT org_id, scopes FROM oauth_clients WHERE client_id = '{client_id}'")
    assert rows == [[org_id, READ_SCOPES]]
    # a second client of the same organization: new id, new secret
    other_id, other_secret = create_client(stack, org_id, "applications:write")
    assert other_id != client_id and other_secret != secret


def test_create_client_secret_is_not_stored(stack):
    org_id = create_org(stack)
    client_id, secret = create_client(stack, org_id)
    var_dir = settings(stack)["var_dir"]
    sock = os.path.join(var_dir, "run", "mysqld.sock")
    dump = subprocess.run(["mariadb", "--no-defaults", f"--socket={sock}", "-u", "root",
                           "onewindow", "-e", "SELECT * FROM oauth_clients"],
                          check=True, capture_output=True, timeout=30).stdout
    assert client_id.encode() in dump  # the query did show the client
    raw = base64.urlsafe_b64decode(secret + "=")
    assert secret.encode() not in dump
    assert raw not in dump
    hexdump = "".join(r[0] for r in sql(
        stack, "SELECT CONCAT(client_id, HEX(secret_hash), scopes) FROM oauth_clients"))
    assert secret not in hexdump
    assert raw.hex().upper() not in hexdump.upper()


def test_create_client_refuses_unknown_scopes(stack):
    org_id = create_org(stack)
    for scopes in ("test:read", "applications:read test:read", "applications:delete",
                   "APPLICATIONS:READ", "applications:read,services:read", "", "*", "openid"):
        r = stack.admin("create-client", "--org", org_id, "--scopes", scopes, check=False)
        assert r.returncode == 2, (scopes, r.returncode, r.stdout, r.stderr)
        assert "client_secret" not in r.stdout, scopes
    assert sql(stack, f"SELECT COUNT(*) FROM oauth_clients WHERE org_id = {int(org_id)}") == [
        ["0"]]


def test_create_client_malformed_scope_lists_are_refused_or_normalized(base, http, stack):
    """A --scopes list with an empty entry (a leading, doubled or trailing space) is refused
    (exit 2), or else stored clean: the client's tokens never carry stray spaces."""
    org_id = create_org(stack)
    for scopes in (" services:read", "services:read  applications:read", "services:read "):
        r = stack.admin("create-client", "--org", org_id, "--scopes", scopes, check=False)
        if r.returncode == 2:
            continue
        assert r.returncode == 0, (scopes, r.returncode, r.stdout, r.stderr)
        out = fields(r.stdout)
        SECRETS.append(out["client_secret"])
        resp = grant(http, base, out["client_id"], out["client_secret"])
        assert_token(http, base, resp, org_id, out["client_id"], " ".join(scopes.split()))


def test_create_client_every_known_scope(stack):
    org_id = create_org(stack)
    for scope in KNOWN_SCOPES:
        create_client(stack, org_id, scope)
    create_client(stack, org_id, " ".join(KNOWN_SCOPES))


def test_create_client_refuses_an_unknown_org(stack):
    missing = str(int(create_org(stack)) + 1_000_000)
    r = stack.admin("create-client", "--org", missing, "--scopes", READ_SCOPES, check=False)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert "client_secret" not in r.stdout
    for org in ("abc", "0", "-1", "1x", ""):
        assert admin_status(stack, "create-client", "--org", org, "--scopes", READ_SCOPES) == 2, org
    assert admin_status(stack, "create-client", "--scopes", READ_SCOPES) == 2
    assert admin_status(stack, "create-client", "--org", create_org(stack)) == 2


# --- the grant: happy paths ------------------------------------------------------------------
def test_basic_credentials_give_a_token_with_all_the_clients_scopes(base, http, stack):
    org_id, client_id, secret = new_client(stack)
    r = grant(http, base, client_id, secret)
    token, claims = assert_token(http, base, r, org_id, client_id, READ_SCOPES)
    assert r.headers.get("Pragma", "no-cache") == "no-cache"
    assert isinstance(claims["jti"], str) and claims["jti"]
    assert claims["nbf"] <= claims["iat"] + 1


def test_body_credentials_give_the_same_token(base, http, stack):
    org_id, client_id, secret = new_client(stack)
    r = grant(http, base, client_id, secret, in_body=True)
    assert_token(http, base, r, org_id, client_id, READ_SCOPES)


def test_requested_scope_is_exactly_what_the_token_carries(base, http, stack):
    org_id, client_id, secret = new_client(stack, " ".join(KNOWN_SCOPES))
    for scope in ("applications:read", "services:read applications:read",
                  "notifications:write", " ".join(KNOWN_SCOPES)):
        r = grant(http, base, client_id, secret, scope=scope)
        _, claims = assert_token(http, base, r, org_id, client_id, scope)
        assert claims["scope"].split(" ") == scope.split(" ")


def test_every_grant_is_a_new_token(base, http, stack):
    org_id, client_id, secret = new_client(stack)
    jtis = set()
    for _ in range(4):
        _, claims = assert_token(http, base, grant(http, base, client_id, secret), org_id,
                                 client_id, READ_SCOPES)
        jtis.add(claims["jti"])
    assert len(jtis) == 4


def test_each_client_speaks_for_its_own_organization(base, http, stack):
    org_a, id_a, secret_a = new_client(stack)
    org_b, id_b, secret_b = new_client(stack, "notifications:write")
    id_a2, secret_a2 = create_client(stack, org_a, "applications:write")
    assert org_a != org_b
    assert_token(http, base, grant(http, base, id_a, secret_a), org_a, id_a, READ_SCOPES)
    assert_token(http, base, grant(http, base, id_b, secret_b), org_b, id_b,
                 "notifications:write")
    assert_token(http, base, grant(http, base, id_a2, secret_a2), org_a, id_a2,
                 "applications:write")
    # one client's secret does not open another client
    for cid, sec in ((id_a, secret_b), (id_b, secret_a), (id_a, secret_a2), (id_a2, secret_a)):
        assert_oauth_error(grant(http, base, cid, sec), 401, "invalid_client")


def test_basic_scheme_is_case_insensitive_and_values_are_form_decoded(base, http, stack):
    """RFC 7235 §2.1: the scheme is case-insensitive; RFC 6749 §2.3.1: id and secret are
    form-urlencoded before base64."""
    org_id, client_id, secret = new_client(stack)
    data = {"grant_type": "client_credentials"}
    for scheme in ("basic", "BASIC"):
        value = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        r = token_request(http, base, data, headers={"Authorization": f"{scheme} {value}"})
        assert_token(http, base, r, org_id, client_id, READ_SCOPES)
    encoded_id = "".join(f"%{ord(c):02X}" for c in client_id[:4]) + client_id[4:]
    r = token_request(http, base, data,
                      headers={"Authorization": basic(f"{encoded_id}:{secret}")})
    assert_token(http, base, r, org_id, client_id, READ_SCOPES)


def test_form_content_type_with_a_charset(base, http, stack):
    org_id, client_id, secret = new_client(stack)
    r = raw_form(http, base, "grant_type=client_credentials", auth=(client_id, secret),
                 headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"})
    assert_token(http, base, r, org_id, client_id, READ_SCOPES)


# --- the grant: client authentication --------------------------------------------------------
def test_wrong_secret_is_invalid_client(base, http, stack):
    _, client_id, secret = new_client(stack)
    flipped = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for wrong in (flipped, secret[:-1], secret + "A", secret.upper(), "", "x" * 200):
        assert_oauth_error(grant(http, base, client_id, wrong), 401, "invalid_client")
        assert_oauth_error(grant(http, base, client_id, wrong, in_body=True), 401,
                           "invalid_client")


def test_unknown_client_is_invalid_client(base, http, stack):
    _, client_id, secret = new_client(stack)
    for cid in (secrets.token_hex(16), client_id.upper(), client_id[:-1], "", "x" * 100,
                client_id + "0"):
        assert_oauth_error(grant(http, base, cid, secret), 401, "invalid_client")
        assert_oauth_error(grant(http, base, cid, secret, in_body=True), 401, "invalid_client")


def test_client_id_with_trailing_space_is_not_the_client(base, http, stack):
    """"<id> " is not a registered client id: it must not authenticate (and in no case may a
    token name a client_id that was never registered)."""
    _, client_id, secret = new_client(stack)
    for cid in (client_id + " ", client_id + "  ", " " + client_id):
        r = grant(http, base, cid, secret)
        if r.status_code == 200:
            TOKENS.append(r.json()["access_token"])
            claims = verify(http, base, r.json()["access_token"])
            raise AssertionError(f"client id {cid!r} authenticated; token client_id "
                                 f"{claims['client_id']!r}")
        assert_oauth_error(r, 401, "invalid_client")
        r = grant(http, base, cid, secret, in_body=True)
        if r.status_code == 200:
            TOKENS.append(r.json()["access_token"])
        assert_oauth_error(r, 401, "invalid_client")


def test_no_credentials_is_invalid_client(base, http, stack):
    assert_oauth_error(token_request(http, base, {"grant_type": "client_credentials"}), 401,
                       "invalid_client")
    _, client_id, secret = new_client(stack)
    # half the credentials in the body: no public clients
    for data in ({"client_id": client_id}, {"client_secret": secret},
                 {"client_id": client_id, "client_secret": ""}):
        r = token_request(http, base, {"grant_type": "client_credentials", **data})
        assert_oauth_error(r, 401, "invalid_client")


def test_malformed_basic_is_invalid_client(base, http, stack):
    _, client_id, secret = new_client(stack)
    good = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    for value in ("Basic !!!", "Basic", "Basic ", "Basic " + base64.b64encode(
            client_id.encode()).decode(),                               # no colon
                  basic(f"{client_id}%zz:{secret}"),                   # bad percent-escape
                  basic(f"{client_id}:{secret}%"),
                  "Basic " + base64.b64encode(f"{client_id}:{secret}\xff".encode(
                      "latin-1")).decode(),                            # not UTF-8
                  "Basic " + "QUFB" * 300):                             # far too long
        r = token_request(http, base, {"grant_type": "client_credentials"},
                          headers={"Authorization": value})
        assert_oauth_error(r, 401, "invalid_client")
    # the well-formed header does authenticate
    r = token_request(http, base, {"grant_type": "client_credentials"},
                      headers={"Authorization": f"Basic {good}"})
    assert r.status_code == 200, r.text
    TOKENS.append(r.json()["access_token"])


def test_basic_with_trailing_garbage_is_refused(base, http, stack):
    """A Basic header whose base64 is followed by other text is malformed (RFC 7617: one
    token68): it must not authenticate."""
    _, client_id, secret = new_client(stack)
    good = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    for value in (f"Basic {good}garbage!", f"Basic {good} extra", f"Basic {good}@@"):
        r = token_request(http, base, {"grant_type": "client_credentials"},
                          headers={"Authorization": value})
        if r.status_code == 200:
            TOKENS.append(r.json()["access_token"])
        assert_oauth_error(r, 401, "invalid_client")


def test_disabled_client_is_invalid_client(base, http, stack):
    """oauth_clients.disabled_at (migration 0006): a disabled client gets no more tokens."""
    org_id, client_id, secret = new_client(stack)
    assert_token(http, base, grant(http, base, client_id, secret), org_id, client_id,
                 READ_SCOPES)
    sql(stack, f"UPDATE oauth_clients SET disabled_at = NOW(3) WHERE client_id = '{client_id}'")
    assert_oauth_error(grant(http, base, client_id, secret), 401, "invalid_client")
    assert_oauth_error(grant(http, base, client_id, secret, in_body=True), 401,
                       "invalid_client")


def test_basic_and_body_credentials_together_is_invalid_request(base, http, stack):
    _, client_id, secret = new_client(stack)
    for extra in ({"client_id": client_id, "client_secret": secret},
                  {"client_id": client_id}, {"client_secret": secret}):
        r = token_request(http, base, {"grant_type": "client_credentials", **extra},
                          auth=(client_id, secret))
        assert_oauth_error(r, 400, "invalid_request")


# --- the grant: request errors ---------------------------------------------------------------
def test_grant_type_missing_is_invalid_request(base, http, stack):
    _, client_id, secret = new_client(stack)
    assert_oauth_error(token_request(http, base, {"scope": "services:read"},
                                     auth=(client_id, secret)), 400, "invalid_request")
    # an empty body
    assert_oauth_error(http.post(base + TOKEN, auth=(client_id, secret), timeout=10), 400,
                       "invalid_request")
    assert_oauth_error(raw_form(http, base, "", auth=(client_id, secret)), 400,
                       "invalid_request")


def test_parameters_in_the_query_string_are_not_read(base, http, stack):
    """RFC 6749 §2.3.1, §4.4.2: parameters go in the body, never the URI."""
    _, client_id, secret = new_client(stack)
    r = http.post(base + TOKEN + "?grant_type=client_credentials", auth=(client_id, secret),
                  timeout=10)
    assert_oauth_error(r, 400, "invalid_request")
    r = http.post(base + TOKEN + f"?client_id={client_id}&client_secret={secret}",
                  data={"grant_type": "client_credentials"}, timeout=10)
    assert_oauth_error(r, 401, "invalid_client")


def test_other_grant_types_are_unsupported(base, http, stack):
    _, client_id, secret = new_client(stack)
    for grant_type in ("password", "authorization_code", "refresh_token", "implicit",
                       "CLIENT_CREDENTIALS", "client_credentials ",
                       "urn:ietf:params:oauth:grant-type:jwt-bearer"):
        data = {"grant_type": grant_type, "username": "u", "password": "p", "code": "c"}
        r = token_request(http, base, data, auth=(client_id, secret))
        assert r.status_code == 400, (grant_type, r.text)
        assert_oauth_error(r, 400, "unsupported_grant_type")


def test_empty_parameters_are_treated_as_omitted(base, http, stack):
    """RFC 6749 §3.2: "Parameters sent without a value MUST be treated as if they were
    omitted from the request." grant_type= is a missing grant_type (invalid_request, not
    unsupported_grant_type); scope= asks for nothing in particular (all the client's scopes);
    empty body credentials next to Basic are not a second authentication method."""
    org_id, client_id, secret = new_client(stack)
    r = token_request(http, base, {"grant_type": ""}, auth=(client_id, secret))
    assert_oauth_error(r, 400, "invalid_request")
    r = token_request(http, base, {"grant_type": "client_credentials", "scope": ""},
                      auth=(client_id, secret))
    assert_token(http, base, r, org_id, client_id, READ_SCOPES)
    r = token_request(http, base, {"grant_type": "client_credentials", "client_id": "",
                                   "client_secret": ""}, auth=(client_id, secret))
    assert_token(http, base, r, org_id, client_id, READ_SCOPES)


def test_scope_not_granted_is_invalid_scope(base, http, stack):
    org_id, client_id, secret = new_client(stack)  # applications:read services:read
    for scope in ("applications:write", "applications:read applications:write",
                  "notifications:write", "test:read", "services:read test:read",
                  "unknown:scope", "APPLICATIONS:READ", "applications", "services:rea",
                  "x" * 300):
        r = grant(http, base, client_id, secret, scope=scope)
        assert_oauth_error(r, 400, "invalid_scope")
    # nothing was issued on the way: the client still gets exactly its own scopes
    assert_token(http, base, grant(http, base, client_id, secret), org_id, client_id,
                 READ_SCOPES)


def test_malformed_scope_lists_are_refused_or_normalized(base, http, stack):
    """RFC 6749 §3.3: scope = scope-token *( SP scope-token ). A list with empty tokens is
    answered invalid_scope, or else the token carries the clean list -- never a scope claim
    with stray spaces."""
    org_id, client_id, secret = new_client(stack)
    for scope in ("applications:read ", " applications:read",
                  "applications:read  services:read", "applications:read\tservices:read"):
        r = grant(http, base, client_id, secret, scope=scope)
        if r.status_code == 200:
            clean = " ".join(scope.split())
            assert_token(http, base, r, org_id, client_id, clean)
        else:
            assert_oauth_error(r, 400, "invalid_scope")


def test_repeated_parameters_are_invalid_request(base, http, stack):
    _, client_id, secret = new_client(stack)
    for data in ([("grant_type", "client_credentials"), ("grant_type", "client_credentials")],
                 [("grant_type", "client_credentials"), ("grant_type", "password")],
                 [("grant_type", "client_credentials"), ("scope", "services:read"),
                  ("scope", "applications:read")]):
        r = token_request(http, base, data, auth=(client_id, secret))
        assert_oauth_error(r, 400, "invalid_request")
    for data in ([("grant_type", "client_credentials"), ("client_id", client_id),
                  ("client_id", client_id), ("client_secret", secret)],
                 [("grant_type", "client_credentials"), ("client_id", client_id),
                  ("client_secret", secret), ("client_secret", secret)]):
        assert_oauth_error(token_request(http, base, data), 400, "invalid_request")


def test_badly_encoded_form_is_invalid_request(base, http, stack):
    _, client_id, secret = new_client(stack)
    for body in ("grant_type=client_credentials&scope=%zz",
                 "grant_type=client%5",
                 "grant_type=client_credentials&scope=%FF",      # not UTF-8
                 "grant_type=client_credentials&scope=%00"):     # NUL
        r = raw_form(http, base, body, auth=(client_id, secret))
        assert_oauth_error(r, 400, "invalid_request")


def test_json_and_other_bodies_are_unsupported_media_type(base, http, stack):
    _, client_id, secret = new_client(stack)
    r = http.post(base + TOKEN, json={"grant_type": "client_credentials"},
                  auth=(client_id, secret), timeout=10)
    assert_problem(r, 415, "unsupported_media_type")
    for ctype in ("text/plain", "multipart/form-data; boundary=x", "application/x-www-form"):
        r = http.post(base + TOKEN, data="grant_type=client_credentials",
                      headers={"Content-Type": ctype}, auth=(client_id, secret), timeout=10)
        assert_problem(r, 415, "unsupported_media_type")
    r = http.post(base + TOKEN, data=b"grant_type=client_credentials",
                  auth=(client_id, secret), timeout=10)  # no Content-Type at all
    assert_problem(r, 415, "unsupported_media_type")


def test_oversized_form_body_is_payload_too_large(base, http, stack):
    _, client_id, secret = new_client(stack)
    body = "grant_type=client_credentials&pad=" + "a" * 70000
    assert_problem(raw_form(http, base, body, auth=(client_id, secret)), 413,
                   "payload_too_large")


def test_other_methods_are_405_with_allow_post(base, http):
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        r = http.request(method, base + TOKEN, timeout=10)
        assert_problem(r, 405, "method_not_allowed")
        assert r.headers["Allow"] == "POST", r.headers


# --- what an org token reaches ---------------------------------------------------------------
def test_org_token_lacks_test_read_on_the_org_probe(base, http, stack):
    """The probe needs scope test:read, which no real client can hold: 403 insufficient_scope."""
    org_id, client_id, secret = new_client(stack, " ".join(KNOWN_SCOPES))
    token, _ = assert_token(http, base, grant(http, base, client_id, secret), org_id, client_id,
                            " ".join(KNOWN_SCOPES))
    for _ in range(2):  # both workers
        r = bearer_get(http, base, ORG_PROBE, token)
        assert_problem(r, 403, "forbidden")
        assert r.headers["WWW-Authenticate"] == SCOPE_CHALLENGE, r.headers


def test_org_token_is_refused_on_citizen_and_staff_routes(base, http, stack):
    org_id, client_id, secret = new_client(stack)
    token, _ = assert_token(http, base, grant(http, base, client_id, secret), org_id, client_id,
                            READ_SCOPES)
    for path in (CITIZEN_PROBE, STAFF_PROBE, "/api/v1/me"):
        for _ in range(2):
            r = bearer_get(http, base, path, token)
            assert_problem(r, 403, "forbidden")
            assert "invalid_token" not in r.headers.get("WWW-Authenticate", ""), r.headers


def test_client_secret_is_not_a_bearer_token(base, http, stack):
    _, client_id, secret = new_client(stack)
    r = bearer_get(http, base, ORG_PROBE, secret)
    assert_problem(r, 401, "unauthorized")
    r = http.get(base + ORG_PROBE, auth=(client_id, secret), timeout=10)
    assert_problem(r, 401, "unauthorized")


def test_token_scope_claim_equals_the_answered_scope(base, http, stack):
    """The answer's scope and the token's scope claim must be the same list, whatever the
    client's registered list looks like (a repeated scope, here 30 times: 419 characters).
    create-client may refuse such a list (exit 2) instead."""
    org_id = create_org(stack)
    scopes = " ".join(["services:read"] * 30)
    r = stack.admin("create-client", "--org", org_id, "--scopes", scopes, check=False)
    if r.returncode == 2:
        return
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    out = fields(r.stdout)
    SECRETS.append(out["client_secret"])
    resp = grant(http, base, out["client_id"], out["client_secret"])
    assert resp.status_code == 200, resp.text
    body = resp.json()
    TOKENS.append(body["access_token"])
    claims = verify(http, base, body["access_token"])
    assert claims["scope"] == body["scope"], (
        f"answer scope ({len(body['scope'])} chars) != token scope claim "
        f"({len(claims['scope'])} chars): {claims['scope'][-30:]!r}")
    assert set(claims["scope"].split(" ")) == {"services:read"}, claims["scope"]


# --- secrets and tokens stored nowhere in clear (last) ---------------------------------------
def read_files(root):
    for dirpath, _, names in os.walk(root):
        for n in names:
            path = os.path.join(dirpath, n)
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            try:
                with open(path, "rb") as f:
                    yield path, f.read()
            except OSError:
                continue


def test_no_client_secret_or_token_in_the_logs(stack):
    assert SECRETS and TOKENS, "this module obtained no secret or token"
    time.sleep(1.5)  # nginx flushes its access log buffer every second
    log_dir = os.path.dirname(stack.log_path("x"))
    files = list(read_files(log_dir))
    assert files, log_dir
    for path, data in files:
        for secret in SECRETS:
            assert secret.encode() not in data, f"{path} holds a client secret"
        for token in TOKENS:
            assert token.rsplit(".", 1)[1].encode() not in data, f"{path} holds an access token"


def test_no_client_secret_anywhere_under_the_var_dir(stack):
    """Not in the database files, the binlog or redo log, the sockets' neighbours: the secret
    exists only in the output of create-client."""
    assert SECRETS
    var_dir = settings(stack)["var_dir"]
    needles = [s.encode() for s in SECRETS]
    needles += [base64.urlsafe_b64decode(s + "=").hex().encode() for s in SECRETS]
    for path, data in read_files(var_dir):
        for needle in needles:
            assert needle not in data, f"{path} holds a client secret"
