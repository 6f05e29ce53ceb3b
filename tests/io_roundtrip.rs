//! Layers through the writers and readers: GeoJSON → GeoPackage → GeoJSON keeps geometry (to 1e-12°)
//! and typed fields (Chinese text, nulls, lists, booleans); the GeoJSON output follows RFC 7946 (ring
//! orientation, ≤ 12 decimals, UTF-8 text); a GBK Shapefile reads with the right names, with and
//! without its .cpg; and every bad input is an `Error::Input` naming the file that leaves no output.

use geo_types::{line_string, point, polygon, Coord, Geometry, LineString, MultiPolygon, Polygon};
use lifecircle::crs::china::InputCoords;
use lifecircle::read::gdal_vector::read_vector;
use lifecircle::write::geopackage::write_geopackage;
use lifecircle::read::geojson::read_geojson;
use lifecircle::write::geojson::write_geojson;
use lifecircle::write::layer::{FieldType, GeometryKind, Layer, Value};
use lifecircle::write::model_layers::dataset_layers;
use lifecircle::read::planner_layers::{read_planner_layer, LayerFields, LayerKind};
use lifecircle::read::raw_layer::{RawLayer, SourceCrs};
use lifecircle::write::rejects::write_rejects;
use lifecircle::model::Dataset;
use lifecircle::profile::Profile;
use lifecircle::Error;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/layers").join(name)
}

/// Estates near Nanjing with coordinates carrying up to 15 decimals (rounded to 12 on the way out), an
/// exterior given clockwise with a counter-clockwise hole (both must be turned), a multipolygon, and
/// fields of every type with nulls.
fn estates() -> Layer {
    let mut layer = Layer::new(
        "estates",
        GeometryKind::Polygon,
        &[
            ("estate_id", FieldType::Text),
            ("name", FieldType::Text),
            ("population", FieldType::Real),
            ("n_buildings", FieldType::Int),
            ("previously_funded", FieldType::Bool),
            ("bundle_members", FieldType::TextList),
        ],
    );
    let clockwise_with_hole = polygon!(
        exterior: [(x: 118.790000001, y: 32.060000004), (x: 118.790000001, y: 32.062000004), (x: 118.7921234567891, y: 32.062000004), (x: 118.7921234567891, y: 32.060000004), (x: 118.790000001, y: 32.060000004)],
        interiors: [[(x: 118.7905, y: 32.0605), (x: 118.7910, y: 32.0605), (x: 118.7910, y: 32.0610), (x: 118.7905, y: 32.0610), (x: 118.7905, y: 32.0605)]],
    );
    layer.push(
        Some(Geometry::Polygon(clockwise_with_hole)),
        vec![Value::from("e1"), Value::from("东方小区 \"北\"\\区"), Value::Real(1310.25), Value::Int(4), Value::Bool(true), Value::from(vec!["e1".to_string(), "锁金村".to_string()])],
    );
    let two_parts = MultiPolygon(vec![
        polygon![(x: 118.80, y: 32.07), (x: 118.803, y: 32.07), (x: 118.803, y: 32.072), (x: 118.80, y: 32.07)],
        polygon![(x: 118.81, y: 32.07), (x: 118.813, y: 32.07), (x: 118.813, y: 32.072), (x: 118.81, y: 32.07)],
    ]);
    layer.push(Some(Geometry::MultiPolygon(two_parts)), vec![Value::from("e2"), Value::Null, Value::Real(f64::NAN), Value::Null, Value::Bool(false), Value::TextList(vec![])]);
    layer
}

fn gates() -> Layer {
    let mut layer = Layer::new("gates", GeometryKind::Point, &[("gate_id", FieldType::Text), ("access", FieldType::Text)]);
    layer.push(Some(Geometry::Point(point! { x: 118.79012345678, y: 32.06 })), vec![Value::from("g1"), Value::Null]);
    layer
}

fn network() -> Layer {
    let mut layer = Layer::new("network", GeometryKind::Line, &[("way_id", FieldType::Text), ("highway", FieldType::Text)]);
    layer.push(Some(Geometry::LineString(line_string![(x: 118.79, y: 32.06), (x: 118.7911111111, y: 32.0622222222)])), vec![Value::from("w1"), Value::from("footway")]);
    layer
}

