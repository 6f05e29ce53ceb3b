//! The data block the HTML report's map script draws: every layer with its fields, its symbols and legend
//! (from [`crate::report::symbology`]) and its features, geometry as GeoJSON (RFC 7946) geometry objects with
//! coordinates rounded to 6 decimals (≈ 0.1 m), which keeps the page small and loses nothing a map shows.
//!
//! Shape:
//! ```text
//! { "title": "...", "lang": "zh|en", "extent": [min_lon, min_lat, max_lon, max_lat] | null,
//!   "ui": { "click_hint", "yes", "no", "metres", "kilometres", "list_separator" },
//!   "value_names": { "category": { key: name }, "tier": { ... }, "eligible": { ... }, "entry": { ... } ... },
//!   "layers": [ { "name", "role", "title", "geometry": "point|line|polygon|any|none",
//!                 "fields": ["score", ...], "aliases": ["覆盖得分", ...],
//!                 "value_kinds": ["", "category", "tier", "eligible", "entry", "bool", ...],
//!                 "symbols": [ { "fill", "hatch", "stroke": "#rrggbbaa" | null, "width", "marker", "radius" } ],
//!                 "legend": [ { "label", "symbol" } ],
//!                 "features": [ { "geometry": {...} | null, "values": [...], "symbol": 0, "label": "..." | null } ] } ] }
//! ```
//! Layers are listed in drawing order (bottom first, see [`LayerRole::draw_order`]). Everything the page
//! shows besides the data's own values is in the language of the [`Wording`]: layer titles, legend labels,
//! feature labels, the field aliases of the pop-ups, the script's few words (`ui`), and the names the
//! pop-ups show for category keys, tiers, booleans and the values the catalogue names (`values.*`:
//! eligibility verdicts, how an estate's access points were placed …) (`value_names`,
//! `value_kinds`); the values themselves stay as the layers hold them.
//!
//! ```
//! use geo_types::{Geometry, point};
//! use lifecircle::write::layer::{GeometryKind, Layer};
//! let mut sites = Layer::new("sites", GeometryKind::Point, &[]);
//! sites.push(Some(Geometry::Point(point!(x: 118.123456789, y: 32.0))), vec![]);
//! let wording = lifecircle::report::wording::Wording::default_profile(lifecircle::lang::Lang::Zh);
//! let data = lifecircle::report::map_data::map_data(&[&sites], "t", &wording);
//! assert_eq!(data["layers"][0]["features"][0]["geometry"]["coordinates"], serde_json::json!([118.123457, 32.0]));
//! ```

use crate::write::layer::{FieldType, GeometryKind, Layer, Value};
use crate::report::layer_role::LayerRole;
use crate::report::symbology::{Symbol, layer_symbology};
use crate::report::wording::Wording;
use geo::BoundingRect;
use geo_types::{Coord, Geometry, LineString, Polygon};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value as Json, json};

/// Round a coordinate to 6 decimals.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// A geometry serialised as a GeoJSON geometry object, straight to the output (no `serde_json::Value`
/// tree per coordinate: a city's report has millions of them).
pub struct GeometryJson<'a>(pub &'a Geometry<f64>);

struct Position(Coord<f64>);
struct Positions<'a>(&'a LineString<f64>);
struct Rings<'a>(&'a Polygon<f64>);

impl Serialize for Position {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        (round6(self.0.x), round6(self.0.y)).serialize(s)
    }
}

impl Serialize for Positions<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.coords().map(|c| Position(*c)))
    }
}

impl Serialize for Rings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(std::iter::once(self.0.exterior()).chain(self.0.interiors()).map(Positions))
    }
}

