"""make bench: the (path, token) pairs of the organization change-feed row.

Reads "ORG_ID<TAB>CHANGE_SEQ" lines on stdin (a change of that organization to resume
after), mints one access token per organization with scope applications:read
(tests/bench/bench_tokens.py), and writes
"/api/v1/org/applications?cursor=…&limit=20<TAB>TOKEN" lines for tests/bench/auth-paths.lua.

    /usr/bin/python3 tests/bench/org-feed-pairs.py http://127.0.0.1:PORT OUT < cursors.tsv
"""
import base64
import sys

from bench_tokens import Minter, write_pairs

LIMIT = 20


def cursor(seq: str) -> str:
    """The feed's opaque cursor: base64url of "c<change number>" (handlers/org_applications.c)."""
    return base64.urlsafe_b64encode(f"c{seq}".encode()).decode().rstrip("=")


def main() -> int:
    base, out = sys.argv[1], sys.argv[2]
    minter, lines, orgs = Minter(base), [], set()
    for line in sys.stdin:
        org, seq = line.split()
        token = minter.token({"sub": org, "role": "org", "scope": "applications:read",
                              "client_id": "bench"})
        if token is None:
            return 1
        orgs.add(org)
        lines.append(f"/api/v1/org/applications?cursor={cursor(seq)}&limit={LIMIT}\t{token}\n")
    if not write_pairs(out, lines, "organization to read"):
        return 1
    print(f"{len(lines)} {len(orgs)}")  # cursors, organizations
    return 0


if __name__ == "__main__":
    sys.exit(main())
