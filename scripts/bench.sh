#!/usr/bin/env bash
# `make bench`: wrk against a private stack (free ports, temporary directory), one table.
# Compare ratios within one run: the machine is shared and noisy.
#   BENCH_SECONDS (default 10), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
#   BENCH_CATALOG_SIZE (100000). ONEWINDOW_SEARCH_CACHE_MB=0 measures searches with the
#   per-snapshot reading cache off (every query computed from the index).
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

# Prints "requests/s p50 p99" of one wrk run (latencies in ms); a second argument is a file
# of paths to cycle through (tests/bench/paths.lua).
measure() {
  local script=()
  [ -n "${2:-}" ] && script=(-s "$ROOT/tests/bench/paths.lua")
  [ -n "${BENCH_BODY:-}" ] && script=(-s "$ROOT/tests/bench/post.lua")
  BENCH_PATHS=${2:-} wrk -t"$threads" -c"$conns" -d"${secs}s" --latency "${script[@]}" \
    ${BENCH_HEADER:+-H "$BENCH_HEADER"} "$1" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50.000%" || $1 == "50%" { p50 = ms($2) }
    $1 == "99.000%" || $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { bad = $NF }
    END { printf "%.0f %.2f %.2f %d\n", rps, p50, p99, bad }'
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); wrk -t$threads -c$conns -d${secs}s;" \
     "workers=$("$ROOT/build/bin/onewindow-admin" config | sed -n 's/^workers: //p') threads=$("$ROOT/build/bin/onewindow-admin" config | sed -n 's/^threads: //p')"
printf '| %-30s | %10s | %8s | %8s | %9s | %9s | %7s |\n' endpoint "req/s" "p50 ms" "p99 ms" "× ceiling" "× healthz" "non-2xx"
printf '|%s|%s|%s|%s|%s|%s|%s|\n' -------------------------------- ------------ ---------- ---------- ----------- ----------- ---------
ceiling= healthz=
row() { # label rps p50 p99 bad
  [ -n "$ceiling" ] || ceiling=$2
  [ -n "$healthz" ] || { [ "$1" = "GET /healthz" ] && healthz=$2; }
  printf '| %-30s | %10s | %8s | %8s | %9.2f | %9s | %7s |\n' "$1" "$2" "$3" "$4" \
    "$(awk -v a="$2" -v b="$ceiling" 'BEGIN { print a / b }')" \
    "$([ -n "$healthz" ] && awk -v a="$2" -v b="$healthz" 'BEGIN { printf "%.2f", a / b }')" "$5"
}
for path in /_nginx/static /healthz /readyz; do
  read -r rps p50 p99 bad < <(measure "$base$path")
  label="GET $path"; [ "$path" = /_nginx/static ] && label="nginx return 200 (ceiling)"
  row "$label" "$rps" "$p50" "$p99" "$bad"
done

# Identity: GET /api/v1/me with a valid token (token check + one database read, like
# /readyz's one round trip) and the password login (argon2id at the production cost).
phone=13900000001 password=bench-password-1
curl -s -X POST -H 'Content-Type: application/json' -d "{\"phone\":\"$phone\"}" \
  "$base/api/v1/auth/sms/send" >/dev/null
code=$(tail -1 "$ONEWINDOW_VAR_DIR/sms-outbox.jsonl" | sed 's/.*"code":"\([0-9]*\)".*/\1/')
token=$(curl -s -X POST -H 'Content-Type: application/json' \
  -d "{\"phone\":\"$phone\",\"code\":\"$code\"}" "$base/api/v1/auth/login" |
  sed 's/.*"access_token":"\([^"]*\)".*/\1/')
curl -s -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"new_password\":\"$password\"}" "$base/api/v1/me/password" >/dev/null
read -r rps p50 p99 bad < <(BENCH_HEADER="Authorization: Bearer $token" measure "$base/api/v1/me")
row "GET /api/v1/me (token + 1 read)" "$rps" "$p50" "$p99" "$bad"
read -r rps p50 p99 bad < <(BENCH_BODY="{\"phone\":\"$phone\",\"password\":\"$password\"}" \
  measure "$base/api/v1/auth/login")
row "POST /auth/login (password)" "$rps" "$p50" "$p99" "$bad"

# Search on the benchmark catalog (BENCH_CATALOG_SIZE items, default 100 000).
size=${BENCH_CATALOG_SIZE:-100000}
catalog=$ONEWINDOW_VAR_DIR/catalog.json
/usr/bin/python3 "$ROOT/scripts/gen-catalog.py" --size "$size" --out "$catalog" 2>/dev/null
t0=$(date +%s.%N)
"$ROOT/build/bin/onewindow-admin" import-catalog "$catalog" >/dev/null
import_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
for _ in $(seq 600); do # every worker has rebuilt when both answer the new total
  n=$(for _ in 1 2 3 4; do curl -s "$base/api/v1/services?page_size=1"; echo; done |
      grep -c "\"total\":$size," || true)
  [ "$n" -eq 4 ] && break
  sleep 0.2
done
paths=$ONEWINDOW_VAR_DIR/search-paths suggest=$ONEWINDOW_VAR_DIR/suggest-paths
/usr/bin/python3 - "$ROOT/tests/bench/search-queries.txt" "$paths" "$suggest" <<'PY'
import sys, urllib.parse
qs = [l.strip() for l in open(sys.argv[1], encoding="utf-8") if l.strip() and not l.startswith("#")]
enc = [urllib.parse.quote(q) for q in qs]
open(sys.argv[2], "w").write("".join(f"/api/v1/services?q={q}\n" for q in enc))
open(sys.argv[3], "w").write("".join(f"/api/v1/services/suggest?q={q}&limit=8\n" for q in enc))
PY
read -r rps p50 p99 bad < <(measure "$base" "$paths")
row "GET /services?q= (26-query mix)" "$rps" "$p50" "$p99" "$bad"
read -r rps p50 p99 bad < <(measure "$base" "$suggest")
row "GET /services/suggest (mix)" "$rps" "$p50" "$p99" "$bad"

# Memory of each worker with the catalog loaded, and its peak (VmHWM) after a forced rebuild.
rss() { for pid in $(pgrep -P "$(cat "$ONEWINDOW_VAR_DIR/run/onewindow-fcgi.pid")"); do awk -v k="$1" '$1 == k":" { printf "%d ", $2 / 1024 }' "/proc/$pid/status"; done; }
steady=$(rss VmRSS)
"$ROOT/build/bin/onewindow-admin" add-synonym benchrebuild 护照 >/dev/null
sleep 6
echo
echo "catalog: $size items, import ${import_s} s; worker RSS MiB: $steady(steady), $(rss VmHWM)(peak incl. a rebuild)"
