#!/bin/bash
# `lifecircle batch --shard K/N` and `--merge` (issue 19, item 4) measured on one machine: the six OSM
# extracts of the repository as the cities of one `--inputs` batch, run once unsharded and then as N
# shards one after another, each shard's wall time standing for a machine like this one running it
# under a scheduler. Prints each run's wall / CPU / peak memory, each shard's cities with their
# estimated work, each city's plan time (its summary.json), and the merge.
#
#   cargo build --release && scripts/bench_shards.sh [N]        # N = 3 by default
#
# Set LIFECIRCLE to another binary; the work folder is removed at the end unless KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-3}"
BIN="${LIFECIRCLE:-${CARGO_TARGET_DIR:-target}/release/lifecircle}"
WORK="$(mktemp -d)"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/inputs"
cp tests/data/andorra-2020.osm.pbf tests/data/liechtenstein-2015.osm.pbf tests/data/london-2020.osm.pbf \
  tests/data/monaco-2020.osm.pbf tests/data/porto-2020.osm.pbf data/nanjing-xuanwu-2021.osm.pbf "$WORK/inputs/"
timed() { /usr/bin/time -f "  %e s wall, %U + %S s CPU, %M KB peak" "$@"; }
plan_seconds() {  # each city's plan time from its summary.json
  for s in "$1"/*/summary.json; do
    python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); t=s["stage_seconds"]; print("  %-22s %5d estates %6.2f s" % (sys.argv[1].split("/")[-2], s["estates"], sum(t.values())))' "$s"
  done
}
echo "unsharded batch of $(ls "$WORK/inputs" | wc -l) cities ($("$BIN" --version)):"
timed "$BIN" batch --quiet --inputs "$WORK/inputs" --out "$WORK/whole"
plan_seconds "$WORK/whole"
folders=()
for k in $(seq 1 "$N"); do
  echo "shard $k/$N:"
  timed "$BIN" batch --quiet --inputs "$WORK/inputs" --shard "$k/$N" --out "$WORK/shard-$k"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("  estimated work %d of the largest shard %d:" % (r["work"], r["largest_shard_work"]), ", ".join("%s %d" % (a["area_id"], a["work"]) for a in r["areas"]))' "$WORK/shard-$k/shard.json"
  plan_seconds "$WORK/shard-$k"
  folders+=("$WORK/shard-$k")
done
echo "merge:"
timed "$BIN" batch --quiet --merge "${folders[@]}" --out "$WORK/merged"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print("  %d areas, layers %s" % (m["areas"], m["layers"]))' "$WORK/merged/merge.json"
ls -l "$WORK/merged" | awk 'NR > 1 { printf "  %-20s %9d bytes\n", $9, $5 }'
