#!/usr/bin/env python3
"""Compare lifecircle's bundle partition with PySAL spopt's max-p heuristic on the same estates.

For each size, the script
1. writes a seeded synthetic district: a grid of walled estates (160 m cells, rectangles with 4-26 m
   lanes between them, 8 % of cells empty, 300-3,000 residents each) as GeoJSON in projected metres;
2. runs lifecircle (`examples/bundle_compare.rs`), which builds the adjacency graph (gap <= 30 m) and
   writes it out, partitions the estates within 5,000-12,000 residents and reports residents bundled,
   mean compactness and time. spopt has no ceiling, so its problem is the easier one: every feasible
   spopt answer that respects the ceiling is one of ours. (Ours without a ceiling is no fair match: with
   residents first and mean compactness second, one bundle per component is a legitimate optimum.)
3. runs spopt's `MaxPHeuristic` on exactly that adjacency (libpysal `W` from the edge list) with the
   floor (`threshold` 5,000 residents), the estate centroids as the attributes whose within-region
   dissimilarity it minimises (its stand-in for compactness), `policy="drop"` (components below the
   floor are dropped, as lifecircle leaves them out, instead of being joined by invented links), and its
   defaults (99 constructions, 10 annealing runs, top_n 2);
4. scores spopt's regions with lifecircle's measures (`--score`), and prints a Markdown table.

Usage: scripts/bench_vs_spopt.sh [--sizes 300,1000,2000] [--seed 7]
(the wrapper creates the venv and builds the example; run this file directly with a Python that has
spopt if you prefer).
"""

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def district(n_target, seed, cell_m=160.0, hole_share=0.08):
    """Features (id, population, polygon ring) of a grid district with about n_target estates."""
    rng = np.random.default_rng(seed)
    side = math.ceil(math.sqrt(n_target / (1.0 - hole_share)))
    features = []
    for j in range(side):
        for i in range(side):
            hole = rng.random() < hole_share
            population = round(300.0 * 10.0 ** rng.random())
            g0, g1 = rng.random(), rng.random()
            if hole or len(features) >= n_target:
                continue
            margin = lambda u: 2.0 + 11.0 * u  # noqa: E731
            x0, y0 = 500_000.0 + i * cell_m, 3_500_000.0 + j * cell_m
            ring = [
                [x0 + margin(g0), y0 + margin(g1)],
                [x0 + cell_m - margin(g1), y0 + margin(g1)],
                [x0 + cell_m - margin(g1), y0 + cell_m - margin(g0)],
                [x0 + margin(g0), y0 + cell_m - margin(g0)],
                [x0 + margin(g0), y0 + margin(g1)],
            ]
            features.append({"id": f"e{i}_{j}", "population": population, "ring": ring})
    return features


def write_geojson(features, path):
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": f["id"], "population": f["population"]},
                "geometry": {"type": "Polygon", "coordinates": [f["ring"]]},
            }
            for f in features
        ],
    }
    path.write_text(json.dumps(collection))


def run_ours(binary, geojson, *extra):
    started = time.perf_counter()
    out = subprocess.run([str(binary), str(geojson), *extra], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    result = json.loads(out.stdout)
    result["wall_s"] = wall
    return result


def run_spopt(features, edges, min_pop, seed):
    import geopandas as gpd
    import libpysal
    from shapely.geometry import Polygon
    from spopt.region import MaxPHeuristic

    n = len(features)
    neighbours = {i: [] for i in range(n)}
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    w = libpysal.weights.W(neighbours, silence_warnings=True)
    gdf = gpd.GeoDataFrame(
        {
            "population": [f["population"] for f in features],
            "cx": [sum(p[0] for p in f["ring"][:4]) / 4.0 for f in features],
            "cy": [sum(p[1] for p in f["ring"][:4]) / 4.0 for f in features],
        },
        geometry=[Polygon(f["ring"]) for f in features],
    )
    # Which rows survive policy="drop": components reaching the floor, in index order.
    component_pop = {}
    for i, c in enumerate(w.component_labels):
        component_pop[c] = component_pop.get(c, 0.0) + features[i]["population"]
    kept = [i for i, c in enumerate(w.component_labels) if component_pop[c] >= min_pop]
    np.random.seed(seed)
    started = time.perf_counter()
    model = MaxPHeuristic(gdf, w, ["cx", "cy"], "population", min_pop, top_n=2, policy="drop")
    model.solve()
    solve_s = time.perf_counter() - started
    labels = [None] * n
    for row, label in zip(kept, model.labels_):
        labels[row] = int(label)
    return labels, solve_s


def main():
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="300,1000,2000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--min-pop", type=float, default=5000.0)
    parser.add_argument("--max-pop", type=float, default=12000.0)
    parser.add_argument("--binary", default=str(here / "target/release/examples/bundle_compare"))
    parser.add_argument("--workdir", default=str(here / "target/spopt-compare"))
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)

    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        features = district(n, args.seed + n)
        geojson = workdir / f"estates_{n}.geojson"
        write_geojson(features, geojson)
        edges_path = workdir / f"edges_{n}.json"
        ours = run_ours(args.binary, geojson, "--min-pop", str(args.min_pop), "--max-pop", str(args.max_pop), "--seed", str(args.seed), "--edges-out", str(edges_path))
        edges = json.loads(edges_path.read_text())
        labels, spopt_s = run_spopt(features, edges, args.min_pop, args.seed)
        labels_path = workdir / f"spopt_labels_{n}.json"
        labels_path.write_text(json.dumps(labels))
        # Scored with the floor only (spopt's own problem); "above ceiling" counts its regions over 12,000.
        spopt = run_ours(args.binary, geojson, "--min-pop", str(args.min_pop), "--max-pop", "inf", "--score", str(labels_path))
        spopt_capped = run_ours(args.binary, geojson, "--min-pop", str(args.min_pop), "--max-pop", str(args.max_pop), "--score", str(labels_path))
        total = ours["residents_total"]
        rows.append((n, len(edges), "spopt max-p (floor only)", 100.0 * spopt["residents_bundled"] / total, spopt["n_regions"], spopt_capped["n_invalid_regions"], spopt["mean_compactness"], spopt_s, None))
        rows.append((n, len(edges), "lifecircle (5,000-12,000)", 100.0 * ours["residents_bundled"] / total, ours["n_regions"], ours["n_invalid_regions"], ours["mean_compactness"], ours["partition_s"], ours["adjacency_s"]))
        print(f"n={n}: spopt {spopt_s:.2f} s, lifecircle {ours['partition_s']:.4f} s: {spopt_s / max(ours['partition_s'], 1e-9):.0f}x", file=sys.stderr, flush=True)

    print("| estates | edges | method | residents bundled | regions | regions above 12,000 | mean compactness | partition time | adjacency time |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for n, e, name, share, regions, over, comp, seconds, adjacency in rows:
        adjacency_text = f"{adjacency:.4f} s" if adjacency is not None else "(given)"
        print(f"| {n} | {e} | {name} | {share:.1f} % | {regions} | {over} | {comp:.3f} | {seconds:.4f} s | {adjacency_text} |")


if __name__ == "__main__":
    main()
