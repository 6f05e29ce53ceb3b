//! The planner's loop, `extract` → edit the layers → `coverage` / `bundle` / `sites` on the layers, through
//! the real binary on every OpenStreetMap extract under `tests/data` (and the embedded Nanjing one): run on
//! `--osm X` and on `--layers` of what `extract --osm X` wrote, the answers are the same —
//! - `extract --layers` reads every layer back: the same feature count per layer, and the same
//!   (facility, category) pairs (a facility of two categories is two rows of one id, joined on reading);
//! - `coverage`: the same estates, the same facilities per category, every `dist_K` within 1 cm, the same
//!   `ok_K` verdicts and scores;
//! - `bundle`: the same bundles (members, population);
//! - `sites`: the same sites (category, rank, candidate, residents newly covered).
//!
//! GeoJSON (the default) for every extract; the GeoPackage (`extract --format gpkg`, `--layers FILE.gpkg`)
//! and Shapefiles (the GeoJSON layers converted with GDAL, field names cut to 10 characters) on
//! Monaco. `sites` derives open land within `--search` metres; on Andorra and Liechtenstein, whose derived land
//! is large, `--search 100` keeps the test short (the rule under test, reading back, is the same).

use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn run(args: &[&str], inputs: &[&str], input: &Path, out: &Path) -> Result<(), String> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lifecircle"));
    command.arg("--quiet").args(args);
    for flag in inputs {
        command.arg(flag);
    }
    command.arg(input).arg("--out").arg(out);
    let o = command.output().expect("the binary runs");
    if o.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&o.stderr).into_owned()) }
}

fn features(path: &Path) -> Vec<serde_json::Map<String, Json>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json: Json = serde_json::from_str(&text).unwrap();
    json["features"].as_array().unwrap().iter().map(|f| f["properties"].as_object().unwrap().clone()).collect()
}

fn text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Estates by id.
fn estates(dir: &Path) -> BTreeMap<String, serde_json::Map<String, Json>> {
    features(&dir.join("estates.geojson")).into_iter().map(|p| (text(&p["estate_id"]), p)).collect()
}

/// (category, facility id) of a facilities layer.
fn facility_pairs(dir: &Path) -> BTreeSet<(String, String)> {
    features(&dir.join("facilities.geojson")).into_iter().map(|p| (text(&p["category"]), text(&p["facility_id"]))).collect()
}

/// Compare two coverage outputs; the number of distances compared.
fn same_coverage(what: &str, a: &Path, b: &Path) -> usize {
    assert_eq!(facility_pairs(a), facility_pairs(b), "{what}: facilities per category");
    let (ea, eb) = (estates(a), estates(b));
    assert_eq!(ea.keys().collect::<Vec<_>>(), eb.keys().collect::<Vec<_>>(), "{what}: estates");
    let mut distances = 0;
    for (id, pa) in &ea {
        let pb = &eb[id];
        for (field, va) in pa {
            let vb = pb.get(field).unwrap_or(&Json::Null);
            if field.starts_with("dist_") {
                match (va.as_f64(), vb.as_f64()) {
                    (Some(x), Some(y)) => {
                        assert!((x - y).abs() <= 0.01, "{what}: estate {id} {field}: {x} vs {y}");
                        distances += 1;
                    }
                    (None, None) => {}
                    _ => panic!("{what}: estate {id} {field}: {va} vs {vb}"),
                }
            } else if field.starts_with("ok_") || field.starts_with("n_") || field == "score" || field == "bundle_id" {
                assert_eq!(va, vb, "{what}: estate {id} {field}");
            }
        }
    }
    distances
}

fn same_bundles(what: &str, a: &Path, b: &Path) {
    let key = |dir: &Path| -> Vec<(String, String, i64)> {
        features(&dir.join("bundles.geojson"))
            .into_iter()
            .map(|p| (text(&p["bundle_id"]), text(&p["estate_ids"]), (p["population"].as_f64().unwrap_or(0.0) * 1000.0).round() as i64))
            .collect()
    };
    let ka = key(a);
    assert_eq!(ka, key(b), "{what}: bundles");
    let members = |dir: &Path| -> Vec<(String, Json)> { estates(dir).into_iter().map(|(id, p)| (id, p["bundle_id"].clone())).collect() };
    assert_eq!(members(a), members(b), "{what}: bundle of each estate");
}

fn same_sites(what: &str, a: &Path, b: &Path) {
    let key = |dir: &Path| -> Vec<(String, i64, String, i64)> {
        features(&dir.join("sites.geojson"))
            .into_iter()
            .map(|p| (text(&p["category"]), p["rank"].as_i64().unwrap_or(0), text(&p["candidate_id"]), (p["new_population_covered"].as_f64().unwrap_or(0.0) * 1000.0).round() as i64))
            .collect()
    };
    assert_eq!(key(a), key(b), "{what}: sites");
}

