"""make bench: the (path, token) pairs of the application-detail rows.

Reads "APPLICATION_NO<TAB>CITIZEN_ID" lines on stdin, mints one access token per citizen
through the stack's test-only POST /api/v1/test/token (test_routes = 1), and writes
"/api/v1/applications/NO<TAB>TOKEN" lines for tests/bench/auth-paths.lua.

    /usr/bin/python3 tests/bench/detail-pairs.py http://127.0.0.1:PORT OUT < owners.tsv
"""
import http.client
import json
import sys
import urllib.parse

TTL_S = 3 * 3600  # longer than any bench run


def main() -> int:
    base, out = sys.argv[1], sys.argv[2]
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    tokens: dict[str, str] = {}
    lines = []
    for line in sys.stdin:
        no, citizen = line.split()
        if citizen not in tokens:
            body = json.dumps({"sub": citizen, "role": "citizen", "ttl_s": TTL_S})
            conn.request("POST", "/api/v1/test/token", body, {"Content-Type": "application/json"})
            answer = conn.getresponse()
            data = answer.read()
            if answer.status != 200:
                print(f"detail-pairs: /api/v1/test/token answered {answer.status}: {data[:200]!r}"
                      " (test_routes must be 1)", file=sys.stderr)
                return 1
            tokens[citizen] = json.loads(data)["access_token"]
        lines.append(f"/api/v1/applications/{no}\t{tokens[citizen]}\n")
    if not lines:
        print("detail-pairs: no applications to read", file=sys.stderr)
        return 1
    with open(out, "w") as f:
        f.writelines(lines)
    print(f"{len(lines)} {len(tokens)}")  # numbers, citizens
    return 0


if __name__ == "__main__":
    sys.exit(main())