/// Rebuild a typed layer from what a reader returned, with the template's fields; a JSON value of the
/// wrong type (a 0/1 where a boolean was written) fails the test.
fn to_layer(raw: &RawLayer, template: &Layer) -> Layer {
    let mut layer = Layer { name: template.name.clone(), geometry: template.geometry, fields: template.fields.clone(), features: Vec::new() };
    for f in &raw.features {
        let values = template
            .fields
            .iter()
            .map(|field| match (field.ty, f.properties.get(&field.name).unwrap_or(&Json::Null)) {
                (_, Json::Null) => Value::Null,
                (FieldType::Bool, Json::Bool(b)) => Value::Bool(*b),
                (FieldType::Int, Json::Number(n)) => Value::Int(n.as_i64().expect("an integer")),
                (FieldType::Real, Json::Number(n)) => Value::Real(n.as_f64().unwrap()),
                (FieldType::Text, Json::String(s)) => Value::Text(s.clone()),
                (FieldType::TextList, Json::Array(a)) => Value::TextList(a.iter().map(|s| s.as_str().expect("text").to_string()).collect()),
                (ty, v) => panic!("field {} of type {ty:?} came back as {v}", field.name),
            })
            .collect();
        layer.push(f.geometry.clone(), values);
    }
    layer
}

/// The polygons of a geometry as rings of coordinates (single polygons as one-part multipolygons).
fn rings(g: &Geometry<f64>) -> Vec<Vec<Vec<Coord<f64>>>> {
    let polygons: Vec<Polygon<f64>> = match g {
        Geometry::Polygon(p) => vec![p.clone()],
        Geometry::MultiPolygon(mp) => mp.0.clone(),
        Geometry::Point(p) => return vec![vec![vec![p.0]]],
        Geometry::LineString(l) => return vec![vec![l.0.clone()]],
        other => panic!("unexpected {other:?}"),
    };
    polygons.iter().map(|p| std::iter::once(p.exterior()).chain(p.interiors()).map(|r: &LineString<f64>| r.0.clone()).collect()).collect()
}

fn same_ring(a: &[Coord<f64>], b: &[Coord<f64>], tolerance: f64) -> bool {
    let close = |x: &[Coord<f64>], y: &mut dyn Iterator<Item = &Coord<f64>>| x.len() == b.len() && x.iter().zip(y).all(|(p, q)| (p.x - q.x).abs() <= tolerance && (p.y - q.y).abs() <= tolerance);
    close(a, &mut b.iter()) || close(a, &mut b.iter().rev())
}

fn assert_same_geometry(a: &Geometry<f64>, b: &Geometry<f64>, tolerance: f64) {
    let (ra, rb) = (rings(a), rings(b));
    assert_eq!(ra.len(), rb.len(), "{a:?} vs {b:?}");
    for (pa, pb) in ra.iter().zip(&rb) {
        assert_eq!(pa.len(), pb.len());
        for (x, y) in pa.iter().zip(pb) {
            assert!(same_ring(x, y, tolerance), "{x:?} vs {y:?}");
        }
    }
}

#[test]
fn geojson_to_geopackage_to_geojson_keeps_geometry_and_fields() {
    let dir = tempfile::tempdir().unwrap();
    let originals = [estates(), gates(), network()];
    let mut from_geojson = Vec::new();
    for layer in &originals {
        let path = dir.path().join(format!("{}.geojson", layer.name));
        write_geojson(&path, layer).unwrap();
        from_geojson.push(read_geojson(&path).unwrap());
    }
    let gpkg = dir.path().join("all.gpkg");
    write_geopackage(&gpkg, &originals.iter().zip(&from_geojson).map(|(t, raw)| to_layer(raw, t)).collect::<Vec<_>>()).unwrap();
    for (template, first) in originals.iter().zip(&from_geojson) {
        let from_gpkg = read_vector(Path::new(&format!("{}|layername={}", gpkg.display(), template.name))).unwrap();
        assert_eq!(from_gpkg.crs, SourceCrs::Wgs84);
        let again = dir.path().join(format!("{}_again.geojson", template.name));
        write_geojson(&again, &to_layer(&from_gpkg, template)).unwrap();
        let last = read_geojson(&again).unwrap();
        assert_eq!(last.features.len(), template.features.len());
        for ((original, f1), f3) in template.features.iter().zip(&first.features).zip(&last.features) {
            // Fields: identical after two formats (reals are stored as doubles, text as UTF-8).
            assert_eq!(f1.properties, f3.properties);
            // Geometry: within 1e-12° of the original (the 12-decimal rounding), and the same again after GPKG.
            assert_same_geometry(original.geometry.as_ref().unwrap(), f1.geometry.as_ref().unwrap(), 0.5e-12 + 1e-13);
            assert_same_geometry(f1.geometry.as_ref().unwrap(), f3.geometry.as_ref().unwrap(), 1e-12);
        }
    }
    let e = &from_geojson[0].features;
    assert_eq!(e[0].properties["name"], "东方小区 \"北\"\\区");
    assert_eq!(e[0].properties["bundle_members"], serde_json::json!(["e1", "锁金村"]));
    assert_eq!(e[0].properties["previously_funded"], true);
    assert_eq!(e[1].properties["population"], Json::Null, "NaN is written as null");
    assert_eq!(e[1].properties["name"], Json::Null);
    assert_eq!(e[1].properties["bundle_members"], serde_json::json!([]));
}

