#!/usr/bin/env python3
"""Walking distances on the Nanjing extract measured independently of lifecircle's code, for the test
`tests/coverage_nanjing_measured.rs` (its expected values are this script's output, committed as
`tests/data/nanjing-measured-distances.csv`).

    python3 scripts/measure_nanjing_distances.py data/nanjing-xuanwu-2021.osm.pbf > tests/data/nanjing-measured-distances.csv

Independent means: nothing here comes from lifecircle. The file is read as OPL text through `osmium cat`
(osmium-tool), coordinates are projected with `cs2cs` (PROJ's command-line tool) to UTM 50N (EPSG:32650),
and the rules are implemented from the words of `data/profiles/gb50180.toml` and the README's distance
contract, not from the Rust code:

- walkable: every `highway=*` way except the excluded values, motorway/trunk (and links) only with a
  foot=yes|designated|permissive or sidewalk tag, not foot=no, not access=no unless foot=yes, and not
  private (access/foot private|residents|permit|delivery);
- the stretches of a `highway=service` way (without foot=yes|designated|permissive or access=yes|permissive)
  whose segment midpoints lie inside a `landuse=residential` estate are that compound's internal road, not
  public (README, gated compounds): a centroid is snapped to public ways only;
- the graph: one vertex per OSM node of a walkable way, one edge per consecutive node pair, length the
  straight projected distance; Dijkstra with a binary heap (Python's heapq);
- an estate (`landuse=residential` closed way) is entered at its centroid (`--access centroid`): the area
  centroid of its ring, snapped to the nearest point of the nearest walkable segment;
- a facility node is snapped the same way; the distance is estate snap offset + network distance between
  the two snapped points (along the segment to either end, or directly when both lie on the same segment)
  + facility snap offset; the nearest facility of each category, or nothing beyond 1,500 m of network
  distance.
Categories: those whose Nanjing facilities are all points (bus_stop, convenience, health_station).
"""
import heapq
import math
import subprocess
import sys
from urllib.parse import unquote

EXCLUDED = {"construction", "proposed", "planned", "abandoned", "disused", "razed", "raceway", "bus_guideway",
            "busway", "escape", "emergency_bay", "rest_area", "services"}
MOTOR_ONLY = {"motorway", "motorway_link", "trunk", "trunk_link"}
PRIVATE = {"private", "residents", "permit", "delivery"}
SEARCH_M = 1500.0
CATEGORIES = {
    "bus_stop": lambda t: t.get("highway") == "bus_stop" or (t.get("public_transport") == "platform" and t.get("bus") == "yes"),
    "convenience": lambda t: t.get("shop") in ("convenience", "chemist") or t.get("amenity") == "pharmacy",
    "health_station": lambda t: t.get("amenity") in ("clinic", "doctors") or t.get("healthcare") in ("clinic", "centre"),
}


def parse_tags(text):
    tags = {}
    for kv in filter(None, text.split(",")):
        k, _, v = kv.partition("=")
        tags[decode(k)] = decode(v)
    return tags


def decode(s):
    # OPL escapes characters as %hhhh%; turn them into %uXXXX-free text.
    out, i = [], 0
    while i < len(s):
        if s[i] == "%":
            j = s.index("%", i + 1)
            out.append(chr(int(s[i + 1:j], 16)))
            i = j + 1
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def read_opl(path):
    text = subprocess.run(["osmium", "cat", "-f", "opl", path], check=True, capture_output=True, text=True).stdout
    nodes, ways = {}, []
    for line in text.splitlines():
        fields = {f[0]: f[1:] for f in line.split(" ") if f}
        kind, oid = line[0], int(line[1:line.index(" ")])
        if kind == "n":
            nodes[oid] = (float(fields["x"]), float(fields["y"]), parse_tags(fields.get("T", "")))
        elif kind == "w":
            refs = [int(r[1:]) for r in fields.get("N", "").split(",") if r]
            ways.append((oid, refs, parse_tags(fields.get("T", ""))))
    return nodes, ways


def project(latlon):
    """(lat, lon) -> EPSG:32650 (easting, northing) metres with PROJ's cs2cs (EPSG:4326 is lat, lon order)."""
    data = "".join(f"{lat} {lon}\n" for lat, lon in latlon)
    out = subprocess.run(["cs2cs", "-f", "%.6f", "EPSG:4326", "EPSG:32650"], input=data, check=True,
                         capture_output=True, text=True).stdout
    return [tuple(map(float, l.split()[:2])) for l in out.splitlines()]


