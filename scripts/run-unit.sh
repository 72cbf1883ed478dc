#!/usr/bin/env bash
# Runs cmocka test binaries and sums their results.
# Usage: scripts/run-unit.sh build/tests/test_*   (VALGRIND=1: each under valgrind)
# Prints each binary's output, then one line "unit: N passed, M failed" (test cases).
# Exits non-zero when any binary fails a case or exits non-zero (crash, valgrind error);
# a binary that exits non-zero without reporting a failed case counts as one failure.
set -u

# The summary is parsed from cmocka's standard output format.
unset CMOCKA_MESSAGE_OUTPUT CMOCKA_XML_FILE

if [ $# -eq 0 ]; then
    echo "run-unit.sh: no test binaries given" >&2
    exit 2
fi

valgrind=()
if [ "${VALGRIND:-0}" = 1 ]; then
    valgrind=(valgrind --quiet --error-exitcode=99 --leak-check=full
              --errors-for-leak-kinds=definite)
fi
have_stdbuf=0
command -v stdbuf >/dev/null && have_stdbuf=1

passed=0
failed=0
bad_bins=0

for bin in "$@"; do
    echo "== $bin"
    # cmocka writes results on stdout and failures on stderr: a line-buffered stdout keeps
    # them in order once merged. Not under ASan, which must come first in the preloads.
    runner=("${valgrind[@]}")
    if [ "$have_stdbuf" = 1 ] && ! grep -qa 'libasan\.so' "$bin" 2>/dev/null; then
        runner=(stdbuf -oL "${valgrind[@]}")
    fi
    out=$("${runner[@]}" "$bin" 2>&1)
    rc=$?
    printf '%s\n' "$out"
    bin_passed=0
    bin_failed=0
    while IFS= read -r line; do
        if [[ $line =~ \[\ \ PASSED\ \ \]\ ([0-9]+)\ test\(s\)\. ]]; then
            bin_passed=$((bin_passed + BASH_REMATCH[1]))
        elif [[ $line =~ \[\ \ FAILED\ \ \]\ ([0-9]+)\ test\(s\) ]]; then
            bin_failed=$((bin_failed + BASH_REMATCH[1]))
        fi
    done <<< "$out"
    if [ "$rc" -ne 0 ]; then
        bad_bins=$((bad_bins + 1))
        if [ "$rc" -gt 128 ] && [ "$rc" -lt 160 ]; then
            echo "run-unit.sh: $bin killed by signal $((rc - 128))" >&2
        else
            echo "run-unit.sh: $bin exited with status $rc" >&2
        fi
        if [ "$bin_failed" -eq 0 ]; then
            bin_failed=1
        fi
    fi
    passed=$((passed + bin_passed))
    failed=$((failed + bin_failed))
done

echo "unit: $passed passed, $failed failed"
if [ "$failed" -ne 0 ] || [ "$bad_bins" -ne 0 ]; then
    exit 1
fi
exit 0
