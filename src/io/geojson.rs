//! GeoJSON (RFC 7946) writing and reading.
//!
//! **Writer** ([`write_geojson`]): a [`Layer`] becomes a `FeatureCollection` that follows RFC 7946:
//! WGS 84 longitude/latitude (§4), no `crs` member, polygons by the right-hand rule — exterior rings
//! counter-clockwise, holes clockwise (§3.1.6) — and coordinates rounded to 7 decimals (about 1 cm,
//! §11.2 advises against needless precision), trailing zeros trimmed. The collection carries a `"name"`
//! member (the layer name, as GDAL writes it, so QGIS names the layer). Text stays UTF-8 (`"东方小区"`,
//! never `\u4e1c...`), text lists are JSON arrays, `Null` and non-finite reals are `null`. One feature
//! per line, streamed through a 1 MiB buffer and the atomic writer.
//!
//! **Reader** ([`read_geojson`]): a `FeatureCollection` becomes a [`RawLayer`]. Features are decoded one
//! at a time while the file is parsed, so memory holds the result, not a JSON tree of the whole file.
//! A legacy (2008 GeoJSON) `"crs"` member naming an EPSG code or CRS84 is honoured; otherwise WGS 84.
//! An empty, truncated or invalid file (with line and column) or one that is not a `FeatureCollection`
//! is an [`Error::Input`] naming the file; a feature with a null, empty or malformed geometry is kept
//! with `geometry: None` and the reason, to be rejected later.
//!
//! ```
//! use lifecircle::io::layer::{FieldType, GeometryKind, Layer, Value};
//! use geo_types::{point, Geometry};
//! let mut layer = Layer::new("facilities", GeometryKind::Point, &[("name", FieldType::Text)]);
//! layer.push(Some(Geometry::Point(point! { x: 118.780_000_04, y: 32.04 })), vec![Value::from("鼓楼医院")]);
//! let mut out = Vec::new();
//! lifecircle::io::geojson::write_geojson_to(&mut out, &layer).unwrap();
//! let text = String::from_utf8(out).unwrap();
//! assert!(text.contains(r#""coordinates":[118.78,32.04]"#));
//! assert!(text.contains(r#""name":"鼓楼医院""#));
//! ```

use crate::error::{Error, Result};
use crate::io::atomic;
use crate::io::layer::{Layer, Value};
use crate::io::raw_layer::{line_from_coords, polygon_from_rings, RawFeature, RawLayer, SourceCrs};
use geo_types::{Coord, Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde::Deserialize;
use serde_json::Value as Json;
use std::io::Write;
use std::path::Path;

// ---------------------------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------------------------

/// Write a layer as an RFC 7946 GeoJSON file, atomically.
pub fn write_geojson(path: &Path, layer: &Layer) -> Result<()> {
    atomic::write_atomically_with(path, |w| {
        write_geojson_to(w, layer).map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidData {
                Error::Internal(format!("writing {} (layer {}): {e}", path.display(), layer.name))
            } else {
                Error::output(path, e)
            }
        })
    })
}

/// Stream a layer as GeoJSON to any writer. A geometry with a non-finite coordinate is an
/// `InvalidData` error (the model never holds one; it would be a bug upstream).
pub fn write_geojson_to<W: Write>(w: &mut W, layer: &Layer) -> std::io::Result<()> {
    w.write_all(b"{\"type\":\"FeatureCollection\",\"name\":")?;
    write_json_string(w, &layer.name)?;
    w.write_all(b",\"features\":[")?;
    for (i, feature) in layer.features.iter().enumerate() {
        w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        w.write_all(b"{\"type\":\"Feature\",\"properties\":{")?;
        for (j, (field, value)) in layer.fields.iter().zip(&feature.values).enumerate() {
            if j > 0 {
                w.write_all(b",")?;
            }
            write_json_string(w, &field.name)?;
            w.write_all(b":")?;
            write_value(w, value)?;
        }
        w.write_all(b"},\"geometry\":")?;
        match &feature.geometry {
            Some(g) => write_geometry(w, g).map_err(|e| {
                if e.kind() == std::io::ErrorKind::InvalidData {
                    std::io::Error::new(e.kind(), format!("feature {i}: {e}"))
                } else {
                    e
                }
            })?,
            None => w.write_all(b"null")?,
        }
        w.write_all(b"}")?;
    }
    w.write_all(b"\n]}\n")
}