/// Layer name → feature count, from `extract.json`.
fn extract_counts(dir: &Path) -> BTreeMap<String, u64> {
    let json: Json = serde_json::from_str(&std::fs::read_to_string(dir.join("extract.json")).unwrap()).unwrap();
    json["layers"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap())).collect()
}

/// Every layer of a GeoJSON extract folder that has features, converted to a Shapefile with GDAL.
fn to_shapefiles(geojson_dir: &Path, shp_dir: &Path) {
    std::fs::create_dir_all(shp_dir).unwrap();
    let driver = gdal::DriverManager::get_driver_by_name("ESRI Shapefile").unwrap();
    for entry in std::fs::read_dir(geojson_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "geojson") || path.file_stem().is_some_and(|s| s == "rejects") {
            continue;
        }
        if features(&path).is_empty() {
            continue;
        }
        let source = gdal::Dataset::open(&path).unwrap();
        let target = shp_dir.join(path.with_extension("shp").file_name().unwrap());
        // Names with characters outside ISO-8859-1 are mangled (GDAL warns): no name is compared here.
        source.create_copy(&driver, &target, &gdal::cpl::CslStringList::new()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

/// One extract: the loop through GeoJSON for every command; `formats` adds the GeoPackage and Shapefiles.
fn round_trip(osm: &str, search: &str, formats: bool, min_distances: usize) {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name);
    let osm = data(osm);
    run(&["extract"], &["--osm"], &osm, &d("extract")).unwrap();
    // Every layer reads back.
    run(&["extract"], &["--layers"], &d("extract"), &d("extract_again")).unwrap();
    assert_eq!(extract_counts(&d("extract")), extract_counts(&d("extract_again")), "{}: layer counts", osm.display());
    assert_eq!(facility_pairs(&d("extract")), facility_pairs(&d("extract_again")));

    // Coverage; an extract without estates fails the same way both times.
    let from_osm = run(&["coverage"], &["--osm"], &osm, &d("coverage_osm"));
    let from_layers = run(&["coverage"], &["--layers"], &d("extract"), &d("coverage_layers"));
    match (&from_osm, &from_layers) {
        (Ok(()), Ok(())) => {
            let compared = same_coverage("coverage geojson", &d("coverage_osm"), &d("coverage_layers"));
            assert!(compared >= min_distances, "{}: {compared} distances compared", osm.display());
        }
        (Err(a), Err(b)) => {
            assert_eq!(a, b);
            return;
        }
        _ => panic!("{}: coverage {from_osm:?} vs {from_layers:?}", osm.display()),
    }
    run(&["bundle"], &["--osm"], &osm, &d("bundle_osm")).unwrap();
    run(&["bundle"], &["--layers"], &d("extract"), &d("bundle_layers")).unwrap();
    same_bundles("bundle geojson", &d("bundle_osm"), &d("bundle_layers"));
    run(&["sites", "--search", search], &["--osm"], &osm, &d("sites_osm")).unwrap();
    // sites.json counts the candidates the layer holds (it once counted them after they had moved into it: 0).
    let sites_json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(d("sites_osm").join("sites.json")).unwrap()).unwrap();
    let candidates: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(d("sites_osm").join("candidates.geojson")).unwrap()).unwrap();
    assert_eq!(sites_json["candidates"].as_u64(), Some(candidates["features"].as_array().unwrap().len() as u64), "{}", osm.display());
    run(&["sites", "--search", search], &["--layers"], &d("extract"), &d("sites_layers")).unwrap();
    same_sites("sites geojson", &d("sites_osm"), &d("sites_layers"));

    if formats {
        run(&["extract", "--format", "gpkg"], &["--osm"], &osm, &d("extract_gpkg")).unwrap();
        run(&["coverage"], &["--layers"], &d("extract_gpkg/lifecircle.gpkg"), &d("coverage_gpkg")).unwrap();
        assert!(same_coverage("coverage gpkg", &d("coverage_osm"), &d("coverage_gpkg")) >= min_distances);
        run(&["bundle"], &["--layers"], &d("extract_gpkg/lifecircle.gpkg"), &d("bundle_gpkg")).unwrap();
        same_bundles("bundle gpkg", &d("bundle_osm"), &d("bundle_gpkg"));
        // The folder itself (what the QGIS plugin's extract writes): its lifecircle.gpkg is read.
        run(&["coverage"], &["--layers"], &d("extract_gpkg"), &d("coverage_gpkg_folder")).unwrap();
        assert!(same_coverage("coverage gpkg folder", &d("coverage_osm"), &d("coverage_gpkg_folder")) >= min_distances);
        to_shapefiles(&d("extract"), &d("extract_shp"));
        run(&["coverage"], &["--layers"], &d("extract_shp"), &d("coverage_shp")).unwrap();
        assert!(same_coverage("coverage shapefile", &d("coverage_osm"), &d("coverage_shp")) >= min_distances);
        run(&["sites", "--search", search], &["--layers"], &d("extract_shp"), &d("sites_shp")).unwrap();
        same_sites("sites shapefile", &d("sites_osm"), &d("sites_shp"));
    }
}

