#!/usr/bin/env bash
# Part of `make bench` (sourced by scripts/bench.sh, whose stack runs, after the submission
# row: its real-name verified citizen and token): a life-event bundle of 5 services submitted
# at once (POST /api/v1/life-events/{code}/applications: the merged form checked, one bundle
# row and 5 child applications with their timeline events, audit rows and one notification,
# in one transaction) with a new Idempotency-Key each, then the citizen's bundle detail
# (GET /api/v1/bundles/{no}: the bundle with its 5 children and their timelines) over the
# bundles that run made. The shipped bundles need fresh uploads for every submission, so the
# bench adds one of its own ("bench-five") of 5 personal services that ask for no materials,
# imported with the shipped ones (the import is all or nothing: nothing shipped is retired).

bundle_bench() {
  local file=$ONEWINDOW_VAR_DIR/life-events-bench.json body pairs=$ONEWINDOW_VAR_DIR/bundle-pairs
  /usr/bin/python3 - "$ROOT/data/life-events.json" "$file" <<'PY'
import copy, json, sys
life = json.load(open(sys.argv[1], encoding="utf-8"))
five = copy.deepcopy(next(b for b in life["life_events"] if b["code"] == "social-security-card"))
five.update(code="bench-five", name="基准测试一件事", name_en="Benchmark bundle", questions=[],
            services=[{"service": s, "required": True} for s in
                      ("RS-GG-006", "JT-GG-015", "WL-GG-011", "WL-GG-013", "YB-QR-024")])
five.pop("produces", None)
life["life_events"].append(five)
json.dump(life, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
  "$BIN/onewindow-admin" import-life-events "$file" >/dev/null
  body=$(curl -s "$base/api/v1/life-events/bench-five" | (cd "$ROOT/tests/e2e" && /usr/bin/python3 -c '
import json, sys
from people import sample_value
schema = json.load(sys.stdin)["form_schema"]
form = {name: sample_value(p) for name, p in schema["properties"].items()}
print(json.dumps({"answers": {}, "form": form, "materials": []}, ensure_ascii=False))'))
  local rps p50 p99 bad
  read -r rps p50 p99 bad < <(BENCH_C=$detail_conns BENCH_SCRIPT=idempotent-post.lua \
    BENCH_BODY="$body" BENCH_TOKEN="$submit_token" measure "$base/api/v1/life-events/bench-five/applications")
  row "POST bundle of 5 (new key), c$detail_conns" "$rps" "$p50" "$p99" "$bad"
  sql "SELECT bundle_no FROM bundles WHERE citizen_id = $me_id AND life_event_code = 'bench-five' ORDER BY RAND() LIMIT 1000" |
    sed "s|^\(.*\)\$|/api/v1/bundles/\1\t$submit_token|" >"$pairs"
  read -r rps p50 p99 bad < <(BENCH_C=$detail_conns BENCH_SCRIPT=auth-paths.lua BENCH_PAIRS=$pairs \
    measure "$base")
  row "GET /bundles/{no} 5 children, c$detail_conns" "$rps" "$p50" "$p99" "$bad"
  bundle_summary="bundles: $(sql "SELECT COUNT(*) FROM bundles WHERE life_event_code = 'bench-five'") of 5 services submitted by the row above; the detail over $(wc -l <"$pairs") of them"
}
