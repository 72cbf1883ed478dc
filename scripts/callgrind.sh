#!/usr/bin/env bash
# `make callgrind`: instructions per request of the hot routes, counted by valgrind's callgrind
# (exactly repeatable on a noisy machine, unlike wall-clock figures: a regression shows as a
# changed count). A private stack with one worker of one thread; its master runs under
# callgrind (--trace-children: the worker too), counting only inside the request function
# (--toggle-collect=handle, api/server.c): routing, token check, handler, database client,
# response, access log, metrics. For each route: CALLGRIND_WARMUP requests (caches warm, as in
# production), counters dumped (a request to /api/v1/test/echo: --dump-before), CALLGRIND_REQUESTS
# requests, counters dumped again, Ir / requests.
#   CALLGRIND_REQUESTS (200), CALLGRIND_WARMUP (20), CALLGRIND_APPLICATIONS (2000 generated)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ONEWINDOW_BIN:-$ROOT/build/bin}
export ONEWINDOW_BIN=$BIN
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export ONEWINDOW_VAR_DIR; ONEWINDOW_VAR_DIR=$(mktemp -d /tmp/ow-callgrind-XXXXXX)
export ONEWINDOW_PORT; ONEWINDOW_PORT=$(free_port)
export ONEWINDOW_DB_PORT; ONEWINDOW_DB_PORT=$(free_port)
export ONEWINDOW_CONFIG=$ROOT/config/dev.conf ONEWINDOW_TEST_ROUTES=1
export ONEWINDOW_WORKERS=1 ONEWINDOW_THREADS=1
# the index rebuild and popularity epochs stay out of the way of the counted requests
export ONEWINDOW_CATALOG_REBUILD_S=86400
OUT=$ONEWINDOW_VAR_DIR/callgrind
cleanup() {
  "$ROOT/scripts/stack.sh" stop >/dev/null 2>&1 || true
  rm -rf "$ONEWINDOW_VAR_DIR"
}
trap cleanup EXIT
"$ROOT/scripts/stack.sh" start >/dev/null
"$BIN/onewindow-admin" generate-applications --count "${CALLGRIND_APPLICATIONS:-2000}" >/dev/null
# the master again, under callgrind
kill -TERM "$(cat "$ONEWINDOW_VAR_DIR/run/onewindow-fcgi.pid")"
for _ in $(seq 100); do [ -S "$ONEWINDOW_VAR_DIR/run/fcgi-0.sock" ] || break; sleep 0.1; done
mkdir -p "$OUT"
# as root the worker runs as the service user (README "Privileges") and writes its own file
[ "$(id -u)" -ne 0 ] || chown "$("$BIN/onewindow-admin" config | sed -n 's/^service_user: //p')" "$OUT"
setsid valgrind --tool=callgrind --trace-children=yes --toggle-collect=handle \
  --dump-before=handle_test_echo \
  --callgrind-out-file="$OUT/cg.%p" "$BIN/onewindow-fcgi" \
  </dev/null >>"$ONEWINDOW_VAR_DIR/log/onewindow.log" 2>"$OUT/valgrind.log" &
echo $! >"$ONEWINDOW_VAR_DIR/run/onewindow-fcgi.pid"
/usr/bin/python3 "$ROOT/tests/bench/callgrind-routes.py" "http://127.0.0.1:$ONEWINDOW_PORT" \
  "$ONEWINDOW_VAR_DIR" "$(cat "$ONEWINDOW_VAR_DIR/run/onewindow-fcgi.pid")" \
  "${CALLGRIND_REQUESTS:-200}" "${CALLGRIND_WARMUP:-20}"
