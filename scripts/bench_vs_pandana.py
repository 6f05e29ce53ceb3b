#!/usr/bin/env python3
"""pandana's side of the coverage comparison (driven by scripts/bench_vs_pandana.sh).

    bench_vs_pandana.py export  LC_OUT WORK          # untimed: lifecircle's graph and facilities -> CSV
    bench_vs_pandana.py run     WORK RADIUS_M         # the timed pandana process
    bench_vs_pandana.py compare LC_OUT WORK RADIUS_M  # distances side by side -> JSON on stdout
    bench_vs_pandana.py pyrosm  FILE.osm.pbf RADIUS_M # whole process on a real extract: pyrosm + pandana

`pyrosm` is the whole-process reference on a real extract (issue 19: Porto): pyrosm reads the PBF (walking
network, the facilities of the default profile's categories by their OSM tags, the residential areas),
pyproj projects them to the extract's UTM zone, pandana builds its contraction hierarchy, and for every
category the distance from each residential area's nearest network node to the nearest facility is asked.
It makes no service-area polygons (pandana has none) and its network rules differ from lifecircle's, so
only its time is compared, not its distances.

`export` gives pandana exactly the walking graph lifecircle used (`network.geojson`: public edges, `u`, `v`,
`length_m`) and the facilities lifecircle read (`facilities.geojson`), so both sides search the same network
for the same points. pandana gets the graph ready-made: its process only reads the CSV files, builds its
contraction hierarchy (`Network` + `precompute`), snaps the facilities to their nearest nodes (`set_pois`) and
asks, for every category, the distance from every node to the nearest facility (`nearest_pois`).

`compare` turns pandana's node distances into estate distances with lifecircle's distance contract (see
README "Distance contract"): for each access point of an estate (`access_points.geojson`), snap it to the
nearest point of the nearest edge, then distance = snap offset + min(along-edge distance to u + d(u),
along-edge distance to v + d(v)); the estate's distance is the smallest over its access points. The two
definitions agree exactly when facilities lie on network nodes (the synthetic city is generated with
`--facilities-at-junctions`); elsewhere pandana's node snapping differs from lifecircle's edge snapping.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from pyproj import Transformer

WORKING_CRS = "EPSG:32650"  # the synthetic city's UTM zone; lifecircle picks the same for it


def load_features(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)["features"]


def export(lc_out, work):
    to_utm = Transformer.from_crs("EPSG:4326", WORKING_CRS, always_xy=True)
    nodes = {}
    rows = []
    for f in load_features(f"{lc_out}/network.geojson"):
        p = f["properties"]
        if p["access"] != "public":
            continue
        coords = f["geometry"]["coordinates"]
        xs, ys = to_utm.transform([c[0] for c in coords], [c[1] for c in coords])
        nodes.setdefault(p["u"], (xs[0], ys[0]))
        nodes.setdefault(p["v"], (xs[-1], ys[-1]))
        rows.append((p["u"], p["v"], p["length_m"], json.dumps([[round(x, 4), round(y, 4)] for x, y in zip(xs, ys)])))
    pois = []
    for f in load_features(f"{lc_out}/facilities.geojson"):
        # Facilities mapped as areas are entered at their gates or boundary, which pandana cannot model:
        # compare point facilities only (the layer draws an area facility as a point inside it, `mapped_as`
        # says which is which).
        if f["properties"].get("mapped_as", "point") != "point" or f["geometry"]["type"] != "Point":
            continue
        x, y = to_utm.transform(*f["geometry"]["coordinates"][:2])
        pois.append((f["properties"]["facility_id"], f["properties"]["category"], x, y))
    # lifecircle's graph has nodes at junctions only; a facility lying inside an edge (snap 0 in lifecircle)
    # becomes a node here by splitting that edge, since pandana snaps facilities to nodes.
    split = split_edges_at_pois(nodes, rows, [(x, y) for _, _, x, y in pois])
    ids = sorted(nodes)
    pd.DataFrame({"id": ids, "x": [nodes[i][0] for i in ids], "y": [nodes[i][1] for i in ids]}).to_csv(f"{work}/nodes.csv", index=False)
    edges = pd.DataFrame(rows, columns=["from", "to", "length_m", "geometry"])
    edges[["from", "to", "length_m"]].to_csv(f"{work}/edges.csv", index=False)
    edges.to_csv(f"{work}/edges_geometry.csv", index=False)
    pd.DataFrame(pois, columns=["facility_id", "category", "x", "y"]).to_csv(f"{work}/pois.csv", index=False)
    print(json.dumps({"nodes": len(ids), "edges": len(rows), "pois": len(pois), "edges_split_at_a_facility": split}))


def segments(lines):
    """Every straight segment of every line: start points, end points, the line's index, and the distance
    along the line where the segment starts (numpy arrays)."""
    seg_a, seg_b, seg_line, seg_start = [], [], [], []
    for i, coords in enumerate(lines):
        along = 0.0
        for a, b in zip(coords, coords[1:]):
            seg_a.append(a)
            seg_b.append(b)
            seg_line.append(i)
            seg_start.append(along)
            along += float(np.hypot(b[0] - a[0], b[1] - a[1]))
    return np.array(seg_a), np.array(seg_b), np.array(seg_line), np.array(seg_start)


def split_edges_at_pois(nodes, rows, points, tolerance_m=0.01):
    """Split every edge that has one of `points` strictly inside it (within tolerance); returns the count."""
    from sklearn.neighbors import KDTree

    node_xy = np.array(list(nodes.values()))
    d, _ = KDTree(node_xy).query(np.array(points), k=1)
    off_node = np.array([p for p, dist in zip(points, d[:, 0]) if dist > tolerance_m]).reshape(-1, 2)
    if len(off_node) == 0:
        return 0
    geometry = [json.loads(r[3]) for r in rows]
    seg_a, seg_b, seg_row, seg_start = segments(geometry)
    seg_len = np.hypot(*(seg_b - seg_a).T)
    tree = KDTree((seg_a + seg_b) / 2)
    near = tree.query_radius(off_node, r=seg_len.max() / 2 + tolerance_m)
    cuts = {}  # row -> positions along the edge's geometry
    for p, cand in zip(off_node, near):
        a, b = seg_a[cand], seg_b[cand]
        ab = b - a
        t = np.clip(((p - a) * ab).sum(1) / np.maximum((ab * ab).sum(1), 1e-12), 0, 1)
        gap = np.hypot(*(p - (a + t[:, None] * ab)).T)
        j = int(np.argmin(gap))
        if gap[j] <= tolerance_m:
            s_ = cand[j]
            cuts.setdefault(int(seg_row[s_]), set()).add(round(float(seg_start[s_] + t[j] * seg_len[s_]), 6))
    next_id = max(nodes) + 1
    splits = 0
    for r in sorted(cuts):
        u, v, length, _ = rows[r]
        coords = geometry[r]
        total = sum(float(np.hypot(b[0] - a[0], b[1] - a[1])) for a, b in zip(coords, coords[1:]))
        positions = sorted(x for x in cuts[r] if 0.0 < x < total)
        if not positions:
            continue
        # Walk the polyline once, cutting at each position.
        pieces, current, along, start_node, done = [], [coords[0]], 0.0, u, 0.0
        k = 0
        for a, b in zip(coords, coords[1:]):
            seg = float(np.hypot(b[0] - a[0], b[1] - a[1]))
            while k < len(positions) and positions[k] <= along + seg:
                t = (positions[k] - along) / max(seg, 1e-12)
                q = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
                nodes[next_id] = (q[0], q[1])
                pieces.append((start_node, next_id, length * (positions[k] - done) / total, json.dumps(current + [q])))
                current, start_node, done = [q], next_id, positions[k]
                next_id += 1
                splits += 1
                k += 1
            current.append(b)
            along += seg
        pieces.append((start_node, v, length * (total - done) / total, json.dumps(current)))
        rows[r] = pieces[0]
        rows.extend(pieces[1:])
    return splits


def run(work, radius_m):
    import pandana

    t0 = time.perf_counter()
    nodes = pd.read_csv(f"{work}/nodes.csv", index_col="id")
    edges = pd.read_csv(f"{work}/edges.csv")
    pois = pd.read_csv(f"{work}/pois.csv")
    t_read = time.perf_counter()
    net = pandana.Network(nodes["x"], nodes["y"], edges["from"], edges["to"], edges[["length_m"]], twoway=True)
    net.precompute(radius_m)
    t_build = time.perf_counter()
    out = {}
    for category, group in pois.groupby("category", sort=True):
        net.set_pois(category=category, maxdist=radius_m, maxitems=1, x_col=group["x"], y_col=group["y"])
        nearest = net.nearest_pois(distance=radius_m, category=category, num_pois=1)
        out[category] = nearest[1].reindex(nodes.index).to_numpy(dtype=np.float64)
    t_query = time.perf_counter()
    np.savez(f"{work}/pandana_node_distances.npz", node_ids=nodes.index.to_numpy(), **out)
    print(json.dumps({
        "read_s": round(t_read - t0, 3), "build_precompute_s": round(t_build - t_read, 3),
        "pois_and_queries_s": round(t_query - t_build, 3), "categories": len(out),
    }))


# The default profile's categories (data/profiles/gb50180.toml) by their plain `key=value` OSM tags (the
# conditional rules, `amenity=school & isced:level=1`, are folded into their main tag).
PYROSM_CATEGORIES = {
    "kindergarten": [("amenity", "kindergarten")],
    "nursery": [("amenity", "childcare")],
    "elderly_care": [("amenity", "social_facility"), ("amenity", "nursing_home")],
    "health_station": [("amenity", "clinic"), ("amenity", "doctors"), ("healthcare", "clinic"), ("healthcare", "centre")],
    "community_service": [("amenity", "community_centre"), ("amenity", "social_centre"), ("office", "government")],
    "fitness": [("leisure", "fitness_station"), ("leisure", "playground"), ("leisure", "pitch")],
    "convenience": [("shop", "convenience"), ("shop", "chemist"), ("amenity", "pharmacy")],
    "primary_school": [("amenity", "school")],
    "vegetable_market": [("amenity", "marketplace"), ("shop", "greengrocer"), ("shop", "supermarket")],
    "park": [("leisure", "park"), ("leisure", "garden")],
    "sports": [("leisure", "sports_centre"), ("leisure", "stadium")],
    "middle_school": [("amenity", "school")],
    "health_center": [("amenity", "hospital"), ("healthcare", "hospital")],
    "culture": [("amenity", "arts_centre"), ("amenity", "library"), ("amenity", "community_centre")],
    "bus_stop": [("highway", "bus_stop"), ("public_transport", "platform")],
}


def pyrosm_run(pbf, radius_m):
    import pandana
    import pyrosm

    t0 = time.perf_counter()
    osm = pyrosm.OSM(pbf)
    nodes, edges = osm.get_network(network_type="walking", nodes=True)
    t_network = time.perf_counter()
    wanted = {}
    for rules in PYROSM_CATEGORIES.values():
        for key, value in rules:
            wanted.setdefault(key, set()).add(value)
    pois = osm.get_pois(custom_filter={k: sorted(v) for k, v in wanted.items()})
    estates = osm.get_landuse(custom_filter={"landuse": ["residential"]})
    t_read = time.perf_counter()
    lon0, lat0 = float(nodes["lon"].mean()), float(nodes["lat"].mean())
    utm = f"EPSG:{32600 + int((lon0 + 180) // 6) + 1 if lat0 >= 0 else 32700 + int((lon0 + 180) // 6) + 1}"
    to_utm = Transformer.from_crs("EPSG:4326", utm, always_xy=True)
    nx, ny = to_utm.transform(nodes["lon"].to_numpy(), nodes["lat"].to_numpy())
    node_xy = pd.DataFrame({"x": nx, "y": ny}, index=nodes["id"].to_numpy())
    points = pois.geometry.representative_point()
    px, py = to_utm.transform(points.x.to_numpy(), points.y.to_numpy())
    centres = estates.geometry.representative_point()
    ex, ey = to_utm.transform(centres.x.to_numpy(), centres.y.to_numpy())
    t_project = time.perf_counter()
    net = pandana.Network(node_xy["x"], node_xy["y"], edges["u"], edges["v"], edges[["length"]], twoway=True)
    net.precompute(radius_m)
    t_build = time.perf_counter()
    estate_nodes = net.get_node_ids(pd.Series(ex), pd.Series(ey))
    found = {}
    for category, rules in PYROSM_CATEGORIES.items():
        mask = np.zeros(len(pois), dtype=bool)
        for key, value in rules:
            if key in pois.columns:
                mask |= (pois[key] == value).to_numpy()
        if not mask.any():
            continue
        net.set_pois(category=category, maxdist=radius_m, maxitems=1, x_col=pd.Series(px[mask]), y_col=pd.Series(py[mask]))
        nearest = net.nearest_pois(distance=radius_m, category=category, num_pois=1)
        found[category] = int((nearest[1].reindex(estate_nodes.to_numpy()) < radius_m).sum())
    t_query = time.perf_counter()
    print(json.dumps({
        "network_s": round(t_network - t0, 3), "pois_and_landuse_s": round(t_read - t_network, 3),
        "project_s": round(t_project - t_read, 3), "build_precompute_s": round(t_build - t_project, 3),
        "queries_s": round(t_query - t_build, 3), "nodes": len(nodes), "edges": len(edges), "pois": len(pois),
        "estates": len(estates), "categories": len(found), "estates_within_radius": found,
    }))


def compare(lc_out, work, radius_m):
    from sklearn.neighbors import KDTree

    to_utm = Transformer.from_crs("EPSG:4326", WORKING_CRS, always_xy=True)
    saved = np.load(f"{work}/pandana_node_distances.npz")
    node_row = {int(n): i for i, n in enumerate(saved["node_ids"])}
    edges = pd.read_csv(f"{work}/edges_geometry.csv")
    seg_a, seg_b, seg_edge, seg_start = segments([json.loads(g) for g in edges["geometry"]])
    geometric_length = np.zeros(len(edges))
    np.add.at(geometric_length, seg_edge, np.hypot(*(seg_b - seg_a).T))
    mid = (seg_a + seg_b) / 2
    half = np.hypot(*(seg_b - seg_a).T).max() / 2
    tree = KDTree(mid)

    access = load_features(f"{lc_out}/access_points.geojson")
    pts = np.array([to_utm.transform(*f["geometry"]["coordinates"][:2]) for f in access])
    # Candidate segments: every segment whose midpoint is within (nearest midpoint distance + longest half
    # segment), which must hold the nearest segment.
    d_mid, _ = tree.query(pts, k=1)
    candidates = tree.query_radius(pts, r=d_mid[:, 0] + half + 1e-6)
    u_row = np.array([node_row[int(u)] for u in edges["from"]])
    v_row = np.array([node_row[int(v)] for v in edges["to"]])
    length = edges["length_m"].to_numpy()
    categories = [k for k in saved.files if k != "node_ids"]
    per_point = {k: np.full(len(pts), np.inf) for k in categories}
    for i, (p, cand) in enumerate(zip(pts, candidates)):
        a, b = seg_a[cand], seg_b[cand]
        ab = b - a
        t = np.clip(((p - a) * ab).sum(1) / np.maximum((ab * ab).sum(1), 1e-12), 0, 1)
        proj = a + t[:, None] * ab
        offset = np.hypot(*(p - proj).T)
        j = int(np.argmin(offset))
        s = cand[j]
        e = seg_edge[s]
        # Position along the edge, scaled to lifecircle's length_m.
        along = (seg_start[s] + t[j] * np.hypot(*ab[j])) * (length[e] / max(geometric_length[e], 1e-12))
        for k in categories:
            d = saved[k]
            du, dv = d[u_row[e]], d[v_row[e]]
            du = np.inf if du >= radius_m - 1e-6 or np.isnan(du) else du
            dv = np.inf if dv >= radius_m - 1e-6 or np.isnan(dv) else dv
            per_point[k][i] = offset[j] + min(along + du, length[e] - along + dv)

    estate_of_point = [f["properties"]["estate_id"] for f in access]
    estates = {f["properties"]["estate_id"]: f["properties"] for f in load_features(f"{lc_out}/estates.geojson")}
    best = {}
    for i, eid in enumerate(estate_of_point):
        for k in categories:
            key = (eid, k)
            best[key] = min(best.get(key, np.inf), per_point[k][i])
    compared = 0
    equal = 0
    worst = 0.0
    only_one = 0
    differing = []
    for (eid, k), ours_pandana in best.items():
        lc = estates[eid].get(f"dist_{k}")
        pd_ok = np.isfinite(ours_pandana) and ours_pandana <= radius_m - 1.0
        lc_ok = lc is not None and lc <= radius_m - 1.0
        if not (lc_ok and pd_ok):
            # Near the search radius the sides may differ on whether anything was found at all; only a
            # clear miss (one side finds a facility well inside the radius, the other none) counts.
            found = lc if lc_ok else (float(ours_pandana) if pd_ok else None)
            if (lc_ok != pd_ok) and found is not None and found < radius_m - 100.0:
                only_one += 1
                if len(differing) < 20:
                    differing.append({"estate_id": eid, "category": k, "lifecircle_m": lc, "pandana_m": float(ours_pandana)})
            continue
        compared += 1
        diff = abs(lc - ours_pandana)
        worst = max(worst, diff)
        equal += diff <= 0.05
        if diff > 0.05 and len(differing) < 20:
            differing.append({"estate_id": eid, "category": k, "lifecircle_m": round(lc, 3), "pandana_m": round(float(ours_pandana), 3)})
    print(json.dumps({
        "estate_category_pairs_compared": compared, "equal_within_5cm": int(equal),
        "share_equal": round(equal / max(compared, 1), 6), "max_abs_difference_m": round(float(worst), 4),
        "found_by_one_side_only": int(only_one), "first_differences": differing,
    }))


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "export" and len(sys.argv) == 4:
        export(sys.argv[2], sys.argv[3])
    elif cmd == "run" and len(sys.argv) == 4:
        run(sys.argv[2], float(sys.argv[3]))
    elif cmd == "compare" and len(sys.argv) == 5:
        compare(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif cmd == "pyrosm" and len(sys.argv) == 4:
        pyrosm_run(sys.argv[2], float(sys.argv[3]))
    else:
        sys.exit(__doc__)
