#!/usr/bin/env bash
# `make callgrind-search-requests`: instructions per search request in a worker, the whole
# request (routing, handler, JSON, miss log, response) on the benchmark catalog, counted by
# valgrind's callgrind (repeatable on a noisy machine). A private stack with one worker of
# one thread, the catalog imported, its master restarted under callgrind counting only inside
# handle() (api/server.c); tests/bench/callgrind-search-requests.py sends each query file
# once right after the worker's rebuild (cold: empty caches) and once again (warm), a marker
# request (/api/v1/test/echo: --dump-before) after each pass. Prints a table; the callgrind
# files stay in CALLGRIND_OUT (default build/callgrind-requests) for callgrind_annotate.
#   CALLGRIND_SIZE (100000 items, scripts/gen-catalog.py seed 1)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ONEWINDOW_BIN:-$ROOT/build/bin}
export ONEWINDOW_BIN=$BIN
source "$ROOT/scripts/bench-lib.sh"
private_stack_env ow-callgrind-search
export ONEWINDOW_TEST_ROUTES=1 ONEWINDOW_WORKERS=1 ONEWINDOW_THREADS=1
export ONEWINDOW_CATALOG_REBUILD_S=86400 # no popularity epoch between the passes
OUT=${CALLGRIND_OUT:-$ROOT/build/callgrind-requests}
size=${CALLGRIND_SIZE:-100000}
rm -rf "$OUT" && mkdir -p "$OUT"
cleanup() {
  "$ROOT/scripts/stack.sh" stop >/dev/null 2>&1 || true
  rm -rf "$ONEWINDOW_VAR_DIR"
}
trap cleanup EXIT
"$ROOT/scripts/stack.sh" start >/dev/null
/usr/bin/python3 "$ROOT/scripts/gen-catalog.py" --size "$size" --out "$ONEWINDOW_VAR_DIR/catalog.json" 2>/dev/null
"$BIN/onewindow-admin" import-catalog "$ONEWINDOW_VAR_DIR/catalog.json" >/dev/null
kill -TERM "$(cat "$ONEWINDOW_VAR_DIR/run/onewindow-fcgi.pid")"
for _ in $(seq 100); do [ -S "$ONEWINDOW_VAR_DIR/run/fcgi-0.sock" ] || break; sleep 0.1; done
# as root the worker runs as the service user (README "Privileges") and writes its own file
[ "$(id -u)" -ne 0 ] || chown "$("$BIN/onewindow-admin" config | sed -n 's/^service_user: //p')" "$OUT"
setsid valgrind --tool=callgrind --trace-children=yes --toggle-collect=handle \
  --dump-before=handle_test_echo --compress-strings=no --compress-pos=no \
  --callgrind-out-file="$OUT/cg.%p" "$BIN/onewindow-fcgi" \
  </dev/null >>"$ONEWINDOW_VAR_DIR/log/onewindow.log" 2>"$OUT/valgrind.log" &
echo $! >"$ONEWINDOW_VAR_DIR/run/onewindow-fcgi.pid"
/usr/bin/python3 "$ROOT/tests/bench/callgrind-search-requests.py" "http://127.0.0.1:$ONEWINDOW_PORT" \
  "$OUT" "$(cat "$ONEWINDOW_VAR_DIR/run/onewindow-fcgi.pid")" "$size"
