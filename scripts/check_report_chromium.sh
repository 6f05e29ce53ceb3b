#!/usr/bin/env bash
# Render lifecircle's offline report.html headless in Chromium (Debian package `chromium`) and save a
# screenshot, to look at what a planner sees. The browser is kept off the network: no background
# networking, no component updates, no sync, a throw-away profile.
#
#   scripts/check_report_chromium.sh OUT/report.html [SCREENSHOT.png] [WIDTHxHEIGHT] [CLICK_X,CLICK_Y]
#
# With CLICK_X,CLICK_Y (pixels in the map canvas) a copy of the page clicks the map there once it has drawn,
# so the screenshot shows the identify panel with that feature's fields.
#
# Exits 2 on bad arguments, 1 when Chromium is missing or produced no screenshot.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 4 ]]; then
  echo "usage: $0 REPORT.html [SCREENSHOT.png] [WIDTHxHEIGHT] [CLICK_X,CLICK_Y]" >&2
  exit 2
fi
report=$1
screenshot=${2:-${report%.html}.png}
size=${3:-1400x1000}
click=${4:-}
if [[ ! -f $report ]]; then
  echo "$report: no such file (write the report first: lifecircle run ... or LIFECIRCLE_REPORT_SAMPLE_DIR=DIR cargo test --test report_html sample_package)" >&2
  exit 2
fi
if [[ ! $size =~ ^[0-9]+x[0-9]+$ ]]; then
  echo "size must be WIDTHxHEIGHT, e.g. 1400x1000, not $size" >&2
  exit 2
fi

if [[ -n $click && ! $click =~ ^[0-9]+,[0-9]+$ ]]; then
  echo "click must be X,Y in canvas pixels, e.g. 400,300, not $click" >&2
  exit 2
fi

browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $browser ]]; then
  echo "chromium is not installed (Debian: apt-get install chromium)" >&2
  exit 1
fi

# The report must hold no URL: checked before the browser sees it.
if grep -q -E 'https?://' "$report"; then
  echo "$report contains a URL; the report must be fully offline" >&2
  exit 1
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
abs_report=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
if [[ -n $click ]]; then
  # A copy with a few lines that click the canvas after the map has drawn (the original is left untouched).
  clicked="$profile/report-click.html"
  x=${click%,*}
  y=${click#*,}
  sed "s#</body>#<script>setTimeout(function () { var c = document.getElementById('map'); var r = c.getBoundingClientRect(); ['pointerdown', 'pointerup'].forEach(function (t) { c.dispatchEvent(new PointerEvent(t, {clientX: r.left + $x, clientY: r.top + $y, pointerId: 1, bubbles: true})); }); }, 300);</script></body>#" "$abs_report" >"$clicked"
  abs_report=$clicked
fi
rm -f "$screenshot"
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --disable-sync --no-first-run --disable-default-apps --user-data-dir="$profile" \
  --hide-scrollbars --virtual-time-budget=3000 --enable-logging=stderr --v=0 \
  --screenshot="$screenshot" --window-size="${size/x/,}" "file://$abs_report" 2>"$profile/chromium.log" || true

if [[ ! -s $screenshot ]]; then
  echo "chromium wrote no screenshot; its log:" >&2
  cat "$profile/chromium.log" >&2
  exit 1
fi
# A script error in the page shows in the browser log as "Uncaught ...".
if grep -q "Uncaught" "$profile/chromium.log"; then
  echo "the report's script failed:" >&2
  grep "Uncaught" "$profile/chromium.log" >&2
  exit 1
fi
echo "screenshot: $screenshot"
