#!/usr/bin/env bash
# Writes the two files deploy/nginx/onewindow.conf includes, from the repository's nginx/
# templates (the same the development stack renders):
#   deploy/render-nginx.sh [DIR] [UPSTREAM_TIMEOUT_S]     (default /etc/nginx/onewindow, 60)
# DIR/fastcgi.conf   what nginx tells the workers of each request (nginx/fastcgi.conf.in)
# DIR/problems.conf  nginx's own errors as problem+json (nginx/problems.tsv)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/etc/nginx/onewindow} timeout=${2:-60}
mkdir -p "$dir"
sed -e "s|@UPSTREAM_TIMEOUT@|$timeout|g" "$ROOT/nginx/fastcgi.conf.in" >"$dir/fastcgi.conf"
{
  echo "# Written by deploy/render-nginx.sh from nginx/problems.tsv: do not edit."
  "$ROOT/scripts/nginx-problems.sh" error_pages
  "$ROOT/scripts/nginx-problems.sh" locations
} >"$dir/problems.conf"
echo "render-nginx: wrote $dir/fastcgi.conf and $dir/problems.conf"
