#!/usr/bin/env bash
# Run `plan` with two lifecircle binaries on every OSM extract under tests/data (and the demo extract) and
# compare the outputs by content, timestamps aside (scripts/compare_outputs.py says what is compared).
# For changes that must not alter behaviour: build the old commit's binary once, then
#   scripts/compare_plan_outputs.sh OLD/lifecircle target/release/lifecircle [OUT_DIR]
# Exit 0 when every plan's outputs are equal, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?usage: compare_plan_outputs.sh OLD_BIN NEW_BIN [OUT_DIR]}
new=${2:?usage: compare_plan_outputs.sh OLD_BIN NEW_BIN [OUT_DIR]}
out=${3:-target/compare-plan}
rm -rf "$out" && mkdir -p "$out"
status=0
for osm in data/*.osm.pbf tests/data/*.osm.pbf; do
  name=$(basename "$osm" .osm.pbf)
  # Both binaries write into the same folder (then renamed), so the paths summary.json lists are equal.
  "$old" plan --quiet --osm "$osm" --out "$out/$name/run" 2> "$out/$name.old.err" || echo "binary failed on $osm (exit $?)" >> "$out/$name.old.err"
  if [ -d "$out/$name/run" ]; then mv "$out/$name/run" "$out/$name/old"; fi
  "$new" plan --quiet --osm "$osm" --out "$out/$name/run" 2> "$out/$name.new.err" || echo "binary failed on $osm (exit $?)" >> "$out/$name.new.err"
  if [ -d "$out/$name/run" ]; then mv "$out/$name/run" "$out/$name/new"; fi
  if ! cmp -s "$out/$name.old.err" "$out/$name.new.err"; then
    echo "$name: standard error differs:"; diff "$out/$name.old.err" "$out/$name.new.err" | head -5; status=1
  fi
  if [ -d "$out/$name/old" ] || [ -d "$out/$name/new" ]; then
    mkdir -p "$out/$name/old" "$out/$name/new"
    python3 scripts/compare_outputs.py "$out/$name/old" "$out/$name/new" || status=1
  fi
done
exit $status
