#!/usr/bin/env bash
# `make bench`: wrk against a private stack (free ports, temporary directory), one table.
# Compare ratios within one run: the machine is shared and noisy.
#   BENCH_SECONDS (default 10), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
#   BENCH_CATALOG_SIZE (100000). ONEWINDOW_SEARCH_CACHE_MB=0 measures searches with the
#   per-snapshot reading cache off (every query computed from the index).
#   Applications: BENCH_APPLICATIONS (1000000 generated with a year of ratings: ~300 000),
#   BENCH_RATINGS (20000 applications prepared for the rating row), BENCH_DETAIL_NUMBERS (1000 numbers
#   of the detail mix), BENCH_DETAIL_CONNECTIONS (32: the detail and submission rows),
#   BENCH_PHP_CHILDREN (4: php-fpm children of the PHP peer, tests/bench/peers/php).
#   Organizations: BENCH_ORGS (1000 handling all the applications), BENCH_FEED_CURSORS (1000
#   random cursors of the change-feed rows), BENCH_FEED_CONNECTIONS (8: its second row).
#   ONEWINDOW_BIN: the binaries (default build/bin). The mixed scenario: scripts/bench-mixed.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ONEWINDOW_BIN=${ONEWINDOW_BIN:-$ROOT/build/bin}
BIN=$ONEWINDOW_BIN
secs=${BENCH_SECONDS:-10} conns=${BENCH_CONNECTIONS:-64} threads=${BENCH_THREADS:-2}
detail_conns=${BENCH_DETAIL_CONNECTIONS:-32}

source "$ROOT/scripts/bench-lib.sh"
private_stack_env ow-bench # the per-client-IP limit lifted too
# the app's own per-IP count of public progress queries too (one client asks them all)
export ONEWINDOW_PROGRESS_PER_IP_PER_MINUTE=1000000
# One citizen makes every upload of the upload rows: lift the daily quotas too.
export ONEWINDOW_UPLOAD_DAILY_COUNT=100000 ONEWINDOW_UPLOAD_DAILY_MIB=1048576
# The test-only token probe mints the generated citizens' access tokens (a private stack).
export ONEWINDOW_TEST_ROUTES=1

# The PHP peer of the application detail (tests/bench/peers/php): its own php-fpm (no system
# service) and a second nginx server on another port in front of it, same nginx, same MariaDB.
PEER=$ROOT/tests/bench/peers/php
PHP_FPM=$(PATH=$PATH:/usr/sbin:/usr/local/sbin; command -v php-fpm8.2 || command -v php-fpm) ||
  { echo "bench: php-fpm is missing (scripts/deps.sh bench installs it)" >&2; exit 1; }
