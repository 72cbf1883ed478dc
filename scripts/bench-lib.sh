#!/usr/bin/env bash
# Sourced by the benchmark scripts (scripts/bench.sh, scripts/bench-search.sh): a private
# stack's environment and the summary of a wrk run.

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A private stack: a temporary directory named after $1, free ports, config/dev.conf unless
# ONEWINDOW_CONFIG names another, and the per-client-IP limit lifted (one wrk client would
# be answered 429).
private_stack_env() {
  export ONEWINDOW_VAR_DIR; ONEWINDOW_VAR_DIR=$(mktemp -d "/tmp/$1-XXXXXX")
  export ONEWINDOW_PORT; ONEWINDOW_PORT=$(free_port)
  export ONEWINDOW_DB_PORT; ONEWINDOW_DB_PORT=$(free_port)
  export ONEWINDOW_CONFIG=${ONEWINDOW_CONFIG:-$ROOT/config/dev.conf}
  export ONEWINDOW_IP_RATE_PER_S=1000000 ONEWINDOW_IP_BURST=1000000
}

# wrk --latency's output on stdin → "requests/s p50 p99 non-2xx" (latencies in ms)
wrk_summary() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50.000%" || $1 == "50%" { p50 = ms($2) }
    $1 == "99.000%" || $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { bad = $NF }
    END { printf "%.0f %.2f %.2f %d\n", rps, p50, p99, bad }'
}
