#!/usr/bin/env bash
# Part of `make bench` (sourced by scripts/bench.sh, whose stack runs with the generated
# applications: `generate-applications --year`, a year of completions, ratings and
# rectification cases, counted by `rebuild-stats` once the last generation is in): the public
# statistics (API.md §8) over the longest range (366 days up to today), every department at
# once, one department with its monthly series and one service, each path cycling over
# departments and services; then POST /api/v1/applications/{no}/rating, each request rating
# another completed, unrated application of a generated citizen (finished within the rating
# window) with its owner's token, so that every answer is a new rating: its row, the service's
# summary, the statistics counters of its department and service, one transaction.

stats_rebuild() {
  local t0
  t0=$(date +%s.%N)
  "$BIN/onewindow-admin" rebuild-stats >"$ONEWINDOW_VAR_DIR/rebuild-stats.txt"
  stats_rebuild_s=$(secs_since "$t0")
}

stats_bench() {
  local from to paths=$ONEWINDOW_VAR_DIR/stats-paths pairs=$ONEWINDOW_VAR_DIR/rating-pairs
  local rps p50 p99 bad kind
  local tz
  tz=$("$BIN/onewindow-admin" config | sed -n 's/^timezone: //p')
  to=$(TZ=$tz date +%F) from=$(TZ=$tz date -d '365 days ago' +%F)
  for kind in departments department service; do
    case $kind in
      departments) echo "/api/v1/stats/departments?from=$from&to=$to" >"$paths" ;;
      department) sql "SELECT code FROM departments ORDER BY code" |
        sed "s|^\(.*\)\$|/api/v1/stats/departments/\1?from=$from\&to=$to|" >"$paths" ;;
      service) sql "SELECT service_code FROM ratings GROUP BY service_code ORDER BY COUNT(*) DESC LIMIT 200" |
        sed "s|^\(.*\)\$|/api/v1/stats/services/\1?from=$from\&to=$to|" >"$paths" ;;
    esac
    BENCH_SECS=2 measure "$base" "$paths" >/dev/null # warm
    read -r rps p50 p99 bad < <(BENCH_C=$detail_conns measure "$base" "$paths")
    case $kind in
      departments) row "GET /stats/departments 366 d, c$detail_conns" "$rps" "$p50" "$p99" "$bad" ;;
      department) row "GET /stats/departments/{code} 366 d" "$rps" "$p50" "$p99" "$bad" ;;
      service) row "GET /stats/services/{code} 366 d" "$rps" "$p50" "$p99" "$bad" ;;
    esac
  done
  # unrated completions within the rating window (rating_window_days, 30 by default), of the
  # generated citizens; each rated once: the row is as long as the run needs, at most
  sql "SELECT a.application_no, a.citizen_id FROM applications a LEFT JOIN ratings r
       ON r.application_id = a.id WHERE a.status = 'completed' AND r.id IS NULL
       AND a.finished_at > NOW() - INTERVAL 29 DAY ORDER BY RAND() LIMIT ${BENCH_RATINGS:-20000}" \
    >"$ONEWINDOW_VAR_DIR/rating-owners.tsv"
  /usr/bin/python3 "$ROOT/tests/bench/detail-pairs.py" "$base" "$pairs" rating \
    <"$ONEWINDOW_VAR_DIR/rating-owners.tsv" >/dev/null
  local before
  before=$(sql "SELECT COUNT(*) FROM ratings")
  read -r rps p50 p99 bad < <(BENCH_C=$detail_conns BENCH_SCRIPT=auth-paths.lua BENCH_PAIRS=$pairs \
    measure "$base")
  row "POST /applications/{no}/rating c$detail_conns" "$rps" "$p50" "$p99" "$bad"
  stats_summary="statistics: $(sql "SELECT COUNT(*) FROM applications WHERE status = 'completed'") completed applications, $before ratings ($(sql "SELECT COUNT(*) FROM rectifications") rectification cases) before the rating row, which added $(($(sql "SELECT COUNT(*) FROM ratings") - before)) of $(wc -l <"$pairs") prepared; rebuild-stats ${stats_rebuild_s:-?} s ($(paste -sd, "$ONEWINDOW_VAR_DIR/rebuild-stats.txt" 2>/dev/null | sed 's/,/, /g'))"
}