// The minimum numbers of distances compared are the estates × categories with a facility within reach,
// rounded down: they keep a test from passing on empty outputs.
#[test]
fn monaco_round_trips_through_geojson_geopackage_and_shapefile() {
    round_trip("tests/data/monaco-2020.osm.pbf", "300", true, 500);
}

#[test]
fn porto_round_trips() {
    round_trip("tests/data/porto-2020.osm.pbf", "300", false, 2000);
}

#[test]
fn andorra_round_trips() {
    round_trip("tests/data/andorra-2020.osm.pbf", "100", false, 500);
}

#[test]
fn liechtenstein_round_trips() {
    round_trip("tests/data/liechtenstein-2015.osm.pbf", "100", false, 500);
}

#[test]
fn london_round_trips() {
    round_trip("tests/data/london-2020.osm.pbf", "300", false, 500);
}

#[test]
fn nanjing_round_trips() {
    round_trip("data/nanjing-xuanwu-2021.osm.pbf", "300", false, 20);
}

#[test]
fn small_extracts_round_trip() {
    for osm in ["tests/data/extract-cases.osm.pbf", "tests/data/self-crossing.osm.pbf", "tests/data/shanghai-jingan-roads.osm.pbf"] {
        round_trip(osm, "300", false, 0);
    }
}

/// Porto's 51 middle schools are also tagged as primary schools: `extract` writes each twice (one row per
/// category, one id), and reading the layer back keeps both categories.
#[test]
fn a_facility_of_two_categories_survives_the_loop() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name);
    run(&["extract"], &["--osm"], &data("tests/data/porto-2020.osm.pbf"), &d("extract")).unwrap();
    let written = facility_pairs(&d("extract"));
    let ids = |category: &str| -> BTreeSet<String> { written.iter().filter(|(c, _)| c == category).map(|(_, id)| id.clone()).collect() };
    let both: BTreeSet<String> = ids("middle_school").intersection(&ids("primary_school")).cloned().collect();
    assert!(both.len() >= 10, "Porto has schools of both categories: {both:?}");
    run(&["extract"], &["--layers"], &d("extract"), &d("again")).unwrap();
    let read_back = facility_pairs(&d("again"));
    for id in &both {
        assert!(read_back.contains(&("middle_school".to_string(), id.clone())) && read_back.contains(&("primary_school".to_string(), id.clone())), "{id}");
    }
    // Nothing of it went to rejects as a duplicate.
    let rejects = std::fs::read_to_string(d("again/rejects.geojson")).unwrap_or_default();
    assert!(!rejects.contains("duplicate id"), "{rejects}");
}

/// `plan --layers` on what `extract` wrote keeps what the extract knew of its OpenStreetMap file (its
/// `extract.json`): the place in the default title and the ways cut at the edge in the data-quality
/// findings, as `plan --osm` has them; without that file the title falls back to the folder's name.
#[test]
fn a_plan_on_an_extract_folder_keeps_the_place_and_the_clipped_ways() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name);
    let osm = data("data/nanjing-xuanwu-2021.osm.pbf");
    run(&["extract"], &["--osm"], &osm, &d("xuanwu-extract")).unwrap();
    run(&["plan"], &["--osm"], &osm, &d("plan_osm")).unwrap();
    run(&["plan"], &["--layers"], &d("xuanwu-extract"), &d("plan_layers")).unwrap();
    let summary = |name: &str| -> Json { serde_json::from_str(&std::fs::read_to_string(d(name).join("summary.json")).unwrap()).unwrap() };
    let (from_osm, from_layers) = (summary("plan_osm"), summary("plan_layers"));
    assert_eq!(from_osm["title"], "玄武区 社区生活圈评估与老旧小区改造片区规划");
    assert_eq!(from_layers["title"], from_osm["title"]);
    assert_eq!(from_osm["data_quality"]["ways_clipped_at_edge"], 0);
    assert_eq!(from_layers["data_quality"]["ways_clipped_at_edge"], from_osm["data_quality"]["ways_clipped_at_edge"]);
    // The same layers without their extract.json: nothing is known of an OpenStreetMap file.
    std::fs::remove_file(d("xuanwu-extract/extract.json")).unwrap();
    run(&["plan"], &["--layers"], &d("xuanwu-extract"), &d("plan_bare")).unwrap();
    let bare = summary("plan_bare");
    assert_eq!(bare["title"], "xuanwu-extract 社区生活圈评估与老旧小区改造片区规划");
    assert!(bare["data_quality"]["ways_clipped_at_edge"].is_null(), "{}", bare["data_quality"]);
}
