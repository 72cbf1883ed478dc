"""make bench: the (path, token) pairs of the organization change-feed row.

Reads "ORG_ID<TAB>CHANGE_SEQ" lines on stdin (a change of that organization to resume
after), mints one access token per organization (scope applications:read) through the
stack's test-only POST /api/v1/test/token (test_routes = 1), and writes
"/api/v1/org/applications?cursor=…&limit=20<TAB>TOKEN" lines for tests/bench/auth-paths.lua.

    /usr/bin/python3 tests/bench/org-feed-pairs.py http://127.0.0.1:PORT OUT < cursors.tsv
"""
import base64
import http.client
import json
import sys
import urllib.parse

TTL_S = 3 * 3600  # longer than any bench run
LIMIT = 20


def cursor(seq: str) -> str:
    """The feed's opaque cursor: base64url of "c<change number>" (handlers/org_applications.c)."""
    return base64.urlsafe_b64encode(f"c{seq}".encode()).decode().rstrip("=")


def main() -> int:
    base, out = sys.argv[1], sys.argv[2]
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    tokens: dict[str, str] = {}
    lines = []
    for line in sys.stdin:
        org, seq = line.split()
        if org not in tokens:
            body = json.dumps({"sub": org, "role": "org", "scope": "applications:read",
                               "client_id": "bench", "ttl_s": TTL_S})
            conn.request("POST", "/api/v1/test/token", body, {"Content-Type": "application/json"})
            answer = conn.getresponse()
            data = answer.read()
            if answer.status != 200:
                print(f"org-feed-pairs: /api/v1/test/token answered {answer.status}: "
                      f"{data[:200]!r} (test_routes must be 1)", file=sys.stderr)
                return 1
            tokens[org] = json.loads(data)["access_token"]
        lines.append(f"/api/v1/org/applications?cursor={cursor(seq)}&limit={LIMIT}"
                     f"\t{tokens[org]}\n")
    if not lines:
        print("org-feed-pairs: no organization to read", file=sys.stderr)
        return 1
    with open(out, "w") as f:
        f.writelines(lines)
    print(f"{len(lines)} {len(tokens)}")  # cursors, organizations
    return 0


if __name__ == "__main__":
    sys.exit(main())
