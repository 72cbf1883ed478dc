#!/usr/bin/env bash
# `make bench`: wrk against a private stack (free ports, temporary directory), one table.
# Compare ratios within one run: the machine is shared and noisy.
#   BENCH_SECONDS (default 10), BENCH_CONNECTIONS (64), BENCH_THREADS (2)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
secs=${BENCH_SECONDS:-10} conns=${BENCH_CONNECTIONS:-64} threads=${BENCH_THREADS:-2}

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export ONEWINDOW_VAR_DIR; ONEWINDOW_VAR_DIR=$(mktemp -d /tmp/ow-bench-XXXXXX)
export ONEWINDOW_PORT; ONEWINDOW_PORT=$(free_port)
export ONEWINDOW_DB_PORT; ONEWINDOW_DB_PORT=$(free_port)
export ONEWINDOW_CONFIG=${ONEWINDOW_CONFIG:-$ROOT/config/dev.conf}
# The per-client-IP limit would answer most of one client's load with 429: lift it here.
export ONEWINDOW_IP_RATE_PER_S=1000000 ONEWINDOW_IP_BURST=1000000
cleanup() { "$ROOT/scripts/stack.sh" stop >/dev/null 2>&1 || true; rm -rf "$ONEWINDOW_VAR_DIR"; }
trap cleanup EXIT
"$ROOT/scripts/stack.sh" start >/dev/null 2>&1
base=http://127.0.0.1:$ONEWINDOW_PORT

# Prints "requests/s p50 p99" of one wrk run (latencies in ms).
measure() {
  wrk -t"$threads" -c"$conns" -d"${secs}s" --latency "$1" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50.000%" || $1 == "50%" { p50 = ms($2) }
    $1 == "99.000%" || $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { bad = $NF }
    END { printf "%.0f %.2f %.2f %d\n", rps, p50, p99, bad }'
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); wrk -t$threads -c$conns -d${secs}s;" \
     "workers=$("$ROOT/build/bin/onewindow-admin" config | sed -n 's/^workers: //p') threads=$("$ROOT/build/bin/onewindow-admin" config | sed -n 's/^threads: //p')"
printf '| %-28s | %10s | %8s | %8s | %9s | %7s |\n' endpoint "req/s" "p50 ms" "p99 ms" "× ceiling" "non-2xx"
printf '|%s|%s|%s|%s|%s|%s|\n' ------------------------------ ------------ ---------- ---------- ----------- ---------
ceiling=
for path in /_nginx/static /healthz /readyz; do
  read -r rps p50 p99 bad < <(measure "$base$path")
  [ -n "$ceiling" ] || ceiling=$rps
  label="GET $path"; [ "$path" = /_nginx/static ] && label="nginx return 200 (ceiling)"
  printf '| %-28s | %10s | %8s | %8s | %9.2f | %7s |\n' "$label" "$rps" "$p50" "$p99" \
    "$(awk -v a="$rps" -v b="$ceiling" 'BEGIN { print a / b }')" "$bad"
done
