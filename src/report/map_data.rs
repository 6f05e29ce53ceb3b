//! The data block the HTML report's map script draws: every layer with its fields, its symbols and legend
//! (from [`crate::report::symbology`]) and its features, geometry as GeoJSON (RFC 7946) geometry objects with
//! coordinates rounded to 6 decimals (≈ 0.1 m), which keeps the page small and loses nothing a map shows.
//!
//! Shape:
//! ```text
//! { "title": "...", "extent": [min_lon, min_lat, max_lon, max_lat] | null,
//!   "layers": [ { "name", "role", "title", "geometry": "point|line|polygon|any|none",
//!                 "fields": ["score", ...],
//!                 "symbols": [ { "fill", "hatch", "stroke": "#rrggbbaa" | null, "width", "marker", "radius" } ],
//!                 "legend": [ { "label", "symbol" } ],
//!                 "features": [ { "geometry": {...} | null, "values": [...], "symbol": 0, "label": "..." | null } ] } ] }
//! ```
//! Layers are listed in drawing order (bottom first, see [`LayerRole::draw_order`]).
//!
//! ```
//! use geo_types::{Geometry, point};
//! use lifecircle::io::layer::{GeometryKind, Layer};
//! let mut sites = Layer::new("sites", GeometryKind::Point, &[]);
//! sites.push(Some(Geometry::Point(point!(x: 118.123456789, y: 32.0))), vec![]);
//! let data = lifecircle::report::map_data::map_data(&[&sites], "t");
//! assert_eq!(data["layers"][0]["features"][0]["geometry"]["coordinates"], serde_json::json!([118.123457, 32.0]));
//! ```

use crate::io::layer::{GeometryKind, Layer, Value};
use crate::report::layer_role::LayerRole;
use crate::report::symbology::{Symbol, layer_symbology};
use geo::BoundingRect;
use geo_types::{Coord, Geometry, LineString, Polygon};
use serde_json::{Value as Json, json};

/// Round a coordinate to 6 decimals.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn position(c: Coord<f64>) -> Json {
    json!([round6(c.x), round6(c.y)])
}

fn line_positions(line: &LineString<f64>) -> Json {
    Json::Array(line.coords().map(|c| position(*c)).collect())
}

fn polygon_rings(polygon: &Polygon<f64>) -> Json {
    Json::Array(std::iter::once(polygon.exterior()).chain(polygon.interiors()).map(line_positions).collect())
}

/// A GeoJSON geometry object.
pub fn geometry_json(geometry: &Geometry<f64>) -> Json {
    match geometry {
        Geometry::Point(p) => json!({"type": "Point", "coordinates": position(p.0)}),
        Geometry::MultiPoint(mp) => json!({"type": "MultiPoint", "coordinates": mp.iter().map(|p| position(p.0)).collect::<Vec<_>>()}),
        Geometry::Line(l) => json!({"type": "LineString", "coordinates": [position(l.start), position(l.end)]}),
        Geometry::LineString(l) => json!({"type": "LineString", "coordinates": line_positions(l)}),
        Geometry::MultiLineString(ml) => json!({"type": "MultiLineString", "coordinates": ml.iter().map(line_positions).collect::<Vec<_>>()}),
        Geometry::Polygon(p) => json!({"type": "Polygon", "coordinates": polygon_rings(p)}),
        Geometry::MultiPolygon(mp) => json!({"type": "MultiPolygon", "coordinates": mp.iter().map(polygon_rings).collect::<Vec<_>>()}),
        Geometry::Rect(r) => json!({"type": "Polygon", "coordinates": polygon_rings(&r.to_polygon())}),
        Geometry::Triangle(t) => json!({"type": "Polygon", "coordinates": polygon_rings(&t.to_polygon())}),
        Geometry::GeometryCollection(gc) => json!({"type": "GeometryCollection", "geometries": gc.iter().map(geometry_json).collect::<Vec<_>>()}),
    }
}

fn value_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(n) => json!(n),
        Value::Real(x) => serde_json::Number::from_f64(*x).map_or(Json::Null, Json::Number),
        Value::Text(t) => Json::String(t.clone()),
        Value::TextList(items) => json!(items),
    }
}

fn colour_json(colour: Option<crate::report::palette::Rgba>) -> Json {
    colour.map_or(Json::Null, |c| Json::String(c.hex_with_alpha()))
}

fn symbol_json(symbol: &Symbol) -> Json {
    json!({
        "fill": colour_json(symbol.fill),
        "hatch": colour_json(symbol.hatch),
        "stroke": colour_json(symbol.stroke),
        "width": symbol.stroke_width_px,
        "marker": symbol.marker.as_str(),
        "radius": symbol.marker_radius_px,
    })
}

fn geometry_kind_name(kind: GeometryKind) -> &'static str {
    match kind {
        GeometryKind::Point => "point",
        GeometryKind::Line => "line",
        GeometryKind::Polygon => "polygon",
        GeometryKind::Any => "any",
        GeometryKind::None => "none",
    }
}