impl Serialize for GeometryJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        match self.0 {
            Geometry::Point(p) => {
                map.serialize_entry("type", "Point")?;
                map.serialize_entry("coordinates", &Position(p.0))?;
            }
            Geometry::MultiPoint(mp) => {
                map.serialize_entry("type", "MultiPoint")?;
                map.serialize_entry("coordinates", &seq(mp.0.iter().map(|p| Position(p.0))))?;
            }
            Geometry::Line(l) => {
                map.serialize_entry("type", "LineString")?;
                map.serialize_entry("coordinates", &[Position(l.start), Position(l.end)])?;
            }
            Geometry::LineString(l) => {
                map.serialize_entry("type", "LineString")?;
                map.serialize_entry("coordinates", &Positions(l))?;
            }
            Geometry::MultiLineString(ml) => {
                map.serialize_entry("type", "MultiLineString")?;
                map.serialize_entry("coordinates", &seq(ml.0.iter().map(Positions)))?;
            }
            Geometry::Polygon(p) => {
                map.serialize_entry("type", "Polygon")?;
                map.serialize_entry("coordinates", &Rings(p))?;
            }
            Geometry::MultiPolygon(mp) => {
                map.serialize_entry("type", "MultiPolygon")?;
                map.serialize_entry("coordinates", &seq(mp.0.iter().map(Rings)))?;
            }
            Geometry::Rect(r) => {
                map.serialize_entry("type", "Polygon")?;
                map.serialize_entry("coordinates", &Rings(&r.to_polygon()))?;
            }
            Geometry::Triangle(t) => {
                map.serialize_entry("type", "Polygon")?;
                map.serialize_entry("coordinates", &Rings(&t.to_polygon()))?;
            }
            Geometry::GeometryCollection(gc) => {
                map.serialize_entry("type", "GeometryCollection")?;
                map.serialize_entry("geometries", &seq(gc.0.iter().map(GeometryJson)))?;
            }
        }
        map.end()
    }
}

/// A GeoJSON geometry object.
pub fn geometry_json(geometry: &Geometry<f64>) -> Json {
    serde_json::to_value(GeometryJson(geometry)).unwrap_or(Json::Null)
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

/// One feature of the data block.
struct FeatureJson<'a> {
    feature: &'a crate::write::layer::Feature,
    symbol: usize,
    label: &'a Option<String>,
}

impl Serialize for FeatureJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(4))?;
        map.serialize_entry("geometry", &self.feature.geometry.as_ref().map(GeometryJson))?;
        map.serialize_entry("values", &seq(self.feature.values.iter().map(value_json)))?;
        map.serialize_entry("symbol", &self.symbol)?;
        map.serialize_entry("label", self.label)?;
        map.end()
    }
}

/// One layer of the data block: its header as a small JSON object, its features streamed.
struct LayerJson<'a> {
    header: Json,
    layer: &'a Layer,
    symbology: crate::report::symbology::LayerSymbology,
}

impl Serialize for LayerJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let Json::Object(header) = &self.header else { return Err(serde::ser::Error::custom("layer header is not an object")) };
        let mut map = s.serialize_map(Some(header.len() + 1))?;
        for (k, v) in header {
            map.serialize_entry(k, v)?;
        }
        let features = self.layer.features.iter().enumerate().map(|(i, feature)| FeatureJson {
            feature,
            symbol: self.symbology.feature_symbol.get(i).copied().unwrap_or(0),
            label: self.symbology.labels.get(i).unwrap_or(&None),
        });
        map.serialize_entry("features", &seq(features))?;
        map.end()
    }
}

/// A sequence serialised from an iterator, once.
struct Seq<I>(std::cell::RefCell<Option<I>>);

fn seq<I>(items: I) -> Seq<I> {
    Seq(std::cell::RefCell::new(Some(items)))
}

impl<I: Iterator<Item = T>, T: Serialize> Serialize for Seq<I> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.0.borrow_mut().take() {
            Some(items) => s.collect_seq(items),
            None => Err(serde::ser::Error::custom("sequence serialised twice")),
        }
    }
}

/// The whole data block.
struct MapData<'a> {
    title: &'a str,
    lang: &'static str,
    extent: Option<[f64; 4]>,
    ui: Json,
    value_names: Json,
    layers: Vec<LayerJson<'a>>,
}