def walkable(t):
    h = t.get("highway")
    if h is None or h in EXCLUDED:
        return False
    foot, access = t.get("foot"), t.get("access")
    if h in MOTOR_ONLY and foot not in ("yes", "designated", "permissive") and t.get("sidewalk") not in ("both", "left", "right", "yes"):
        return False
    if foot == "no" or (access == "no" and foot != "yes"):
        return False
    if access in PRIVATE or foot in PRIVATE:
        return False
    return True


def main(path):
    nodes, ways = read_opl(path)
    estates = [(oid, refs) for oid, refs, t in ways if t.get("landuse") == "residential" and len(refs) >= 4 and refs[0] == refs[-1]]
    facility_nodes = sorted(oid for oid, (_, _, t) in nodes.items() if any(rule(t) for rule in CATEGORIES.values()))
    wanted = sorted({r for _, refs, t in ways if walkable(t) for r in refs if r in nodes}
                    | {r for _, refs in estates for r in refs} | set(facility_nodes))
    points = dict(zip(wanted, project([(nodes[n][1], nodes[n][0]) for n in wanted])))
    rings = [[points[r] for r in refs] for _, refs in estates]

    def inside(p, ring):
        crossings = False
        for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
            if (y0 > p[1]) != (y1 > p[1]) and p[0] < x0 + (p[1] - y0) * (x1 - x0) / (y1 - y0):
                crossings = not crossings
        return crossings

    def compound_internal(a, b, t):
        if t.get("highway") != "service" or t.get("foot") in ("yes", "designated", "permissive") or t.get("access") in ("yes", "permissive"):
            return False
        mid = ((points[a][0] + points[b][0]) / 2, (points[a][1] + points[b][1]) / 2)
        return any(inside(mid, ring) for ring in rings)
    segments = []  # (a, b) node ids
    adjacency = {}
    for _, refs, t in ways:
        refs = [r for r in refs if r in nodes]
        if not walkable(t):
            continue
        for a, b in zip(refs, refs[1:]):
            if a == b or compound_internal(a, b, t):
                continue
            w = math.dist(points[a], points[b])
            segments.append((a, b, w))
            adjacency.setdefault(a, []).append((b, w))
            adjacency.setdefault(b, []).append((a, w))

    def snap(p):
        best = None
        for a, b, w in segments:
            (ax, ay), (bx, by) = points[a], points[b]
            dx, dy = bx - ax, by - ay
            t = max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / (dx * dx + dy * dy)))
            q = (ax + t * dx, ay + t * dy)
            d = math.dist(p, q)
            if best is None or d < best[0] - 1e-9:
                best = (d, a, b, t * w, w)
        return best

    def dijkstra(sources):
        dist = dict(sources)
        heap = [(d, n) for n, d in sources.items()]
        heapq.heapify(heap)
        while heap:
            d, n = heapq.heappop(heap)
            if d > dist.get(n, math.inf) or d > SEARCH_M + 500:
                continue
            for m, w in adjacency.get(n, []):
                if d + w < dist.get(m, math.inf):
                    dist[m] = d + w
                    heapq.heappush(heap, (d + w, m))
        return dist

    print("estate_id,category,distance_m,facility_id")
    for oid, refs in estates:
        # Relative to the first vertex: at UTM magnitudes (10^6 m) the shoelace products cancel badly.
        ox, oy = points[refs[0]]
        ring = [(points[r][0] - ox, points[r][1] - oy) for r in refs]
        area2 = cx = cy = 0.0
        for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
            c = x0 * y1 - x1 * y0
            area2 += c
            cx += (x0 + x1) * c
            cy += (y0 + y1) * c
        centroid = (ox + cx / (3 * area2), oy + cy / (3 * area2))
        off_e, a, b, along, w = snap(centroid)
        dist = dijkstra({a: along, b: w - along} if a != b else {a: along})
        for key, rule in CATEGORIES.items():
            best = (math.inf, None)
            for f in facility_nodes:
                if not rule(nodes[f][2]):
                    continue
                off_f, fa, fb, f_along, fw = snap(points[f])
                network = min(dist.get(fa, math.inf) + f_along, dist.get(fb, math.inf) + fw - f_along)
                if {fa, fb} == {a, b}:
                    # Same segment: straight along it.
                    mine = along if fa == a else w - along
                    network = min(network, abs(mine - f_along))
                if network <= SEARCH_M:
                    best = min(best, (off_e + network + off_f, f))
            if best[1] is not None:
                print(f"w{oid},{key},{best[0]:.3f},n{best[1]}")
            else:
                print(f"w{oid},{key},,")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/nanjing-xuanwu-2021.osm.pbf")
