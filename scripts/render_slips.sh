#!/usr/bin/env bash
# Render the bundled example's settlement slips with headless Chromium and write the PNGs under
# docs/img/ (a settlement, a rejection, a special outpatient claim and a reversal).
#
# Needs: the package installed (yzmedins on PATH or in .venv), and the Debian packages
# `chromium` and `fonts-noto-cjk` (apt-get install chromium fonts-noto-cjk).
# Usage: scripts/render_slips.sh [OUTDIR]   (default docs/img)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/docs/img}
yz=${YZMEDINS:-$here/.venv/bin/yzmedins}
command -v chromium >/dev/null || { echo "render_slips: chromium is not installed" >&2; exit 2; }
fc-list | grep -i "Noto Sans CJK" >/dev/null || echo "render_slips: no Noto CJK font; Chinese may not render" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$yz" adjudicate "$here/examples/bundles.jsonl" --ledger "$work/store.db" -o "$work/records.jsonl" -q
echo '{"claim_id": "K0012"}' | "$yz" reverse - --ledger "$work/store.db" -o "$work/reversal.jsonl" -q

shot() {  # shot NAME RECORDS [--claim ID]...
  local name=$1 records=$2
  shift 2
  "$yz" slip "$records" "$@" --html "$work/$name.html" -o /dev/null
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --force-device-scale-factor=1.5 --window-size=640,872 \
    --screenshot="$out/$name.png" "file://$work/$name.html" >/dev/null 2>&1
  echo "$out/$name.png"
}
mkdir -p "$out"
shot slip-settlement "$work/records.jsonl" --claim K0001
shot slip-rejected "$work/records.jsonl" --claim K0041
shot slip-special-outpatient "$work/records.jsonl" --claim K0103
shot slip-reversal "$work/reversal.jsonl"
