#!/usr/bin/env bash
# Part of `make bench` (sourced by scripts/bench.sh, whose stack runs): onewindow-pushd's
# deliveries per second with one and with two pushd processes against a fast local fake — a
# server of the stack's nginx over TLS and HTTP/2 answering 200 to everything — through the
# JPush channel (HTTP Basic: no token round trips, so the figure is pushd's own), and the
# cost of the claim (from pushd's per-batch log lines).
# Then the same over HTTP/1.1, as SMS gateways and most webhook receivers speak it: the SMS
# channel against tests/e2e/sms_gateway.py answering every message after 300 ms, one pushd
# with its default batch and connections per host (target ≥ 500 deliveries/s, none timed
# out).
#   BENCH_PUSH_ROWS (20000 per run), BENCH_PUSH_HTTP1_ROWS (5000).

# Before the stack starts: the fake's certificate and its server block.
render_push_fake() {
  local dir=$ONEWINDOW_VAR_DIR/push-fake
  mkdir -p "$dir" "$ONEWINDOW_VAR_DIR/nginx/conf.d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
  push_port=$(free_port)
  cat >"$ONEWINDOW_VAR_DIR/nginx/conf.d/push-fake.conf" <<CONF
server {
    listen 127.0.0.1:$push_port ssl http2;
    ssl_certificate $dir/cert.pem;
    ssl_certificate_key $dir/key.pem;
    access_log off;
    keepalive_requests 100000;
    location / { return 200 '{"sendno":"0","msg_id":"1"}'; }
}
CONF
}

# Waits (up to a minute) until no outbox row matching the condition is pending; prints the
# seconds since t0.
drained_after() {
  local cond=$1 t0=$2 left
  for _ in $(seq 1200); do
    left=$(sql "SELECT COUNT(*) FROM outbox WHERE $cond AND status = 'pending'")
    [ "$left" -eq 0 ] && break
    sleep 0.05
  done
  awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'
}

# One run: rows deliveries by n pushd processes; prints "deliveries/s claim_us_per_batch".
push_run() {
  local n=$1 rows=$2 conf=$ONEWINDOW_VAR_DIR/push-fake/pushd.conf pids=() t0
  sql "INSERT INTO outbox (delivery_id, channel, notification_id, citizen_id, target_id)
       SELECT UUID(), 'jpush', $push_notification, $push_citizen, $push_device
       FROM seq_1_to_$rows"
  : >"$ONEWINDOW_VAR_DIR/push-fake/pushd.log"
  t0=$(date +%s.%N)
  for _ in $(seq "$n"); do
    ONEWINDOW_CONFIG=$conf ONEWINDOW_JPUSH_BASE=https://127.0.0.1:$push_port \
      "$BIN/onewindow-pushd" >>"$ONEWINDOW_VAR_DIR/push-fake/pushd.log" 2>&1 &
    pids+=($!)
  done
  local secs; secs=$(drained_after "channel = 'jpush'" "$t0")
  kill -TERM "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null
  local bad; bad=$(sql "SELECT COUNT(*) FROM outbox WHERE channel = 'jpush' AND status <> 'done'")
  [ "$bad" -eq 0 ] || echo "bench: $bad JPush deliveries not done: the rate below means nothing" >&2
  awk -v r="$rows" -v s="$secs" 'BEGIN { printf "%.0f ", r / s }'
  sed -n 's/.*claim \([0-9]*\) us.*/\1/p' "$ONEWINDOW_VAR_DIR/push-fake/pushd.log" |
    awk '{ s += $1; n++ } END { printf "%.0f %d\n", n ? s / n : 0, n }'
}

# The SMS channel over HTTP/1.1 against a gateway answering in 300 ms: "deliveries/s
# retried" (retried: rows that needed more than one try, e.g. a timeout).
push_run_http1() {
  local rows=$1 port conf=$ONEWINDOW_VAR_DIR/push-fake/pushd-sms.conf gw pid t0
  port=$(free_port)
  /usr/bin/python3 "$ROOT/tests/e2e/sms_gateway.py" --port "$port" --delay 0.3 &
  gw=$!
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  { cat "$ONEWINDOW_CONFIG"; printf '%s\n' "push_channels = sms" "sms_provider = http" \
      "sms_url = http://127.0.0.1:$port/sms/send"; } >"$conf"
  sql "INSERT INTO outbox (delivery_id, channel, notification_id, citizen_id, target_ref)
       SELECT UUID(), 'sms', $push_notification, $push_citizen, 'bench-h1' FROM seq_1_to_$rows"
  t0=$(date +%s.%N)
  ONEWINDOW_CONFIG=$conf "$BIN/onewindow-pushd" >>"$ONEWINDOW_VAR_DIR/push-fake/pushd.log" 2>&1 &
  pid=$!
  local secs; secs=$(drained_after "target_ref = 'bench-h1'" "$t0")
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  kill "$gw" 2>/dev/null; wait "$gw" 2>/dev/null || true # killed: 143
  awk -v r="$rows" -v s="$secs" 'BEGIN { printf "%.0f ", r / s }'
  sql "SELECT COUNT(*) FROM outbox WHERE target_ref = 'bench-h1' AND (attempts > 1 OR status <> 'done')"
}

push_bench() {
  local rows=${BENCH_PUSH_ROWS:-20000} conf=$ONEWINDOW_VAR_DIR/push-fake/pushd.conf
  # pushd's own config: the stack's, plus the JPush credentials (config file only, API.md §6)
  { cat "$ONEWINDOW_CONFIG"; printf '%s\n' "push_channels = jpush" "jpush_app_key = bench" \
      "jpush_master_secret = bench-secret" "push_ca_file = $ONEWINDOW_VAR_DIR/push-fake/cert.pem" \
      "push_batch = 500"; } >"$conf"
  push_citizen=$(sql "SELECT MIN(id) FROM citizens")
  sql "INSERT INTO devices (citizen_id, platform, token, token_hash)
       VALUES ($push_citizen, 'jpush', 'bench-device', UNHEX(SHA2('bench-device', 256)))"
  push_device=$(sql "SELECT id FROM devices WHERE token = 'bench-device'")
  sql "INSERT INTO notifications (citizen_id, kind, title, body)
       VALUES ($push_citizen, 'application', '申请已受理', '您申请的「居民身份证首次申领」已受理。')"
  push_notification=$(sql "SELECT MAX(id) FROM notifications WHERE citizen_id = $push_citizen")
  read -r one_rate one_claim one_batches < <(push_run 1 "$rows")
  read -r two_rate two_claim two_batches < <(push_run 2 "$rows")
  read -r h1_rate h1_retried < <(push_run_http1 "${BENCH_PUSH_HTTP1_ROWS:-5000}")
  echo "pushd (JPush channel, fake over TLS + HTTP/2 answering 200, batch 500): one pushd" \
       "$one_rate deliveries/s, two $two_rate/s (target ≥ 5000 with two); claim (SELECT … FOR" \
       "UPDATE SKIP LOCKED + lease UPDATE + details) ${one_claim} µs per batch alone, ${two_claim} µs with two" \
       "($rows rows per run)"
  echo "pushd over HTTP/1.1 (SMS channel, a gateway answering in 300 ms, default batch and" \
       "connections per host): $h1_rate deliveries/s (target ≥ 500), $h1_retried needed" \
       "another try (timed out or failed; target 0)"
}