fn write_json_string<W: Write>(w: &mut W, s: &str) -> std::io::Result<()> {
    // serde_json escapes only what JSON requires: quotes, backslash, control characters. CJK stays UTF-8.
    serde_json::to_writer(&mut *w, s).map_err(std::io::Error::from)
}

fn write_value<W: Write>(w: &mut W, value: &Value) -> std::io::Result<()> {
    match value {
        Value::Null => w.write_all(b"null"),
        Value::Bool(b) => w.write_all(if *b { b"true" } else { b"false" }),
        Value::Int(i) => write!(w, "{i}"),
        Value::Real(x) if x.is_finite() => serde_json::to_writer(&mut *w, x).map_err(std::io::Error::from),
        Value::Real(_) => w.write_all(b"null"),
        Value::Text(s) => write_json_string(w, s),
        Value::TextList(list) => {
            w.write_all(b"[")?;
            for (k, s) in list.iter().enumerate() {
                if k > 0 {
                    w.write_all(b",")?;
                }
                write_json_string(w, s)?;
            }
            w.write_all(b"]")
        }
    }
}

/// Write one coordinate value rounded to 7 decimals with trailing zeros trimmed (`118.78`, `-0.5`, `3`).
/// Rounding goes through an integer count of 1e-7 units, which is fast and exactly reproducible.
fn write_ordinate<W: Write>(w: &mut W, x: f64) -> std::io::Result<()> {
    if !x.is_finite() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("coordinate {x} is not finite")));
    }
    const SCALE: f64 = 1e7;
    if x.abs() >= 9.0e11 {
        // Beyond i64 range once scaled: not a longitude or latitude, but write it faithfully anyway.
        return write!(w, "{}", (x * SCALE).round() / SCALE);
    }
    let units = (x * SCALE).round() as i64;
    if units == 0 {
        return w.write_all(b"0");
    }
    let sign = if units < 0 { "-" } else { "" };
    let abs = units.unsigned_abs();
    let whole = abs / 10_000_000;
    let mut frac = abs % 10_000_000;
    if frac == 0 {
        return write!(w, "{sign}{whole}");
    }
    let mut digits = 7;
    while frac.is_multiple_of(10) {
        frac /= 10;
        digits -= 1;
    }
    write!(w, "{sign}{whole}.{frac:0digits$}")
}

fn write_position<W: Write>(w: &mut W, c: Coord<f64>) -> std::io::Result<()> {
    w.write_all(b"[")?;
    write_ordinate(w, c.x)?;
    w.write_all(b",")?;
    write_ordinate(w, c.y)?;
    w.write_all(b"]")
}

fn write_positions<W: Write>(w: &mut W, coords: impl Iterator<Item = Coord<f64>>) -> std::io::Result<()> {
    w.write_all(b"[")?;
    for (k, c) in coords.enumerate() {
        if k > 0 {
            w.write_all(b",")?;
        }
        write_position(w, c)?;
    }
    w.write_all(b"]")
}

/// Twice the signed area of a ring (shoelace formula): positive when counter-clockwise.
fn ring_signed_area2(ring: &LineString<f64>) -> f64 {
    ring.0.windows(2).map(|p| p[0].x * p[1].y - p[1].x * p[0].y).sum()
}

/// Write a ring turned the way RFC 7946 §3.1.6 asks: counter-clockwise when `exterior`, else clockwise.
fn write_ring<W: Write>(w: &mut W, ring: &LineString<f64>, exterior: bool) -> std::io::Result<()> {
    let area2 = ring_signed_area2(ring);
    let reverse = if exterior { area2 < 0.0 } else { area2 > 0.0 };
    if reverse { write_positions(w, ring.0.iter().rev().copied()) } else { write_positions(w, ring.0.iter().copied()) }
}

fn write_polygon_rings<W: Write>(w: &mut W, p: &Polygon<f64>) -> std::io::Result<()> {
    w.write_all(b"[")?;
    write_ring(w, p.exterior(), true)?;
    for hole in p.interiors() {
        w.write_all(b",")?;
        write_ring(w, hole, false)?;
    }
    w.write_all(b"]")
}

