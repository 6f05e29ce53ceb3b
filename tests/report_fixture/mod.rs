//! Hand-made output layers for the report tests: a small district in Nanjing's Xuanwu district (around
//! 118.79 E, 32.05 N), laid out in metres and converted to lon/lat with 1° lat = 111,195 m and
//! 1° lon = 111,195 · cos 32° = 94,298 m.
//!
//! - 12 estates in a 4 × 3 grid, each 180 m × 140 m, 40 m streets between them; fields `id`, `name` (Chinese),
//!   `population`, `dist_<c>` / `ok_<c>` for kindergarten (300 m), elderly_care (300 m) and park (500 m),
//!   `score` = covered categories / 3, `bundle_id`;
//! - facilities: one kindergarten, one elderly-care station, one park;
//! - service areas: a 24-gon of the category's threshold radius around each facility, with its tier;
//! - bundles B1 (the 6 estates of columns 0-1) and B2 (the 4 estates of columns 2-3, rows 0-1);
//! - idle land: two parcels; sites: one recommended site in each;
//! - network: the streets of the grid.
#![allow(dead_code)]

use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use gdal::vector::{FieldDefn, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType, ToGdal};
use geo::MapCoords;
use geo_types::{Coord, Geometry, LineString, MultiPolygon, Point, Polygon};
use lifecircle::profile::Profile;
use lifecircle::report::coverage_table::rows_from_layers;
use lifecircle::report::summary::ReportSummary;
use lifecircle::testing::rect_polygon;
use lifecircle::write::layer::{FieldType, GeometryKind, Layer, Value};
use std::path::Path;

pub const LON0: f64 = 118.790;
pub const LAT0: f64 = 32.050;
const M_PER_DEG_LAT: f64 = 111_195.0;
const M_PER_DEG_LON: f64 = 94_298.0;

pub fn lonlat(x_m: f64, y_m: f64) -> Coord<f64> {
    Coord { x: LON0 + x_m / M_PER_DEG_LON, y: LAT0 + y_m / M_PER_DEG_LAT }
}

/// The rectangle from (x0, y0) to (x1, y1) metres, in lon/lat.
pub fn lonlat_rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    rect_polygon(x0, y0, x1, y1).map_coords(|c| lonlat(c.x, c.y))
}

fn circle(cx: f64, cy: f64, r: f64) -> Polygon<f64> {
    let ring: Vec<Coord<f64>> = (0..=24).map(|i| f64::from(i % 24) * std::f64::consts::TAU / 24.0).map(|a| lonlat(cx + r * a.cos(), cy + r * a.sin())).collect();
    Polygon::new(LineString::new(ring), vec![])
}

/// The estate at grid (col, row): x from 220·col to 220·col + 180, y from 180·row to 180·row + 140.
pub fn estate_rect(col: usize, row: usize) -> (f64, f64, f64, f64) {
    let (x0, y0) = (220.0 * col as f64, 180.0 * row as f64);
    (x0, y0, x0 + 180.0, y0 + 140.0)
}

/// (category, tier, threshold m, x m, y m)
pub const FACILITIES: [(&str, &str, f64, f64, f64); 3] =
    [("kindergarten", "5min", 300.0, 260.0, 80.0), ("elderly_care", "5min", 300.0, 240.0, 280.0), ("park", "10min", 500.0, 400.0, 40.0)];

const NAMES: [&str; 12] = ["梅园新村", "成贤街小区", "北京东路小区", "珠江路二村", "丹凤街小区", "太平北路小区", "长江路小区", "碑亭巷小区", "玄武门小区", "兰园小区", "双龙巷小区", "红山新村"];

pub fn bundle_of(col: usize, row: usize) -> Option<&'static str> {
    match (col, row) {
        (0 | 1, _) => Some("B1"),
        (2 | 3, 0 | 1) => Some("B2"),
        _ => None,
    }
}

pub fn estates() -> Layer {
    let mut fields: Vec<(&str, FieldType)> = vec![("id", FieldType::Text), ("name", FieldType::Text), ("population", FieldType::Real), ("score", FieldType::Real)];
    let dist_names: Vec<String> = FACILITIES.iter().map(|f| format!("dist_{}", f.0)).collect();
    let ok_names: Vec<String> = FACILITIES.iter().map(|f| format!("ok_{}", f.0)).collect();
    for i in 0..FACILITIES.len() {
        fields.push((&dist_names[i], FieldType::Real));
        fields.push((&ok_names[i], FieldType::Bool));
    }
    fields.push(("bundle_id", FieldType::Text));
    let mut layer = Layer::new("estates", GeometryKind::Polygon, &fields);
    for row in 0..3 {
        for col in 0..4 {
            let (x0, y0, x1, y1) = estate_rect(col, row);
            let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
            let mut values: Vec<Value> = vec![format!("w{}", 1000 + row * 4 + col).into(), NAMES[row * 4 + col].into(), Value::Real(population(col, row)), Value::Null];
            let mut covered = 0;
            for (_, _, threshold, fx, fy) in FACILITIES {
                // Walking distance: 1.3 × the straight line (a detour factor), rounded to metres.
                let walk = (1.3 * ((cx - fx).powi(2) + (cy - fy).powi(2)).sqrt()).round();
                values.push(Value::Real(walk));
                values.push(Value::Bool(walk <= threshold));
                covered += usize::from(walk <= threshold);
            }
            values[3] = Value::Real(covered as f64 / 3.0);
            values.push(bundle_of(col, row).into());
            layer.push(Some(Geometry::MultiPolygon(MultiPolygon(vec![lonlat_rect(x0, y0, x1, y1)]))), values);
        }
    }
    layer
}