/// The lon/lat bounding box of every geometry of `layers`, `None` when there is none.
pub fn extent(layers: &[&Layer]) -> Option<[f64; 4]> {
    let mut bbox: Option<[f64; 4]> = None;
    for rect in layers.iter().flat_map(|l| l.features.iter()).filter_map(|f| f.geometry.as_ref()?.bounding_rect()) {
        let (min, max) = (rect.min(), rect.max());
        if ![min.x, min.y, max.x, max.y].iter().all(|v| v.is_finite()) {
            continue;
        }
        bbox = Some(match bbox {
            None => [min.x, min.y, max.x, max.y],
            Some(b) => [b[0].min(min.x), b[1].min(min.y), b[2].max(max.x), b[3].max(max.y)],
        });
    }
    bbox
}

/// Layers sorted bottom-first for drawing (stable: same-role layers keep their order).
pub fn in_drawing_order<'a>(layers: &[&'a Layer]) -> Vec<&'a Layer> {
    let mut sorted = layers.to_vec();
    sorted.sort_by_key(|l| LayerRole::from_layer_name(&l.name).draw_order());
    sorted
}

/// The map's data block.
pub fn map_data(layers: &[&Layer], title: &str) -> Json {
    let layers_json: Vec<Json> = in_drawing_order(layers)
        .into_iter()
        .filter(|l| l.geometry != GeometryKind::None)
        .map(|layer| {
            let symbology = layer_symbology(layer);
            let features: Vec<Json> = layer
                .features
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    json!({
                        "geometry": f.geometry.as_ref().map_or(Json::Null, geometry_json),
                        "values": f.values.iter().map(value_json).collect::<Vec<_>>(),
                        "symbol": symbology.feature_symbol[i],
                        "label": symbology.labels[i],
                    })
                })
                .collect();
            json!({
                "name": layer.name,
                "role": format!("{:?}", symbology.role),
                "title": symbology.title,
                "geometry": geometry_kind_name(layer.geometry),
                "fields": layer.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
                "symbols": symbology.symbols.iter().map(symbol_json).collect::<Vec<_>>(),
                "legend": symbology.legend.iter().map(|e| json!({"label": e.label, "symbol": e.symbol})).collect::<Vec<_>>(),
                "features": features,
            })
        })
        .collect();
    json!({
        "title": title,
        "extent": extent(layers).map_or(Json::Null, |b| json!(b)),
        "layers": layers_json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::layer::FieldType;
    use geo_types::{MultiPolygon, line_string, point, polygon};

    #[test]
    fn geometries_round_to_six_decimals_and_keep_holes() {
        let p = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 1.0000004, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)],
            interiors: [[(x: 0.2, y: 0.1), (x: 0.3, y: 0.1), (x: 0.3, y: 0.2), (x: 0.2, y: 0.1)]],
        );
        let g = geometry_json(&Geometry::MultiPolygon(MultiPolygon(vec![p])));
        assert_eq!(g["type"], "MultiPolygon");
        assert_eq!(g["coordinates"][0].as_array().unwrap().len(), 2, "exterior and one hole");
        assert_eq!(g["coordinates"][0][0][1], json!([1.0, 0.0]));
        let l = geometry_json(&Geometry::LineString(line_string![(x: 118.0000015, y: 32.0), (x: 118.1, y: 32.1)]));
        assert_eq!(l["coordinates"][0], json!([118.000002, 32.0]));
    }

    #[test]
    fn extent_drawing_order_and_values() {
        let mut sites = Layer::new("sites", GeometryKind::Point, &[("rank", FieldType::Int), ("x", FieldType::Real), ("gaps", FieldType::TextList)]);
        sites.push(Some(Geometry::Point(point!(x: 118.0, y: 32.5))), vec![Value::Int(1), Value::Real(f64::INFINITY), vec!["park".to_string()].into()]);
        let mut estates = Layer::new("estates", GeometryKind::Polygon, &[]);
        estates.push(Some(Geometry::Point(point!(x: 118.5, y: 32.0))), vec![]);
        estates.push(None, vec![]);
        let table = Layer::new("coverage", GeometryKind::None, &[]);
        assert_eq!(extent(&[&sites, &estates]), Some([118.0, 32.0, 118.5, 32.5]));
        assert_eq!(extent(&[&table]), None);
        let data = map_data(&[&sites, &table, &estates], "南京");
        let names: Vec<&str> = data["layers"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
        assert_eq!(names, vec!["estates", "sites"]);
        assert_eq!(data["layers"][1]["features"][0]["values"], json!([1, null, ["park"]]));
        assert_eq!(data["layers"][1]["features"][0]["label"], json!("#1"));
        assert_eq!(data["layers"][0]["features"][1]["geometry"], Json::Null);
        assert_eq!(data["title"], "南京");
    }
}
