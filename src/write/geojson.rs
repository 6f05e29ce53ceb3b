//! GeoJSON (RFC 7946) writing.
//!
//! A [`Layer`] becomes a `FeatureCollection` that follows RFC 7946:
//! WGS 84 longitude/latitude (§4), no `crs` member, polygons by the right-hand rule — exterior rings
//! counter-clockwise, holes clockwise (§3.1.6) — and coordinates rounded to 12 decimals (0.1 µm; a
//! double holds about 13 for a longitude). §11.2 advises against needless precision, but the layers
//! `extract` writes are read back (`--layers`) and must give the same distances within 1 cm: 7 decimals
//! moved points by up to 7 mm, and where a way crosses an estate's boundary at a shallow angle the
//! crossing point moves hundreds of times as far (on Porto 9 decimals still moved one by 2.5 cm), trailing zeros trimmed. The collection carries a `"name"`
//! member (the layer name, as GDAL writes it, so QGIS names the layer). Text stays UTF-8 (`"东方小区"`,
//! never `\u4e1c...`), text lists are JSON arrays, `Null` and non-finite reals are `null`. One feature
//! per line, streamed through a 1 MiB buffer and the atomic writer. The reader is [`crate::read::geojson`].
//!
//! ```
//! use lifecircle::write::layer::{FieldType, GeometryKind, Layer, Value};
//! use geo_types::{point, Geometry};
//! let mut layer = Layer::new("facilities", GeometryKind::Point, &[("name", FieldType::Text)]);
//! layer.push(Some(Geometry::Point(point! { x: 118.780_000_000_000_4, y: 32.04 })), vec![Value::from("鼓楼医院")]);
//! let mut out = Vec::new();
//! lifecircle::write::geojson::write_geojson_to(&mut out, &layer).unwrap();
//! let text = String::from_utf8(out).unwrap();
//! assert!(text.contains(r#""coordinates":[118.78,32.04]"#));
//! assert!(text.contains(r#""name":"鼓楼医院""#));
//! ```


use crate::error::{Error, Result};
use crate::write::atomic;
use crate::write::layer::{Layer, Value};
use geo_types::{Coord, Geometry, LineString, Polygon};
use std::io::Write;
use std::path::Path;

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
    write_collection_start(w, &layer.name)?;
    write_features(w, layer, 0)?;
    write_collection_end(w)
}

fn write_collection_start<W: Write>(w: &mut W, name: &str) -> std::io::Result<()> {
    w.write_all(b"{\"type\":\"FeatureCollection\",\"name\":")?;
    write_json_string(w, name)?;
    w.write_all(b",\"features\":[")
}

fn write_collection_end<W: Write>(w: &mut W) -> std::io::Result<()> {
    w.write_all(b"\n]}\n")
}