/// Residents of the estate at (col, row): 800 + 200·(col + 4·row).
pub fn population(col: usize, row: usize) -> f64 {
    800.0 + 200.0 * (col + 4 * row) as f64
}

pub fn facilities() -> Layer {
    let mut layer = Layer::new("facilities", GeometryKind::Point, &[("id", FieldType::Text), ("category", FieldType::Text), ("name", FieldType::Text)]);
    let names = ["梅园幼儿园", "玄武区日间照料中心", "玄武湖公园"];
    for (i, (category, _, _, x, y)) in FACILITIES.iter().enumerate() {
        layer.push(Some(Geometry::Point(Point(lonlat(*x, *y)))), vec![format!("n{}", 500 + i).into(), (*category).into(), names[i].into()]);
    }
    layer
}

pub fn service_areas() -> Layer {
    let mut layer = Layer::new("service_areas", GeometryKind::Polygon, &[("category", FieldType::Text), ("tier", FieldType::Text), ("threshold_m", FieldType::Real)]);
    for (category, tier, threshold, x, y) in FACILITIES {
        layer.push(Some(Geometry::MultiPolygon(MultiPolygon(vec![circle(x, y, threshold)]))), vec![category.into(), tier.into(), Value::Real(threshold)]);
    }
    layer
}

pub fn bundles(estates: &Layer) -> Layer {
    let mut layer = Layer::new("bundles", GeometryKind::Polygon, &[("bundle_id", FieldType::Text), ("population", FieldType::Real), ("gaps", FieldType::TextList)]);
    for (id, cols, rows) in [("B1", 0..2, 0..3), ("B2", 2..4, 0..2)] {
        let mut pop = 0.0;
        let mut gaps = std::collections::BTreeSet::new();
        for row in rows.clone() {
            for col in cols.clone() {
                pop += population(col, row);
                let f = &estates.features[row * 4 + col];
                for (category, ..) in FACILITIES {
                    let i = estates.field_index(&format!("ok_{category}")).unwrap();
                    if f.values[i] == Value::Bool(false) {
                        gaps.insert(category.to_string());
                    }
                }
            }
        }
        let (x0, y0, ..) = estate_rect(cols.start, rows.start);
        let (.., x1, y1) = estate_rect(cols.end - 1, rows.end - 1);
        layer.push(Some(Geometry::MultiPolygon(MultiPolygon(vec![lonlat_rect(x0 - 10.0, y0 - 10.0, x1 + 10.0, y1 + 10.0)]))), vec![id.into(), Value::Real(pop), gaps.into_iter().collect::<Vec<_>>().into()]);
    }
    layer
}

pub fn idle_land() -> Layer {
    let mut layer = Layer::new("idle_land", GeometryKind::Polygon, &[("id", FieldType::Text), ("origin", FieldType::Text), ("area_m2", FieldType::Real)]);
    layer.push(Some(Geometry::Polygon(lonlat_rect(-160.0, 380.0, -40.0, 480.0))), vec!["w77".into(), "landuse=brownfield".into(), Value::Real(12000.0)]);
    layer.push(Some(Geometry::Polygon(lonlat_rect(900.0, 100.0, 980.0, 200.0))), vec!["w78".into(), "amenity=parking".into(), Value::Real(8000.0)]);
    layer
}

pub fn sites() -> Layer {
    let mut layer = Layer::new("sites", GeometryKind::Point, &[("category", FieldType::Text), ("rank", FieldType::Int), ("new_population_covered", FieldType::Real), ("parcel_id", FieldType::Text)]);
    layer.push(Some(Geometry::Point(Point(lonlat(-100.0, 430.0)))), vec!["kindergarten".into(), Value::Int(1), Value::Real(5200.0), "w77".into()]);
    layer.push(Some(Geometry::Point(Point(lonlat(940.0, 150.0)))), vec!["park".into(), Value::Int(2), Value::Real(3100.0), "w78".into()]);
    layer
}

pub fn network() -> Layer {
    let mut layer = Layer::new("network", GeometryKind::Line, &[("highway", FieldType::Text)]);
    for col in 0..=4 {
        let x = 220.0 * col as f64 - 20.0;
        layer.push(Some(Geometry::LineString(LineString::new(vec![lonlat(x, -20.0), lonlat(x, 520.0)]))), vec!["residential".into()]);
    }
    for row in 0..=3 {
        let y = 180.0 * row as f64 - 20.0;
        layer.push(Some(Geometry::LineString(LineString::new(vec![lonlat(-200.0, y), lonlat(1000.0, y)]))), vec!["footway".into()]);
    }
    layer
}