peer_port=$(free_port)
render_php_peer() {
  local run=$ONEWINDOW_VAR_DIR/run user_line=""
  # As root the peer runs like the C service (README "Privileges"): as the service user,
  # reached by nginx's workers through their group, with the API's database account.
  [ "$(id -u)" -eq 0 ] && user_line="user = onewindow\\ngroup = onewindow\\nlisten.owner = onewindow\\nlisten.group = onewindow-web\\nlisten.mode = 0660"
  mkdir -p "$ONEWINDOW_VAR_DIR/php" "$ONEWINDOW_VAR_DIR/nginx/conf.d" "$run" "$ONEWINDOW_VAR_DIR/log"
  sed -e "s|@RUN_DIR@|$run|g" -e "s|@LOG_DIR@|$ONEWINDOW_VAR_DIR/log|g" \
      -e "s|@USER_LINE@|$user_line|" -e "s|@CHILDREN@|${BENCH_PHP_CHILDREN:-4}|" \
      -e "s|@DB_SOCKET@|$run/mysqld.sock|" -e "s|@CACHE_DIR@|$ONEWINDOW_VAR_DIR/php|" \
      "$PEER/php-fpm.conf.in" >"$ONEWINDOW_VAR_DIR/php/php-fpm.conf"
  sed -e "s|@RUN_DIR@|$run|g" -e "s|@PEER_PORT@|$peer_port|" -e "s|@PEER_DIR@|$PEER|" \
      -e "s|@IP_BURST@|$ONEWINDOW_IP_BURST|" \
      "$PEER/nginx-peer.conf.in" >"$ONEWINDOW_VAR_DIR/nginx/conf.d/php-peer.conf"
}
start_php_peer() {
  # The API account's password exists once the stack has started (scripts/stack.sh).
  local pw; pw=$(cat "$ONEWINDOW_VAR_DIR/secrets/db-api.password")
  sed -i -e "s|@DB_USER@|onewindow_api|" -e "s|@DB_PASSWORD@|$pw|" "$ONEWINDOW_VAR_DIR/php/php-fpm.conf"
  if [ "$(id -u)" -eq 0 ]; then
    chown -R onewindow:onewindow "$ONEWINDOW_VAR_DIR/php"
    install -m 0640 -o onewindow -g onewindow /dev/null "$ONEWINDOW_VAR_DIR/log/php-peer.log"
  fi
  "$PHP_FPM" -y "$ONEWINDOW_VAR_DIR/php/php-fpm.conf" -c "$PEER/php.ini"
  for _ in $(seq 50); do [ -S "$ONEWINDOW_VAR_DIR/run/php-fpm.sock" ] && return 0; sleep 0.1; done
  echo "bench: php-fpm did not start: see $ONEWINDOW_VAR_DIR/log/php-fpm.log" >&2; return 1
}
stop_php_peer() {
  local pid
  pid=$(cat "$ONEWINDOW_VAR_DIR/run/php-fpm.pid" 2>/dev/null) || return 0
  kill -QUIT "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  stop_php_peer
  "$ROOT/scripts/stack.sh" stop >/dev/null 2>&1 || true
  rm -rf "$ONEWINDOW_VAR_DIR"
}
trap cleanup EXIT
source "$ROOT/scripts/bench-push.sh"
source "$ROOT/scripts/bench-uploads.sh"
source "$ROOT/scripts/bench-bundles.sh"
source "$ROOT/scripts/bench-stats.sh"
render_php_peer
render_push_fake
"$ROOT/scripts/stack.sh" start >/dev/null 2>&1
start_php_peer
base=http://127.0.0.1:$ONEWINDOW_PORT peer=http://127.0.0.1:$peer_port
sql() { mariadb --no-defaults --socket="$ONEWINDOW_VAR_DIR/run/mysqld.sock" -N -B onewindow -e "$1"; }
secs_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# The benchmark catalog first (BENCH_CATALOG_SIZE items, default 100 000): every row and
# the mixed scenario run with it loaded.
size=${BENCH_CATALOG_SIZE:-100000}
catalog=$ONEWINDOW_VAR_DIR/catalog.json
/usr/bin/python3 "$ROOT/scripts/gen-catalog.py" --size "$size" --out "$catalog" 2>/dev/null
t0=$(date +%s.%N)
"$BIN/onewindow-admin" import-catalog "$catalog" >/dev/null
import_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
for _ in $(seq 600); do # every worker has rebuilt when both answer the new total
  n=$(for _ in 1 2 3 4; do curl -s "$base/api/v1/services?page_size=1"; echo; done |
      grep -c "\"total\":$size," || true)
  [ "$n" -eq 4 ] && break
  sleep 0.2
done

