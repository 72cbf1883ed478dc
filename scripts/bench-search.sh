#!/usr/bin/env bash
# `make bench-search`: the search rows of `make bench` alone (issue 14 point 6), in one run so
# that their ratios to /healthz compare: a private stack with the benchmark catalog
# (BENCH_CATALOG_SIZE, default 100000, scripts/gen-catalog.py seed 1), wrk on /healthz, the
# 26-query mix (search and type-ahead) and the 12 situations, warm (repeated queries: the
# workers' caches hold them). Then the cold state: after a catalog change every worker rebuilds
# and starts with empty caches; each query is sent once (curl, one at a time) and its latency
# kept. Also the workers' rebuild times (their log line: wall and CPU of the rebuilding
# thread) and memory (VmRSS steady, VmHWM the peak including the rebuilds).
#   BENCH_SECONDS (default 10), BENCH_CONNECTIONS (64), BENCH_THREADS (2)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ONEWINDOW_BIN=${ONEWINDOW_BIN:-$ROOT/build/bin}
BIN=$ONEWINDOW_BIN
secs=${BENCH_SECONDS:-10} conns=${BENCH_CONNECTIONS:-64} threads=${BENCH_THREADS:-2}
size=${BENCH_CATALOG_SIZE:-100000}
source "$ROOT/scripts/bench-lib.sh"
private_stack_env ow-bench-search # the per-client-IP limit lifted too
cleanup() {
  "$ROOT/scripts/stack.sh" stop >/dev/null 2>&1 || true
  rm -rf "$ONEWINDOW_VAR_DIR"
}
trap cleanup EXIT
"$ROOT/scripts/stack.sh" start >/dev/null 2>&1
base=http://127.0.0.1:$ONEWINDOW_PORT
log=$ONEWINDOW_VAR_DIR/log/onewindow.log
workers=$("$BIN/onewindow-admin" config | sed -n 's/^workers: //p')

# Waits until every worker answers with the index of the catalog's current state: the next
# 2 × workers answers to `curl_args` all contain `want` (nginx spreads them over the workers).
await_all() {
  local want=$1 n; shift
  for _ in $(seq 600); do
    n=$(for _ in $(seq $((2 * workers))); do curl -s "$@"; echo; done | grep -c -- "$want" || true)
    [ "$n" -eq $((2 * workers)) ] && return 0
    sleep 0.1
  done
  echo "bench-search: the workers did not rebuild" >&2
  exit 1
}
# the rebuild lines of the log since line $1: "wall ms (CPU ms)" of each
rebuilds_since() {
  tail -n +"$1" "$log" | grep -o 'search index version [0-9]*: [0-9]* items.* in [0-9]* ms ([0-9]* ms CPU' |
    sed 's/.* in \([0-9]*\) ms (\([0-9]*\) ms CPU/\1 (\2)/' | paste -sd, | sed 's/,/, /g'
}
rss() { for pid in $(pgrep -P "$(cat "$ONEWINDOW_VAR_DIR/run/onewindow-fcgi.pid")"); do awk -v k="$1" '$1 == k":" { printf "%d ", $2 / 1024 }' "/proc/$pid/status"; done; }

catalog=$ONEWINDOW_VAR_DIR/catalog.json
/usr/bin/python3 "$ROOT/scripts/gen-catalog.py" --size "$size" --out "$catalog" 2>/dev/null
from=$(($(wc -l <"$log") + 1))
"$BIN/onewindow-admin" import-catalog "$catalog" >/dev/null
await_all "\"total\":$size," "$base/api/v1/services?page_size=1"
import_rebuilds=$(rebuilds_since "$from")

# the request paths of each row (tests/bench/paths.lua cycles through a file of them)
/usr/bin/python3 - "$ROOT/tests/bench" "$ONEWINDOW_VAR_DIR" <<'PY'
import sys, urllib.parse
bench, out = sys.argv[1], sys.argv[2]
def queries(name):
    return [urllib.parse.quote(l.strip()) for l in open(f"{bench}/{name}", encoding="utf-8")
            if l.strip() and not l.startswith("#")]
