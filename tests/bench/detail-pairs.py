"""make bench: the (path, token) pairs of the application-detail rows, or (with `rating`)
the (path, token, body) triples of the rating row.

Reads "APPLICATION_NO<TAB>CITIZEN_ID" lines on stdin, mints one access token per citizen
(tests/bench/bench_tokens.py), and writes "/api/v1/applications/NO<TAB>TOKEN" lines for
tests/bench/auth-paths.lua; with `rating`, "/api/v1/applications/NO/rating<TAB>TOKEN<TAB>BODY"
(a rating of level 5 with a tag and the four online dimensions, each application once).

    /usr/bin/python3 tests/bench/detail-pairs.py http://127.0.0.1:PORT OUT [rating] < owners.tsv
"""
import json
import sys

from bench_tokens import Minter, write_pairs


RATING = {"score": 5, "tags": ["fast"], "comment": "办理很快（基准测试）",
          "dimensions": {"efficiency": 5, "guide_accuracy": 5, "convenience": 4, "usability": 5}}


def main() -> int:
    base, out = sys.argv[1], sys.argv[2]
    rating = len(sys.argv) > 3 and sys.argv[3] == "rating"
    body = "\t" + json.dumps(RATING, ensure_ascii=False) if rating else ""
    minter, lines, citizens = Minter(base), [], set()
    for line in sys.stdin:
        no, citizen = line.split()
        token = minter.token({"sub": citizen, "role": "citizen"})
        if token is None:
            return 1
        citizens.add(citizen)
        path = f"/api/v1/applications/{no}" + ("/rating" if rating else "")
        lines.append(f"{path}\t{token}{body}\n")
    if not write_pairs(out, lines, "applications to rate" if rating else "applications to read"):
        return 1
    print(f"{len(lines)} {len(citizens)}")  # numbers, citizens
    return 0


if __name__ == "__main__":
    sys.exit(main())
