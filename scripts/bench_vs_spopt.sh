#!/usr/bin/env bash
# Compare lifecircle's bundle partition with PySAL spopt's max-p heuristic (see bench_vs_spopt.py).
# Creates a Python venv with spopt under target/spopt-venv on first use (PyPI), builds the comparison
# example in release mode, then runs the comparison. Arguments go to the Python script, e.g.
#   scripts/bench_vs_spopt.sh --sizes 300,1000 --seed 7
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/spopt_venv.sh
cargo build --release --example bundle_compare
exec "$venv/bin/python" scripts/bench_vs_spopt.py "$@"
