#!/usr/bin/env bash
# Runs the end-to-end suite with Debian's python3 (the PATH one lacks Debian's modules).
# Usage: scripts/run-e2e.sh [pytest args, e.g. tests/e2e/test_smoke.py -k healthz]
# The suite starts its own stack on free ports in a temporary directory (tests/e2e/conftest.py).
set -uo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- tests/e2e
/usr/bin/python3 -m pytest -q -p no:cacheprovider "$@"
rc=$?
[ $rc -eq 5 ] && { echo "e2e: no test ran" >&2; exit 1; }
exit $rc
