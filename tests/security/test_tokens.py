"""The token tampering list (API.md §3): every altered, forged or malformed bearer token is
401 invalid_token, the same every time (both workers, cached or not).

Tokens come from the test-only POST /api/v1/test/token, which signs claims with the stack's
current key, or signs raw header and payload texts as they are (for the malformed ones that
only the key's holder could make: they show that the parser, not the signature, refuses
them). GET /api/v1/test/citizen echoes the verified claims.

The strict rules (issue 12, finding 7): one form per signature (no high S), `sub` a canonical
decimal id, each header member and claim once, nothing after the JSON. The last test takes a
key out of the ring and must see its cached tokens refused: it changes the stack's ring, so
it runs last (pytest keeps file order)."""
import base64
import hashlib
import hmac
import json
import secrets
import time

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from helpers import assert_invalid_token, b64url_decode, jwks, sql, wait_for

TOKEN = "/api/v1/test/token"
CITIZEN = "/api/v1/test/citizen"
REPEAT = 6  # enough to reach both workers, and each one's cache after a first verification
# P-256's group order (FIPS 186-4, D.1.2.3)
ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value):
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def unique_sub():
    """A canonical decimal id no other test uses."""
    return str(10**12 + secrets.randbelow(10**15))


def mint(http, base, sub=None, role="citizen", **fields):
    r = http.post(base + TOKEN, json={"sub": sub or unique_sub(), "role": role, **fields},
                  timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def mint_raw(http, base, header_text, payload_text):
    r = http.post(base + TOKEN, json={"raw_header": header_text, "raw_payload": payload_text},
                  timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def parts(token):
    h, p, s = token.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p)), s


