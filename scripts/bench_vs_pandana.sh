#!/usr/bin/env bash
# Coverage side by side with pandana (UDST, contraction hierarchies) on the same synthetic city.
#
#   scripts/bench_vs_pandana.sh [SIDE] [RUNS]      # SIDE x SIDE street grid (default 200), RUNS timed runs (default 3)
#   scripts/bench_vs_pandana.sh FILE.osm.pbf [RUNS] # a real extract, whole process each side (issue 19: Porto)
#
# On a real extract (second form), each run times, one after another: `lifecircle coverage` with defaults
# (service-area polygons included), `lifecircle coverage --service-areas none`, and pyrosm + pandana
# (bench_vs_pandana.py pyrosm: read the PBF, project, contraction hierarchy, nearest facility of every
# category for every residential area). Only times are compared there: pyrosm's walking network and
# pandana's node snapping are not lifecircle's rules, and pandana makes no polygons.
#
# 1. examples/synthetic_city writes a real OSM PBF: SIDE^2 junctions, SIDE^2/50 walled estates, SIDE^2/20
#    facilities over the 15 categories, every facility on a street junction (--facilities-at-junctions) so
#    that pandana's node snapping and lifecircle's edge snapping give the same distances.
# 2. lifecircle, whole process: `lifecircle coverage --osm city.osm.pbf --service-areas none` (reads the PBF,
#    builds the walking graph, snaps, all 15 categories, writes the layers).
# 3. pandana, whole process (scripts/bench_vs_pandana.py run): reads the graph lifecircle used and the
#    facilities from CSV, builds its network (contraction hierarchy), precompute(radius), then set_pois +
#    nearest_pois for every category. pandana comes from PyPI into a venv under target/.
# 4. The distances are compared estate by estate (bench_vs_pandana.py compare).
# Times are wall and CPU (user + sys) from /usr/bin/time; the best of RUNS runs is reported.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=target/pandana-venv
ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
  fi
  if ! "$VENV/bin/python" -c "import pandana, pyrosm" 2>/dev/null; then
    "$VENV/bin/pip" install -q "pandana==0.8" "pyrosm==0.25.0" "pyproj==3.7.2" "scikit-learn" "pandas" "numpy"
  fi
}

if [[ "${1:-}" == *.pbf ]]; then
  PBF=$(realpath "$1")
  RUNS=${2:-3}
  RADIUS=1500
  WORK=target/bench-pandana/$(basename "$PBF" .osm.pbf)
  mkdir -p "$WORK"
  ensure_venv
  cargo build --release --locked -q --bin lifecircle
  : > "$WORK/default.times"; : > "$WORK/none.times"; : > "$WORK/pyrosm.times"
  for _ in $(seq "$RUNS"); do
    rm -rf "$WORK/lc"
    /usr/bin/time -f "%e %U %S %M" -a -o "$WORK/default.times" ./target/release/lifecircle coverage --quiet --osm "$PBF" --out "$WORK/lc"
    rm -rf "$WORK/lc"
    /usr/bin/time -f "%e %U %S %M" -a -o "$WORK/none.times" ./target/release/lifecircle coverage --quiet --service-areas none --osm "$PBF" --out "$WORK/lc"
    /usr/bin/time -f "%e %U %S %M" -a -o "$WORK/pyrosm.times" "$VENV/bin/python" scripts/bench_vs_pandana.py pyrosm "$PBF" "$RADIUS" 2> "$WORK/pyrosm.log" | grep -o "{.*}" | tail -1 > "$WORK/pyrosm.stages"
  done
  echo "pyrosm + pandana stages (last run): $(cat "$WORK/pyrosm.stages")"
  python3 - "$(basename "$PBF")" "$WORK/default.times" "$WORK/none.times" "$WORK/pyrosm.times" <<'EOF'
import sys
name, *files = sys.argv[1:]
runs = [[[float(x) for x in line.split()] for line in open(f) if line.strip()] for f in files]
best = [min(r, key=lambda t: t[0]) for r in runs]
ref = best[2][0]
print("| extract | lifecircle coverage, defaults (best wall; all runs) | --service-areas none | pyrosm + pandana | speed-up, defaults / none |")
print("|---|---|---|---|---|")
walls = [", ".join(f"{t[0]:.2f}" for t in r) for r in runs]
print(f"| {name} | {best[0][0]:.2f} s ({walls[0]}; {int(best[0][3]) // 1024} MB) | {best[1][0]:.2f} s ({walls[1]}) "
      f"| {ref:.2f} s ({walls[2]}; {int(best[2][3]) // 1024} MB) | {ref / best[0][0]:.1f}x / {ref / best[1][0]:.1f}x |")
EOF
  exit 0
fi

SIDE=${1:-200}
RUNS=${2:-3}
RADIUS=1500   # lifecircle's default search radius: 1.5 x the largest threshold (1,000 m)
WORK=target/bench-pandana/$SIDE
mkdir -p "$WORK"
ensure_venv
PY="$VENV/bin/python"

cargo build --release --locked -q --bin lifecircle --example synthetic_city
./target/release/examples/synthetic_city --columns "$SIDE" --rows "$SIDE" \
  --estates $((SIDE * SIDE / 50)) --facilities $((SIDE * SIDE / 20)) --idle 0 \
  --facilities-at-junctions --out "$WORK/city.osm.pbf"

best() { sort -n -k1,1 "$1" | head -1; }
: > "$WORK/lifecircle.times"
for _ in $(seq "$RUNS"); do
  rm -rf "$WORK/lc"
  /usr/bin/time -f "%e %U %S %M" -a -o "$WORK/lifecircle.times" \
    ./target/release/lifecircle coverage --quiet --service-areas none --osm "$WORK/city.osm.pbf" --out "$WORK/lc"
done
"$PY" scripts/bench_vs_pandana.py export "$WORK/lc" "$WORK"
: > "$WORK/pandana.times"
for _ in $(seq "$RUNS"); do
  /usr/bin/time -f "%e %U %S %M" -a -o "$WORK/pandana.times" \
    "$PY" scripts/bench_vs_pandana.py run "$WORK" "$RADIUS" 2> "$WORK/pandana.log" | tail -1 > "$WORK/pandana.stages"
done
COMPARE=$("$PY" scripts/bench_vs_pandana.py compare "$WORK/lc" "$WORK" "$RADIUS")

read -r lw lu ls lm < <(best "$WORK/lifecircle.times")
read -r pw pu ps pm < <(best "$WORK/pandana.times")
nodes=$(tail -n +2 "$WORK/nodes.csv" | wc -l)
echo "pandana stages (last run): $(cat "$WORK/pandana.stages")"
echo "distances: $COMPARE"
python3 - "$SIDE" "$nodes" "$lw" "$lu" "$ls" "$lm" "$pw" "$pu" "$ps" "$pm" <<'EOF'
import sys
side, nodes, lw, lu, ls, lm, pw, pu, ps, pm = sys.argv[1:]
lc, pn = float(lu) + float(ls), float(pu) + float(ps)
print("| grid | graph nodes | lifecircle wall / CPU / peak | pandana wall / CPU / peak | speed-up (wall) |")
print("|---|---|---|---|---|")
print(f"| {side} x {side} | {int(nodes):,} | {float(lw):.2f} s / {lc:.2f} s / {int(lm)//1024} MB "
      f"| {float(pw):.2f} s / {pn:.2f} s / {int(pm)//1024} MB | {float(pw)/max(float(lw),1e-9):.1f}x |")
EOF
