//! `lifecircle coverage --format gpkg` through the real binary on the embedded Nanjing extract, with
//! `--service-areas lines`: every layer is in the GeoPackage with one declared geometry type (GEOMETRY only
//! for rejects), `service_areas` is there but empty (no polygons were asked for), `service_lines` holds one
//! row per profile category, and the facilities drawn as points are all there, areas also as footprints; the
//! layers' QGIS styles are in `layer_styles`.

mod geopackage_types;

use gdal::vector::LayerAccess;
use std::process::Command;

#[test]
fn coverage_with_lines_only_writes_typed_layers_and_an_empty_service_areas_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("coverage");
    let o = Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args(["coverage", "--quiet", "--format", "gpkg", "--service-areas", "lines", "--osm", "data/nanjing-xuanwu-2021.osm.pbf", "--out"])
        .arg(&out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    assert!(o.status.success(), "coverage failed: {}", String::from_utf8_lossy(&o.stderr));
    let gpkg = out.join("lifecircle.gpkg");
    let want = geopackage_types::families(&[
        ("estates", "polygon"),
        ("facilities", "point"),
        ("facility_footprints", "polygon"),
        ("access_points", "point"),
        ("service_areas", "polygon"),
        ("service_lines", "line"),
        ("network", "line"),
        ("network_islands", "line"),
        ("rejects", "Unknown (any)"),
        // Every layer's QGIS style (legend, field aliases), as plan stores them.
        ("layer_styles", "none"),
    ]);
    assert_eq!(geopackage_types::declared_families(&gpkg), want);

    let dataset = gdal::Dataset::open(&gpkg).unwrap();
    let count = |name: &str| dataset.layer_by_name(name).unwrap().feature_count();
    assert_eq!(count("service_areas"), 0);
    assert_eq!(count("service_lines"), 15, "one row per category of the default profile");
    // Each footprint's facility is among the points, and with mapped_as = area.
    let mut facilities = dataset.layer_by_name("facilities").unwrap();
    let (id_i, as_i) = (facilities.defn().field_index("facility_id").unwrap(), facilities.defn().field_index("mapped_as").unwrap());
    let areas: std::collections::BTreeSet<String> =
        facilities.features().filter(|f| f.field_as_string(as_i).unwrap().as_deref() == Some("area")).filter_map(|f| f.field_as_string(id_i).unwrap()).collect();
    let mut footprints = dataset.layer_by_name("facility_footprints").unwrap();
    let footprint_id = footprints.defn().field_index("facility_id").unwrap();
    let footprint_ids: std::collections::BTreeSet<String> = footprints.features().filter_map(|f| f.field_as_string(footprint_id).unwrap()).collect();
    assert!(!areas.is_empty());
    assert_eq!(footprint_ids, areas);
}

/// Written as GeoJSON, the rejects' style names each reason code of the file (as plan's does): it was made
/// from the rejects layer without its rows, so QGIS showed the bare codes.
#[test]
fn coverage_as_geojson_styles_the_rejects_with_the_names_of_their_codes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("coverage");
    let o = Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args(["coverage", "--quiet", "--service-areas", "none", "--osm", "data/nanjing-xuanwu-2021.osm.pbf", "--out"])
        .arg(&out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    assert!(o.status.success(), "coverage failed: {}", String::from_utf8_lossy(&o.stderr));
    let rejects: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("rejects.geojson")).unwrap()).unwrap();
    let codes: std::collections::BTreeSet<String> = rejects["features"].as_array().unwrap().iter().map(|f| f["properties"]["reason_code"].as_str().unwrap().to_string()).collect();
    assert!(codes.contains("point_not_area") && codes.len() >= 3, "{codes:?}");
    let qml = std::fs::read_to_string(out.join("rejects.qml")).unwrap();
    let doc = roxmltree::Document::parse(&qml).unwrap();
    let widget = doc.descendants().find(|n| n.has_tag_name("field") && n.attribute("name") == Some("reason_code")).expect("a value map of reason_code");
    let mapped: std::collections::BTreeMap<&str, &str> = widget.descendants().filter(|n| n.attribute("type") == Some("QString")).map(|n| (n.attribute("value").unwrap(), n.attribute("name").unwrap())).collect();
    let zh = lifecircle::lang::Catalogue::of(lifecircle::lang::Lang::Zh);
    for code in &codes {
        assert_eq!(mapped.get(code.as_str()).copied(), zh.get(&format!("values.reason_code.{code}")), "{code}");
    }
    assert_eq!(mapped["point_not_area"], "应为面要素却标为点");
}