/// Every layer of the fixture, in the order a pipeline would write them.
pub fn all_layers() -> Vec<Layer> {
    let estates = estates();
    let bundles = bundles(&estates);
    vec![estates, facilities(), service_areas(), bundles, sites(), idle_land(), network()]
}

/// The report's summary of the district: coverage rows from the estates layer (default profile), 10 of the
/// 12 estates eligible.
pub fn summary() -> ReportSummary {
    let estates = estates();
    ReportSummary {
        coverage: rows_from_layers(&[&estates], &Profile::default_profile()),
        estates: 12,
        eligibility: [("yes".to_string(), 10), ("no".to_string(), 2)].into(),
        sources: vec![
            "OpenStreetMap extract of Xuanwu district nanjing-xuanwu-2021.osm.pbf · 2021-01-01 · ODbL 1.0".into(),
            "Survey table 摸底调查表 (hand-made test data)".into(),
        ],
        working_crs: "EPSG:32650".into(),
        ..ReportSummary::default()
    }
}

/// Write `layers` into a new GeoPackage with GDAL (WGS84; TextList fields as JSON text).
pub fn write_geopackage(path: &Path, layers: &[&Layer]) {
    let driver = gdal::DriverManager::get_driver_by_name("GPKG").unwrap();
    let mut dataset = driver.create_vector_only(path).unwrap();
    let mut srs = SpatialRef::from_epsg(4326).unwrap();
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    for layer in layers {
        let ty = match layer.geometry {
            GeometryKind::Point => OGRwkbGeometryType::wkbPoint,
            GeometryKind::Line => OGRwkbGeometryType::wkbLineString,
            GeometryKind::Polygon => OGRwkbGeometryType::wkbMultiPolygon,
            GeometryKind::Any => OGRwkbGeometryType::wkbUnknown,
            GeometryKind::None => OGRwkbGeometryType::wkbNone,
        };
        let gpkg_layer = dataset.create_layer(LayerOptions { name: &layer.name, srs: Some(&srs), ty, options: None }).unwrap();
        for field in &layer.fields {
            let ty = match field.ty {
                FieldType::Bool | FieldType::Int => OGRFieldType::OFTInteger64,
                FieldType::Real => OGRFieldType::OFTReal,
                FieldType::Text | FieldType::TextList => OGRFieldType::OFTString,
            };
            FieldDefn::new(&field.name, ty).unwrap().add_to_layer(&gpkg_layer).unwrap();
        }
        let defn = gpkg_layer.defn();
        for feature in &layer.features {
            let mut f = gdal::vector::Feature::new(defn).unwrap();
            if let Some(g) = &feature.geometry {
                let g = match (layer.geometry, g) {
                    (GeometryKind::Polygon, Geometry::Polygon(p)) => Geometry::MultiPolygon(MultiPolygon(vec![p.clone()])),
                    _ => g.clone(),
                };
                f.set_geometry(g.to_gdal().unwrap()).unwrap();
            }
            for (i, value) in feature.values.iter().enumerate() {
                match value {
                    Value::Null => f.set_field_null(i).unwrap(),
                    Value::Bool(b) => f.set_field_integer64(i, i64::from(*b)).unwrap(),
                    Value::Int(n) => f.set_field_integer64(i, *n).unwrap(),
                    Value::Real(x) => f.set_field_double(i, *x).unwrap(),
                    Value::Text(t) => f.set_field_string(i, t).unwrap(),
                    Value::TextList(items) => f.set_field_string(i, &serde_json::to_string(items).unwrap()).unwrap(),
                }
            }
            f.create(&gpkg_layer).unwrap();
        }
    }
}

/// Write `DIR/NAME.geojson` (RFC 7946 FeatureCollection) for each layer.
pub fn write_geojson_files(dir: &Path, layers: &[&Layer]) {
    use lifecircle::report::map_data::geometry_json;
    for layer in layers {
        let features: Vec<serde_json::Value> = layer
            .features
            .iter()
            .map(|f| {
                let properties: serde_json::Map<String, serde_json::Value> = layer
                    .fields
                    .iter()
                    .zip(&f.values)
                    .map(|(field, v)| {
                        let json = match v {
                            Value::Null => serde_json::Value::Null,
                            Value::Bool(b) => (*b).into(),
                            Value::Int(n) => (*n).into(),
                            Value::Real(x) => (*x).into(),
                            Value::Text(t) => t.clone().into(),
                            Value::TextList(items) => items.clone().into(),
                        };
                        (field.name.clone(), json)
                    })
                    .collect();
                serde_json::json!({"type": "Feature", "geometry": f.geometry.as_ref().map(geometry_json), "properties": properties})
            })
            .collect();
        let collection = serde_json::json!({"type": "FeatureCollection", "features": features});
        std::fs::write(dir.join(format!("{}.geojson", layer.name)), collection.to_string()).unwrap();
    }
}
