"""API.md §4 "search must find what citizens type": success@3 over tests/search/eval.tsv
(tests/search/eval.py) against the test stack: at least 90 % overall and 75 % in every class.
eval.py's per-class table and failed queries are in the assertion message (no -s needed)."""
import contextlib
import io
import os
import sys

from helpers import ROOT

sys.path.insert(0, os.path.join(ROOT, "tests", "search"))
from eval import DEFAULT_FILE, evaluate, print_report, verdict  # noqa: E402

MIN_TOTAL = 0.90
MIN_CLASS = 0.75


def test_search_quality(base):
    results = evaluate(base, DEFAULT_FILE)
    overall, missed = verdict(results, MIN_TOTAL, MIN_CLASS)
    report = io.StringIO()
    with contextlib.redirect_stdout(report):
        print_report(results, overall, missed)
    assert overall["queries"] > 0 and all(r["queries"] for r in results.values()), \
        report.getvalue()
    assert not missed, report.getvalue()
