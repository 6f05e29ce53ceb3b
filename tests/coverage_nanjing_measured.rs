//! Walking distances on the real Nanjing extract against distances measured independently: the expected
//! values in `tests/data/nanjing-measured-distances.csv` were produced by
//! `scripts/measure_nanjing_distances.py`, which shares no code with lifecircle (OSM read as OPL text through
//! `osmium cat`, projection by PROJ's `cs2cs`, walk rules and the compound rule implemented in Python from
//! the profile's and README's words, a heapq Dijkstra over every OSM node pair). It covers the 11
//! `landuse=residential` estates, entered at their centroid (`--access centroid`), for the three categories
//! whose Nanjing facilities are all points (bus stops, convenience shops/pharmacies, health stations):
//! 33 estate-category pairs, 25 with a facility within the 1,500 m search radius and 8 with none. The
//! areas are kept as mapped (a profile with `split_into_blocks = false`): the script measured from the
//! centroids of the 11 areas, not of the blocks the default profile splits them into.
//!
//! Making the script agree exposed two real differences, both decided in lifecircle's favour after a look
//! at the map: service roads inside an estate are its compound's own (the script first walked them as
//! public), and the shoelace centroid must be computed relative to a vertex (the script first lost 0.3 m
//! to cancellation at UTM magnitudes).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

#[test]
fn centroid_distances_equal_an_independent_measurement_on_nanjing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let profile = dir.path().join("unsplit.toml");
    let text = std::fs::read_to_string(root.join("data/profiles/gb50180.toml")).unwrap();
    assert!(text.contains("split_into_blocks = true"));
    std::fs::write(&profile, text.replace("split_into_blocks = true", "split_into_blocks = false")).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args(["coverage", "--quiet", "--access", "centroid", "--service-areas", "none", "--profile"])
        .arg(&profile)
        .arg("--osm")
        .arg(root.join("data/nanjing-xuanwu-2021.osm.pbf"))
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run lifecircle");
    assert_eq!(output.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    let estates: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("estates.geojson")).unwrap()).unwrap();
    let by_id: BTreeMap<String, &serde_json::Value> = estates["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["properties"]["estate_id"].as_str().unwrap().to_string(), &f["properties"]))
        .collect();

    let measured = std::fs::read_to_string(root.join("tests/data/nanjing-measured-distances.csv")).unwrap();
    let (mut with_facility, mut without) = (0, 0);
    for line in measured.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let (estate, category, distance, facility) = (cols[0], cols[1], cols[2], cols[3]);
        let props = by_id.get(estate).unwrap_or_else(|| panic!("estate {estate} missing from estates.geojson"));
        let ours = &props[format!("dist_{category}").as_str()];
        if distance.is_empty() {
            assert!(ours.is_null(), "{estate} {category}: measured none within 1,500 m, lifecircle {ours}");
            without += 1;
            continue;
        }
        let expected: f64 = distance.parse().unwrap();
        let ours = ours.as_f64().unwrap_or_else(|| panic!("{estate} {category}: measured {expected} m, lifecircle none"));
        // The script prints millimetres.
        assert!((ours - expected).abs() <= 0.002, "{estate} {category}: measured {expected} m, lifecircle {ours} m");
        let nearest = props[format!("nearest_{category}").as_str()][0].as_str().unwrap();
        assert_eq!(nearest, facility, "{estate} {category}: nearest facility");
        with_facility += 1;
    }
    assert_eq!((with_facility, without), (25, 8));
}
