#!/usr/bin/env python3
"""Make a SYNTHETIC large OSM file by tiling a real extract: a GRID x GRID mosaic of copies of INPUT,
each copy shifted by whole multiples of the input's extent (so copies sit side by side, not on top of
each other) and given ids shifted by a per-copy offset (so ids stay unique and, per type, sorted).

The result is for benchmarks only: its streets do not connect across tile edges and it repeats one place
many times. It is written with osmium (`osmium cat -F opl`), without metadata.

    python3 scripts/tile_osm.py tests/data/andorra-2020.osm.pbf target/bench-data/andorra-tiled-7x7.osm.pbf --grid 7

Andorra (235,550 nodes) on a 7 x 7 grid gives 11.5 million nodes. Map data (c) OpenStreetMap
contributors, ODbL 1.0.
"""

import argparse
import os
import subprocess
import sys


def read_opl(path):
    text = subprocess.run(["osmium", "cat", path, "-f", "opl"], check=True, capture_output=True, text=True).stdout
    return [line for line in text.split("\n") if line]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--grid", type=int, default=7, help="tiles per side (default 7)")
    args = ap.parse_args()

    lines = read_opl(args.input)
    by_type = {"n": [], "w": [], "r": []}
    xs, ys, max_id = [], [], 0
    for line in lines:
        fields = line.split(" ")
        by_type[fields[0][0]].append(fields)
        max_id = max(max_id, int(fields[0][1:]))
        if fields[0][0] == "n":
            for f in fields:
                if f.startswith("x") and len(f) > 1:
                    xs.append(float(f[1:]))
                elif f.startswith("y") and len(f) > 1:
                    ys.append(float(f[1:]))
    # Tile steps: the extent of the nodes plus 1 % so copies do not touch.
    step_x = (max(xs) - min(xs)) * 1.01
    step_y = (max(ys) - min(ys)) * 1.01
    stride = 10 ** len(str(max_id))  # ids of copy t are id + t * stride

    def shift_refs(text, offset):
        return ",".join(p[0] + str(int(p[1:]) + offset) for p in text.split(","))

    def shift_members(text, offset):
        out = []
        for m in text.split(","):
            ref, _, role = m.partition("@")
            out.append(ref[0] + str(int(ref[1:]) + offset) + "@" + role)
        return ",".join(out)

    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    osmium = subprocess.Popen(
        ["osmium", "cat", "-F", "opl", "-", "-o", args.output, "-O", "-f", "pbf,add_metadata=false"],
        stdin=subprocess.PIPE, text=True,
    )
    tiles = [(row, col) for row in range(args.grid) for col in range(args.grid)]
    count = {"n": 0, "w": 0, "r": 0}
    for kind in ("n", "w", "r"):
        for t, (row, col) in enumerate(tiles):
            offset, dx, dy = t * stride, col * step_x, row * step_y
            chunk = []
            for fields in by_type[kind]:
                out = [kind + str(int(fields[0][1:]) + offset)]
                for f in fields[1:]:
                    if f.startswith("x") and len(f) > 1:
                        out.append("x%.7f" % (float(f[1:]) + dx))
                    elif f.startswith("y") and len(f) > 1:
                        out.append("y%.7f" % (float(f[1:]) + dy))
                    elif f.startswith("N") and len(f) > 1:
                        out.append("N" + shift_refs(f[1:], offset))
                    elif f.startswith("M") and len(f) > 1:
                        out.append("M" + shift_members(f[1:], offset))
                    elif f[0] in "NMT":
                        out.append(f)
                chunk.append(" ".join(out))
                count[kind] += 1
            osmium.stdin.write("\n".join(chunk) + "\n")
    osmium.stdin.close()
    if osmium.wait() != 0:
        sys.exit("osmium failed")
    print(f"{args.output}: SYNTHETIC {args.grid}x{args.grid} tiling of {args.input}: "
          f"{count['n']:,} nodes, {count['w']:,} ways, {count['r']:,} relations")


if __name__ == "__main__":
    main()
