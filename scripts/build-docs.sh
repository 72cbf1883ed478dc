#!/usr/bin/env bash
# The developer portal that nginx serves at /docs/ (API.md §7): one self-contained HTML page
# rendered by Redoc (`@redocly/cli build-docs`, pinned in tools/package-lock.json) from
# api/openapi.yaml, with the guide for organizations (docs/organizations.md) as its first
# sections, and the two sources beside it for download. Test-only paths are left out.
# Usage: scripts/build-docs.sh [OUT_DIR]   (default build/docs)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$ROOT/build/docs}
redocly=$ROOT/tools/node_modules/.bin/redocly
[ -x "$redocly" ] || { echo "build-docs: $redocly is missing (scripts/deps.sh run installs the npm tools)" >&2; exit 1; }
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$ROOT/api/openapi.yaml" "$ROOT/docs/organizations.md" "$tmp/openapi.yaml" <<'PY'
import sys
import yaml
with open(sys.argv[1], encoding="utf-8") as f:
    doc = yaml.safe_load(f)
with open(sys.argv[2], encoding="utf-8") as f:
    guide = f.read()
# Redoc shows the headings of info.description in its menu: the guide comes first
doc["info"]["description"] = guide + "\n\n# The reference\n\n" + doc["info"].get("description", "")
doc["paths"] = {p: item for p, item in doc["paths"].items() if not item.get("x-test-only")}
used = {t for item in doc["paths"].values() for op in item.values()
        if isinstance(op, dict) for t in op.get("tags", [])}
doc["tags"] = [t for t in doc.get("tags", []) if t["name"] in used]
doc["servers"] = [{"url": "/", "description": "the server that serves this page"}]
with open(sys.argv[3], "w", encoding="utf-8") as f:
    yaml.safe_dump(doc, f, allow_unicode=True, sort_keys=False, width=100)
PY
# no telemetry, no update check: a build that works offline and tells nobody
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1 \
  "$redocly" build-docs "$tmp/openapi.yaml" --output "$tmp/index.html" \
  --title "onewindow API (一网通办)" --inlineBundle --openapi.disableGoogleFont=true >"$tmp/build.log" 2>&1 ||
  { cat "$tmp/build.log" >&2; exit 1; }
cp "$tmp/index.html" "$out/index.html"
cp "$ROOT/api/openapi.yaml" "$out/openapi.yaml"
cp "$ROOT/docs/organizations.md" "$out/organizations.md"
echo "build-docs: $out/index.html ($(wc -c <"$out/index.html") bytes)"