# Applications: the mixed scenario (scripts/bench-mixed.sh) at 10 k and 100 k, then up to
# BENCH_APPLICATIONS (1 M) before the rows of the table, so that every row runs against the
# same database; after each generation a bounded wait for InnoDB to write the generated pages
# out, so that the flushing does not land on whichever run comes next.
napps=${BENCH_APPLICATIONS:-1000000}
have=0 generate_s=0
grow_to() {
  local size=$1 t0
  [ "$size" -gt "$have" ] || return 0
  echo "bench: generating $((size - have)) applications (to $size) …" >&2
  t0=$(date +%s.%N)
  # --year: a year of completions, ratings and cases (the statistics rows: bench-stats.sh)
  "$BIN/onewindow-admin" generate-applications --count "$((size - have))" --year \
    >"$ONEWINDOW_VAR_DIR/generated.txt"
  generate_s=$(awk -v a="$generate_s" -v b="$(secs_since "$t0")" 'BEGIN { printf "%.1f", a + b }')
  have=$size
  for _ in $(seq 120); do
    dirty=$(sql "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'" | awk '{ print $2 }')
    [ "${dirty:-0}" -lt 1000 ] && break
    sleep 0.5
  done
}
# Prints "requests/s p50 p99" of one wrk run (latencies in ms); a second argument is a file
# of paths to cycle through (tests/bench/paths.lua).
# BENCH_SCRIPT names another wrk script of tests/bench/, BENCH_C another connection count.
# CPU seconds (user + system) the stack's processes have used so far: nginx, the FastCGI
# master and its workers, MariaDB, pushd and the PHP peer — not wrk.
stack_cpu() {
  local pids="" p f
  for f in nginx onewindow-fcgi mysqld onewindow-pushd php-fpm; do
    p=$(cat "$ONEWINDOW_VAR_DIR/run/$f.pid" 2>/dev/null) || continue
    pids+=" $p $(pgrep -P "$p" | tr '\n' ' ')"
  done
  for p in $pids; do cat "/proc/$p/stat" 2>/dev/null || true; done |
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); s += $12 + $13 } END { printf "%.3f\n", s / hz }'
}
measure() {
  local script=() cpu0 out
  cpu0=$(stack_cpu)
  [ -n "${2:-}" ] && script=(-s "$ROOT/tests/bench/paths.lua")
  [ -n "${BENCH_BODY:-}" ] && script=(-s "$ROOT/tests/bench/post.lua")
  [ -n "${BENCH_SCRIPT:-}" ] && script=(-s "$ROOT/tests/bench/$BENCH_SCRIPT")
  out=$(BENCH_PATHS=${2:-} wrk -t"$threads" -c"${BENCH_C:-$conns}" -d"${BENCH_SECS:-$secs}s" --latency "${script[@]}" \
    ${BENCH_HEADER:+-H "$BENCH_HEADER"} "$1")
  # the stack's CPU seconds of this run (before the line is printed: row reads them)
  echo "$cpu0 $(stack_cpu) ${BENCH_SECS:-$secs}" >"$ONEWINDOW_VAR_DIR/measured-cpu"
  wrk_summary <<<"$out"
}

# The citizen with a password (the logins of the mixed scenario and of the rows below).
phone=13900000001 password=bench-password-1
curl -s -X POST -H 'Content-Type: application/json' -d "{\"phone\":\"$phone\"}" \
  "$base/api/v1/auth/sms/send" >/dev/null
code=$(tail -1 "$ONEWINDOW_VAR_DIR/sms-outbox.jsonl" | sed 's/.*"code":"\([0-9]*\)".*/\1/')
token=$(curl -s -X POST -H 'Content-Type: application/json' \
  -d "{\"phone\":\"$phone\",\"code\":\"$code\"}" "$base/api/v1/auth/login" |
  sed 's/.*"access_token":"\([^"]*\)".*/\1/')
# a first password needs a fresh code (the minute's wait after the login code skipped)
mariadb --no-defaults --socket="$ONEWINDOW_VAR_DIR/run/mysqld.sock" onewindow -e \
  "UPDATE sms_codes SET created_at = created_at - INTERVAL 61 SECOND"
curl -s -X POST -H 'Content-Type: application/json' -d "{\"phone\":\"$phone\"}" \
  "$base/api/v1/auth/sms/send" >/dev/null
code=$(tail -1 "$ONEWINDOW_VAR_DIR/sms-outbox.jsonl" | sed 's/.*"code":"\([0-9]*\)".*/\1/')
curl -s -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"sms_code\":\"$code\",\"new_password\":\"$password\"}" "$base/api/v1/me/password" \
  >/dev/null

source "$ROOT/scripts/bench-mixed.sh"
default_workers=$("$BIN/onewindow-admin" config | sed -n 's/^workers: //p')
for apps_size in 10000 100000; do
  [ "$apps_size" -lt "$napps" ] || continue
  grow_to "$apps_size"
  mixed_matrix "$apps_size"
done
grow_to "$napps"
stats_rebuild
mixed_matrix "$napps"
mixed_workers "$default_workers"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg); wrk -t$threads -c$conns -d${secs}s;" \
     "workers=$("$BIN/onewindow-admin" config | sed -n 's/^workers: //p') threads=$("$BIN/onewindow-admin" config | sed -n 's/^threads: //p')"
