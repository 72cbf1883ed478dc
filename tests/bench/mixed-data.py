"""make bench, the mixed scenario: the data files of tests/bench/mixed.lua.

Reads "APPLICATION_NO<TAB>CITIZEN_ID<TAB>QUERY_CODE" lines on stdin (random generated
applications), mints one access token per citizen through the stack's test-only
POST /api/v1/test/token (test_routes = 1), and writes into DIR:
    detail.txt     "/api/v1/applications/NO<TAB>TOKEN"   the citizen's own application
    citizens.txt   "TOKEN"                               inboxes and submissions
    progress.txt   the JSON body of a public progress query (number and query code)
    search.txt     "/api/v1/services?q=…"                from tests/bench/search-queries.txt
    login.txt      the JSON body of a password login      (LOGIN_PHONE, LOGIN_PASSWORD)

    /usr/bin/python3 tests/bench/mixed-data.py BASE DIR < apps.tsv
"""
import json
import os
import sys
import urllib.parse

from bench_tokens import Tokens

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> int:
    base, out = sys.argv[1], sys.argv[2]
    tokens, detail, progress = Tokens(base), [], []
    for line in sys.stdin:
        no, citizen, code = line.split()
        detail.append(f"/api/v1/applications/{no}\t{tokens.of(citizen)}\n")
        progress.append(json.dumps({"application_no": no, "query_code": code}) + "\n")
    queries = [l.strip() for l in open(os.path.join(HERE, "search-queries.txt"), encoding="utf-8")
               if l.strip() and not l.startswith("#")]
    files = {
        "detail.txt": detail,
        "citizens.txt": [t + "\n" for t in tokens.tokens.values()],
        "progress.txt": progress,
        "search.txt": [f"/api/v1/services?q={urllib.parse.quote(q)}\n" for q in queries],
        "login.txt": [json.dumps({"phone": os.environ["LOGIN_PHONE"],
                                  "password": os.environ["LOGIN_PASSWORD"]}) + "\n"],
    }
    os.makedirs(out, exist_ok=True)
    for name, lines in files.items():
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            f.writelines(lines)
    print(f"{len(detail)} {len(tokens.tokens)}")  # applications, citizens
    return 0


if __name__ == "__main__":
    sys.exit(main())
