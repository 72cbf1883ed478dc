#!/usr/bin/env bash
# `make callgrind-search`: what the search engine costs in instructions (valgrind's callgrind),
# which repeat exactly on a busy machine, where wall-clock figures do not. The engine of this
# tree and of a base revision (CALLGRIND_BASE, default main) run the same driver
# (tests/bench/search_driver.c: no HTTP, no database) on the same generated catalog and
# queries; the table gives the index build and, per query file, the instructions per query of
# the search (a page of 10, highlights, suggestions) and of the type-ahead suggest, cold (no
# reading cache) and warm.
#   CALLGRIND_SIZE     items of the catalog (default 100000; scripts/gen-catalog.py, seed 1)
#   CALLGRIND_QUERIES  query files (default: tests/bench/search-queries.txt and
#                      tests/bench/situation-queries.txt)
#   CALLGRIND_BASE     the revision to compare with (default main; empty: this tree only)
# Outputs (catalog, the base's build, callgrind files) stay in build/callgrind/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=$ROOT/build/callgrind
size=${CALLGRIND_SIZE:-100000}
base=${CALLGRIND_BASE-main}
read -r -a queries <<<"${CALLGRIND_QUERIES:-tests/bench/search-queries.txt tests/bench/situation-queries.txt}"
mkdir -p "$OUT"

catalog=$OUT/catalog-$size.json
[ -s "$catalog" ] || /usr/bin/python3 scripts/gen-catalog.py --size "$size" --out "$catalog" 2>/dev/null

PKGS="fcgi libmariadb libjwt libcjson libsodium openssl libcurl opencc libxxhash libpcre2-8 libmagic zlib libjpeg"
# The same driver against the base's sources and objects (built by its own Makefile).
base_driver() {
  local rev=$1 dir=$OUT/base-$1
  if [ ! -x "$dir/search-driver" ]; then
    rm -rf "$dir" && mkdir -p "$dir/src"
    git archive "$rev" | tar -x -C "$dir/src"
    echo "callgrind-search: building $base ($rev) in $dir/src …" >&2
    make -C "$dir/src" build >"$dir/build.log" 2>&1 ||
      { echo "callgrind-search: the base did not build: $dir/build.log" >&2; exit 1; }
    mkdir -p "$dir/src/tests/bench"
    cp tests/bench/search_driver.c "$dir/src/tests/bench/"
    # shellcheck disable=SC2046,SC2086
    (cd "$dir/src" && gcc -std=c11 -D_GNU_SOURCE -O2 -g -I. -Ibuild/gen $(pkg-config --cflags $PKGS) \
      tests/bench/search_driver.c $(find build/obj -name '*.o') -o "$dir/search-driver" \
      $(pkg-config --libs $PKGS) -lunistring -lstemmer -lpthread -lm)
  fi
  echo "$dir/search-driver"
}

# Runs one driver under callgrind; prints "label instructions" lines (build, then per file
# search_cold suggest_cold search_warm suggest_warm).
measure() {
  local name=$1 driver=$2
  rm -f "$OUT/$name.out"*
  valgrind --tool=callgrind --callgrind-out-file="$OUT/$name.out" --collect-atstart=no \
    --toggle-collect='bench_*' "$driver" data/codes.json "$catalog" "${queries[@]}" \
    >"$OUT/$name.txt" 2>"$OUT/$name.log"
  for f in $(ls "$OUT/$name.out".* | sort -t. -k3 -n); do
    awk '/^desc: Trigger: Client Request:/ { label = $NF } /^totals:/ { print label, $2 }' "$f"
  done
}

# as the driver reads them: one a line, or the second field of an evaluation set's lines
count_queries() { awk -F'\t' '!/^#/ { q = NF >= 2 ? $2 : $1; if (q != "") n++ } END { print n + 0 }' "$1"; }

engines=("this:$ROOT/build/bench/search-driver")
if [ -n "$base" ]; then
  rev=$(git rev-parse --short "$base")
  engines=("$base@$rev:$(base_driver "$rev")" "${engines[@]}")
fi

echo "catalog: $size items (scripts/gen-catalog.py, seed 1); instructions (Ir) under callgrind"
printf '| %-16s | %-40s | %14s | %14s | %14s | %14s |\n' engine "part" "search cold" "search warm" \
  "suggest cold" "suggest warm"
printf '|%s|%s|%s|%s|%s|%s|\n' ------------------ ------------------------------------------ \
  ---------------- ---------------- ---------------- ----------------
for e in "${engines[@]}"; do
  name=${e%%:*} driver=${e#*:}
  mapfile -t parts < <(measure "${name//[^A-Za-z0-9]/_}" "$driver")
  build=${parts[0]#* }
  printf '| %-16s | %-40s | %14s | %14s | %14s | %14s |\n' "$name" "index build (total Ir)" \
    "$build" "" "" ""
  i=1
  for q in "${queries[@]}"; do
    n=$(count_queries "$q")
    per() { awk -v t="${parts[$1]#* }" -v n="$n" 'BEGIN { printf "%d", t / n }'; }
    printf '| %-16s | %-40s | %14s | %14s | %14s | %14s |\n' "$name" "$(basename "$q") ($n, per query)" \
      "$(per $i)" "$(per $((i + 2)))" "$(per $((i + 1)))" "$(per $((i + 3)))"
    i=$((i + 4))
  done
done
