#!/usr/bin/env bash
# Part of `make bench` (sourced by scripts/bench.sh, whose stack runs): the mixed scenario
# (tests/bench/mixed.lua: search 60 %, own application detail 20 %, inbox 10 %, public
# progress 5 %, submissions 4 %, password logins 1 %; many citizens, each with their own
# token) with 1, 2 and 4 worker processes at each size of the application table, its
# figures by tests/bench/mixed-run.py (per route p50/p99 from the workers' histograms, CPU
# time per request of nginx, the workers, MariaDB and pushd). The JSON lines of every run go
# to $ONEWINDOW_VAR_DIR/mixed.jsonl; bench.sh prints the tables at the end.
#   BENCH_MIXED_SECONDS (10), BENCH_MIXED_CONNECTIONS (64), BENCH_MIXED_WORKERS ("1 2 4"),
#   BENCH_MIXED_APPS (2000 random applications and their owners in the mix)

# The data files of mixed.lua, from the applications there are now.
mixed_prepare() {
  local want=${BENCH_MIXED_APPS:-2000} total every
  total=$(sql "SELECT COUNT(*) FROM applications")
  every=$(( total / want > 1 ? total / want : 1 )) # spread over the whole table
  sql "SELECT application_no, citizen_id, query_code FROM applications
       WHERE id % $every = 0 LIMIT $want" >"$ONEWINDOW_VAR_DIR/mixed-apps.tsv"
  LOGIN_PHONE=$phone LOGIN_PASSWORD=$password /usr/bin/python3 "$ROOT/tests/bench/mixed-data.py" \
    "$base" "$ONEWINDOW_VAR_DIR/mixed" <"$ONEWINDOW_VAR_DIR/mixed-apps.tsv" >/dev/null
}

# The FastCGI master again with n workers (nginx's upstream follows).
mixed_workers() {
  local n=$1 pid
  pid=$(cat "$ONEWINDOW_VAR_DIR/run/onewindow-fcgi.pid")
  kill -TERM "$pid"
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  ONEWINDOW_WORKERS=$n "$ROOT/scripts/stack.sh" start >/dev/null
}

# Every worker count at the current size of the application table.
mixed_matrix() {
  local size=$1 n
  mixed_prepare
  for n in ${BENCH_MIXED_WORKERS:-1 2 4}; do
    mixed_workers "$n"
    BENCH_SECS=3 BENCH_SCRIPT=mixed.lua BENCH_MIXED=$ONEWINDOW_VAR_DIR/mixed measure "$base" >/dev/null
    /usr/bin/python3 "$ROOT/tests/bench/mixed-run.py" "$base" "$ONEWINDOW_VAR_DIR" \
      "$ONEWINDOW_VAR_DIR/mixed" "${BENCH_MIXED_SECONDS:-10}" "${BENCH_MIXED_CONNECTIONS:-64}" \
      "$threads" "size=$size workers=$n" "$ONEWINDOW_VAR_DIR/mixed.jsonl" >&2
  done
}

# The tables of the runs: throughput by size and workers, then per route and per process for
# the largest size.
mixed_report() {
  /usr/bin/python3 - "$ONEWINDOW_VAR_DIR/mixed.jsonl" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
def key(r):
    return dict(p.split("=") for p in r["label"].split())
sizes = sorted({int(key(r)["size"]) for r in runs})
workers = sorted({int(key(r)["workers"]) for r in runs})
print("\nmixed scenario (req/s, p99 ms, non-2xx) by applications and worker processes:")
print("| applications | " + " | ".join(f"{w} worker{'s' if w > 1 else ''}" for w in workers) + " |")
print("|---|" + "---|" * len(workers))
for s in sizes:
    row = []
    for w in workers:
        r = next((r for r in runs if key(r) == {"size": str(s), "workers": str(w)}), None)
        row.append(f"{r['rps']} ({r['p99_ms']:.1f} ms{', ' + str(r['non2xx']) + ' non-2xx' if r['non2xx'] else ''})" if r else "")
    print(f"| {s:,} | " + " | ".join(row) + " |")
for r in runs:
    if key(r)["size"] != str(sizes[-1]):
        continue
    print(f"\n{r['label']}: {r['rps']} req/s; per route (server side, from the histograms):")
    print("| route | share | req/s | p50 ms | p99 ms |\n|---|---|---|---|---|")
    for name, f in r["routes"].items():
        print(f"| {name} | {f['share'] * 100:.1f} % | {f['rps']} | {f['p50_ms']} | {f['p99_ms']} |")
    print("CPU µs per request: " + ", ".join(f"{g} {v}" for g, v in r["cpu_us_per_request"].items())
          + "; cores used: " + ", ".join(f"{g} {v}" for g, v in r["cpu_cores_used"].items()))
PY
}
