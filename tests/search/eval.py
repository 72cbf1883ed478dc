#!/usr/bin/python3
"""Search-quality evaluation: success@3 of GET /api/v1/services?q= over tests/search/eval.tsv.

    tests/search/eval.py --base http://127.0.0.1:8080 [--file F ...] [--min-total 0.90]
                         [--min-class 0.75] [--json]
    tests/search/eval.py --check [--file F]     # validate the set, no server needed

--file may be given several times: each set is run and reported on its own (e.g. eval.tsv,
holdout.tsv, dev-situations.tsv and a blind set). Only the default set must have the class
sizes below; other sets may use other class names (they are reported in order of appearance).

A query succeeds when one of its expected codes is among the first 3 results. Exit status:
0 thresholds met (--check: the set is valid), 1 thresholds missed (--check: problems found),
2 the set is invalid (evaluation refuses to run on it).

From pytest: `results = evaluate(base, path)` returns the per-class results (see evaluate).
"""
import argparse
import json
import os
import sys
from collections import namedtuple
from urllib.parse import quote

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_FILE = os.path.join(HERE, "eval.tsv")
CATALOG = os.path.join(ROOT, "data", "catalog-sample.json")

TOP_K = 3
TIMEOUT_S = 10
MAX_QUERY_CHARS = 64  # API.md §4: q is at most 64 characters
MIN_TOTAL = 130
MIN_DEPARTMENTS = 15
MIN_PER_CLASS = {  # class -> minimum number of queries (also the order of the report)
    "exact": 12,
    "word_order": 12,
    "partial": 12,
    "pinyin_full": 14,
    "pinyin_initials": 12,
    "traditional": 12,
    "colloquial": 20,
    "english": 14,
    "typo": 14,
    "fullwidth_case": 8,
}

Query = namedtuple("Query", "line cls text codes")


def load(path, strict=True):
    """Parses the set: (queries, problems); problems are 'line N: ...' strings. Not strict:
    any class name is taken (sets other than the main one)."""
    queries, problems = [], []
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) != 3:
                problems.append(f"line {n}: {len(fields)} tab-separated fields, want 3")
                continue
            cls, text, codes = fields
            codes = [c.strip() for c in codes.split(",")]
            if strict and cls not in MIN_PER_CLASS:
                problems.append(f"line {n}: unknown class {cls!r}")
            if not text.strip():
                problems.append(f"line {n}: empty query")
            if not all(codes):
                problems.append(f"line {n}: empty code in {fields[2]!r}")
            queries.append(Query(n, cls, text, codes))
    return queries, problems


def check(path=DEFAULT_FILE, catalog=CATALOG, sizes=True):
    """Everything wrong with the set (empty list = valid), and a one-line summary."""
    queries, problems = load(path, strict=sizes)
    with open(catalog, encoding="utf-8") as f:
        department = {item["code"]: item["department"] for item in json.load(f)}
    seen = {}
    for q in queries:
        if q.text in seen:
            problems.append(f"line {q.line}: duplicate query {q.text!r} (line {seen[q.text]})")
        seen.setdefault(q.text, q.line)
        if len(q.text) > MAX_QUERY_CHARS:
            problems.append(f"line {q.line}: query longer than {MAX_QUERY_CHARS} characters")
        if len(set(q.codes)) != len(q.codes):
            problems.append(f"line {q.line}: a code is listed twice")
        for code in q.codes:
            if code and code not in department:
                problems.append(f"line {q.line}: {code} is not in {os.path.basename(catalog)}")
    counts = {cls: sum(q.cls == cls for q in queries) for cls in MIN_PER_CLASS}
    for cls, minimum in MIN_PER_CLASS.items():
        if sizes and counts[cls] < minimum:
            problems.append(f"class {cls}: {counts[cls]} queries, want at least {minimum}")
    if sizes and len(queries) < MIN_TOTAL:
        problems.append(f"{len(queries)} queries in all, want at least {MIN_TOTAL}")
    departments = {department[c] for q in queries for c in q.codes if c in department}
    if sizes and len(departments) < MIN_DEPARTMENTS:
        problems.append(f"{len(departments)} departments covered, want at least {MIN_DEPARTMENTS}")
    summary = (f"{len(queries)} queries, {len(departments)} departments; "
               + ", ".join(f"{cls} {n}" for cls, n in counts.items()))
    return problems, summary


def search(session, base, text):
    """The top results as [(code, name)], or (None, 'why it failed')."""
    url = f"{base.rstrip('/')}/api/v1/services?q={quote(text, safe='')}&page_size={TOP_K}"
    try:
        resp = session.get(url, timeout=TIMEOUT_S)
    except requests.RequestException as e:
        return None, f"request failed: {type(e).__name__}: {e}"
    if resp.status_code != 200:
        return None, f"HTTP {resp.status_code}: {resp.text[:200]}"
    try:
        items = resp.json()["items"][:TOP_K]
        return [(item.get("code"), item.get("name")) for item in items], None
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        return None, f"bad JSON answer: {type(e).__name__}: {e}"


def classes_of(queries):
    """The classes in report order: the main set's first, then others as they appear."""
    seen = list(MIN_PER_CLASS)
    for q in queries:
        if q.cls not in seen:
            seen.append(q.cls)
    return seen


