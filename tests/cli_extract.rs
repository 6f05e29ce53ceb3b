//! `lifecircle extract` on the embedded Nanjing Xuanwu extract through the real binary: exit 0, the counts
//! in `extract.json` equal what the library's `read_osm` reads from the same file, every GeoJSON layer
//! parses with exactly that many features and one geometry family, and with `--format gpkg` GDAL opens the
//! GeoPackage and finds every layer, rejects included, with the same feature counts and a declared geometry
//! type (only rejects is GEOMETRY).

mod geopackage_types;

use gdal::vector::LayerAccess;
use lifecircle::read::osm::read_osm;
use lifecircle::model::FacilityGeometry;
use lifecircle::profile::Profile;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn nanjing_pbf() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/nanjing-xuanwu-2021.osm.pbf")
}

fn run_extract(out: &Path, format: &str) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args(["extract", "--quiet", "--format", format, "--osm"])
        .arg(nanjing_pbf())
        .arg("--out")
        .arg(out)
        .output()
        .expect("run lifecircle");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    assert!(stderr.trim().is_empty(), "a --quiet run printed: {stderr}");
    serde_json::from_str(&std::fs::read_to_string(out.join("extract.json")).expect("extract.json")).expect("extract.json is JSON")
}

/// The counts the library reads: layer name → rows, as `extract` names its layers, and the rejects.
fn library_counts() -> (BTreeMap<String, usize>, usize, serde_json::Value) {
    let profile = Profile::default_profile();
    let mut extract = read_osm(&nanjing_pbf(), &profile, None).expect("read_osm");
    lifecircle::estates::derive_estates(&mut extract, &profile);
    let d = &extract.dataset;
    let layers: BTreeMap<String, usize> = [
        ("estates", d.estates.len()),
        ("buildings", d.buildings.len()),
        ("facilities", d.facilities.len()),
        ("facility_footprints", d.facilities.iter().filter(|f| matches!(f.geometry, FacilityGeometry::Area(_))).count()),
        ("idle_land", d.parcels.len()),
        ("barriers", d.barriers.iter().filter(|b| !b.is_area()).count()),
        ("barrier_areas", d.barriers.iter().filter(|b| b.is_area()).count()),
        ("gates", d.gates.len()),
        ("network", d.ways.len()),
        ("boundaries", d.boundaries.len()),
        ("protected_land", d.protected_land.len()),
    ]
    .into_iter()
    .map(|(n, c)| (n.to_string(), c))
    .collect();
    // The reader's own per-layer counts agree with its dataset and name the layers as they are written.
    let mut with_rejects = layers.clone();
    with_rejects.insert("rejects".into(), d.rejects.len());
    assert_eq!(extract.stats.layers, with_rejects, "read_osm stats name and count the written layers");
    (layers, d.rejects.len(), serde_json::to_value(&extract.stats).expect("stats serialise"))
}

fn summary_layers(summary: &serde_json::Value) -> BTreeMap<String, usize> {
    summary["layers"].as_object().expect("layers").iter().map(|(k, v)| (k.clone(), v.as_u64().expect("count") as usize)).collect()
}

#[test]
fn extract_geojson_counts_equal_the_library_and_every_file_parses() {
    let (layers, rejects, stats) = library_counts();
    assert!(layers["estates"] > 0 && layers["network"] > 0 && layers["facilities"] > 0, "{layers:?}");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("extract");
    let summary = run_extract(&out, "geojson");
    assert_eq!(summary_layers(&summary), layers);
    assert_eq!(summary["rejects"].as_u64(), Some(rejects as u64));
    // serde_json parses floats without the `float_roundtrip` feature, which may be one ulp off: the
    // population total is compared to 1e-12 relative, everything else exactly.
    let (mut written_osm, mut library_osm) = (summary["osm"].clone(), stats.clone());
    let written_population = written_osm.as_object_mut().and_then(|o| o.remove("estimated_population")).and_then(|v| v.as_f64()).expect("population");
    let library_population = library_osm.as_object_mut().and_then(|o| o.remove("estimated_population")).and_then(|v| v.as_f64()).expect("population");
    assert!((written_population - library_population).abs() <= 1e-12 * library_population, "{written_population} vs {library_population}");
    assert_eq!(written_osm, library_osm, "extract.json osm block differs from read_osm's stats");
    // extract.json's osm.layers names the layers as the files are named (idle_land, network), so every
    // name there has its file.
    for name in summary["osm"]["layers"].as_object().unwrap().keys() {
        assert!(out.join(format!("{name}.geojson")).is_file(), "osm.layers names `{name}`, but no {name}.geojson was written");
    }
    assert!(summary["crs"].as_str().is_some_and(|c| c.starts_with("EPSG:326")), "{}", summary["crs"]);
    let mut expected: BTreeMap<String, usize> = layers.clone();
    expected.insert("rejects".into(), rejects);
    for (name, count) in &expected {
        let path = out.join(format!("{name}.geojson"));
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(json["type"], "FeatureCollection", "{name}");
        assert_eq!(json["features"].as_array().map(Vec::len), Some(*count), "{name}.geojson feature count");
        // One geometry family per layer (rejects excepted): single and multi parts of it, or null.
        if name != "rejects" {
            let types: BTreeSet<&str> = json["features"].as_array().unwrap().iter().filter_map(|f| f["geometry"]["type"].as_str()).map(|t| t.trim_start_matches("Multi")).collect();
            assert!(types.len() <= 1, "{name}.geojson mixes {types:?}");
        }
        // Parses as GeoJSON too (geometry objects well formed).
        let parsed: geojson::GeoJson = std::fs::read_to_string(&path).unwrap().parse().unwrap_or_else(|e| panic!("{name}.geojson: {e}"));
        assert!(matches!(parsed, geojson::GeoJson::FeatureCollection(_)));
    }
    // Every file extract.json lists exists, and nothing else but extract.json (and rejects.csv) is there.
    let listed: Vec<PathBuf> = summary["files"].as_array().unwrap().iter().map(|f| PathBuf::from(f.as_str().unwrap())).collect();
    let mut unique = listed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), listed.len(), "a file is listed twice: {listed:?}");
    for f in &listed {
        assert!(f.is_file(), "{} listed but missing", f.display());
    }
    let present = std::fs::read_dir(&out).unwrap().count();
    assert_eq!(present, listed.len() + 1, "files besides the listed ones and extract.json");
}