def call(http, base, token, path=CITIZEN):
    return http.get(base + path, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def assert_accepted(http, base, token, sub=None):
    for _ in range(REPEAT):
        r = call(http, base, token)
        assert r.status_code == 200, r.text
        if sub is not None:
            assert r.json()["sub"] == sub, r.text


def assert_refused(http, base, token):
    for _ in range(REPEAT):
        assert_invalid_token(call(http, base, token))


def s_of(signature_b64):
    raw = b64url_decode(signature_b64)
    assert len(raw) == 64
    return int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")


def with_s(token, s):
    head, payload, sig = token.split(".")
    r, _ = s_of(sig)
    return f"{head}.{payload}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


@pytest.fixture(scope="module")
def template(base):
    """A valid token's header and claims, for raw variants."""
    with requests.Session() as http:
        header, claims, _ = parts(mint(http, base, sub=unique_sub()))
    return header, claims


def dumps(value):
    return json.dumps(value, separators=(",", ":"))


# --- 7. strict parsing ------------------------------------------------------------------------
def test_issued_signatures_have_the_low_s(base, http):
    for _ in range(24):  # a random S is high half the time: 24 low ones by chance is 2^-24
        _, s = s_of(mint(http, base).split(".")[2])
        assert s <= ORDER // 2, hex(s)


def test_the_high_s_twin_of_a_token_is_refused(base, http):
    """(R, n - S) is a valid ECDSA signature of the same message: a second token with the
    same claims, which must not count as one."""
    sub = unique_sub()
    token = mint(http, base, sub=sub)
    _, s = s_of(token.split(".")[2])
    low, high = with_s(token, min(s, ORDER - s)), with_s(token, max(s, ORDER - s))
    assert_accepted(http, base, low, sub)
    assert_refused(http, base, high)


@pytest.mark.parametrize("sub", ["007", "0", "-7", "+7", "7.0", "1e3", " 7", "7 ", "abc",
                                 "9223372036854775808", "12345678901234567890", "٣"])
def test_sub_must_be_a_canonical_decimal_id(base, http, sub):
    assert_refused(http, base, mint(http, base, sub=sub))


def test_the_largest_decimal_id_is_a_sub(base, http):
    assert_accepted(http, base, mint(http, base, sub="9223372036854775807"),
                    "9223372036854775807")


def test_a_raw_token_like_ours_is_accepted(base, http, template):
    """The control for the raw variants below: the same texts, well-formed, verify."""
    header, claims = template
    assert_accepted(http, base, mint_raw(http, base, dumps(header), dumps(claims)),
                    claims["sub"])


@pytest.mark.parametrize("claim", ["sub", "role", "exp", "iss", "aud", "sid"])
def test_a_claim_given_twice_is_refused(base, http, template, claim):
    header, claims = template
    claims = dict(claims, sid=claims.get("sid") or "s1")
    other = {"sub": unique_sub(), "role": "staff", "exp": claims["exp"] + 60, "iss": "x",
             "aud": "y", "sid": "s2"}[claim]
    text = dumps(claims)[:-1] + f',"{claim}":{json.dumps(other)}}}'
    assert_refused(http, base, mint_raw(http, base, dumps(header), text))


@pytest.mark.parametrize("member", ["alg", "kid", "typ"])
def test_a_header_member_given_twice_is_refused(base, http, template, member):
    header, claims = template
    text = dumps(header)[:-1] + f',"{member}":{json.dumps(header[member])}}}'
    assert_refused(http, base, mint_raw(http, base, text, dumps(claims)))


@pytest.mark.parametrize("tail", [" ", "\n", "x", "{}", ",", "}"])
def test_bytes_after_the_claims_are_refused(base, http, template, tail):
    header, claims = template
    assert_refused(http, base, mint_raw(http, base, dumps(header), dumps(claims) + tail))


@pytest.mark.parametrize("tail", [" ", "x", "{}"])
def test_bytes_after_the_header_are_refused(base, http, template, tail):
    header, claims = template
    assert_refused(http, base, mint_raw(http, base, dumps(header) + tail, dumps(claims)))


def test_more_than_32_members_are_refused(base, http, template):
    header, claims = template
    extra = {f"x{i}": i for i in range(32)}
    assert_refused(http, base, mint_raw(http, base, dumps(header), dumps({**claims, **extra})))


@pytest.mark.parametrize("payload", ["[]", '"text"', "null", "{", '{"sub":"1"', "\ufeff{}"])
def test_claims_that_are_not_one_object_are_refused(base, http, template, payload):
    header, _ = template
    assert_refused(http, base, mint_raw(http, base, dumps(header), payload))


# --- the tampering list -----------------------------------------------------------------------
def hs256(header, claims, secret):
    signing_input = f"{b64json(header)}.{b64json(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def foreign_es256(header, claims):
    """Signed with a key of our own (not the stack's)."""
    key = ec.generate_private_key(ec.SECP256R1())
    signing_input = f"{b64json(header)}.{b64json(claims)}".encode()
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    return f"{signing_input.decode()}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def public_pem(http, base, kid):
    k = next(k for k in jwks(http, base)["keys"] if k["kid"] == kid)
    nums = ec.EllipticCurvePublicNumbers(int.from_bytes(b64url_decode(k["x"]), "big"),
                                         int.from_bytes(b64url_decode(k["y"]), "big"),
                                         ec.SECP256R1())
    return nums.public_key().public_bytes(serialization.Encoding.PEM,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)


def flip(text, index):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    c = text[index]
    return text[:index] + alphabet[(alphabet.index(c) + 1) % 64] + text[index + 1:]


TAMPERINGS = {
    "alg none": lambda t, h, c, pem: f"{b64json(dict(h, alg='none'))}.{b64json(c)}.",
    "alg none, signature kept": lambda t, h, c, pem:
        f"{b64json(dict(h, alg='none'))}.{b64json(c)}.{t.split('.')[2]}",
    "HS256 with the public key": lambda t, h, c, pem: hs256(dict(h, alg="HS256"), c, pem),
    "RS256 named": lambda t, h, c, pem: f"{b64json(dict(h, alg='RS256'))}.{t.split('.', 1)[1]}",
    "no alg": lambda t, h, c, pem:
        f"{b64json({k: v for k, v in h.items() if k != 'alg'})}.{t.split('.', 1)[1]}",
    "unknown kid": lambda t, h, c, pem: f"{b64json(dict(h, kid='nope'))}.{t.split('.', 1)[1]}",
    "no kid": lambda t, h, c, pem:
        f"{b64json({k: v for k, v in h.items() if k != 'kid'})}.{t.split('.', 1)[1]}",
    "crit header": lambda t, h, c, pem:
        f"{b64json(dict(h, crit=['exp']))}.{t.split('.', 1)[1]}",
    "typ other": lambda t, h, c, pem: f"{b64json(dict(h, typ='at+jwt'))}.{t.split('.', 1)[1]}",
    "foreign key, our kid": lambda t, h, c, pem: foreign_es256(h, c),
    "claims changed (role)": lambda t, h, c, pem:
        f"{t.split('.')[0]}.{b64json(dict(c, role='staff'))}.{t.split('.')[2]}",
    "claims changed (sub)": lambda t, h, c, pem:
        f"{t.split('.')[0]}.{b64json(dict(c, sub=str(int(c['sub']) + 1)))}.{t.split('.')[2]}",
    "claims changed (exp)": lambda t, h, c, pem:
        f"{t.split('.')[0]}.{b64json(dict(c, exp=c['exp'] + 3600))}.{t.split('.')[2]}",
    "signature bit flipped": lambda t, h, c, pem: flip(t, len(t) - 10),
    "signature truncated": lambda t, h, c, pem: t[:-2],
    "signature empty": lambda t, h, c, pem: t.rsplit(".", 1)[0] + ".",
    "signature padded": lambda t, h, c, pem: t + "==",
    "four parts": lambda t, h, c, pem: t + ".x",
    "two parts": lambda t, h, c, pem: t.rsplit(".", 1)[0],
    "not base64url": lambda t, h, c, pem: t.replace("-", "+").replace("_", "/") + "+/",
    "empty": lambda t, h, c, pem: "",
    "garbage": lambda t, h, c, pem: "not-a-token",
    "oversize": lambda t, h, c, pem: t + "A" * (4097 - len(t)),
}


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_tampered_tokens_are_refused(base, http, name):
    token = mint(http, base)
    header, claims, _ = parts(token)
    assert_accepted(http, base, token)  # verified and cached: the tampered one must not hit
    assert_refused(http, base, TAMPERINGS[name](token, header, claims,
                                                public_pem(http, base, header["kid"])))


@pytest.mark.parametrize("fields", [{"ttl_s": -61}, {"nbf_offset_s": 120},
                                    {"aud": "someone-else"}])
def test_times_and_audience_are_checked(base, http, fields):
    assert_refused(http, base, mint(http, base, **fields))


@pytest.mark.parametrize("claims_edit", [
    {"iss": "someone-else"}, {"role": "admin"}, {"exp": "9999999999"}, {"aud": ["x", "y"]},
    {"aud": {"onewindow-api": 1}}])
def test_claims_of_the_wrong_shape_are_refused(base, http, template, claims_edit):
    header, claims = template
    assert_refused(http, base, mint_raw(http, base, dumps(header),
                                        dumps(dict(claims, **claims_edit))))


@pytest.mark.parametrize("scheme", ["Basic", "Token", "Bearer\t", "Bearerx"])
def test_only_the_bearer_scheme_carries_a_token(base, http, scheme):
    token = mint(http, base)
    r = http.get(base + CITIZEN, headers={"Authorization": f"{scheme} {token}"}, timeout=10)
    assert r.status_code == 401, r.text


# --- the ring decides, also for cached tokens (changes the stack's ring: last) ----------------
def test_a_key_taken_out_of_the_ring_ends_its_cached_tokens(base, http, stack):
    sub = unique_sub()
    token = mint(http, base, sub=sub)
    kid = parts(token)[0]["kid"]
    assert_accepted(http, base, token, sub)  # now in each worker's cache
    out = stack.admin("rotate-keys").stdout  # a new current key; the old one still verifies
    assert "created: true" in out, out
    assert_accepted(http, base, token, sub)
    # an operator ends the old key at once (e.g. it leaked)
    sql(stack, f"UPDATE signing_keys SET retire_after = CURRENT_TIMESTAMP(3) - INTERVAL 1 SECOND "
               f"WHERE kid = '{kid}'")
    sql(stack, "UPDATE keys_state SET version = version + 1 WHERE id = 1")
    streak = [0]

    def refused_everywhere():
        streak[0] = streak[0] + 1 if call(http, base, token).status_code == 401 else 0
        return streak[0] >= REPEAT
    wait_for(refused_everywhere, 10, interval=0.05, what="cached token of a removed key refused")
    assert_invalid_token(call(http, base, token))
    fresh = mint(http, base, sub=sub)  # the new key signs and verifies
    assert parts(fresh)[0]["kid"] != kid
    assert_accepted(http, base, fresh, sub)
