#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs, only those that are missing.
# Usage: scripts/deps.sh [build|lint|run|test|bench|fuzz|ops]   (run, test and bench include
# the ones before them; lint is build plus the checkers of `make lint`; fuzz is build plus
# clang; ops is test plus what the operations targets need)
set -euo pipefail

build_pkgs=(gcc make pkg-config libfcgi-dev libmariadb-dev libjwt-dev libcjson-dev libpcre2-dev libmagic-dev zlib1g-dev libjpeg-dev
            libsodium-dev libssl-dev libcurl4-openssl-dev libopencc-dev libunistring-dev
            libstemmer-dev libxxhash-dev python3 python3-jieba)
run_pkgs=(mariadb-server mariadb-client nginx curl procps tzdata ca-certificates python3 libopencc-data
          python3-yaml)
# python3-jsonschema: the e2e answers checked against api/openapi.yaml (tests/e2e/contract.py)
test_pkgs=(libcmocka-dev python3 python3-pytest python3-requests python3-yaml python3-jwt
           python3-cryptography python3-jsonschema valgrind python3-pil python3-botocore
           clamav-daemon)
# chromium: the headless browser of the /docs/ page test (driven by tools/' playwright-core)
test_pkgs+=(chromium)
lint_pkgs=(clang-format cppcheck python3)
# clang's libFuzzer and sanitizers: `make fuzz` (tests/fuzz).
fuzz_pkgs=(clang libclang-rt-14-dev)
# php-fpm + php-mysql: only the benchmark's PHP peer (tests/bench/peers/php).
bench_pkgs=(wrk php-fpm php-mysql)
# make test-deploy / test-faults / test-cluster (README "Operations"): promtool, the
# checkers of the deployment files, network namespaces.
ops_pkgs=(prometheus systemd logrotate nftables iproute2 util-linux openssl)

want=("${build_pkgs[@]}")
case "${1:-build}" in
  build) ;;
  lint)  want+=("${lint_pkgs[@]}") ;;
  run)   want+=("${run_pkgs[@]}") ;;
  test)  want+=("${run_pkgs[@]}" "${test_pkgs[@]}") ;;
  bench) want+=("${run_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  fuzz)  want+=("${fuzz_pkgs[@]}") ;;
  ops)   want+=("${run_pkgs[@]}" "${test_pkgs[@]}" "${ops_pkgs[@]}") ;;
  *) echo "deps.sh: unknown set '$1' (build|lint|run|test|bench|fuzz|ops)" >&2; exit 2 ;;
esac

# The npm tools (tools/package-lock.json: the /docs/ renderer, OpenAPI linters, the browser
# driver, s3rver for the s3 store's tests) for run, test and bench: `npm ci` when node_modules
# is missing or the lock changed.
npm_tools() {
  [ "${1:-build}" = build ] || [ "${1:-build}" = lint ] && return 0
  local root lock stamp
  root=$(cd "$(dirname "$0")/.." && pwd)
  lock=$(sha256sum "$root/tools/package-lock.json" | cut -d' ' -f1)
  stamp=$root/tools/node_modules/.onewindow-lock
  [ "$(cat "$stamp" 2>/dev/null)" = "$lock" ] && return 0
  command -v npm >/dev/null || { echo "deps.sh: npm is missing (Node.js 20 or later)" >&2; return 1; }
  echo "deps.sh: npm ci --prefix tools" >&2
  # SCARF_ANALYTICS=false: no install-time telemetry from the tools' dependencies
  (cd "$root" && SCARF_ANALYTICS=false npm ci --prefix tools --no-audit --no-fund >/dev/null) &&
    echo "$lock" >"$stamp"
}

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  npm_tools "${1:-build}"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "deps.sh: missing packages: ${missing[*]} (run as root, or install them)" >&2
  exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# policy-rc.d keeps the Debian packages from starting system-wide mariadb/nginx services:
# the project runs its own private instances.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
npm_tools "${1:-build}"
