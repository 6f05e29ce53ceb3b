//! 数据质量 on hand-built planners' layers, every count worked out by hand, through the real binary
//! (`plan`): `summary.json`'s `data_quality`, the report's section before its tables, the workbook's
//! findings sheet and the warnings on stderr; and, as the four estates hold fewer residents than a
//! bundle's floor, the report says why there is no bundle.
//!
//! ```text
//!   E3 (no population: unknown)            x = -10 street from y = -10 up to y = 320
//!   E1 (1,000)   E4 (population 0)          main street y = -10 from x = -50 to 400, K1 kindergarten at (50, -15)
//!                                  E2 (500) at x = 1000..1100 with its own 200 m street piece (an island)
//! ```
//! Facilities: K1 (kindergarten) and two of category `gym`, which the profile does not know (2 rejects).
//! Gates: two lines, so both are rejected and the gates layer is rejected whole (a warning; the run goes on).

use serde_json::{Value, json};
use std::process::Command;

fn ll(x: f64, y: f64) -> Value {
    json!([118.78 + x / (111_320.0 * 32.04_f64.to_radians().cos()), 32.04 + y / 110_950.0])
}

fn square(x0: f64, y0: f64, side: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[ll(x0, y0), ll(x0 + side, y0), ll(x0 + side, y0 + side), ll(x0, y0 + side), ll(x0, y0)]]})
}

fn line(pts: &[(f64, f64)]) -> Value {
    json!({"type": "LineString", "coordinates": pts.iter().map(|&(x, y)| ll(x, y)).collect::<Vec<_>>()})
}

fn point(x: f64, y: f64) -> Value {
    json!({"type": "Point", "coordinates": ll(x, y)})
}

fn write(dir: &std::path::Path, name: &str, features: Vec<(Value, Value)>) -> std::path::PathBuf {
    let features: Vec<Value> = features.into_iter().map(|(p, g)| json!({"type": "Feature", "properties": p, "geometry": g})).collect();
    let path = dir.join(format!("{name}.geojson"));
    std::fs::write(&path, json!({"type": "FeatureCollection", "features": features}).to_string()).unwrap();
    path
}