fn write_geometry<W: Write>(w: &mut W, g: &Geometry<f64>) -> std::io::Result<()> {
    match g {
        Geometry::Point(p) => {
            w.write_all(b"{\"type\":\"Point\",\"coordinates\":")?;
            write_position(w, p.0)?;
        }
        Geometry::MultiPoint(mp) => {
            w.write_all(b"{\"type\":\"MultiPoint\",\"coordinates\":")?;
            write_positions(w, mp.0.iter().map(|p| p.0))?;
        }
        Geometry::Line(l) => {
            w.write_all(b"{\"type\":\"LineString\",\"coordinates\":")?;
            write_positions(w, [l.start, l.end].into_iter())?;
        }
        Geometry::LineString(ls) => {
            w.write_all(b"{\"type\":\"LineString\",\"coordinates\":")?;
            write_positions(w, ls.0.iter().copied())?;
        }
        Geometry::MultiLineString(mls) => {
            w.write_all(b"{\"type\":\"MultiLineString\",\"coordinates\":[")?;
            for (k, ls) in mls.0.iter().enumerate() {
                if k > 0 {
                    w.write_all(b",")?;
                }
                write_positions(w, ls.0.iter().copied())?;
            }
            w.write_all(b"]")?;
        }
        Geometry::Polygon(p) => {
            w.write_all(b"{\"type\":\"Polygon\",\"coordinates\":")?;
            write_polygon_rings(w, p)?;
        }
        Geometry::MultiPolygon(mp) => {
            w.write_all(b"{\"type\":\"MultiPolygon\",\"coordinates\":[")?;
            for (k, p) in mp.0.iter().enumerate() {
                if k > 0 {
                    w.write_all(b",")?;
                }
                write_polygon_rings(w, p)?;
            }
            w.write_all(b"]")?;
        }
        Geometry::Rect(r) => return write_geometry(w, &Geometry::Polygon(r.to_polygon())),
        Geometry::Triangle(t) => return write_geometry(w, &Geometry::Polygon(t.to_polygon())),
        Geometry::GeometryCollection(gc) => {
            w.write_all(b"{\"type\":\"GeometryCollection\",\"geometries\":[")?;
            for (k, g) in gc.0.iter().enumerate() {
                if k > 0 {
                    w.write_all(b",")?;
                }
                write_geometry(w, g)?;
            }
            w.write_all(b"]")?;
        }
    }
    w.write_all(b"}")
}

// ---------------------------------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------------------------------

/// A feature decoded while the file is parsed (its position is filled in afterwards).
struct StreamedFeature(RawFeature);

impl<'de> Deserialize<'de> for StreamedFeature {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let value = Json::deserialize(d)?;
        Ok(StreamedFeature(feature_from_json(value)))
    }
}

/// The top-level object; `features` is decoded element by element into [`StreamedFeature`]s.
#[derive(Deserialize)]
struct StreamedFeatures {
    #[serde(rename = "type")]
    kind: Option<Json>,
    crs: Option<Json>,
    features: Option<Vec<StreamedFeature>>,
}

/// Read a GeoJSON `FeatureCollection` file into a [`RawLayer`].
pub fn read_geojson(path: &Path) -> Result<RawLayer> {
    let bytes = std::fs::read(path).map_err(|e| {
        Error::input(path, format!("cannot read the file: {e}"), "check the path and that the file is readable")
    })?;
    parse_geojson(path, &bytes)
}

