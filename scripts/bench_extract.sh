#!/usr/bin/env bash
# Benchmark the OpenStreetMap extract (read_osm) in release mode.
# Makes the SYNTHETIC 11.5-million-node file (a 7 x 7 tiling of Andorra) under target/bench-data/ first.
# Usage: scripts/bench_extract.sh [FILE.osm.pbf ...]
set -euo pipefail
cd "$(dirname "$0")/.."
tiled=target/bench-data/andorra-tiled-7x7.osm.pbf
if [ ! -f "$tiled" ]; then
  python3 scripts/tile_osm.py tests/data/andorra-2020.osm.pbf "$tiled" --grid 7
fi
cargo bench --bench osm_read -- "$@"
