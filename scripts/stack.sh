#!/usr/bin/env bash
# The whole stack on one machine: a private MariaDB (unless ONEWINDOW_DB_DSN names an
# external one), the onewindow-fcgi master and its workers, onewindow-pushd, and nginx.
#   scripts/stack.sh start | stop | run | reload | status
# Settings: ONEWINDOW_CONFIG (default config/dev.conf) and ONEWINDOW_* overrides; the
# effective values come from `onewindow-admin config`, so there is one source of truth.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ONEWINDOW_BIN:-$ROOT/build/bin}
export ONEWINDOW_CONFIG=${ONEWINDOW_CONFIG:-$ROOT/config/dev.conf}

# Read once: every setting below comes from this one validated listing.
SETTINGS=$("$BIN/onewindow-admin" config)
setting() { sed -n "s/^$1: //p" <<<"$SETTINGS"; }

VAR=$(setting var_dir)
case $VAR in /*) ;; *) VAR=$ROOT/$VAR ;; esac
export ONEWINDOW_VAR_DIR=$VAR   # absolute, for every process started below
RUN=$VAR/run LOG=$VAR/log DBDIR=$VAR/db NGX=$VAR/nginx
PORT=$(setting port)
DB_PORT=$(setting db_port)
DB_SOCKET=$RUN/mysqld.sock
FCGI_LISTEN=$(setting fcgi_listen) # ADDR:PORT: the workers on TCP (several hosts)

say() { echo "stack: $*" >&2; }
pid_alive() { local pid; pid=$(cat "$1" 2>/dev/null) && kill -0 "$pid" 2>/dev/null; }
private_db() { [ -z "${ONEWINDOW_DB_DSN:-}" ] && [ -z "$(setting db_dsn)" ]; }

# Waits up to $2 s for process $1 to exit.
wait_gone() {
  local pid=$1 secs=$2
  for _ in $(seq $((secs * 10))); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

start_db() {
  private_db || return 0
  if pid_alive "$RUN/mysqld.pid"; then return 0; fi
  if [ ! -d "$DBDIR/mysql" ]; then
    say "initializing MariaDB in $DBDIR"
    mariadb-install-db --no-defaults --skip-test-db --datadir="$DBDIR" --user=root \
      --auth-root-authentication-method=socket >"$LOG/mariadb-install.log" 2>&1
  fi
  # A temporary directory of its own: a starting mariadbd deletes every "#sql*" file in its
  # tmpdir, which in a shared /tmp are the on-disk temporary tables of the other servers
  # running there (their statements then fail with error 6).
  mkdir -p "$DBDIR-tmp"
  setsid mariadbd --no-defaults --datadir="$DBDIR" --socket="$DB_SOCKET" --port="$DB_PORT" \
    --tmpdir="$DBDIR-tmp" \
    --bind-address=127.0.0.1 --user=root --skip-name-resolve --pid-file="$RUN/mysqld.pid" \
    --log-error="$LOG/mariadb.log" --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_bin --innodb-buffer-pool-size=256M \
    --max-connections=500 </dev/null >/dev/null 2>&1 &
  for _ in $(seq 300); do
    mariadb-admin --no-defaults --socket="$DB_SOCKET" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  mariadb --no-defaults --socket="$DB_SOCKET" -e \
    "CREATE DATABASE IF NOT EXISTS onewindow CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" \
    || { say "MariaDB did not start: see $LOG/mariadb.log"; exit 1; }
}

start_app() {
  "$BIN/onewindow-admin" migrate
  # Development only: a master key of our own under var/ (production names its file in the
  # configuration: master_key_file); then a signing key if there is none yet.
  local master; master=$(setting master_key_file)
  if [ ! -s "$master" ]; then
    (umask 077; /usr/bin/python3 -c 'import secrets; print(secrets.token_hex(32))' >"$master")
  fi
  "$BIN/onewindow-admin" rotate-keys --if-missing >/dev/null
  # A demo staff account (API.md §9: make run loads demo accounts); exists after the first start.
  "$BIN/onewindow-admin" create-staff --username demo-ga --password onewindow-demo \
    --department GA >/dev/null 2>&1 || true
  # The demo catalog (idempotent; --partial keeps items imported by hand, e.g. the
  # benchmark's 100 k catalog).
  "$BIN/onewindow-admin" import-catalog "$ROOT/data/catalog-sample.json" --partial >/dev/null
  if ! pid_alive "$RUN/onewindow-fcgi.pid"; then
    setsid "$BIN/onewindow-fcgi" </dev/null >>"$LOG/onewindow.log" 2>&1 &
    echo $! >"$RUN/onewindow-fcgi.pid"
  fi
  # One delivery worker for the outbox (API.md §6; more may run, on any host).
  if ! pid_alive "$RUN/onewindow-pushd.pid"; then
    setsid "$BIN/onewindow-pushd" </dev/null >>"$LOG/onewindow.log" 2>&1 &
    echo $! >"$RUN/onewindow-pushd.pid"
  fi
  local workers; workers=$(setting workers)
  for _ in $(seq 100); do
    if [ -n "$FCGI_LISTEN" ]; then # the last slot's TCP port (ADDR:PORT+i)
      ss -Hltn "sport = :$(( ${FCGI_LISTEN##*:} + workers - 1 ))" | grep -q . && return 0
    else
      [ -S "$RUN/fcgi-$((workers - 1)).sock" ] && return 0
    fi
    sleep 0.1
  done
  say "onewindow-fcgi did not open its sockets: see $LOG/onewindow.log"; exit 1
}

# Writes nginx's config from the templates and the settings.
render_nginx() {
  local workers upstream="" errors="" locations="" max_body
  workers=$(setting workers)
  for i in $(seq 0 $((workers - 1))); do
    if [ -n "$FCGI_LISTEN" ]; then
      upstream+="        server ${FCGI_LISTEN%:*}:$(( ${FCGI_LISTEN##*:} + i )) max_fails=0;"$'\n'
    else
      upstream+="        server unix:$RUN/fcgi-$i.sock max_fails=0;"$'\n'
    fi
  done
  errors=$("$ROOT/scripts/nginx-problems.sh" error_pages)$'\n'
  locations=$("$ROOT/scripts/nginx-problems.sh" locations)$'\n'
  max_body=$(( $(setting max_body_bytes) + 16384 ))
  local user_line=""
  [ "$(id -u)" -eq 0 ] && user_line="user root;"
  mkdir -p "$NGX"
  sed -e "s|@UPSTREAM_TIMEOUT@|${ONEWINDOW_UPSTREAM_TIMEOUT:-60}|g" \
      "$ROOT/nginx/fastcgi.conf.in" >"$NGX/fastcgi.conf"
  # Values reach the template through the environment, never spliced into code.
  USER_LINE="$user_line" NGINX_WORKERS="${ONEWINDOW_NGINX_WORKERS:-1}" RUN_DIR="$RUN" \
  LOG_DIR="$LOG" NGINX_DIR="$NGX" PORT="$PORT" NGINX_MAX_BODY="$max_body" \
  IP_RATE="$(setting ip_rate_per_s)" IP_BURST="$(setting ip_burst)" \
  UPSTREAM_SERVERS="${upstream%$'\n'}" ERROR_PAGES="${errors%$'\n'}" \
  PROBLEM_LOCATIONS="${locations%$'\n'}" \
  EXTRA_LISTEN="${ONEWINDOW_NGINX_LISTEN:+listen $ONEWINDOW_NGINX_LISTEN:$PORT;}" \
  /usr/bin/python3 -c '
import os, re, sys
text = open(sys.argv[1]).read()
text = re.sub(r"@([A-Z_]+)@", lambda m: os.environ[m.group(1)], text)
open(sys.argv[2], "w").write(text)' "$ROOT/nginx/nginx.conf.in" "$NGX/nginx.conf"
}

start_nginx() {
  render_nginx
  if pid_alive "$RUN/nginx.pid"; then
    nginx -p "$NGX" -c "$NGX/nginx.conf" -e "$LOG/nginx-error.log" -s reload
  else
    nginx -p "$NGX" -c "$NGX/nginx.conf" -e "$LOG/nginx-error.log"
  fi
}

wait_ready() {
  for _ in $(seq 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")" = 200 ] && return 0
    sleep 0.1
  done
  say "/readyz did not answer 200 within 60 s; logs in $LOG"; exit 1
}

cmd_start() {
  mkdir -p "$RUN" "$LOG" "$DBDIR" "$NGX"
  start_db
  start_app
  start_nginx
  wait_ready
  cat <<INFO
onewindow is up
  API        http://127.0.0.1:$PORT/   (health: /healthz, /readyz; metrics: /metrics)
  MariaDB    127.0.0.1:$DB_PORT and $DB_SOCKET (database onewindow)
  logs       $LOG
  settings   $ONEWINDOW_CONFIG
  demo       staff demo-ga / onewindow-demo (市公安局); citizens: POST /api/v1/auth/sms/send,
             then the code is in $VAR/sms-outbox.jsonl; notifications sent by SMS
             (pushd, log provider) go to $VAR/sms-notifications.jsonl
INFO
}

# Sends $2 to the process of pid file $1, waits up to $3 s for it to exit, then kills it.
stop_process() {
  local pidfile=$1 sig=$2 secs=$3 pid
  pid=$(cat "$pidfile" 2>/dev/null) || return 0
  kill "-$sig" "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }
  wait_gone "$pid" "$secs" || kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

cmd_stop() {
  stop_process "$RUN/nginx.pid" QUIT 10
  stop_process "$RUN/onewindow-fcgi.pid" TERM 15
  stop_process "$RUN/onewindow-pushd.pid" TERM 15
  stop_process "$RUN/mysqld.pid" TERM 60
  say "stopped"
}

cmd_run() {
  trap 'echo; cmd_stop; exit 0' INT TERM
  cmd_start
  echo "Press Ctrl-C to stop."
  while pid_alive "$RUN/onewindow-fcgi.pid"; do sleep 1 & wait $!; done
  say "onewindow-fcgi exited; stopping the rest"
  cmd_stop
  exit 1
}

cmd_reload() {
  pid_alive "$RUN/onewindow-fcgi.pid" || { say "not running"; exit 1; }
  kill -HUP "$(cat "$RUN/onewindow-fcgi.pid")"
  say "workers are being replaced one at a time"
}

cmd_status() {
  for p in mysqld onewindow-fcgi onewindow-pushd nginx; do
    if pid_alive "$RUN/$p.pid"; then echo "$p: running ($(cat "$RUN/$p.pid"))"; else echo "$p: stopped"; fi
  done
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  run) cmd_run ;;
  reload) cmd_reload ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|run|reload|status" >&2; exit 2 ;;
esac
