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
  # Both binaries write to the same folder in turn (outputs name their own paths, e.g. summary.json's
  # `files`), which is then renamed; a failure is told in the same words for both, so that two binaries
  # failing alike compare equal.
  for which in old new; do
    bin=$old; [ "$which" = new ] && bin=$new
    "$bin" plan --quiet --osm "$osm" --out "$out/$name/run" 2> "$out/$name.$which.err" || echo "plan failed on $osm (exit $?)" >> "$out/$name.$which.err"
    if [ -d "$out/$name/run" ]; then mv "$out/$name/run" "$out/$name/$which"; fi
  done
  if ! cmp -s "$out/$name.old.err" "$out/$name.new.err"; then
    echo "$name: standard error differs:"; diff "$out/$name.old.err" "$out/$name.new.err" | head -5; status=1
  fi
  if [ -d "$out/$name/old" ] || [ -d "$out/$name/new" ]; then
    mkdir -p "$out/$name/old" "$out/$name/new"
    python3 scripts/compare_outputs.py "$out/$name/old" "$out/$name/new" || status=1
  fi
done
exit $status
