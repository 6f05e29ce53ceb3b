//! GeoJSON (RFC 7946) reading.
//!
//! A `FeatureCollection` becomes a [`RawLayer`]. Features are decoded one
//! at a time while the file is parsed, so memory holds the result, not a JSON tree of the whole file.
//! A legacy (2008 GeoJSON) `"crs"` member naming an EPSG code or CRS84 is honoured; otherwise WGS 84.
//! An empty, truncated or invalid file (with line and column) or one that is not a `FeatureCollection`
//! is an [`Error::Input`] naming the file; a feature with a null, empty or malformed geometry is kept
//! with `geometry: None` and the reason, to be rejected later. The writer is [`crate::write::geojson`].

use crate::error::{Error, Result};
use crate::geometry::from_positions::{check_finite, line_from_coords, polygon_from_rings};
use crate::read::raw_layer::{RawFeature, RawLayer, SourceCrs};
use geo_types::{Coord, Geometry, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde::Deserialize;
use serde_json::Value as Json;
use std::path::Path;

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
        None | Some(Json::Null) => {}
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
            check_finite(&[p])?;
            Geometry::Point(Point(p))
        }
        "MultiPoint" => {
            let ps = positions(c)?;
            check_finite(&ps)?;
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
    use geo_types::coord;

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
        assert!(f[1].geometry.is_none() && f[1].geometry_problem.is_none());
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