mix, situations = queries("search-queries.txt"), queries("situation-queries.txt")
open(f"{out}/search-paths", "w").write("".join(f"/api/v1/services?q={q}\n" for q in mix))
open(f"{out}/suggest-paths", "w").write("".join(f"/api/v1/services/suggest?q={q}&limit=8\n" for q in mix))
open(f"{out}/situation-paths", "w").write("".join(f"/api/v1/services?q={q}\n" for q in situations))
PY

# wrk: "requests/s p50 p99 non-2xx" (ms); a second argument names a file of paths
measure() {
  local script=() out
  [ -n "${2:-}" ] && script=(-s "$ROOT/tests/bench/paths.lua")
  out=$(BENCH_PATHS=${2:-} wrk -t"$threads" -c"$conns" -d"${secs}s" --latency "${script[@]}" "$1")
  wrk_summary <<<"$out"
}
healthz=
row() { # label rps p50 p99 bad
  [ -n "$healthz" ] || healthz=$2
  printf '| %-36s | %8s | %7s | %7s | %9.2f | %7s |\n' "$1" "$2" "$3" "$4" \
    "$(awk -v a="$2" -v b="$healthz" 'BEGIN { print a / b }')" "$5"
}
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); wrk -t$threads -c$conns -d${secs}s;" \
     "workers=$workers threads=$("$BIN/onewindow-admin" config | sed -n 's/^threads: //p'); catalog $size items"
printf '| %-36s | %8s | %7s | %7s | %9s | %7s |\n' "warm (repeated queries)" "req/s" "p50 ms" "p99 ms" "× healthz" "non-2xx"
printf '|%s|%s|%s|%s|%s|%s|\n' -------------------------------------- ---------- --------- --------- ----------- ---------
read -r rps p50 p99 bad < <(measure "$base/healthz")
row "GET /healthz" "$rps" "$p50" "$p99" "$bad"
for r in "search-paths:GET /services?q= (26-query mix)" "suggest-paths:GET /services/suggest (mix)" \
         "situation-paths:GET /services?q= (situations)"; do
  read -r rps p50 p99 bad < <(measure "$base" "$ONEWINDOW_VAR_DIR/${r%%:*}")
  row "${r#*:}" "$rps" "$p50" "$p99" "$bad"
done
read -r rps p50 p99 bad < <(measure "$base/healthz")
row "GET /healthz (again, after the rows)" "$rps" "$p50" "$p99" "$bad"
steady=$(rss VmRSS)

# Cold: a catalog change, every worker rebuilt, then each query once, one at a time. A worker
# is chosen by nginx, so each query meets one of the freshly rebuilt workers' empty caches.
from=$(($(wc -l <"$log") + 1))
t0=$(date +%s.%N)
"$BIN/onewindow-admin" add-synonym benchrebuild 护照 >/dev/null
await_all '"total":[1-9]' "$base/api/v1/services?q=benchrebuild&page_size=1"
visible_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
change_rebuilds=$(rebuilds_since "$from")
echo
echo "cold (the first request of each query after a rebuild; ms, curl time_total, one at a time):"
for f in search-paths suggest-paths situation-paths; do
  while read -r p; do curl -s -o /dev/null -w '%{time_total}\n' "$base$p"; done <"$ONEWINDOW_VAR_DIR/$f" |
    sort -n | awk -v f="$f" '{ v[NR] = $1 * 1000 } END {
      printf "  %-16s %2d queries: p50 %.1f, p90 %.1f, max %.1f\n", f, NR, v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.5)], v[NR] }'
done
echo
echo "worker RSS MiB: $steady(steady), $(rss VmHWM)(peak incl. the rebuilds)"
echo "rebuilds, wall ms (CPU ms of the rebuilding thread): import of $size items: $import_rebuilds;" \
     "a synonym added: $change_rebuilds, searchable on every worker after ${visible_s} s;" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)"