#[test]
fn extract_gpkg_opens_in_gdal_with_every_layer_and_count() {
    let (layers, rejects, _) = library_counts();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("extract");
    let summary = run_extract(&out, "gpkg");
    assert_eq!(summary_layers(&summary), layers);
    let gpkg = out.join("lifecircle.gpkg");
    let dataset = gdal::Dataset::open(&gpkg).expect("GDAL opens lifecircle.gpkg");
    assert_eq!(dataset.driver().short_name(), "GPKG");
    let mut expected = layers.clone();
    expected.insert("rejects".into(), rejects);
    // The layers' QGIS styles are in QGIS's own `layer_styles` table, one row per layer.
    expected.insert("layer_styles".into(), expected.len());
    let found: BTreeMap<String, usize> = dataset.layers().map(|mut l| (l.name(), l.features().count())).collect();
    assert_eq!(found, expected, "GeoPackage layers and feature counts");
    // Every layer declares one geometry type (never GEOMETRY, which QGIS splits into sub-layers), but
    // rejects, which may hold any geometry or none; the empty boundaries layer too.
    let want = geopackage_types::families(&[
        ("estates", "polygon"),
        ("buildings", "polygon"),
        ("facilities", "point"),
        ("facility_footprints", "polygon"),
        ("idle_land", "polygon"),
        ("barriers", "line"),
        ("barrier_areas", "polygon"),
        ("gates", "point"),
        ("network", "line"),
        ("boundaries", "polygon"),
        ("protected_land", "polygon"),
        ("rejects", "Unknown (any)"),
        ("layer_styles", "none"),
    ]);
    assert_eq!(geopackage_types::declared_families(&gpkg), want);
    // Nanjing maps parks as areas and water as areas beside rail and river lines: the split layers both
    // hold rows, which is what made facilities and barriers mixed before.
    for layer in ["facility_footprints", "barriers", "barrier_areas"] {
        assert!(expected[layer] > 0, "Nanjing has no {layer}");
    }
}

/// `rejects.csv` is written only when some reject has no geometry; a later run into the same folder whose
/// rejects all have one must not leave the earlier run's `rejects.csv` behind (it would list rejects of
/// another input as if they were this run's).
#[test]
fn a_stale_rejects_csv_of_an_earlier_run_is_removed() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input/files");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("extract");
    let extract = |estates: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_lifecircle"))
            .args(["extract", "--quiet", "--estates"])
            .arg(corpus.join(estates))
            .arg("--out")
            .arg(&out)
            .output()
            .expect("run lifecircle");
        assert_eq!(output.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    };
    // NOGEOM has no geometry: rejects.csv lists it.
    extract("estates_bad_features.geojson");
    let csv = std::fs::read_to_string(out.join("rejects.csv")).expect("the first run writes rejects.csv");
    assert!(csv.contains("NOGEOM"), "{csv}");
    // Every feature of estates_ok.geojson is good: no reject, no rejects.csv, and the old one is gone.
    extract("estates_ok.geojson");
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("extract.json")).unwrap()).unwrap();
    assert_eq!(summary["rejects"], 0);
    assert!(!out.join("rejects.csv").exists(), "the earlier run's rejects.csv is still there");
    let rejects: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("rejects.geojson")).unwrap()).unwrap();
    assert_eq!(rejects["features"].as_array().map(Vec::len), Some(0));
}
