#!/usr/bin/env bash
# Runs every libFuzzer harness of BUILD/fuzz for SECONDS each (`make fuzz`), from the
# committed seeds (tests/fuzz/corpus/NAME, read only) plus a scratch corpus of this run.
# Prints executions per harness; a crash, leak or timeout fails the run and leaves the input
# in BUILD/artifacts/ (add it to the seeds once fixed, as a regression input).
#   scripts/run-fuzz.sh BUILD SECONDS [NAME…]
set -uo pipefail
cd "$(dirname "$0")/.."
build=$1 secs=$2
shift 2
names=("$@")
[ ${#names[@]} -gt 0 ] || names=($(cd "$build/fuzz" && ls fuzz_* 2>/dev/null))
[ ${#names[@]} -gt 0 ] || { echo "fuzz: no harness in $build/fuzz" >&2; exit 1; }
mkdir -p "$build/artifacts"
scratch=$(mktemp -d /tmp/ow-fuzz-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
failed=0
printf '%-16s %12s %10s %8s  %s\n' harness executions exec/s corpus result
for name in "${names[@]}"; do
  seeds=tests/fuzz/corpus/${name#fuzz_}
  mkdir -p "$scratch/$name"
  log=$build/artifacts/$name.log
  # -timeout: one input may take 10 s (a hang is a finding); -rss_limit_mb: 2 GiB.
  "$build/fuzz/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$name-" \
    "$scratch/$name" "$seeds" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(ls "$scratch/$name" | wc -l)
  result=ok
  if [ $rc -ne 0 ]; then
    result="FAILED (exit $rc): see $log"
    failed=1
  fi
  printf '%-16s %12s %10s %8s  %s\n' "${name#fuzz_}" "${runs:-?}" "${rate:-?}" "$corpus" "$result"
done
[ $failed -eq 0 ] && echo "fuzz: every harness ran ${secs} s without a finding"
exit $failed