printf '| %-34s | %10s | %8s | %8s | %9s | %9s | %7s | %14s |\n' endpoint "req/s" "p50 ms" "p99 ms" "× ceiling" "× healthz" "non-2xx" "req/s per core"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' ------------------------------------ ------------ ---------- ---------- ----------- ----------- --------- ----------------
ceiling= healthz=
row() { # label rps p50 p99 bad
  [ -n "$ceiling" ] || ceiling=$2
  [ -n "$healthz" ] || { [ "$1" = "GET /healthz" ] && healthz=$2; }
  # requests per second for each core the stack's processes used (all of them, not wrk)
  local per_core
  per_core=$(awk -v rps="$2" '{ cpu = $2 - $1; printf "%.0f", (cpu > 0 ? rps * $3 / cpu : 0) }' \
    "$ONEWINDOW_VAR_DIR/measured-cpu")
  printf '| %-34s | %10s | %8s | %8s | %9.2f | %9s | %7s | %14s |\n' "$1" "$2" "$3" "$4" \
    "$(awk -v a="$2" -v b="$ceiling" 'BEGIN { print a / b }')" \
    "$([ -n "$healthz" ] && awk -v a="$2" -v b="$healthz" 'BEGIN { printf "%.2f", a / b }')" "$5" \
    "$per_core"
}
for path in /_nginx/static /healthz /readyz; do
  read -r rps p50 p99 bad < <(measure "$base$path")
  label="GET $path"; [ "$path" = /_nginx/static ] && label="nginx return 200 (ceiling)"
  row "$label" "$rps" "$p50" "$p99" "$bad"
done

# Identity: GET /api/v1/me with a valid token (token check + one database read, like
# /readyz's one round trip) and the password login (argon2id at the production cost); the
# citizen was made before the mixed scenario, which logs in as it too.
read -r rps p50 p99 bad < <(BENCH_HEADER="Authorization: Bearer $token" measure "$base/api/v1/me")
row "GET /api/v1/me (token + 1 read)" "$rps" "$p50" "$p99" "$bad"
# as many connections as argon2 slots (workers × pwhash_concurrency): more get 503 at once
slots=$(( $("$BIN/onewindow-admin" config | sed -n 's/^workers: //p') * \
          $("$BIN/onewindow-admin" config | sed -n 's/^pwhash_concurrency: //p') ))
read -r rps p50 p99 bad < <(BENCH_C=$slots BENCH_BODY="{\"phone\":\"$phone\",\"password\":\"$password\"}" \
  measure "$base/api/v1/auth/login")
row "POST /auth/login (password)" "$rps" "$p50" "$p99" "$bad"