/// Parse GeoJSON bytes read from `path` (named in messages).
pub fn parse_geojson(path: &Path, bytes: &[u8]) -> Result<RawLayer> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let Some(first) = first else {
        return Err(Error::input(path, "the file is empty", "export the layer again as GeoJSON; the file has no content"));
    };
    if bytes[first] != b'{' {
        return Err(Error::input(
            path,
            "the file is not a GeoJSON object (it does not start with `{`)",
            "give a GeoJSON FeatureCollection, or a GeoPackage / Shapefile, which GDAL reads",
        ));
    }
    let parsed: StreamedFeatures = match serde_json::from_slice(bytes) {
        Ok(p) => p,
        Err(e) => return Err(json_error(path, bytes, e)),
    };
    let kind = parsed.kind.as_ref().and_then(Json::as_str).unwrap_or("");
    if kind != "FeatureCollection" {
        let what = if kind.is_empty() { "has no \"type\" member".to_string() } else { format!("is a GeoJSON {kind}") };
        return Err(Error::input(
            path,
            format!("the file {what}, not a FeatureCollection"),
            "save the layer as a FeatureCollection (QGIS: Export > Save Features As > GeoJSON; ogr2ogr -f GeoJSON)",
        ));
    }
    let Some(features) = parsed.features else {
        return Err(Error::input(path, "the FeatureCollection has no \"features\" array", "export the layer again as GeoJSON"));
    };
    let crs = match &parsed.crs {
        None | Some(Json::Null) => SourceCrs::Wgs84,
        Some(c) => legacy_crs(c).map_err(|problem| {
            Error::input(path, problem, "remove the \"crs\" member if the coordinates are WGS 84 lon/lat, or name an EPSG code: {\"type\":\"name\",\"properties\":{\"name\":\"EPSG:4547\"}}")
        })?,
    };
    let features = features
        .into_iter()
        .enumerate()
        .map(|(index, StreamedFeature(mut f))| {
            f.index = index;
            f
        })
        .collect();
    Ok(RawLayer { path: path.to_path_buf(), layer_name: None, crs, crs_assumed: false, features })
}

/// Turn a serde_json error into a message a planner can act on.
fn json_error(path: &Path, bytes: &[u8], e: serde_json::Error) -> Error {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => Error::input(
            path,
            format!("the file ends early at line {}, column {} (truncated: {} bytes)", e.line(), e.column(), bytes.len()),
            "the file was cut off (an interrupted copy or download?); export or copy it again",
        ),
        Category::Syntax | Category::Io => Error::input(
            path,
            format!("invalid JSON at line {}, column {}: {e}", e.line(), e.column()),
            "fix the JSON at that position, or export the layer again as GeoJSON",
        ),
        Category::Data => {
            // The top-level object has a member of the wrong type, most often "features" not an array.
            Error::input(
                path,
                format!("not a valid GeoJSON FeatureCollection at line {}, column {}: {e}", e.line(), e.column()),
                "\"features\" must be an array of Feature objects; export the layer again as GeoJSON",
            )
        }
    }
}

/// The EPSG code or CRS84 a 2008-style `"crs"` member names.
fn legacy_crs(crs: &Json) -> std::result::Result<SourceCrs, String> {
    let name = crs.get("properties").and_then(|p| p.get("name")).and_then(Json::as_str);
    let Some(name) = name else {
        return Err(format!("the \"crs\" member {crs} is not a named CRS (only {{\"type\":\"name\",\"properties\":{{\"name\":\"EPSG:nnnn\"}}}} is understood)"));
    };
    let upper = name.trim().to_ascii_uppercase();
    if upper.ends_with("CRS84") || upper.ends_with("CRS:84") {
        return Ok(SourceCrs::Wgs84);
    }
    if upper.contains("EPSG") {
        // EPSG:3857, urn:ogc:def:crs:EPSG::3857, urn:ogc:def:crs:EPSG:6.3:3857, http://www.opengis.net/def/crs/EPSG/0/3857
        let digits: String = upper.rsplit(|c: char| !c.is_ascii_digit()).next().unwrap_or("").to_string();
        if let Ok(code) = digits.parse::<u32>() {
            return Ok(if code == 4326 { SourceCrs::Wgs84 } else { SourceCrs::Epsg(code) });
        }
    }
    Err(format!("the \"crs\" member names `{name}`, which is not an EPSG code"))
}

