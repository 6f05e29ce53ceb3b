#!/usr/bin/env bash
# Compare lifecircle's MCLP (lazy greedy + swap) with PySAL spopt's exact MCLP (PuLP/CBC) on a real
# instance (see bench_vs_spopt_mclp.py). Creates a Python venv with spopt under target/spopt-venv on
# first use (PyPI), builds the instance exporter in release mode, then runs the comparison. Arguments go
# to the Python script, e.g.
#   scripts/bench_vs_spopt_mclp.sh --osm tests/data/porto-2020.osm.pbf --categories kindergarten,nursery --k 3,5,10
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/spopt_venv.sh
cargo build --release --example mclp_compare
exec "$venv/bin/python" scripts/bench_vs_spopt_mclp.py "$@"
