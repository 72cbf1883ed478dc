"""make bench: the (path, token) pairs of the application-detail rows.

Reads "APPLICATION_NO<TAB>CITIZEN_ID" lines on stdin, mints one access token per citizen
(tests/bench/bench_tokens.py), and writes "/api/v1/applications/NO<TAB>TOKEN" lines for
tests/bench/auth-paths.lua.

    /usr/bin/python3 tests/bench/detail-pairs.py http://127.0.0.1:PORT OUT < owners.tsv
"""
import sys

from bench_tokens import Minter, write_pairs


def main() -> int:
    base, out = sys.argv[1], sys.argv[2]
    minter, lines, citizens = Minter(base), [], set()
    for line in sys.stdin:
        no, citizen = line.split()
        token = minter.token({"sub": citizen, "role": "citizen"})
        if token is None:
            return 1
        citizens.add(citizen)
        lines.append(f"/api/v1/applications/{no}\t{token}\n")
    if not write_pairs(out, lines, "applications to read"):
        return 1
    print(f"{len(lines)} {len(citizens)}")  # numbers, citizens
    return 0


if __name__ == "__main__":
    sys.exit(main())