/// Decode one element of `features`; problems go into `geometry_problem`, never an error.
fn feature_from_json(value: Json) -> RawFeature {
    let mut f = RawFeature { index: 0, id: None, geometry: None, geometry_problem: None, properties: serde_json::Map::new() };
    let Json::Object(mut object) = value else {
        f.geometry_problem = Some(format!("the element of \"features\" is {}, not a Feature object", json_kind(&value)));
        return f;
    };
    f.id = match object.get("id") {
        Some(Json::String(s)) => Some(s.clone()),
        Some(Json::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    match object.remove("properties") {
        Some(Json::Object(p)) => f.properties = p,
        Some(Json::Null) | None => {}
        Some(other) => f.geometry_problem = Some(format!("\"properties\" is {}, not an object", json_kind(&other))),
    }
    if object.get("type").and_then(Json::as_str) != Some("Feature") {
        f.geometry_problem = Some("the element of \"features\" is not a Feature (its \"type\" is not \"Feature\")".to_string());
        return f;
    }
    if f.geometry_problem.is_some() {
        return f;
    }
    match object.get("geometry") {
        None | Some(Json::Null) => f.geometry_problem = Some("the feature has no geometry (null)".to_string()),
        Some(g) => match geometry_from_json(g) {
            Ok(geometry) => f.geometry = Some(geometry),
            Err(problem) => f.geometry_problem = Some(problem),
        },
    }
    f
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn position(v: &Json) -> std::result::Result<Coord<f64>, String> {
    let a = v.as_array().ok_or_else(|| format!("a position is {}, not an array of numbers", json_kind(v)))?;
    if a.len() < 2 {
        return Err(format!("a position has {} number(s); it needs longitude and latitude", a.len()));
    }
    let x = a[0].as_f64().ok_or_else(|| format!("a position holds {} where a number is expected", json_kind(&a[0])))?;
    let y = a[1].as_f64().ok_or_else(|| format!("a position holds {} where a number is expected", json_kind(&a[1])))?;
    Ok(Coord { x, y })
}

fn positions(v: &Json) -> std::result::Result<Vec<Coord<f64>>, String> {
    v.as_array().ok_or_else(|| format!("expected an array of positions, found {}", json_kind(v)))?.iter().map(position).collect()
}

fn rings(v: &Json) -> std::result::Result<Polygon<f64>, String> {
    let rings = v.as_array().ok_or_else(|| format!("polygon coordinates are {}, not an array of rings", json_kind(v)))?;
    polygon_from_rings(rings.iter().map(positions).collect::<std::result::Result<_, _>>()?)
}

fn array<'a>(v: &'a Json, what: &str) -> std::result::Result<&'a Vec<Json>, String> {
    v.as_array().ok_or_else(|| format!("{what} coordinates are {}, not an array", json_kind(v)))
}

/// Decode a GeoJSON geometry object into geo-types, checking positions and rings.
pub fn geometry_from_json(g: &Json) -> std::result::Result<Geometry<f64>, String> {
    let kind = g.get("type").and_then(Json::as_str).ok_or("the geometry has no \"type\"")?;
    if kind == "GeometryCollection" {
        let parts = g.get("geometries").and_then(Json::as_array).ok_or("a GeometryCollection has no \"geometries\" array")?;
        let parts = parts.iter().map(geometry_from_json).collect::<std::result::Result<Vec<_>, _>>()?;
        if parts.is_empty() {
            return Err("the geometry is empty (a GeometryCollection without members)".to_string());
        }
        return Ok(Geometry::GeometryCollection(geo_types::GeometryCollection(parts)));
    }
    let c = g.get("coordinates").ok_or_else(|| format!("the {kind} has no \"coordinates\""))?;
    let empty = || format!("the geometry is empty (a {kind} without coordinates)");
    let geometry = match kind {
        "Point" => {
            if c.as_array().is_some_and(Vec::is_empty) {
                return Err(empty());
            }
            let p = position(c)?;
            crate::io::raw_layer::check_finite(&[p])?;
            Geometry::Point(Point(p))
        }
        "MultiPoint" => {
            let ps = positions(c)?;
            crate::io::raw_layer::check_finite(&ps)?;
            Geometry::MultiPoint(MultiPoint(ps.into_iter().map(Point).collect()))
        }
        "LineString" => Geometry::LineString(line_from_coords(positions(c)?)?),
        "MultiLineString" => Geometry::MultiLineString(MultiLineString(
            array(c, kind)?.iter().map(|l| line_from_coords(positions(l)?)).collect::<std::result::Result<_, _>>()?,
        )),
        "Polygon" => Geometry::Polygon(rings(c)?),
        "MultiPolygon" => Geometry::MultiPolygon(MultiPolygon(array(c, kind)?.iter().map(rings).collect::<std::result::Result<_, _>>()?)),
        other => return Err(format!("unknown geometry type `{other}`")),
    };
    let is_empty = match &geometry {
        Geometry::MultiPoint(m) => m.0.is_empty(),
        Geometry::MultiLineString(m) => m.0.is_empty(),
        Geometry::MultiPolygon(m) => m.0.is_empty(),
        _ => false,
    };
    if is_empty { Err(empty()) } else { Ok(geometry) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::layer::{FieldType, GeometryKind};
    use geo_types::{coord, polygon};

    fn ordinate(x: f64) -> String {
        let mut out = Vec::new();
        write_ordinate(&mut out, x).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn ordinates_have_at_most_seven_decimals_without_trailing_zeros() {
        assert_eq!(ordinate(118.78), "118.78");
        assert_eq!(ordinate(118.0), "118");
        assert_eq!(ordinate(-0.5), "-0.5");
        assert_eq!(ordinate(0.0), "0");
        assert_eq!(ordinate(-0.00000001), "0"); // rounds to zero: no "-0"
        assert_eq!(ordinate(32.123456789), "32.1234568");
        assert_eq!(ordinate(-8.61000004), "-8.61");
        assert_eq!(ordinate(0.0000001), "0.0000001");
        assert_eq!(ordinate(-179.99999996), "-180");
        assert_eq!(ordinate(1.0e12), "1000000000000");
        assert!(write_ordinate(&mut Vec::new(), f64::NAN).is_err());
    }

    fn layer_with(geometry: Geometry<f64>) -> String {
        let mut layer = Layer::new("t", GeometryKind::Any, &[]);
        layer.push(Some(geometry), vec![]);
        let mut out = Vec::new();
        write_geojson_to(&mut out, &layer).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn polygons_follow_the_right_hand_rule() {
        // Exterior given clockwise, hole given counter-clockwise: both must be reversed.
        let p = polygon!(
            exterior: [(x: 0., y: 0.), (x: 0., y: 10.), (x: 10., y: 10.), (x: 10., y: 0.), (x: 0., y: 0.)],
            interiors: [[(x: 2., y: 2.), (x: 4., y: 2.), (x: 4., y: 4.), (x: 2., y: 4.), (x: 2., y: 2.)]],
        );
        let text = layer_with(Geometry::Polygon(p));
        assert!(text.contains("[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[2,2],[2,4],[4,4],[4,2],[2,2]]]"), "{text}");
        // Already right: unchanged.
        let q = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 0.)];
        assert!(layer_with(Geometry::Polygon(q)).contains("[[[0,0],[1,0],[1,1],[0,0]]]"));
    }

    #[test]
    fn values_are_typed_json() {
        let mut layer = Layer::new(
            "estates",
            GeometryKind::None,
            &[("b", FieldType::Bool), ("i", FieldType::Int), ("r", FieldType::Real), ("t", FieldType::Text), ("l", FieldType::TextList), ("n", FieldType::Real)],
        );
        layer.push(None, vec![Value::Bool(true), Value::Int(-3), Value::Real(f64::NAN), Value::from("东方\"小区\""), Value::from(vec!["e1".to_string(), "e2".to_string()]), Value::Null]);
        layer.push(None, vec![Value::Bool(false), Value::Int(0), Value::Real(2.5), Value::from(""), Value::TextList(vec![]), Value::Real(1e-9)]);
        let mut out = Vec::new();
        write_geojson_to(&mut out, &layer).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(r#"{"b":true,"i":-3,"r":null,"t":"东方\"小区\"","l":["e1","e2"],"n":null},"geometry":null"#), "{text}");
        assert!(text.contains(r#"{"b":false,"i":0,"r":2.5,"t":"","l":[],"n":1e-9}"#), "{text}");
        let parsed: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["name"], "estates");
        assert_eq!(parsed["features"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn nan_geometry_is_an_error_not_invalid_json() {
        let mut layer = Layer::new("t", GeometryKind::Point, &[]);
        layer.push(Some(Geometry::Point(Point(coord! { x: f64::NAN, y: 1. }))), vec![]);
        let err = write_geojson_to(&mut Vec::new(), &layer).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("feature 0"));
    }

    fn parse(text: &str) -> Result<RawLayer> {
        parse_geojson(Path::new("in.geojson"), text.as_bytes())
    }

    #[test]
    fn reads_features_properties_ids_and_problems() {
        let layer = parse(
            r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","id":7,"properties":{"name":"东方小区","population":1200},"geometry":{"type":"Point","coordinates":[118.78,32.04,9]}},
            {"type":"Feature","properties":null,"geometry":null},
            {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}},
            {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[0,0]]}},
            {"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[]}},
            {"type":"Feature","properties":{},"geometry":{"type":"Curve","coordinates":[]}},
            {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":["a",1]}},
            [1,2]
            ]}"#,
        )
        .unwrap();
        assert_eq!(layer.crs, SourceCrs::Wgs84);
        let f = &layer.features;
        assert_eq!(f.len(), 8);
        assert_eq!(f[0].id.as_deref(), Some("7"));
        assert_eq!(f[0].properties["name"], "东方小区");
        assert_eq!(f[0].geometry, Some(Geometry::Point(Point(coord! { x: 118.78, y: 32.04 }))));
        assert!(f[1].geometry.is_none() && f[1].geometry_problem.as_deref().unwrap().contains("no geometry"));
        assert!(f[2].geometry_problem.as_deref().unwrap().contains("not closed"));
        assert!(f[3].geometry_problem.as_deref().unwrap().contains("at least 2"));
        assert!(f[4].geometry_problem.as_deref().unwrap().contains("empty"));
        assert!(f[5].geometry_problem.as_deref().unwrap().contains("unknown geometry type `Curve`"));
        assert!(f[6].geometry_problem.as_deref().unwrap().contains("a string where a number"));
        assert!(f[7].geometry_problem.as_deref().unwrap().contains("an array, not a Feature"));
        assert_eq!(f.iter().map(|x| x.index).collect::<Vec<_>>(), (0..8).collect::<Vec<_>>());
    }

    #[test]
    fn legacy_crs_member_is_honoured() {
        let with = |name: &str| parse(&format!(r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"{name}"}}}},"features":[]}}"#));
        assert_eq!(with("urn:ogc:def:crs:EPSG::4547").unwrap().crs, SourceCrs::Epsg(4547));
        assert_eq!(with("EPSG:32650").unwrap().crs, SourceCrs::Epsg(32650));
        assert_eq!(with("http://www.opengis.net/def/crs/EPSG/0/3857").unwrap().crs, SourceCrs::Epsg(3857));
        assert_eq!(with("urn:ogc:def:crs:OGC:1.3:CRS84").unwrap().crs, SourceCrs::Wgs84);
        assert_eq!(with("urn:ogc:def:crs:EPSG::4326").unwrap().crs, SourceCrs::Wgs84);
        let err = with("my local grid").unwrap_err().to_string();
        assert!(err.contains("in.geojson") && err.contains("my local grid"), "{err}");
    }

    #[test]
    fn bad_files_are_input_errors_naming_the_file() {
        for (text, expect) in [
            ("", "empty"),
            ("  \n ", "empty"),
            ("[1,2]", "does not start with"),
            (r#"{"type":"FeatureCollection","features":[{"type":"Feature","#, "ends early"),
            ("{\"type\":\"FeatureCollection\",\n\"features\":[}", "line 2, column 13"),
            (r#"{"type":"Feature","geometry":null,"properties":{}}"#, "is a GeoJSON Feature, not a FeatureCollection"),
            (r#"{"type":"FeatureCollection"}"#, "no \"features\" array"),
            (r#"{"type":"FeatureCollection","features":{}}"#, "not a valid GeoJSON FeatureCollection"),
        ] {
            let err = parse(text).unwrap_err();
            assert!(matches!(err, Error::Input { .. }), "{text}: {err:?}");
            let message = err.to_string();
            assert!(message.starts_with("in.geojson: ") && message.contains(expect), "{text}: {message}");
        }
    }

    #[test]
    fn bom_is_skipped() {
        let layer = parse("\u{feff}{\"type\":\"FeatureCollection\",\"features\":[]}").unwrap();
        assert!(layer.features.is_empty());
    }
}
