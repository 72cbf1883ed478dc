#!/usr/bin/python3
"""Every answer of the search, for comparing two engines or builds whose results must not
change (e.g. a speed-up): tests/search/answers.py BASE > answers.json, on each, then cmp.

Fetches each distinct query of eval.tsv, holdout.tsv, dev-situations.tsv, blind.tsv and
tests/bench/search-queries.txt (and blank ones) as search (Chinese, English, page 2 of 5,
department GA) and type-ahead (Chinese, English), three times each (two workers: one of
them answers twice, from its cache); prints {path: answer without search_id} as JSON.
Exit status 1 when the repeats of one request differ."""
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SETS = ["eval.tsv", "holdout.tsv", "dev-situations.tsv", "blind.tsv"]
EN = {"Accept-Language": "en"}


def all_queries():
    qs = []
    for name in SETS:  # the query is the second field of a set's lines
        with open(os.path.join(ROOT, "tests", "search", name), encoding="utf-8") as f:
            qs += [p[1] for p in (l.rstrip("\n").split("\t") for l in f if not l.startswith("#"))
                   if len(p) >= 2 and p[1]]
    with open(os.path.join(ROOT, "tests", "bench", "search-queries.txt"), encoding="utf-8") as f:
        qs += [l.strip() for l in f if l.strip() and not l.startswith("#")]
    return list(dict.fromkeys(qs)) + ["", "   ", "!!"]


def get(base, path, headers):
    req = urllib.request.Request(base + path, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            body = r.read()
    except urllib.error.HTTPError as e:
        body = e.read()
    try:
        answer = json.loads(body)
    except ValueError:
        return body.decode()
    for key in ("search_id", "request_id", "instance"):  # per request, not the answer
        answer.pop(key, None)
    return answer


def main():
    base, out, differing = sys.argv[1], {}, 0
    for q in all_queries():
        e = urllib.parse.quote(q)
        for path, headers in [(f"/api/v1/services?q={e}", {}), (f"/api/v1/services?q={e}", EN),
                              (f"/api/v1/services?q={e}&page=2&page_size=5", {}),
                              (f"/api/v1/services?q={e}&department=GA", {}),
                              (f"/api/v1/services/suggest?q={e}&limit=8", {}),
                              (f"/api/v1/services/suggest?q={e}", EN)]:
            first, second, third = (get(base, path, headers) for _ in range(3))
            if not first == second == third:
                differing += 1
                print("differs on repeat:", path, headers, file=sys.stderr)
            out[path + (" en" if headers else "")] = third
    json.dump(out, sys.stdout, ensure_ascii=False, sort_keys=True, indent=0)
    print(f"{len(out)} answers, {differing} differing on repeat", file=sys.stderr)
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
