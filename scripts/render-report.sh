#!/bin/sh
# Render the bundled example's HTML report with headless Chromium into docs/img/report.png.
#
#   scripts/render-report.sh [WIDTH]
#
# Needs Debian's chromium and a CJK font (fonts-noto-cjk) on the machine, and yzmedins installed
# (the project's .venv is used when there is one). Chromium starts with a fresh profile and
# without its background networking: the page has no outside resource, so nothing is fetched.
# A first pass measures the page's height (a copy of the page with one line of script that
# writes it into the title, read back with --dump-dom); the second takes the screenshot of the
# page itself at that height, so that nothing is cut.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
width=${1:-1800}
yzmedins=yzmedins
[ -x "$root/.venv/bin/yzmedins" ] && yzmedins="$root/.venv/bin/yzmedins"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$yzmedins" adjudicate --quiet --jobs 1 "$root/examples/bundles.jsonl" -o results.jsonl
"$yzmedins" report results.jsonl --html report.html

browse() {
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$work/profile" --hide-scrollbars --force-device-scale-factor=1 \
        "$@" 2>/dev/null
}

sed 's|</body>|<script>document.title = "height=" + document.documentElement.scrollHeight;</script></body>|' \
    report.html > measure.html
height=$(browse --window-size="$width,1000" --dump-dom "file://$work/measure.html" |
    sed -n 's|.*<title>height=\([0-9]*\)</title>.*|\1|p')
[ -n "$height" ] || { echo "could not measure the page" >&2; exit 1; }
mkdir -p "$root/docs/img"
browse --window-size="$width,$((height + 24))" --screenshot="$root/docs/img/report.png" \
    "file://$work/report.html"
echo "$root/docs/img/report.png ($width x $((height + 24)))"
