#!/usr/bin/env python3
"""Regenerate the bad-input corpus files under tests/bad_input/files/ (the manifest is cases.toml).

Run from the repository root: python3 tests/bad_input/make_corpus.py
Coordinates are small squares in Nanjing Xuanwu (118.78 E, 32.04 N); ~0.001 deg = ~95 m east, ~111 m north.
The GeoPackage files need ogr2ogr (gdal-bin)."""
import json, os, shutil, subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
F = os.path.join(HERE, "files")
ROOT = os.path.dirname(os.path.dirname(HERE))
os.makedirs(F, exist_ok=True)


def w(name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(F, name), mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
        f.write(data)


def square(x0, y0, d=0.001):
    return [[[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]]


def fc(features):
    return {"type": "FeatureCollection", "features": features}


def feat(props, geom):
    return {"type": "Feature", "properties": props, "geometry": geom}


def poly(rings):
    return {"type": "Polygon", "coordinates": rings}


def dump(name, obj):
    w(name, json.dumps(obj, ensure_ascii=False, indent=1))


# Valid companions.
estates = fc([
    feat({"estate_id": "E1", "name": "东方小区", "population": 1200}, poly(square(118.780, 32.040))),
    feat({"estate_id": "E2", "name": "西园小区", "population": 800}, poly(square(118.782, 32.040))),
])
dump("estates_ok.geojson", estates)

# Empty and truncated files.
w("empty.osm.pbf", b"")
with open(os.path.join(ROOT, "tests/data/andorra-2020.osm.pbf"), "rb") as f:
    w("truncated.osm.pbf", f.read(3000))
w("empty.geojson", b"")
text = json.dumps(estates, ensure_ascii=False)
w("truncated.geojson", text[: len(text) // 2])
w("empty.gpkg", b"")
gpkg = os.path.join(F, "whole.tmp.gpkg")
if os.path.exists(gpkg):
    os.remove(gpkg)
subprocess.run(["ogr2ogr", "-f", "GPKG", gpkg, os.path.join(F, "estates_ok.geojson"), "-nln", "estates"], check=True)
with open(gpkg, "rb") as f:
    w("truncated.gpkg", f.read(8192))
os.remove(gpkg)
w("empty.csv", b"")
w("survey_truncated.csv", "estate_id,name,population\nE1,\"东方小")  # ends inside a quoted field

# Wrong format under a right-looking name.
w("table_named.geojson", "estate_id,name,population\nE1,东方小区,1200\n")
w("image_named.osm.pbf", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" + b"\x00" * 64)
w("html_named.gpkg", "<!DOCTYPE html><html><body>404 Not Found</body></html>\n")
w("array_not_object.geojson", json.dumps([1, 2, 3]))

# Non-UTF-8 text where UTF-8 is required (GeoJSON is UTF-8 by RFC 7946 §11; the profile is TOML, UTF-8).
w("estates_gbk.geojson", json.dumps(estates, ensure_ascii=False).encode("gbk"))
with open(os.path.join(ROOT, "data/profiles/gb50180.toml"), encoding="utf-8") as f:
    profile = f.read()
w("profile_gbk.toml", profile.encode("gbk", errors="replace"))

# NaN and infinite coordinates.
w("nan_coordinates.geojson", text.replace("118.782", "NaN", 1))
w("infinite_coordinates.geojson", text.replace("118.782", "1e999", 1))

# Coordinates: swapped, metres under a WGS84 claim.
sw = fc([feat({"estate_id": f"S{i}", "population": 100}, poly([[[y, x] for x, y in square(118.780 + 0.002 * i, 32.040)[0]]])) for i in range(3)])
dump("latlon_swapped.geojson", sw)
m = fc([feat({"estate_id": f"M{i}", "population": 100}, poly([[[x, y] for x, y in [[668000 + 200 * i, 3546000], [668100 + 200 * i, 3546000], [668100 + 200 * i, 3546100], [668000 + 200 * i, 3546100], [668000 + 200 * i, 3546000]]]])) for i in range(3)])
dump("metres_as_wgs84.geojson", m)

# Bad single features (rejects, exit 0).
x, y = 118.780, 32.040
d = 0.001
bad = fc([
    feat({"estate_id": "OK1", "name": "好小区"}, poly(square(x, y))),
    feat({"estate_id": "BOWTIE"}, poly([[[x + 0.003, y], [x + 0.003 + d, y + d], [x + 0.003 + d, y], [x + 0.003, y + d], [x + 0.003, y]]])),
    feat({"estate_id": "UNCLOSED"}, poly([[[x + 0.006, y], [x + 0.006 + d, y], [x + 0.006 + d, y + d], [x + 0.006, y + d]]])),
    feat({"estate_id": "HOLE_OUT"}, poly(square(x + 0.009, y) + [[[x + 0.020, y], [x + 0.020, y + 0.0005], [x + 0.0205, y + 0.0005], [x + 0.0205, y], [x + 0.020, y]]])),
    feat({"estate_id": "FLAT"}, poly([[[x + 0.012, y], [x + 0.013, y], [x + 0.014, y], [x + 0.012, y]]])),
    feat({"estate_id": "OK1", "name": "重复"}, poly(square(x + 0.015, y))),
    feat({"estate_id": "NOGEOM"}, None),
    feat({"estate_id": "POINT"}, {"type": "Point", "coordinates": [x, y]}),
    feat({"estate_id": "NEGPOP", "population": -5}, poly(square(x + 0.018, y))),
])
dump("estates_bad_features.geojson", bad)

# Facilities.
dump("facilities_unknown_category.geojson", fc([
    feat({"facility_id": "F1", "category": "kindergarten"}, {"type": "Point", "coordinates": [x, y]}),
    feat({"facility_id": "F2", "category": "gym"}, {"type": "Point", "coordinates": [x + d, y]}),
    feat({"facility_id": "F3", "category": None}, {"type": "Point", "coordinates": [x + 2 * d, y]}),
]))
dump("facilities_no_category_field.geojson", fc([
    feat({"facility_id": "F1", "kind": "kindergarten"}, {"type": "Point", "coordinates": [x, y]}),
    feat({"facility_id": "F2", "kind": "clinic"}, {"type": "Point", "coordinates": [x + d, y]}),
]))

# Issue 15: a layer with no feature, a layer whose every feature is rejected, a built year in the future.
dump("estates_no_features.geojson", fc([]))
dump("estates_all_rejected.geojson", fc([
    feat({"estate_id": "R1", "population": -1}, poly(square(x, y))),
    feat({"estate_id": "R2"}, {"type": "Point", "coordinates": [x, y]}),
]))
dump("estates_future_year.geojson", fc([
    feat({"estate_id": "OLD", "population": 900, "built_year": 1988}, poly(square(x, y))),
    feat({"estate_id": "FUTURE", "population": 900, "built_year": 2999}, poly(square(x + 0.002, y))),
]))

# Candidate areas for `batch --areas`, two of them sharing an id.
dump("areas_duplicate_ids.geojson", fc([
    feat({"area_id": "A1"}, poly(square(x - 0.001, y - 0.001, 0.004))),
    feat({"area_id": "A2"}, poly(square(x + 0.004, y - 0.001, 0.004))),
    feat({"area_id": "A1"}, poly(square(x + 0.009, y - 0.001, 0.004))),
]))

# Network with no edges.
dump("network_empty.geojson", fc([]))
dump("network_points.geojson", fc([feat({"way_id": "W1"}, {"type": "Point", "coordinates": [x, y]})]))

# Surveys.
dump("estates_same_name.geojson", fc([
    feat({"estate_id": "A1", "name": "新村"}, poly(square(x, y))),
    feat({"estate_id": "A2", "name": "新村"}, poly(square(x + 0.002, y))),
]))
w("survey_two_matches.csv", "小区名称,户数\n新村,420\n")
w("survey_no_key.csv", "户数,人口\n420,1100\n")
w("survey_bad_bytes.csv", b"estate_id,name\nE1,\xff\xfe\xff\x80\x80\n")
# An .xlsx cut short inside its first ZIP entry, and one encrypted with a password: an OLE compound file
# (magic D0CF11E0A1B11AE1) whose directory names an EncryptedPackage stream (MS-OFFCRYPTO), here the
# header sector and one directory entry.
w("survey_cut.xlsx", b"PK\x03\x04\x14\x00\x06\x00\x08\x00" + b"\x00" * 20)
w("survey_encrypted.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 94)

# Profiles.
w("profile_negative_threshold.toml", profile.replace("threshold_m = 300.0", "threshold_m = -300.0", 1))
w("profile_not_toml.toml", "{\"name\": \"a JSON profile\", \"category\": []}\n")
w("profile_unknown_field.toml", profile.replace("walking_speed_m_per_min = 60.0", "walking_speed_m_per_min = 60.0\nwalk_speed_kmh = 4.5", 1))

# A folder given as a file, and a file in the way of the output folder.
os.makedirs(os.path.join(F, "a_folder.geojson"), exist_ok=True)
w("a_folder.geojson/README", "This folder stands where a GeoJSON file is expected.\n")
w("plain_file", "a file where the output folder should go\n")
print("corpus written to", F)
