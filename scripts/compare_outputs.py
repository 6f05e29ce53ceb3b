#!/usr/bin/env python3
"""Compare two lifecircle output folders by content, ignoring what a clock writes.

Used to prove that a change which must not alter behaviour (a restructure) leaves every output as it was:
`scripts/compare_plan_outputs.sh OLD_BIN NEW_BIN` runs `plan` with both binaries on every extract under
tests/data and calls this script on each pair of folders.

What is compared, file by file (both folders must hold the same relative paths):
- GeoPackage (.gpkg): every table's rows through SQLite, in rowid order, with the timestamp columns left
  out (`gpkg_contents.last_change`, `gpkg_metadata_reference.timestamp`, `layer_styles.update_time`);
  geometry blobs compared byte for byte.
- JSON (.json): parsed, with the timing keys (`seconds`, `stage_seconds`, `*_s` timings, `elapsed_s`,
  `generated_at`) removed at any depth.
- HTML (.html): the text with date/time stamps (`YYYY-MM-DD HH:MM...`) and timing figures blanked.
- everything else (GeoJSON, CSV, QML, SVG, PNG ...): byte for byte.

Exit status 0 when equal, 1 with one line per difference otherwise.
"""
import json
import re
import sqlite3
import sys
from pathlib import Path

TIMESTAMP_COLUMNS = {
    ("gpkg_contents", "last_change"),
    ("gpkg_metadata_reference", "timestamp"),
    ("layer_styles", "update_time"),
}
TIMING_KEYS = {"seconds", "stage_seconds", "elapsed_s", "generated_at", "total_s"}
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}| UTC)?")


def files_under(root: Path):
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def gpkg_dump(path: Path):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        dump = {}
        for t in tables:
            if t.startswith("rtree_") or t == "sqlite_sequence":
                continue  # R-tree shadow tables: derived from the geometry, compared there
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{t}")')]
            keep = [c for c in cols if (t, c) not in TIMESTAMP_COLUMNS]
            sel = ", ".join(f'"{c}"' for c in keep)
            dump[t] = (keep, con.execute(f'SELECT {sel} FROM "{t}" ORDER BY rowid').fetchall())
        return dump
    finally:
        con.close()


def strip_timings(value):
    if isinstance(value, dict):
        return {k: strip_timings(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [strip_timings(v) for v in value]
    return value


def first_difference(a, b, where=""):
    """A short description of where two parsed JSON values first differ."""
    if type(a) is not type(b):
        return f"{where}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{where}/{k}: only in {'second' if k not in a else 'first'}"
            d = first_difference(a[k], b[k], f"{where}/{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{where}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{where}: {a!r} vs {b!r}"


def html_text(path: Path):
    text = path.read_text(encoding="utf-8")
    return STAMP.sub("<time>", text)


def compare_file(a: Path, b: Path, rel: Path):
    suffix = a.suffix.lower()
    if suffix == ".gpkg":
        da, db = gpkg_dump(a), gpkg_dump(b)
        if set(da) != set(db):
            return f"{rel}: tables differ: {sorted(set(da) ^ set(db))}"
        for t in sorted(da):
            if da[t] != db[t]:
                ca, ra = da[t]
                cb, rb = db[t]
                if ca != cb:
                    return f"{rel}: table {t}: columns {ca} vs {cb}"
                if len(ra) != len(rb):
                    return f"{rel}: table {t}: {len(ra)} vs {len(rb)} rows"
                for i, (x, y) in enumerate(zip(ra, rb)):
                    if x != y:
                        cols = [c for c, u, v in zip(ca, x, y) if u != v]
                        return f"{rel}: table {t}: row {i + 1} differs in {cols}"
        return None
    if suffix == ".json":
        ja = strip_timings(json.loads(a.read_text(encoding="utf-8")))
        jb = strip_timings(json.loads(b.read_text(encoding="utf-8")))
        d = first_difference(ja, jb)
        return f"{rel}: {d}" if d else None
    if suffix == ".html":
        return None if html_text(a) == html_text(b) else f"{rel}: text differs"
    return None if a.read_bytes() == b.read_bytes() else f"{rel}: bytes differ"


def compare_folders(a: Path, b: Path):
    fa, fb = files_under(a), files_under(b)
    problems = [f"only in {a}: {p}" for p in sorted(set(fa) - set(fb))]
    problems += [f"only in {b}: {p}" for p in sorted(set(fb) - set(fa))]
    for rel in sorted(set(fa) & set(fb)):
        d = compare_file(a / rel, b / rel, rel)
        if d:
            problems.append(d)
    return problems, len(set(fa) & set(fb))


def main(argv):
    if len(argv) != 3:
        print("usage: compare_outputs.py FOLDER_A FOLDER_B", file=sys.stderr)
        return 2
    a, b = Path(argv[1]), Path(argv[2])
    for d in (a, b):
        if not d.is_dir():
            print(f"compare_outputs.py: {d} is not a folder", file=sys.stderr)
            return 2
    problems, n = compare_folders(a, b)
    for p in problems:
        print(p)
    print(f"{a} vs {b}: {n} files compared, {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
