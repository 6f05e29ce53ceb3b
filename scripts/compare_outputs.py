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
- Excel (.xlsx): every sheet's cell values (shared strings resolved), the 说明 / About sheet left out.
- everything else (GeoJSON, CSV, QML, SVG, PNG ...): byte for byte.

The provenance, which says when, by which command line and into which folder a run was made, is left out
everywhere: the `provenance` member of JSON files, `gpkg_metadata.metadata`, the report's
`<details id="provenance">`, the workbook's About sheet; and an output path in a JSON value (`files`) is
compared relative to its folder. So `lifecircle rerun` into another folder compares equal.

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
    ("gpkg_metadata", "metadata"),
}
TIMING_KEYS = {"seconds", "stage_seconds", "elapsed_s", "generated_at", "total_s", "provenance"}
OUTPUT_FILES = set()  # the relative paths of the files being compared (set by compare_folders)
PROVENANCE_HTML = re.compile(r'<details id="provenance">.*?</details>', re.S)
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
    text = PROVENANCE_HTML.sub("", path.read_text(encoding="utf-8"))
    return STAMP.sub("<time>", text)


def relative_paths(value, roots):
    """`value` with strings that start with one of the folder paths `roots` made relative to it."""
    if isinstance(value, dict):
        return {k: relative_paths(v, roots) for k, v in value.items()}
    if isinstance(value, list):
        return [relative_paths(v, roots) for v in value]
    if isinstance(value, str):
        for root in roots:
            if value.startswith(root + "/"):
                return "<out>" + value[len(root):]
        # A path as the run's command line gave the folder (relative, or another spelling): its tail is
        # one of the folder's files.
        for rel in OUTPUT_FILES:
            if value.endswith("/" + rel):
                return "<out>/" + rel
    return value


def xlsx_cells(path: Path):
    """Sheet name -> sorted (cell, value) pairs, the About sheet (说明) left out."""
    import zipfile
    import xml.etree.ElementTree as ET
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        shared = []
        if "xl/sharedStrings.xml" in names:
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns):
                shared.append("".join(t.text or "" for t in si.iter("{%s}t" % ns["m"])))
        rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
        sheets = {}
        for sheet in ET.fromstring(z.read("xl/workbook.xml")).find("m:sheets", ns):
            name = sheet.get("name")
            if name in ("说明", "About"):
                continue
            xml = ET.fromstring(z.read("xl/" + rels[sheet.get(rel_ns)].lstrip("/").removeprefix("xl/")))
            cells = []
            for c in xml.iter("{%s}c" % ns["m"]):
                v = c.find("m:v", ns)
                text = v.text if v is not None else "".join(t.text or "" for t in c.iter("{%s}t" % ns["m"]))
                if c.get("t") == "s" and text is not None:
                    text = shared[int(text)]
                cells.append((c.get("r"), text))
            sheets[name] = sorted(cells)
        return sheets


def compare_file(a: Path, b: Path, rel: Path, roots=((), ())):
    suffix = a.suffix.lower()
    if suffix == ".xlsx":
        xa, xb = xlsx_cells(a), xlsx_cells(b)
        if xa == xb:
            return None
        for name in sorted(set(xa) | set(xb)):
            if xa.get(name) != xb.get(name):
                return f"{rel}: sheet {name} differs"
        return f"{rel}: sheets differ"
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
        ja = relative_paths(strip_timings(json.loads(a.read_text(encoding="utf-8"))), roots[0])
        jb = relative_paths(strip_timings(json.loads(b.read_text(encoding="utf-8"))), roots[1])
        d = first_difference(ja, jb)
        return f"{rel}: {d}" if d else None
    if suffix == ".html":
        return None if html_text(a) == html_text(b) else f"{rel}: text differs"
    return None if a.read_bytes() == b.read_bytes() else f"{rel}: bytes differ"


def compare_folders(a: Path, b: Path):
    fa, fb = files_under(a), files_under(b)
    problems = [f"only in {a}: {p}" for p in sorted(set(fa) - set(fb))]
    problems += [f"only in {b}: {p}" for p in sorted(set(fb) - set(fa))]
    OUTPUT_FILES.update(str(p) for p in set(fa) | set(fb))
    for rel in sorted(set(fa) & set(fb)):
        roots = tuple(tuple(sorted({str(d), str(d.resolve())}, key=len, reverse=True)) for d in (a, b))
        d = compare_file(a / rel, b / rel, rel, roots)
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
