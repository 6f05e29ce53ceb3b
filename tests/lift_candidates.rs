//! Lift retrofit candidates (加装电梯) through the real `lifecircle bundle` command, against a hand count
//! on a small fixture written here: three adjacent estates (built 1990, built 2005, year unknown) and
//! their buildings as planners' layers.
//!
//! Hand count (profile defaults: at least 4 mapped levels, no mapped lift, estate built before 2001):
//! - estate `old` (1990): `old_6` (6 levels) and `old_4` (4) are candidates; `old_3` (3 levels) is too
//!   low; `old_lift` (5 levels, elevator=yes) has a lift; `old_nolevels` has no levels (not assessed);
//! - estate `new` (2005): `new_6` is not (built too late);
//! - estate `unknown` (no year): `unk_7` (7 levels) is a candidate needing a survey.
//!
//! 3 candidates; households = footprint × levels / (33 m² × 2.62).

use serde_json::{Value, json};
use std::path::Path;

/// A square of `side` degrees at (lon, lat), as a GeoJSON polygon.
fn square(lon: f64, lat: f64, side: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]]})
}

fn write_collection(path: &Path, features: Vec<Value>) {
    std::fs::write(path, serde_json::to_string(&json!({"type": "FeatureCollection", "features": features})).unwrap()).unwrap();
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn lift_candidates_match_a_hand_count() {
    let dir = tempfile::tempdir().unwrap();
    let (lon0, lat0, side) = (118.780, 32.040, 0.002);
    let estates: Vec<Value> = [("old", Some(1990), 0.0), ("new", Some(2005), side), ("unknown", None, 2.0 * side)]
        .iter()
        .map(|(id, year, dx)| {
            json!({"type": "Feature", "properties": {"estate_id": id, "population": 3000, "built_year": year},
                   "geometry": square(lon0 + dx, lat0, side)})
        })
        .collect();
    write_collection(&dir.path().join("estates.geojson"), estates);
    let b = 0.0002; // about 19 m × 22 m
    let building = |id: &str, estate: usize, k: usize, levels: Option<f64>, elevator: Option<&str>| {
        let (lon, lat) = (lon0 + estate as f64 * side + 0.0002 + k as f64 * 0.00035, lat0 + 0.0005);
        json!({"type": "Feature", "properties": {"building_id": id, "levels": levels, "elevator": elevator, "use": "residential"}, "geometry": square(lon, lat, b)})
    };
    let buildings = vec![
        building("old_6", 0, 0, Some(6.0), None),
        building("old_4", 0, 1, Some(4.0), Some("no")),
        building("old_3", 0, 2, Some(3.0), None),
        building("old_lift", 0, 3, Some(5.0), Some("yes")),
        building("old_nolevels", 0, 4, None, None),
        building("new_6", 1, 0, Some(6.0), None),
        building("unk_7", 2, 0, Some(7.0), None),
    ];
    write_collection(&dir.path().join("buildings.geojson"), buildings);
    let out = dir.path().join("out");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args(["bundle", "--quiet", "--min-pop", "1000", "--max-pop", "12000", "--out"])
        .arg(&out)
        .arg("--estates")
        .arg(dir.path().join("estates.geojson"))
        .arg("--buildings")
        .arg(dir.path().join("buildings.geojson"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let layer = read(&out.join("lift_candidates.geojson"));
    let rows: Vec<(String, f64, bool, Option<String>)> = layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            (p["building_id"].as_str().unwrap().to_string(), p["levels"].as_f64().unwrap(), p["needs_survey"].as_bool().unwrap(), p["estate_id"].as_str().map(str::to_string))
        })
        .collect();
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(ids, vec!["old_6", "old_4", "unk_7"], "{rows:?}");
    assert_eq!(rows.iter().map(|r| r.2).collect::<Vec<_>>(), vec![false, false, true]);
    assert_eq!(rows.iter().map(|r| r.3.as_deref()).collect::<Vec<_>>(), vec![Some("old"), Some("old"), Some("unknown")]);
    // Households: the footprint's area in the working CRS × levels / 86.46 m²; the footprints are the same
    // size, so old_6 : old_4 : unk_7 = 6 : 4 : 7.
    let h: Vec<f64> = layer["features"].as_array().unwrap().iter().map(|f| f["properties"]["households_est"].as_f64().unwrap()).collect();
    assert!((h[0] / h[1] - 1.5).abs() < 0.01 && (h[2] / h[1] - 1.75).abs() < 0.01, "{h:?}");
    assert!(h[0] > 20.0 && h[0] < 40.0, "a 6-level block of ~420 m² holds ~29 households: {h:?}");
    // Per estate: 2, 0, 1.
    let estates = read(&out.join("estates.geojson"));
    let per_estate: Vec<(String, i64, i64)> = estates["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            (p["estate_id"].as_str().unwrap().to_string(), p["lift_candidates"].as_i64().unwrap(), p["lift_needs_survey"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(per_estate, vec![("old".into(), 2, 0), ("new".into(), 0, 0), ("unknown".into(), 1, 1)]);
    // Per bundle: the layer's rows of each bundle add up; the summary totals.
    let bundles = read(&out.join("bundles.geojson"));
    let mut bundled = 0;
    for f in bundles["features"].as_array().unwrap() {
        let p = &f["properties"];
        let id = p["bundle_id"].as_str().unwrap();
        let members = layer["features"].as_array().unwrap().iter().filter(|c| c["properties"]["bundle_id"] == id).count() as i64;
        assert_eq!(p["lift_candidates"].as_i64().unwrap(), members, "bundle {id}");
        bundled += members;
    }
    assert!(bundled >= 2, "the old estate is bundled: {bundles}");
    let summary = read(&out.join("bundle.json"));
    assert_eq!(summary["lifts"]["candidates"], 3);
    assert_eq!(summary["lifts"]["needs_survey"], 1);
    assert_eq!(summary["lifts"]["buildings_with_lift"], 1);
    assert_eq!(summary["lifts"]["buildings_without_levels"], 1);
    assert!(std::fs::read_to_string(out.join("bundles.csv")).unwrap().lines().next().unwrap().contains("lift_candidates"));
}
