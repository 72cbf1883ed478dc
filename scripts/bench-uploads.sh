#!/usr/bin/env bash
# Part of `make bench` (sourced by scripts/bench.sh, whose stack runs): POST /api/v1/uploads
# of 1 MiB PNGs at BENCH_UPLOAD_CONNECTIONS (32) at once (nginx buffers each body; the worker
# streams it from the FastCGI connection in 64 KiB pieces into its spool file, hashing,
# then sniffs, checks every chunk's CRC and links the object into place: fsync and rename),
# and the workers' resident memory sampled while they run, against the same run with 16 KiB
# files: memory must not grow with the file size (the worker never holds the body).
#   BENCH_UPLOAD_FILES (64 distinct files per size), BENCH_UPLOAD_SECONDS (BENCH_SECONDS).

# The sum and the largest of the workers' VmRSS in MiB: "sum max".
workers_rss() {
  local master pid sum=0 max=0 kib
  master=$(cat "$ONEWINDOW_VAR_DIR/run/onewindow-fcgi.pid")
  for pid in $(pgrep -P "$master"); do
    kib=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
    sum=$((sum + kib)); [ "$kib" -gt "$max" ] && max=$kib
  done
  echo "$((sum / 1024)) $((max / 1024))"
}

# One run of `bytes`-sized uploads: prints "rps p50 p99 bad peak_sum_mib peak_max_mib".
upload_run() {
  local bytes=$1 dir=$ONEWINDOW_VAR_DIR/upload-files-$1 n=${BENCH_UPLOAD_FILES:-64}
  mkdir -p "$dir"
  /usr/bin/python3 - "$dir" "$bytes" "$n" >"$dir.list" <<'PY'
import os, struct, sys, zlib
folder, total, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
raw = b"".join(b"\x00" + bytes([(x * 7 + y) % 256 for x in range(24)]) for y in range(8))
head = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(raw))
tail = chunk(b"IEND", b"")
for i in range(n):  # a private chunk pads each to the size; its bytes differ per file
    pad = total - len(head) - len(tail) - 12
    seed = os.urandom(32)
    data = (seed * (pad // 32 + 1))[:pad]
    with open(os.path.join(folder, f"{i}.png"), "wb") as f:
        f.write(head + chunk(b"prIv", data) + tail)
    print(os.path.join(folder, f"{i}.png"))
PY
  local peak_sum=0 peak_max=0 sampler
  ( while :; do workers_rss; sleep 0.2; done ) >"$dir.rss" &
  sampler=$!
  local result
  result=$(BENCH_C=${BENCH_UPLOAD_CONNECTIONS:-32} BENCH_SECS=${BENCH_UPLOAD_SECONDS:-$secs} \
    BENCH_SCRIPT=upload.lua BENCH_FILES=$dir.list BENCH_TYPE=image/png BENCH_TOKEN=$upload_token \
    measure "$base/api/v1/uploads")
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  read -r peak_sum peak_max < <(awk '$1 > s { s = $1 } $2 > m { m = $2 } END { print s + 0, m + 0 }' "$dir.rss")
  echo "$result $peak_sum $peak_max"
}

upload_bench() {
  upload_token=$submit_token
  local idle rps p50 p99 bad psum pmax small
  idle=$(workers_rss)
  read -r rps p50 p99 bad psum pmax < <(upload_run 16384)
  small="$psum $pmax"
  row "POST /uploads 16 KiB, c${BENCH_UPLOAD_CONNECTIONS:-32}" "$rps" "$p50" "$p99" "$bad"
  read -r rps p50 p99 bad psum pmax < <(upload_run 1048576)
  row "POST /uploads 1 MiB, c${BENCH_UPLOAD_CONNECTIONS:-32}" "$rps" "$p50" "$p99" "$bad"
  upload_summary="uploads: worker RSS MiB (sum, largest worker): idle ${idle/ /, };"
  upload_summary+=" peak during 16 KiB uploads ${small/ /, }; peak during 1 MiB uploads $psum, $pmax"
}