/// Twice the signed area: positive for counter-clockwise rings.
fn signed_area2(ring: &[Json]) -> f64 {
    let p: Vec<(f64, f64)> = ring.iter().map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap())).collect();
    p.windows(2).map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1).sum()
}

#[test]
fn geojson_output_follows_rfc_7946() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("estates.geojson");
    write_geojson(&path, &estates()).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    // UTF-8 text, no \u escapes, no crs member, a name member.
    assert!(text.contains("东方小区") && !text.contains("\\u"), "{text}");
    let json: Json = serde_json::from_str(&text).unwrap();
    assert!(json.get("crs").is_none());
    assert_eq!(json["name"], "estates");
    // Right-hand rule: every exterior counter-clockwise, every hole clockwise.
    let mut checked = 0;
    for f in json["features"].as_array().unwrap() {
        let g = &f["geometry"];
        let polygons: Vec<&Json> = match g["type"].as_str().unwrap() {
            "Polygon" => vec![&g["coordinates"]],
            "MultiPolygon" => g["coordinates"].as_array().unwrap().iter().collect(),
            other => panic!("{other}"),
        };
        for p in polygons {
            for (k, ring) in p.as_array().unwrap().iter().enumerate() {
                let a = signed_area2(ring.as_array().unwrap());
                assert!(if k == 0 { a > 0.0 } else { a < 0.0 }, "ring {k} has signed area {a}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 4);
    // Precision: every number inside "coordinates" has at most 12 decimals and no trailing zero.
    let mut numbers = 0;
    for part in text.split("\"coordinates\":").skip(1) {
        let coordinates = &part[..part.find('}').unwrap()];
        for token in coordinates.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')).filter(|t| !t.is_empty()) {
            numbers += 1;
            if let Some((_, decimals)) = token.split_once('.') {
                assert!(decimals.len() <= 12 && !decimals.ends_with('0'), "{token}");
            }
        }
    }
    assert_eq!(numbers, 2 * (5 + 5 + 4 + 4));
    // 118.7921234567891 rounds to 118.792123456789 (at the 12th decimal); 12 decimals are kept.
    assert!(text.contains("118.792123456789,") && text.contains("32.060000004"), "{text}");
}

#[test]
fn gbk_shapefile_reads_with_and_without_its_cpg() {
    let expected = ["东方小区", "锁金村二号院", "玄武门街道宿舍（北区）"];
    let raw = read_vector(&data("estates_gbk.shp")).unwrap();
    assert_eq!(raw.crs, SourceCrs::Wgs84, "the .prj is WGS 84");
    let names: Vec<&str> = raw.features.iter().map(|f| f.properties["name"].as_str().unwrap()).collect();
    assert_eq!(names, expected);
    assert_eq!(raw.features[1].properties["population"], Json::Null);
    // The same files without the .cpg: GDAL alone would read the GBK bytes as ISO-8859-1.
    let dir = tempfile::tempdir().unwrap();
    for ext in ["shp", "shx", "dbf", "prj"] {
        std::fs::copy(data(&format!("estates_gbk.{ext}")), dir.path().join(format!("nocpg.{ext}"))).unwrap();
    }
    let raw = read_vector(&dir.path().join("nocpg.shp")).unwrap();
    let names: Vec<&str> = raw.features.iter().map(|f| f.properties["name"].as_str().unwrap()).collect();
    assert_eq!(names, expected);
    // A shapefile without .prj holding lon/lat is read as WGS 84, flagged as assumed.
    std::fs::remove_file(dir.path().join("nocpg.prj")).unwrap();
    let raw = read_vector(&dir.path().join("nocpg.shp")).unwrap();
    assert!(raw.crs_assumed && raw.crs == SourceCrs::Wgs84);
}

/// Read a planner layer and write every output the way a run does; the error of the first failing step.
fn convert(kind: LayerKind, input: &Path, fields: &LayerFields, out: &Path) -> Result<(), Error> {
    let profile = Profile::default_profile();
    let mut crs = None;
    let (data, rejects) = read_planner_layer(kind, input, fields, &mut crs, InputCoords::Wgs84, &profile)?;
    let mut dataset = Dataset::default();
    data.append_to(&mut dataset);
    dataset.rejects = rejects;
    let crs = crs.ok_or_else(|| Error::Internal("no working CRS".into()))?;
    let layers = dataset_layers(&dataset, crs)?;
    write_geopackage(&out.join("result.gpkg"), &layers)?;
    write_geojson(&out.join("estates.geojson"), &layers[0])?;
    write_rejects(out, &dataset.rejects, Some(crs))?;
    Ok(())
}

#[test]
fn a_good_layer_converts_and_bad_inputs_are_input_errors_that_write_nothing() {
    let inputs = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = inputs.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    // The good case first: the GBK shapefile gives 3 estates and all outputs.
    let out = tempfile::tempdir().unwrap();
    convert(LayerKind::Estates, &data("estates_gbk.shp"), &LayerFields::default(), out.path()).unwrap();
    let mut written: Vec<String> = std::fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    written.sort();
    assert_eq!(written, ["estates.geojson", "rejects.geojson", "result.gpkg"]);

    let collection = |features: &str| format!(r#"{{"type":"FeatureCollection","features":[{features}]}}"#);
    let point = r#"{"type":"Feature","properties":{"kind":"x"},"geometry":{"type":"Point","coordinates":[118.79,32.06]}}"#;
    let cases: Vec<(PathBuf, LayerKind, LayerFields, &str)> = vec![
        (write("empty.geojson", b""), LayerKind::Estates, LayerFields::default(), "empty"),
        (write("truncated.geojson", collection(point).as_bytes().split_at(60).0), LayerKind::Estates, LayerFields::default(), "ends early"),
        (write("invalid.geojson", b"{\"type\":\"FeatureCollection\",\n\"features\":[,]}"), LayerKind::Estates, LayerFields::default(), "line 2, column 13"),
        (write("feature.geojson", point.as_bytes()), LayerKind::Estates, LayerFields::default(), "not a FeatureCollection"),
        (write("odd_crs.geojson", br#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"local grid"}},"features":[]}"#), LayerKind::Estates, LayerFields::default(), "local grid"),
        (write("junk.gpkg", b"SQLite format 3\0 but not really"), LayerKind::Estates, LayerFields::default(), "cannot open"),
        (inputs.path().join("missing.gpkg"), LayerKind::Estates, LayerFields::default(), "does not exist"),
        (write("no_category.geojson", collection(point).as_bytes()), LayerKind::Facilities, LayerFields::default(), "no `category` field"),
        (write("named_field.geojson", collection(point).as_bytes()), LayerKind::Gates, LayerFields { id_field: Some("门编号".into()), ..Default::default() }, "no field `门编号`"),
        (data("estates_gbk.shp|layername=parcels"), LayerKind::Parcels, LayerFields::default(), "no layer named `parcels`"),
    ];
    for (input, kind, fields, expect) in cases {
        let out = tempfile::tempdir().unwrap();
        let err = convert(kind, &input, &fields, out.path()).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, Error::Input { .. }), "{}: {message}", input.display());
        assert_eq!(err.exit_code(), 2);
        let file = input.to_string_lossy();
        let file = file.split('|').next().unwrap();
        assert!(message.starts_with(file) && message.contains(expect), "{message}");
        assert!(message.contains("hint:"), "{message}");
        assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0, "{}: output written", input.display());
    }
}

#[test]
fn a_writer_failure_half_way_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut layer = gates();
    layer.push(Some(Geometry::Point(point! { x: f64::NAN, y: 32.0 })), vec![Value::from("g2"), Value::Null]);
    let err = write_geojson(&dir.path().join("gates.geojson"), &layer).unwrap_err();
    assert!(matches!(err, Error::Internal(_)) && err.to_string().contains("feature 1"), "{err}");
    let err = write_geojson(&dir.path().join("no/such/dir/gates.geojson"), &gates()).unwrap_err();
    assert!(matches!(err, Error::Output { .. }), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
