#!/usr/bin/env python3
"""A stand-in for the lifecircle binary in the runner's tests: behaves as the test's MODE says.

    fake_engine.py MODE --out DIR

MODE ok: writes two files and summary.json into DIR, logs three JSON lines, exits 0.
MODE bad-input: logs one JSON line, prints `error: ...` and a hint, exits 2.
MODE slow: starts a child process (its pid in DIR/child.pid), writes DIR/partial.gpkg, logs one JSON line
           and then sleeps for a minute: the test cancels it.
"""

import json
import os
import subprocess
import sys
import time


def log(message, **fields):
    fields["message"] = message
    print(json.dumps({"timestamp": "2026-01-01T00:00:00Z", "level": "INFO", "fields": fields}), file=sys.stderr, flush=True)


mode = sys.argv[1]
out = sys.argv[sys.argv.index("--out") + 1]
os.makedirs(out, exist_ok=True)
if mode == "ok":
    log("read OpenStreetMap", file="x.osm.pbf")
    with open(os.path.join(out, "lifecircle.gpkg"), "w") as f:
        f.write("gpkg")
    os.makedirs(os.path.join(out, "geojson"), exist_ok=True)
    with open(os.path.join(out, "geojson", "estates.geojson"), "w") as f:
        f.write("{}")
    log("stage done", stage="read inputs")
    with open(os.path.join(out, "summary.json"), "w") as f:
        f.write("{}")
    print(f"Plan written to {out}:", flush=True)
    log("plan written", seconds=0.1)
    sys.exit(0)
if mode == "bad-input":
    log("read OpenStreetMap", file="x.osm.pbf")
    print("error: estates.gpkg: the file does not exist", file=sys.stderr)
    print("  hint: check the path", file=sys.stderr, flush=True)
    sys.exit(2)
if mode == "slow":
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    with open(os.path.join(out, "child.pid"), "w") as f:
        f.write(str(child.pid))
    with open(os.path.join(out, "partial.gpkg"), "w") as f:
        f.write("half")
    log("read OpenStreetMap", file="x.osm.pbf")
    time.sleep(60)
    sys.exit(0)
sys.exit(3)
