"""make bench: the (path, token) pairs of the application-detail rows.

Reads "APPLICATION_NO<TAB>CITIZEN_ID" lines on stdin, mints one access token per citizen
through the stack's test-only POST /api/v1/test/token (test_routes = 1), and writes
"/api/v1/applications/NO<TAB>TOKEN" lines for tests/bench/auth-paths.lua.

    /usr/bin/python3 tests/bench/detail-pairs.py http://127.0.0.1:PORT OUT < owners.tsv
"""
import sys

from bench_tokens import Tokens


def main() -> int:
    base, out = sys.argv[1], sys.argv[2]
    tokens = Tokens(base)
    lines = []
    for line in sys.stdin:
        no, citizen = line.split()
        lines.append(f"/api/v1/applications/{no}\t{tokens.of(citizen)}\n")
    if not lines:
        print("detail-pairs: no applications to read", file=sys.stderr)
        return 1
    with open(out, "w") as f:
        f.writelines(lines)
    print(f"{len(lines)} {len(tokens.tokens)}")  # numbers, citizens
    return 0


if __name__ == "__main__":
    sys.exit(main())
