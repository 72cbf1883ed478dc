#!/usr/bin/env bash
# The whole stack on one machine: a private MariaDB (unless ONEWINDOW_DB_DSN names an
# external one), the onewindow-fcgi master and its workers, onewindow-pushd, and nginx.
#   scripts/stack.sh start | stop | run | reload | status | accounts
# (accounts: creates the system users the services run as, when run as root.)
# Settings: ONEWINDOW_CONFIG (default config/dev.conf) and ONEWINDOW_* overrides; the
# effective values come from `onewindow-admin config`, so there is one source of truth.
set -euo pipefail
# Logs, keys and configs this script makes are not for every local user (README "Privileges").
umask 027

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${ONEWINDOW_BIN:-$ROOT/build/bin}
export ONEWINDOW_CONFIG=${ONEWINDOW_CONFIG:-$ROOT/config/dev.conf}

# Read once: every setting below comes from this one validated listing.
SETTINGS=$("$BIN/onewindow-admin" config)
setting() { sed -n "s/^$1: //p" <<<"$SETTINGS"; }

VAR=$(setting var_dir)
case $VAR in /*) ;; *) VAR=$ROOT/$VAR ;; esac
export ONEWINDOW_VAR_DIR=$VAR   # absolute, for every process started below
RUN=$VAR/run LOG=$VAR/log DBDIR=$VAR/db NGX=$VAR/nginx SECRETS=$VAR/secrets
# MariaDB's own folder (socket, pid), writable by its user; run/ links to both for clients.
MYSQLD_DIR=$VAR/mysqld
# The object store of uploads (fs) and, with either store, its tmp/ spool of uploads in flight.
STORE=$(setting store_dir); [ -n "$STORE" ] || STORE=$VAR/store
PORT=$(setting port)
DB_PORT=$(setting db_port)
DB_SOCKET=$RUN/mysqld.sock
# Started as root, every process runs as its own account (README "Privileges"): the app as
# service_user, nginx's workers as the user named like socket_group, MariaDB as mysql.
SERVICE_USER=$(setting service_user)
WEB_USER=$(setting socket_group)
if [ "$(id -u)" -eq 0 ]; then AS_ROOT=1 DB_USER=mysql; else AS_ROOT="" DB_USER=$(id -un); fi
FCGI_LISTEN=$(setting fcgi_listen) # ADDR:PORT: the workers on TCP (several hosts)

say() { echo "stack: $*" >&2; }
# A step that fails under set -e says which (the var/ of a failed test stack is removed, its
# logs with it): start failed once in a while on a busy machine with no word of why.
set -E
trap 'say "failed (status $?) at line $LINENO: $BASH_COMMAND"' ERR
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

# The system accounts (root only): created when missing, never changed. Several stacks may
# start at once: a lost race to create one is fine when it exists afterwards.
ensure_account() {
  local name=$1
  getent passwd "$name" >/dev/null && return 0
  local group_opt=(--user-group)
  getent group "$name" >/dev/null && group_opt=(--gid "$name")
  useradd --system "${group_opt[@]}" --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$name" 2>/dev/null || getent passwd "$name" >/dev/null ||
    { say "cannot create the system user $name"; exit 1; }
}

# Owner, group and mode of a path (owner and group only when root).
own() {
  local owner=$1 mode=$2 path=$3
  [ -n "$AS_ROOT" ] && chown "$owner" "$path"
  chmod "$mode" "$path"
}

# The folders and files other accounts need, with nothing more than they need.
prepare_var() {
  if [ -n "$AS_ROOT" ]; then
    ensure_account "$SERVICE_USER"
    ensure_account "$WEB_USER"
    getent passwd "$DB_USER" >/dev/null || { say "no $DB_USER user: install mariadb-server"; exit 1; }
  fi
  mkdir -p "$RUN" "$LOG" "$DBDIR" "$NGX" "$SECRETS" "$MYSQLD_DIR"
  own root:root 0755 "$VAR"; own root:root 0755 "$RUN"; own root:root 0755 "$LOG"
  own root:root 0755 "$NGX"
  own "root:$SERVICE_USER" 0750 "$SECRETS"
  own "$DB_USER:$DB_USER" 0755 "$MYSQLD_DIR"
  if [ -n "$AS_ROOT" ] && [ "$(stat -c %U "$DBDIR")" != "$DB_USER" ]; then
    chown -R "$DB_USER:$DB_USER" "$DBDIR"   # a var/ of a stack that ran MariaDB as root
  fi
  own "$DB_USER:$DB_USER" 0750 "$DBDIR"
  # Opened by the processes themselves once they run as their own users.
  local f
  for f in "$LOG/mariadb.log"; do
    [ -e "$f" ] || : >"$f"; own "$DB_USER:$DB_USER" 0640 "$f"
  done
  for f in "$VAR/sms-outbox.jsonl" "$VAR/sms-notifications.jsonl"; do
    [ -e "$f" ] || : >"$f"; own "$SERVICE_USER:$SERVICE_USER" 0640 "$f"
  done
  # The store: the service writes it, nginx's workers read it (material downloads through
  # /_store/). setgid, so that what the service makes in it belongs to nginx's group (files
  # 0640, folders 0750); tmp/, the uploads in flight, is the service's alone.
  mkdir -p "$STORE/tmp"
  if [ -n "$AS_ROOT" ] && [ "$(stat -c %U "$STORE")" != "$SERVICE_USER" ]; then
    chown -R "$SERVICE_USER:$WEB_USER" "$STORE"   # a store of a stack that ran as root
    find "$STORE" -type d -exec chmod g+s {} +
  fi
  own "$SERVICE_USER:$WEB_USER" 2750 "$STORE"
  own "$SERVICE_USER:$WEB_USER" 0700 "$STORE/tmp"
  ln -sfn ../mysqld/mysqld.sock "$RUN/mysqld.sock"
  ln -sfn ../mysqld/mysqld.pid "$RUN/mysqld.pid"
}

# Fails clearly when the service's account cannot reach what it runs (a checkout in a
# private home folder, say): better than workers that die at exec or nginx's 502s.
check_reachable() {
  [ -n "$AS_ROOT" ] || return 0
  local path test
  for path in "$BIN/onewindow-fcgi" "$BIN/onewindow-pushd" "$RUN" "$ONEWINDOW_CONFIG"; do
    test=-x
    [ "$path" = "$ONEWINDOW_CONFIG" ] && test=-r
    setpriv --reuid="$SERVICE_USER" --regid="$SERVICE_USER" --init-groups \
      test "$test" "$path" || {
      say "$path is not readable by the user $SERVICE_USER (or a parent folder is private):"
      say "the services run as $SERVICE_USER (README \"Privileges\"); a config file with"
      say "credentials: chgrp $SERVICE_USER and chmod 0640"
      exit 1
    }
  done
}

start_db() {
  private_db || return 0
  if pid_alive "$RUN/mysqld.pid"; then return 0; fi
  # A temporary directory of its own, for the bootstrap too: a starting mariadbd deletes every
  # "#sql*" file in its tmpdir, which in a shared /tmp are the on-disk temporary tables of the
  # other servers running there (their statements then fail with error 6; a bootstrap loses
  # its own and stops with "Unknown table 'mysql.tmp_user_sys'").
  mkdir -p "$MYSQLD_DIR/tmp"
  [ -z "$AS_ROOT" ] || chown "$DB_USER:$DB_USER" "$MYSQLD_DIR/tmp"
  if [ ! -d "$DBDIR/mysql" ]; then
    say "initializing MariaDB in $DBDIR"
    mariadb-install-db --no-defaults --skip-test-db --datadir="$DBDIR" --user="$DB_USER" \
      --tmpdir="$MYSQLD_DIR/tmp" --auth-root-authentication-method=socket \
      >"$LOG/mariadb-install.log" 2>&1 ||
      { say "mariadb-install-db failed:"; head -n 15 "$LOG/mariadb-install.log" >&2; exit 1; }
  fi
  setsid mariadbd --no-defaults --datadir="$DBDIR" --socket="$MYSQLD_DIR/mysqld.sock" \
    --port="$DB_PORT" --bind-address=127.0.0.1 --user="$DB_USER" --skip-name-resolve \
    --pid-file="$MYSQLD_DIR/mysqld.pid" --tmpdir="$MYSQLD_DIR/tmp" \
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
  provision_db_accounts
}

# A random password in $SECRETS/$1 (made once), readable by $2 (owner:group) only.
password_file() {
  local file=$SECRETS/$1 owner=$2 mode=$3
  if [ ! -s "$file" ]; then
    (umask 077; /usr/bin/python3 -c 'import secrets; print(secrets.token_hex(24))' >"$file")
  fi
  own "$owner" "$mode" "$file"
  cat "$file"
}

# The private MariaDB's two accounts (README "Privileges"): the owner (migrations) with every
# privilege on the database, and the API's account, which `onewindow-admin migrate` grants
# only the DML it needs. The OS root keeps MariaDB's root over the socket (inspection).
provision_db_accounts() {
  local owner_pw api_pw
  owner_pw=$(password_file db-owner.password root:root 0600)
  api_pw=$(password_file db-api.password "root:$SERVICE_USER" 0640)
  mariadb --no-defaults --socket="$DB_SOCKET" -e "
    CREATE USER IF NOT EXISTS 'onewindow_owner'@'localhost';
    ALTER USER 'onewindow_owner'@'localhost' IDENTIFIED BY '$owner_pw';
    GRANT ALL PRIVILEGES ON onewindow.* TO 'onewindow_owner'@'localhost' WITH GRANT OPTION;
    CREATE USER IF NOT EXISTS 'onewindow_api'@'localhost';
    ALTER USER 'onewindow_api'@'localhost' IDENTIFIED BY '$api_pw';" \
    || { say "cannot create the database accounts"; exit 1; }
}

start_app() {
  "$BIN/onewindow-admin" migrate
  # Development only: a master key of our own under var/ (production names its file in the
  # configuration: master_key_file); then a signing key if there is none yet.
  local master; master=$(setting master_key_file)
  if [ ! -s "$master" ]; then
    (umask 077; /usr/bin/python3 -c 'import secrets; print(secrets.token_hex(32))' >"$master")
  fi
  own "root:$SERVICE_USER" 0640 "$master"   # the service reads it; nobody else
  check_reachable
  "$BIN/onewindow-admin" rotate-keys --if-missing >/dev/null
  # A demo staff account (API.md §9: make run loads demo accounts); exists after the first start.
  "$BIN/onewindow-admin" create-staff --username demo-ga --password onewindow-demo \
    --department GA >/dev/null 2>&1 || true
  # The demo catalog (idempotent; --partial keeps items imported by hand, e.g. the
  # benchmark's 100 k catalog).
  "$BIN/onewindow-admin" import-catalog "$ROOT/data/catalog-sample.json" --partial >/dev/null
  # The life-event bundles over that catalog (API.md §4; idempotent).
  "$BIN/onewindow-admin" import-life-events "$ROOT/data/life-events.json" >/dev/null
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

# Where nginx proxies a material download of the s3 store (presigned by the worker):
# endpoint/bucket/ (path style) or scheme://bucket.host/ (virtual-hosted style).
s3_proxy_base() {
  local endpoint bucket
  endpoint=$(setting s3_endpoint) bucket=$(setting s3_bucket)
  if [ "$(setting storage)" != s3 ] || [ -z "$endpoint" ]; then
    echo "http://127.0.0.1:9/"   # never used: the fs store serves from /_store/
  elif [ "$(setting s3_path_style)" = 1 ]; then
    echo "${endpoint%/}/$bucket/"
  else
    echo "${endpoint%%://*}://$bucket.${endpoint#*://}/"
  fi
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
  # Trusted proxies (README "Client IP"): X-Forwarded-For names the client only behind them.
  local real_ip="    # trusted_proxies is empty: the peer is the client" proxy proxies
  proxies=$(setting trusted_proxies)
  if [ -n "$proxies" ]; then
    real_ip=""
    IFS=, read -ra list <<<"$proxies"
    for proxy in "${list[@]}"; do real_ip+="    set_real_ip_from $proxy;"$'\n'; done
    real_ip+="    real_ip_header X-Forwarded-For;"$'\n'"    real_ip_recursive on;"
  fi
  max_body=$(( $(setting max_body_bytes) + 16384 ))
  local upload_max s3_base
  upload_max=$(( $(setting upload_max_bytes) + 16384 ))
  s3_base=$(s3_proxy_base)
  local user_line=""
  [ -n "$AS_ROOT" ] && user_line="user $WEB_USER $WEB_USER;"
  mkdir -p "$NGX"
  sed -e "s|@UPSTREAM_TIMEOUT@|${ONEWINDOW_UPSTREAM_TIMEOUT:-60}|g" \
      "$ROOT/nginx/fastcgi.conf.in" >"$NGX/fastcgi.conf"
  # Values reach the template through the environment, never spliced into code.
  USER_LINE="$user_line" NGINX_WORKERS="${ONEWINDOW_NGINX_WORKERS:-1}" RUN_DIR="$RUN" \
  LOG_DIR="$LOG" NGINX_DIR="$NGX" PORT="$PORT" NGINX_MAX_BODY="$max_body" \
  DOCS_DIR="$ROOT/build/docs" \
  IP_RATE="$(setting ip_rate_per_s)" IP_BURST="$(setting ip_burst)" \
  NGINX_UPLOAD_MAX="$upload_max" STORE_DIR="$STORE" OBJECT_STORE_URL="$s3_base" \
  UPSTREAM_SERVERS="${upstream%$'\n'}" ERROR_PAGES="${errors%$'\n'}" REAL_IP="$real_ip" \
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
  prepare_var
  find "$LOG" -type f -exec chmod o-rwx {} + # logs of a start before umask 027
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
  users      app $( [ -n "$AS_ROOT" ] && echo "$SERVICE_USER, nginx workers $WEB_USER, MariaDB $DB_USER" || id -un ) (README "Privileges")
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
  rm -f "$RUN"/fcgi-*.sock   # the master runs as the service: it cannot remove them in run/
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
  accounts) [ -z "$AS_ROOT" ] || { ensure_account "$SERVICE_USER"; ensure_account "$WEB_USER"; } ;;
  *) echo "usage: $0 start|stop|run|reload|status|accounts" >&2; exit 2 ;;
esac