def evaluate(base, path=DEFAULT_FILE, session=None, strict=True):
    """Runs every query; returns {class: {"queries": n, "successes": k, "failures": [...]}}
    in report order (classes without queries included). A failure is {"line", "query", "expected", "got", "error"}:
    got is the top-3 [[code, name], ...] (None when the request failed, then error says why)."""
    queries, problems = load(path, strict)
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    session = session or requests.Session()
    results = {cls: {"queries": 0, "successes": 0, "failures": []} for cls in classes_of(queries)}
    for q in queries:
        top, error = search(session, base, q.text)
        r = results[q.cls]
        r["queries"] += 1
        if top is not None and any(code in q.codes for code, _ in top):
            r["successes"] += 1
        else:
            r["failures"].append({"line": q.line, "query": q.text, "expected": q.codes,
                                  "got": top and [list(t) for t in top], "error": error})
    return results


def rate(r):
    return r["successes"] / r["queries"] if r["queries"] else 0.0


def verdict(results, min_total, min_class):
    """(overall {"queries", "successes"}, [reasons the thresholds are missed])."""
    overall = {k: sum(r[k] for r in results.values()) for k in ("queries", "successes")}
    missed = [f"overall {rate(overall):.1%} < {min_total:.0%}"] if rate(overall) < min_total else []
    missed += [f"class {cls} {rate(r):.1%} < {min_class:.0%}"
               for cls, r in results.items() if r["queries"] and rate(r) < min_class]
    return overall, missed


def print_report(results, overall, missed, failures=True):
    print(f"{'class':<16} {'queries':>7} {'successes':>9} {'success@3':>9}")
    for cls, r in [(c, r) for c, r in results.items() if r["queries"]] + [("total", overall)]:
        print(f"{cls:<16} {r['queries']:>7} {r['successes']:>9} {rate(r):>9.1%}")
    for cls, r in results.items() if failures else []:
        for f in r["failures"]:
            expected = ",".join(f["expected"])
            print(f"\nFAIL [{cls}] {f['query']}  (line {f['line']}; expected {expected})")
            if f["error"]:
                print(f"     {f['error']}")
            for i, (code, name) in enumerate(f["got"] or [], 1):
                print(f"     {i}. {code} {name}")
            if f["got"] == []:
                print("     (no results)")
    print("\n" + ("FAILED: " + "; ".join(missed) if missed else "PASSED"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", help="server root, e.g. http://127.0.0.1:8080")
    ap.add_argument("--file", action="append",
                    help="evaluation set, may be repeated (default: %s)" % DEFAULT_FILE)
    ap.add_argument("--min-total", type=float, default=0.90, help="overall success@3 required")
    ap.add_argument("--min-class", type=float, default=0.75, help="success@3 required per class")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--check", action="store_true", help="only validate the set")
    ap.add_argument("--any-size", action="store_true",
                    help="skip the size minimums of the main set (e.g. for holdout.tsv)")
    ap.add_argument("--failures", action=argparse.BooleanOptionalAction, default=True,
                    help="list the failed queries (default: yes)")
    args = ap.parse_args(argv)
    files = args.file or [DEFAULT_FILE]
    if len(files) > 1 or args.json:
        return run_files(args, files)

    args.file = files[0]
    problems, summary = check(args.file, sizes=sizes_apply(args, args.file))
    if args.check or problems:
        for p in problems:
            print(f"{args.file}: {p}", file=sys.stderr)
        print(f"check: {summary}: " + (f"{len(problems)} problem(s)" if problems else "OK"))
        return (1 if args.check else 2) if problems else 0
    if not args.base:
        ap.error("--base is required (or use --check)")

    results = evaluate(args.base, args.file, strict=sizes_apply(args, args.file))
    overall, missed = verdict(results, args.min_total, args.min_class)
    print_report(results, overall, missed, args.failures)
    return 1 if missed else 0


def sizes_apply(args, path):
    """The main set's size rules apply to the default file only (unless --any-size)."""
    return not args.any_size and os.path.abspath(path) == DEFAULT_FILE


def run_files(args, files):
    """Each set run and reported apart; exit 1 when any set misses the thresholds."""
    if not args.base and not args.check:
        print("eval: --base is required (or use --check)", file=sys.stderr)
        return 2
    reports, worst = {}, 0
    for path in files:
        problems, summary = check(path, sizes=sizes_apply(args, path))
        if problems or args.check:
            for p in problems:
                print(f"{path}: {p}", file=sys.stderr)
            print(f"check {path}: {summary}: " + (f"{len(problems)} problem(s)" if problems else "OK"))
            worst = max(worst, (1 if args.check else 2) if problems else 0)
            continue
        results = evaluate(args.base, path, strict=sizes_apply(args, path))
        overall, missed = verdict(results, args.min_total, args.min_class)
        reports[path] = {"classes": results, "overall": overall, "passed": not missed,
                         "missed": missed}
        if not args.json:
            print(f"=== {path}")
            print_report(results, overall, missed, args.failures)
            print()
        worst = max(worst, 1 if missed else 0)
    if args.json:
        json.dump(reports, sys.stdout, ensure_ascii=False, indent=2)
        print()
    return worst


if __name__ == "__main__":
    sys.exit(main())
