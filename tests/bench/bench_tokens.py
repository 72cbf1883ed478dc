"""make bench: access tokens for the generated principals (citizens, organizations' clients),
one per principal (cached), minted by the stack's test-only POST /api/v1/test/token
(test_routes = 1; the bench's private stack only)."""
import http.client
import json
import sys
import urllib.parse

TTL_S = 3 * 3600  # longer than any bench run


class Minter:
    """One token per principal (cached), over one connection to base."""

    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        self.tokens = {}

    def token(self, claims):
        """claims: sub, role and the others of the probe; None (after saying why) on failure."""
        key = json.dumps(claims, sort_keys=True)
        if key not in self.tokens:
            body = json.dumps({**claims, "ttl_s": TTL_S})
            self.conn.request("POST", "/api/v1/test/token", body,
                              {"Content-Type": "application/json"})
            answer = self.conn.getresponse()
            data = answer.read()
            if answer.status != 200:
                print(f"bench: /api/v1/test/token answered {answer.status}: {data[:200]!r}"
                      " (test_routes must be 1)", file=sys.stderr)
                return None
            self.tokens[key] = json.loads(data)["access_token"]
        return self.tokens[key]


class Tokens(Minter):
    """Citizens' tokens by citizen id; a failure ends the script."""

    def of(self, citizen):
        token = self.token({"sub": citizen, "role": "citizen"})
        if token is None:
            sys.exit(1)
        return token


def write_pairs(out, lines, what):
    """Writes "PATH<TAB>TOKEN" lines for tests/bench/auth-paths.lua; False when there are none."""
    if not lines:
        print(f"bench: no {what}", file=sys.stderr)
        return False
    with open(out, "w") as f:
        f.writelines(lines)
    return True