/// The features of `layer`, the first being feature number `first` of the collection (errors name it).
fn write_features<W: Write>(w: &mut W, layer: &Layer, first: usize) -> std::io::Result<()> {
    for (i, feature) in layer.features.iter().enumerate() {
        let i = first + i;
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
    Ok(())
}

/// A GeoJSON file written part by part (a city's walking network, millions of features, is made and
/// written a slice at a time rather than held whole): the parts are layers with the same name and fields,
/// their features written in the order given. Written under a temporary name and renamed into place by
/// [`GeoJsonStream::finish`]; dropped unfinished, it leaves nothing behind.
pub struct GeoJsonStream {
    path: std::path::PathBuf,
    staged: atomic::StagedPath,
    writer: std::io::BufWriter<std::fs::File>,
    written: usize,
}

impl GeoJsonStream {
    /// Start the collection `name` at `path`.
    pub fn create(path: &Path, name: &str) -> Result<GeoJsonStream> {
        let staged = atomic::StagedPath::begin(path, "")?;
        let file = std::fs::File::create(staged.temp()).map_err(|e| Error::output(path, format!("cannot create {}: {e}", staged.temp().display())))?;
        let mut stream = GeoJsonStream { path: path.to_path_buf(), staged, writer: std::io::BufWriter::with_capacity(1 << 20, file), written: 0 };
        write_collection_start(&mut stream.writer, name).map_err(|e| Error::output(path, e))?;
        Ok(stream)
    }

    /// Append the features of `part`.
    pub fn write(&mut self, part: &Layer) -> Result<()> {
        write_features(&mut self.writer, part, self.written).map_err(|e| self.failed(e))?;
        self.written += part.features.len();
        Ok(())
    }

    /// Close the collection and rename the file into place.
    pub fn finish(mut self) -> Result<()> {
        write_collection_end(&mut self.writer).map_err(|e| self.failed(e))?;
        let GeoJsonStream { path, staged, writer, .. } = self;
        writer.into_inner().map_err(|e| Error::output(&path, e.error().to_string()))?;
        staged.commit()
    }

    fn failed(&self, e: std::io::Error) -> Error {
        if e.kind() == std::io::ErrorKind::InvalidData {
            Error::Internal(format!("writing {}: {e}", self.path.display()))
        } else {
            Error::output(&self.path, e)
        }
    }
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
        Value::Real(x) if x.is_finite() => serde_json::to_writer(&mut *w, &crate::write::layer::without_negative_zero(*x)).map_err(std::io::Error::from),
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

/// Write one coordinate value rounded to 12 decimals with trailing zeros trimmed (`118.78`, `-0.5`, `3`).
/// Rounding goes through an integer count of 1e-12 units, which is fast and exactly reproducible.
fn write_ordinate<W: Write>(w: &mut W, x: f64) -> std::io::Result<()> {
    if !x.is_finite() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("coordinate {x} is not finite")));
    }
    const SCALE: f64 = 1e12;
    if x.abs() >= 9.0e6 {
        // Beyond i64 range once scaled: not a longitude or latitude, but write it faithfully anyway.
        return write!(w, "{}", (x * SCALE).round() / SCALE);
    }
    let units = (x * SCALE).round() as i64;
    if units == 0 {
        return w.write_all(b"0");
    }
    let sign = if units < 0 { "-" } else { "" };
    let abs = units.unsigned_abs();
    let whole = abs / 1_000_000_000_000;
    let mut frac = abs % 1_000_000_000_000;
    if frac == 0 {
        return write!(w, "{sign}{whole}");
    }
    let mut digits = 12;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::layer::{FieldType, GeometryKind};
    use geo_types::{coord, polygon, Point};
    use serde_json::Value as Json;

    fn ordinate(x: f64) -> String {
        let mut out = Vec::new();
        write_ordinate(&mut out, x).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn ordinates_have_at_most_twelve_decimals_without_trailing_zeros() {
        assert_eq!(ordinate(118.78), "118.78");
        assert_eq!(ordinate(118.0), "118");
        assert_eq!(ordinate(-0.5), "-0.5");
        assert_eq!(ordinate(0.0), "0");
        assert_eq!(ordinate(-0.0000000000001), "0"); // rounds to zero: no "-0"
        assert_eq!(ordinate(32.1234567891234), "32.123456789123");
        assert_eq!(ordinate(32.1234567891236), "32.123456789124");
        assert_eq!(ordinate(-8.611246300000001), "-8.6112463");
        assert_eq!(ordinate(0.000000000001), "0.000000000001");
        assert_eq!(ordinate(-179.9999999999996), "-180");
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

    #[test]
    fn a_stream_of_parts_writes_the_bytes_of_the_whole_layer() {
        let mut whole = Layer::new("network", GeometryKind::Line, &[("edge", FieldType::Int), ("name", FieldType::Text)]);
        for i in 0..7 {
            whole.push(Some(Geometry::LineString(LineString::from(vec![(118.0 + i as f64, 32.0), (118.5, 32.5)]))), vec![Value::from(i as usize), Value::from(format!("路{i}"))]);
        }
        let part = |range: std::ops::Range<usize>| Layer { features: whole.features[range].to_vec(), ..whole.clone() };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("network.geojson");
        let mut stream = GeoJsonStream::create(&path, "network").unwrap();
        for range in [0..3, 3..3, 3..7] {
            stream.write(&part(range)).unwrap();
        }
        // Nothing is in place before the stream is finished.
        assert!(!path.exists());
        stream.finish().unwrap();
        let mut want = Vec::new();
        write_geojson_to(&mut want, &whole).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), want);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file remains");
        // Dropped unfinished, a stream leaves nothing.
        let other = dir.path().join("other.geojson");
        let mut stream = GeoJsonStream::create(&other, "network").unwrap();
        stream.write(&part(0..2)).unwrap();
        drop(stream);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