# Applications. The citizen's detail GET /api/v1/applications/{no} (token check,
# the application with its service and department, its timeline) over BENCH_DETAIL_NUMBERS
# random numbers of the generated ones, each with its owner's token: the C server, then the
# PHP-FPM peer through the same nginx and database, at BENCH_DETAIL_CONNECTIONS.
range=$(sql "SELECT MIN(id), MAX(id) FROM applications")
[[ $range == NULL* ]] && { echo "bench: generate-applications made no applications" >&2; exit 1; }
numbers=${BENCH_DETAIL_NUMBERS:-1000}
ids=$(/usr/bin/python3 -c 'import random, sys # twice as many ids: auto-increment leaves gaps
lo, hi = map(int, sys.argv[1].split()); n = 2 * int(sys.argv[2])
print(",".join(map(str, random.sample(range(lo, hi + 1), min(n, hi - lo + 1)))))' \
  "$range" "$numbers")
sql "SELECT application_no, citizen_id FROM applications WHERE id IN ($ids) ORDER BY RAND() LIMIT $numbers" \
  >"$ONEWINDOW_VAR_DIR/owners.tsv"
counts=$(/usr/bin/python3 "$ROOT/tests/bench/detail-pairs.py" "$base" "$ONEWINDOW_VAR_DIR/detail-pairs" \
  <"$ONEWINDOW_VAR_DIR/owners.tsv")
read -r n_numbers n_citizens <<<"$counts"
# Both answer the same bytes for the same request (the first few numbers; "today" is shared).
same=0 checked=0
while IFS=$'\t' read -r path tok; do
  c=$(curl -s -H "Authorization: Bearer $tok" "$base$path")
  p=$(curl -s -H "Authorization: Bearer $tok" "$peer$path")
  checked=$((checked + 1))
  if [ "$c" = "$p" ] && [[ $c == '{"application_no"'* ]]; then
    same=$((same + 1))
  elif [ ! -e "$ONEWINDOW_VAR_DIR/detail-diff.txt" ]; then
    diff <(/usr/bin/python3 -m json.tool --no-ensure-ascii <<<"$c" 2>&1) \
         <(/usr/bin/python3 -m json.tool --no-ensure-ascii <<<"$p" 2>&1) |
      head -20 >"$ONEWINDOW_VAR_DIR/detail-diff.txt" || true
  fi
done < <(head -5 "$ONEWINDOW_VAR_DIR/detail-pairs")
for target in "$base" "$peer"; do # warm both (caches, opcache, persistent connections)
  BENCH_SECS=2 BENCH_C=$detail_conns BENCH_SCRIPT=auth-paths.lua BENCH_PAIRS=$ONEWINDOW_VAR_DIR/detail-pairs \
    measure "$target" >/dev/null
done
read -r c_rps c_p50 c_p99 c_bad < <(BENCH_C=$detail_conns BENCH_SCRIPT=auth-paths.lua \
  BENCH_PAIRS=$ONEWINDOW_VAR_DIR/detail-pairs measure "$base")
row "GET /applications/{no} C, c$detail_conns" "$c_rps" "$c_p50" "$c_p99" "$c_bad"
read -r php_rps php_p50 php_p99 php_bad < <(BENCH_C=$detail_conns BENCH_SCRIPT=auth-paths.lua \
  BENCH_PAIRS=$ONEWINDOW_VAR_DIR/detail-pairs measure "$peer")
row "GET /applications/{no} PHP, c$detail_conns" "$php_rps" "$php_p50" "$php_p99" "$php_bad"

# The citizen's inbox (GET /api/v1/notifications, ~3 notifications per application) with
# each citizen's own token, and the public progress query over many numbers (number and
# query code), both over the mixed scenario's data (the same citizens and applications).
sed 's|^|/api/v1/notifications?limit=20\t|' "$ONEWINDOW_VAR_DIR/mixed/citizens.txt" \
  >"$ONEWINDOW_VAR_DIR/inbox-pairs"
read -r rps p50 p99 bad < <(BENCH_C=$detail_conns BENCH_SCRIPT=auth-paths.lua \
  BENCH_PAIRS=$ONEWINDOW_VAR_DIR/inbox-pairs measure "$base")
row "GET /notifications (inbox), c$detail_conns" "$rps" "$p50" "$p99" "$bad"
sed 's|^|/api/v1/progress\t-\t|' "$ONEWINDOW_VAR_DIR/mixed/progress.txt" \
  >"$ONEWINDOW_VAR_DIR/progress-pairs"
read -r rps p50 p99 bad < <(BENCH_C=$detail_conns BENCH_SCRIPT=auth-paths.lua \
  BENCH_PAIRS=$ONEWINDOW_VAR_DIR/progress-pairs measure "$base")
row "POST /progress (public), c$detail_conns" "$rps" "$p50" "$p99" "$bad"

# Submissions: POST /api/v1/applications with a new Idempotency-Key each, by the /me citizen
# once real-name verified (a valid GB 11643 number; a few tries in case one is taken).
me_id=$(curl -s -H "Authorization: Bearer $token" "$base/api/v1/me" | sed 's/.*"id":"\([0-9]*\)".*/\1/')
for _ in 1 2 3 4 5; do
  id_number=$(/usr/bin/python3 -c 'import random
body = "110105" + "19%02d%02d%02d" % (random.randint(50, 99), random.randint(1, 12), random.randint(1, 28)) + "%03d" % random.randint(0, 999)
w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
print(body + "10X98765432"[sum(int(c) * x for c, x in zip(body, w)) % 11])')
  status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d "{\"name\":\"张三\",\"id_number\":\"$id_number\"}" \
    "$base/api/v1/me/real-name")
  [ "$status" = 200 ] && break
done
submit_token=$(curl -s -X POST -H 'Content-Type: application/json' \
  -d "{\"sub\":\"$me_id\",\"role\":\"citizen\",\"ttl_s\":3600}" "$base/api/v1/test/token" |
  sed 's/.*"access_token":"\([^"]*\)".*/\1/')
# A service that asks for no materials (each submission would need fresh uploads), with a
# form valid against its schema (the checks run on every request).
submit_body=$(cd "$ROOT/tests/e2e" && /usr/bin/python3 -c 'import json
from people import CATALOG, valid_form
code = next(c for c, i in CATALOG.items() if not i["materials"] and i["audience"] == "personal")
print(json.dumps({"service_code": code, "form": valid_form(code)}, ensure_ascii=False))')
read -r rps p50 p99 bad < <(BENCH_C=$detail_conns BENCH_SCRIPT=idempotent-post.lua \
  BENCH_BODY="$submit_body" BENCH_TOKEN="$submit_token" measure "$base/api/v1/applications")
row "POST /applications (new key), c$detail_conns" "$rps" "$p50" "$p99" "$bad"
bundle_bench
stats_bench
upload_bench

# The organizations' change feed (API.md §7): BENCH_ORGS (1000) organizations handle all the
# generated applications (≈ BENCH_APPLICATIONS / BENCH_ORGS each), each under a delegation of
# its service for the week of its submission (generate-orgs: a year of weekly ones); GET
# /api/v1/org/applications?cursor=…&limit=20 from a random change of a random organization,
# each with its own token. Target: p99 ≤ 10 ms, and each feed query an index range scan.
norgs=${BENCH_ORGS:-1000}
echo "bench: handing the applications to $norgs organizations …" >&2
t0=$(date +%s.%N)
"$BIN/onewindow-admin" generate-orgs --count "$norgs" >"$ONEWINDOW_VAR_DIR/orgs.txt"
orgs_s=$(secs_since "$t0")
# random changes of random organizations: the (org_id, change_seq) of random applications
feed_ids=$(/usr/bin/python3 -c 'import random, sys # twice as many ids: auto-increment leaves gaps
lo, hi = map(int, sys.argv[1].split()); n = 2 * int(sys.argv[2])
print(",".join(map(str, random.sample(range(lo, hi + 1), min(n, hi - lo + 1)))))' \
  "$range" "${BENCH_FEED_CURSORS:-1000}")
sql "SELECT org_id, change_seq FROM org_feed_entries WHERE application_id IN ($feed_ids)
     ORDER BY RAND() LIMIT ${BENCH_FEED_CURSORS:-1000}" >"$ONEWINDOW_VAR_DIR/feed-cursors.tsv"
feed_counts=$(/usr/bin/python3 "$ROOT/tests/bench/org-feed-pairs.py" "$base" \
  "$ONEWINDOW_VAR_DIR/feed-pairs" <"$ONEWINDOW_VAR_DIR/feed-cursors.tsv")
read -r n_cursors n_orgs <<<"$feed_counts"
feed_plans=$("$BIN/onewindow-admin" explain-queries | /usr/bin/python3 -c 'import json, sys
def accesses(node):  # (access_type, key) of every table read of a plan
    if isinstance(node, dict):
        t = node.get("table")
        found = [(t.get("access_type"), t.get("key"))] if isinstance(t, dict) and "access_type" in t else []
        return found + [a for v in node.values() for a in accesses(v)]
    return [a for v in node for a in accesses(v)] if isinstance(node, list) else []
for line in sys.stdin:
    q = json.loads(line)
    if q["query"].startswith("organization feed"):
        print(q["query"] + ": " + ", ".join(f"{a} on {k}" for a, k in accesses(q["plan"])) + ";", end=" ")')
BENCH_SECS=2 BENCH_C=$detail_conns BENCH_SCRIPT=auth-paths.lua BENCH_PAIRS=$ONEWINDOW_VAR_DIR/feed-pairs \
  measure "$base" >/dev/null # warm
read -r f_rps f_p50 f_p99 f_bad < <(BENCH_C=$detail_conns BENCH_SCRIPT=auth-paths.lua \
  BENCH_PAIRS=$ONEWINDOW_VAR_DIR/feed-pairs measure "$base")
row "GET /org/applications?cursor= c$detail_conns" "$f_rps" "$f_p50" "$f_p99" "$f_bad"
# the same at BENCH_FEED_CONNECTIONS (8): organizations' systems polling, below saturation
feed_conns=${BENCH_FEED_CONNECTIONS:-8}
read -r g_rps g_p50 g_p99 g_bad < <(BENCH_C=$feed_conns BENCH_SCRIPT=auth-paths.lua \
  BENCH_PAIRS=$ONEWINDOW_VAR_DIR/feed-pairs measure "$base")
row "GET /org/applications?cursor= c$feed_conns" "$g_rps" "$g_p50" "$g_p99" "$g_bad"

# Search on the benchmark catalog (imported at the start).
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
# situations: the ranked retrieval and the concepts over every field (issue 14)
situations=$ONEWINDOW_VAR_DIR/situation-paths
/usr/bin/python3 - "$ROOT/tests/bench/situation-queries.txt" "$situations" <<'PY'
import sys, urllib.parse
qs = [l.strip() for l in open(sys.argv[1], encoding="utf-8") if l.strip() and not l.startswith("#")]
open(sys.argv[2], "w").write("".join(f"/api/v1/services?q={urllib.parse.quote(q)}\n" for q in qs))
PY
read -r rps p50 p99 bad < <(measure "$base" "$situations")
row "GET /services?q= (situations)" "$rps" "$p50" "$p99" "$bad"

# Memory of each worker with the catalog loaded, and its peak (VmHWM) after a forced rebuild.
rss() { for pid in $(pgrep -P "$(cat "$ONEWINDOW_VAR_DIR/run/onewindow-fcgi.pid")"); do awk -v k="$1" '$1 == k":" { printf "%d ", $2 / 1024 }' "/proc/$pid/status"; done; }
steady=$(rss VmRSS)
# A change is searchable once every worker has seen the catalog version and rebuilt: from the
# command to six answers in a row (nginx spreads them over the workers) that find it.
t0=$(date +%s.%N)
"$BIN/onewindow-admin" add-synonym benchrebuild 护照 >/dev/null
for _ in $(seq 300); do
  n=$(for _ in 1 2 3 4 5 6; do curl -s "$base/api/v1/services?q=benchrebuild&page_size=1"; echo; done |
      grep -c '"total":[1-9]' || true)
  [ "$n" -eq 6 ] && break
  sleep 0.1
done
visible_s=$(secs_since "$t0")
rebuilds=$(grep -o 'search index version [0-9]*: [0-9]* items.* in [0-9]* ms ([0-9]* ms CPU' \
  "$ONEWINDOW_VAR_DIR/log/onewindow.log" | tail -2 | sed 's/.* in \([0-9]*\) ms (\([0-9]*\) ms CPU/\1 ms (\2 ms CPU)/' |
  paste -sd, | sed 's/,/, /g')
echo
echo "catalog: $size items, import ${import_s} s; worker RSS MiB: $steady(steady), $(rss VmHWM)(peak incl. a rebuild)"
echo "catalog change searchable on every worker after ${visible_s} s; the workers' last rebuilds: ${rebuilds}" \
     "(wall, and the CPU time of the rebuilding thread); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "applications: $napps generated in ${generate_s} s ($(paste -sd, "$ONEWINDOW_VAR_DIR/generated.txt" | sed 's/,/, /g'));" \
     "detail mix: $n_numbers numbers of $n_citizens citizens"
echo "$upload_summary"
echo "$bundle_summary"
echo "$stats_summary"
echo "detail C / PHP-FPM: $(awk -v a="$c_rps" -v b="$php_rps" 'BEGIN { printf "%.2f", a / b }') (target ≥ 2)," \
     "C p99 ${c_p99} ms (target ≤ 10) at $detail_conns connections; PHP-FPM: ${BENCH_PHP_CHILDREN:-4} static" \
     "children, OPcache, persistent PDO, openssl_verify per request; same JSON body: $same of $checked numbers"
[ "$c_bad" -eq 0 ] && [ "$php_bad" -eq 0 ] || echo "detail rows had non-2xx answers: their ratio means nothing"
[ -s "$ONEWINDOW_VAR_DIR/detail-diff.txt" ] && { echo "first difference (C <, PHP >):"; cat "$ONEWINDOW_VAR_DIR/detail-diff.txt"; }
echo "org feed: $norgs organizations over $napps applications (generate-orgs ${orgs_s} s), $n_cursors" \
     "cursors of $n_orgs organizations, limit 20: p99 ${f_p99} ms (target ≤ 10) at $detail_conns connections," \
     "${g_p99} ms at $feed_conns; feed / detail at $detail_conns: $(awk -v a="$f_rps" -v b="$c_rps" 'BEGIN { printf "%.2f", a / b }');" \
     "plans: ${feed_plans:-none}"
push_bench
mixed_report
true