impl Serialize for MapData<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(6))?;
        map.serialize_entry("title", self.title)?;
        map.serialize_entry("lang", self.lang)?;
        map.serialize_entry("extent", &self.extent)?;
        map.serialize_entry("ui", &self.ui)?;
        map.serialize_entry("value_names", &self.value_names)?;
        map.serialize_entry("layers", &self.layers)?;
        map.end()
    }
}

/// Fields whose values are category keys (one, or a list).
const CATEGORY_VALUED_FIELDS: [&str; 3] = ["category", "gaps", "fits"];

/// How the pop-ups show a field's values: by the names of `value_names[kind]` (categories, tiers, and the
/// fields whose values the catalogue names: `eligible`, `entry` …), as yes / no, or as they are.
fn value_kind(name: &str, ty: FieldType, named: &[String]) -> String {
    match name {
        _ if CATEGORY_VALUED_FIELDS.contains(&name) => "category".to_string(),
        "tier" => "tier".to_string(),
        _ if named.iter().any(|f| f == name) => name.to_string(),
        _ if crate::report::worded_fields::wording_of(name).is_some() => name.to_string(),
        _ if ty == FieldType::Bool => "bool".to_string(),
        _ => String::new(),
    }
}

/// The words the script writes itself.
fn ui_json(wording: &Wording) -> Json {
    let key = |k: &str| Json::String(wording.tr(k).to_string());
    json!({
        "click_hint": key("report.click_hint"),
        "yes": key("report.yes"),
        "no": key("report.no"),
        "metres": key("units.metres"),
        "kilometres": key("units.kilometres"),
        "list_separator": key("units.list_separator"),
    })
}

/// The names of category keys, tiers and eligibility verdicts.
fn value_names_json(wording: &Wording) -> Json {
    let categories: serde_json::Map<String, Json> = wording.profile().categories.iter().map(|c| (c.key.clone(), Json::String(wording.category_name(&c.key)))).collect();
    let tiers: serde_json::Map<String, Json> = crate::report::palette::TIERS.iter().map(|t| (t.to_string(), Json::String(wording.tier_name(t)))).collect();
    let mut names = serde_json::Map::new();
    names.insert("category".into(), Json::Object(categories));
    names.insert("tier".into(), Json::Object(tiers));
    for field in wording.named_value_fields() {
        let values: serde_json::Map<String, Json> = wording.value_names(&field).into_iter().map(|(k, v)| (k, Json::String(v))).collect();
        names.insert(field, Json::Object(values));
    }
    Json::Object(names)
}

fn map_data_of<'a>(layers: &[&'a Layer], title: &'a str, wording: &Wording) -> MapData<'a> {
    let named = wording.named_value_fields();
    let layers_json = in_drawing_order(layers)
        .into_iter()
        .filter(|l| l.geometry != GeometryKind::None)
        .map(|layer| {
            let symbology = layer_symbology(layer, wording);
            let header = json!({
                "name": layer.name,
                "role": format!("{:?}", symbology.role),
                "title": symbology.title,
                "geometry": geometry_kind_name(layer.geometry),
                "fields": layer.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
                "aliases": layer.fields.iter().map(|f| wording.field_label(&layer.name, &f.name)).collect::<Vec<_>>(),
                "value_kinds": layer.fields.iter().map(|f| value_kind(&f.name, f.ty, &named)).collect::<Vec<_>>(),
                "symbols": symbology.symbols.iter().map(symbol_json).collect::<Vec<_>>(),
                "legend": symbology.legend.iter().map(|e| json!({"label": e.label, "symbol": e.symbol})).collect::<Vec<_>>(),
            });
            LayerJson { header, layer, symbology }
        })
        .collect();
    let mut value_names = value_names_json(wording);
    let catalogue = wording.catalogue();
    for (field, worded) in crate::report::worded_fields::WORDED_FIELDS {
        let texts: serde_json::Map<String, Json> = layers
            .iter()
            .filter_map(|l| Some((l, l.field_index(field)?)))
            .flat_map(|(l, i)| {
                l.features.iter().filter_map(move |f| match &f.values[i] {
                    crate::write::layer::Value::Text(t) => Some(t.as_str()),
                    _ => None,
                })
            })
            .collect::<std::collections::BTreeSet<&str>>()
            .into_iter()
            .map(|t| (t.to_string(), Json::String(worded(t, catalogue))))
            .collect();
        if let Json::Object(names) = &mut value_names {
            names.insert(field.to_string(), Json::Object(texts));
        }
    }
    MapData { title, lang: wording.lang().code(), extent: extent(layers), ui: ui_json(wording), value_names, layers: layers_json }
}

