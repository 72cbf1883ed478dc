#!/usr/bin/env bash
# nginx's own errors as problem+json (API.md §1), from nginx/problems.tsv:
#   scripts/nginx-problems.sh error_pages    the error_page lines (server level)
#   scripts/nginx-problems.sh locations      the internal /_problem/NNN locations they name
# Used by scripts/stack.sh (development and tests) and deploy/render-nginx.sh (production);
# both need the $ow_request_id and $ow_lang maps of nginx/nginx.conf.in.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
what=${1:-}
case $what in error_pages|locations) ;; *) echo "usage: $0 error_pages|locations" >&2; exit 2 ;; esac
while IFS=$'\t' read -r status code title zh en; do
  [[ $status =~ ^[0-9]+$ ]] || continue
  # nginx answers its internal 494 (header too large) as 400 on the wire: say the same.
  wire=$status
  [ "$status" = 494 ] && wire=400
  retry="# no Retry-After"
  case $status in 429|502|503|504) retry="add_header Retry-After 1 always;" ;; esac
  if [ "$what" = error_pages ]; then
    echo "        error_page $status /_problem/$status;"
    continue
  fi
  cat <<LOC
        location = /_problem/$status {
            internal;
            default_type application/problem+json;
            add_header X-Request-Id \$ow_request_id always;
            $retry
            set \$detail "$zh";
            if (\$ow_lang = en) { set \$detail "$en"; }
            return $wire '{"type":"about:blank","title":"$title","status":$wire,"detail":"\$detail","code":"$code","request_id":"\$ow_request_id"}';
        }
LOC
done <"$ROOT/nginx/problems.tsv"
