#!/usr/bin/env bash
# Peak memory (max RSS) and wall time of `lifecircle plan` against input size: Porto tiled x1, x4, x16,
# x64 (scripts/tile_osm.py grids 1, 2, 4, 8: SYNTHETIC mosaics of the real Porto extract, for benchmarks
# only). Prints a Markdown table for BENCHMARKS.md.
#   scripts/bench_memory.sh [GRID...] [-- PLAN OPTIONS... | -- defaults]
# default grids 1 2 4 8; default plan options `--service-areas lines --no-derived-land` (the derived
# open-land overlay and the buffered service areas make the bigger tiles take far longer); `-- defaults`
# runs plan with its own defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
grids=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do grids+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
options=("$@")
[ ${#grids[@]} -gt 0 ] || grids=(1 2 4 8)
[ ${#options[@]} -gt 0 ] || options=(--service-areas lines --no-derived-land)
[ "${options[*]}" != "defaults" ] || options=()
cargo build --release --locked --quiet
data=target/bench-data
mkdir -p "$data"
echo "| copies | input | nodes | estates | wall | peak RSS | RSS / copy |"
echo "|---|---|---|---|---|---|---|"
for g in "${grids[@]}"; do
    copies=$((g * g))
    if [ "$g" = 1 ]; then
        input=tests/data/porto-2020.osm.pbf
    else
        input="$data/porto-tiled-${g}x${g}.osm.pbf"
        [ -f "$input" ] || python3 scripts/tile_osm.py tests/data/porto-2020.osm.pbf "$input" --grid "$g" >&2
    fi
    out="$data/memory-plan-$g"
    rm -rf "$out"
    log="$data/memory-plan-$g.time"
    if ! /usr/bin/time -v ./target/release/lifecircle plan --quiet --osm "$input" --out "$out" ${options[@]+"${options[@]}"} 2> "$log"; then
        tail -n 30 "$log" >&2
        exit 1
    fi
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
    size=$(du -h "$input" | cut -f1)
    nodes=$(osmium fileinfo -e -g data.count.nodes "$input")
    estates=$(python3 -c "import json,sys; print(json.load(open('$out/summary.json'))['estates'])")
    echo "| x$copies | $size | $nodes | $estates | $wall | $((rss_kb / 1024)) MB | $((rss_kb / 1024 / copies)) MB |"
done