/// The map's data block as JSON text, written straight from the layers (what the report embeds).
pub fn map_data_text(layers: &[&Layer], title: &str, wording: &Wording) -> String {
    serde_json::to_string(&map_data_of(layers, title, wording)).unwrap_or_else(|e| format!("{{\"error\":{}}}", Json::String(e.to_string())))
}

/// The map's data block as a JSON value (the same content as [`map_data_text`]).
pub fn map_data(layers: &[&Layer], title: &str, wording: &Wording) -> Json {
    serde_json::from_str(&map_data_text(layers, title, wording)).unwrap_or(Json::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let data = map_data(&[&sites, &table, &estates], "南京", &Wording::default_profile(crate::lang::Lang::Zh));
        let names: Vec<&str> = data["layers"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
        assert_eq!(names, vec!["estates", "sites"]);
        assert_eq!(data["layers"][1]["features"][0]["values"], json!([1, null, ["park"]]));
        assert_eq!(data["layers"][1]["features"][0]["label"], json!("#1"));
        assert_eq!(data["layers"][0]["features"][1]["geometry"], Json::Null);
        assert_eq!(data["title"], "南京");
        // Pop-ups: aliases and how values are named, per field.
        assert_eq!(data["layers"][1]["aliases"], json!(["排序", "x", "缺项"]));
        assert_eq!(data["layers"][1]["value_kinds"], json!(["", "", "category"]));
        assert_eq!(data["value_names"]["category"]["vegetable_market"], "菜市场");
        assert_eq!(data["value_names"]["tier"]["15min"], "15分钟生活圈");
        assert_eq!(data["value_names"]["eligible"]["needs_survey"], "待摸底调查");
        assert_eq!((data["lang"].as_str(), data["ui"]["metres"].as_str()), (Some("zh"), Some("{value} 米")));
    }

    #[test]
    fn eligibility_reasons_are_worded_in_the_reports_language() {
        let mut estates = Layer::new("estates", GeometryKind::Polygon, &[("eligible", FieldType::Text), ("eligibility_reason", FieldType::Text), ("left_out_reason", FieldType::Text)]);
        estates.push(Some(Geometry::Point(point!(x: 118.5, y: 32.0))), vec![Value::from("needs_survey"), Value::from("population unknown;built year unknown"), Value::from("isolated: no adjacent candidate estate")]);
        estates.push(Some(Geometry::Point(point!(x: 118.6, y: 32.0))), vec![Value::from("yes"), Value::from("meets every rule"), Value::Null]);
        let data = map_data(&[&estates], "南京", &Wording::default_profile(crate::lang::Lang::Zh));
        assert_eq!(data["layers"][0]["value_kinds"], json!(["eligible", "eligibility_reason", "left_out_reason"]));
        assert_eq!(data["value_names"]["left_out_reason"]["isolated: no adjacent candidate estate"], "孤立：没有相邻的候选小区");
        assert_eq!(data["value_names"]["eligibility_reason"]["population unknown;built year unknown"], "人口未知；建成年代未知");
        assert_eq!(data["value_names"]["eligibility_reason"]["meets every rule"], "符合全部改造条件");
        // The values stay the field's.
        assert_eq!(data["layers"][0]["features"][0]["values"][1], "population unknown;built year unknown");
    }
}