#[test]
fn data_quality_counts_match_the_hand_count_everywhere_a_planner_looks() {
    let dir = tempfile::tempdir().unwrap();
    let estates = write(
        dir.path(),
        "estates",
        vec![
            (json!({"estate_id": "E1", "population": 1000}), square(0.0, 0.0, 100.0)),
            (json!({"estate_id": "E2", "population": 500}), square(1000.0, 0.0, 100.0)),
            (json!({"estate_id": "E3"}), square(0.0, 200.0, 100.0)),
            (json!({"estate_id": "E4", "population": 0}), square(200.0, 0.0, 100.0)),
        ],
    );
    let street = json!({"highway": "residential"});
    let network = write(
        dir.path(),
        "network",
        vec![
            (json!({"way_id": "main", "highway": street["highway"]}), line(&[(-50.0, -10.0), (-10.0, -10.0), (400.0, -10.0)])),
            (json!({"way_id": "west", "highway": street["highway"]}), line(&[(-10.0, -10.0), (-10.0, 320.0)])),
            (json!({"way_id": "island", "highway": street["highway"]}), line(&[(950.0, -10.0), (1150.0, -10.0)])),
        ],
    );
    let facilities = write(
        dir.path(),
        "facilities",
        vec![
            (json!({"facility_id": "K1", "category": "kindergarten"}), point(50.0, -15.0)),
            (json!({"facility_id": "G1", "category": "gym"}), point(150.0, -15.0)),
            (json!({"facility_id": "G2", "category": "gym"}), point(250.0, -15.0)),
        ],
    );
    let gates = write(dir.path(), "gates", vec![(json!({"gate_id": "L1"}), line(&[(0.0, 0.0), (1.0, 0.0)])), (json!({"gate_id": "L2"}), line(&[(5.0, 0.0), (6.0, 0.0)]))]);
    let out = dir.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args(["plan", "--estates"])
        .arg(&estates)
        .arg("--network")
        .arg(&network)
        .arg("--facilities")
        .arg(&facilities)
        .arg("--gates")
        .arg(&gates)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");

    // summary.json.
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let q = &summary["data_quality"];
    assert_eq!(q["rejects_total"], 4, "{q:#}");
    let reject_layers: Vec<&str> = q["rejects"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(reject_layers, ["facilities", "gates"]);
    assert_eq!(q["rejects"]["facilities"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).collect::<Vec<_>>(), [2], "two gyms, one kind of reason");
    assert_eq!(q["rejects"]["gates"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).collect::<Vec<_>>(), [2]);
    assert_eq!(q["layers_fully_rejected"].as_array().unwrap().len(), 1);
    assert_eq!(q["layers_fully_rejected"][0]["layer"], "gates");
    assert_eq!(q["layers_fully_rejected"][0]["rejected"], 2);
    assert_eq!(q["layers_fully_rejected"][0]["file"], gates.display().to_string());
    assert_eq!(q["estates_on_islands"], json!({"count": 1, "ids": ["E2"]}));
    assert_eq!(q["estates_without_access"], json!({"count": 0, "ids": []}));
    assert_eq!(q["estates_unknown_population"], json!({"count": 1, "ids": ["E3"]}));
    assert_eq!(q["estates_zero_population"], json!({"count": 1, "ids": ["E4"]}));
    let missing: Vec<&str> = q["categories_without_facility"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(missing.len(), 14, "every default category but the kindergarten: {missing:?}");
    assert!(!missing.contains(&"kindergarten") && missing[0] == "nursery");
    assert_eq!(q["implausible_estates"], 0, "a planner's estates carry no plausibility note");
    assert!(q["ways_clipped_at_edge"].is_null(), "no OSM extract, nothing clipped at its edge");
    // No bundle: the four candidates hold 1,500 residents, under the 5,000 floor.
    assert_eq!(summary["bundles"]["bundles"], 0);
    assert_eq!(summary["bundles"]["no_bundles"]["reason"], "too_few_residents");
    assert_eq!(summary["bundles"]["no_bundles"]["candidate_population"].as_f64(), Some(1500.0));

    // The report: the section comes before the coverage table and says it in words.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let section = html.find("<section id=\"data-quality\">").expect("a data-quality section");
    assert!(section < html.find("<section id=\"coverage\">").unwrap());
    for text in [
        "本数据中没有任何托儿所：其 0% 覆盖率反映的是地图数据，而非实际情况。",
        "1 个小区只连到与主步行网络断开的孤立路网（E2）",
        "1 个小区人口未知（没有人口数据，也没有建筑）（E3）",
        "1 个小区人口为 0（E4）",
        "共 4 个输入要素被拒收",
        "个要素全部被拒收",
        "没有形成改造片区：4 个候选小区共 1,500 位居民，少于一个片区的人口下限 5,000 人。",
    ] {
        assert!(html.contains(text), "report lacks {text}");
    }
    assert!(!html.contains("本数据中没有任何幼儿园"), "a kindergarten is mapped");

    // The workbook's findings sheet holds the same sentences.
    use calamine::{Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(out.join("改造片区清单.xlsx")).unwrap();
    let findings: Vec<String> = book.worksheet_range("数据质量概要").unwrap().rows().skip(1).map(|r| r[0].to_string()).collect();
    assert_eq!(findings.len(), 14 + 1 + 3 + 1, "14 categories, the gates layer, 3 estate findings, the rejects");
    assert!(findings.iter().any(|f| f.contains("（E2）")));

    // stderr: a warning per finding.
    for text in ["no facility of this category is in the data", "every feature of this layer was rejected", "network island", "unknown population", "population of 0"] {
        assert!(stderr.contains(text), "stderr lacks `{text}`:\n{stderr}");
    }
}

/// From an OSM extract, the two counts the readers make: ways cut at the extract's edge (the fixture cuts a
/// street and a river, see `tests/issue15_land.rs`) and estates flagged implausible, the same figure as the
/// estates layer's non-null `implausible` fields.
#[test]
fn data_quality_counts_the_ways_clipped_and_the_implausible_estates_of_an_extract() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args(["plan", "--osm", "tests/data/issue15-land.osm.pbf", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let q = &summary["data_quality"];
    assert_eq!(q["ways_clipped_at_edge"], 2);
    let estates: Value = serde_json::from_str(&std::fs::read_to_string(out.join("geojson").join("estates.geojson")).unwrap()).unwrap();
    let flagged = estates["features"].as_array().unwrap().iter().filter(|f| !f["properties"]["implausible"].is_null()).count();
    assert_eq!(q["implausible_estates"].as_u64(), Some(flagged as u64));
}
