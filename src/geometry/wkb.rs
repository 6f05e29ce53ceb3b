//! Well-Known Binary (OGC 06-103r4 Simple Features §8.2, ISO/IEC 13249-3 for the Z/M type codes): the
//! geometry exchange between lifecircle and GDAL. Decoding the bytes ourselves (instead of walking OGR
//! geometries point by point through FFI) is fast, and lets the reader see what `geo_types` would hide:
//! an unclosed ring, a ring with too few positions, NaN coordinates, empty geometries.
//!
//! Decoding accepts both byte orders, 2D, Z, M and ZM variants in ISO (`+1000/+2000/+3000`) and
//! extended (EWKB high-bit flags) spellings, and keeps x/y. Curves, surfaces and triangles are refused
//! with a hint to linearise them. Encoding writes little-endian 2D WKB.
//!
//! ```
//! use geo_types::{polygon, Geometry};
//! use lifecircle::geometry::wkb;
//! let square = Geometry::Polygon(polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.), (x: 0., y: 0.)]);
//! let mut bytes = Vec::new();
//! wkb::encode(&square, &mut bytes);
//! assert_eq!(wkb::decode(&bytes).unwrap(), square);
//! ```

use crate::geometry::from_positions::{check_finite, line_from_coords, polygon_from_rings};
use geo_types::{Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

const TRUNCATED: &str = "the geometry's binary data (WKB) is truncated";

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let end = self.pos.checked_add(N).filter(|&e| e <= self.bytes.len()).ok_or(TRUNCATED)?;
        let mut out = [0u8; N];
        out.copy_from_slice(&self.bytes[self.pos..end]);
        self.pos = end;
        Ok(out)
    }

    fn u32(&mut self, little: bool) -> Result<u32, String> {
        let b = self.take::<4>()?;
        Ok(if little { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    }

    fn f64(&mut self, little: bool) -> Result<f64, String> {
        let b = self.take::<8>()?;
        Ok(if little { f64::from_le_bytes(b) } else { f64::from_be_bytes(b) })
    }

    /// A count, checked against the bytes left so a corrupt count cannot ask for gigabytes.
    fn count(&mut self, little: bool, min_item_bytes: usize) -> Result<usize, String> {
        let n = self.u32(little)? as usize;
        if n.saturating_mul(min_item_bytes) > self.bytes.len() - self.pos {
            return Err(TRUNCATED.to_string());
        }
        Ok(n)
    }
}

struct Header {
    little: bool,
    base: u32,
    dims: usize,
}

fn header(r: &mut Reader) -> Result<Header, String> {
    let [order] = r.take::<1>()?;
    let little = match order {
        1 => true,
        0 => false,
        other => return Err(format!("the geometry's binary data (WKB) has an unknown byte order {other}")),
    };
    let raw = r.u32(little)?;
    // EWKB: high bits flag Z (0x80000000), M (0x40000000), SRID (0x20000000).
    let ewkb_z = raw & 0x8000_0000 != 0;
    let ewkb_m = raw & 0x4000_0000 != 0;
    if raw & 0x2000_0000 != 0 {
        r.u32(little)?; // SRID, ignored: the layer's CRS rules
    }
    let code = raw & 0x0FFF_FFFF;
    let (base, iso_z, iso_m) = match code / 1000 {
        0 => (code, false, false),
        1 => (code - 1000, true, false),
        2 => (code - 2000, false, true),
        3 => (code - 3000, true, true),
        _ => return Err(format!("unknown WKB geometry type code {code}")),
    };
    let dims = 2 + usize::from(ewkb_z || iso_z) + usize::from(ewkb_m || iso_m);
    Ok(Header { little, base, dims })
}

fn coord(r: &mut Reader, h: &Header) -> Result<Coord<f64>, String> {
    let x = r.f64(h.little)?;
    let y = r.f64(h.little)?;
    for _ in 2..h.dims {
        r.f64(h.little)?;
    }
    Ok(Coord { x, y })
}

fn coords(r: &mut Reader, h: &Header) -> Result<Vec<Coord<f64>>, String> {
    let n = r.count(h.little, 16)?;
    (0..n).map(|_| coord(r, h)).collect()
}

fn polygon(r: &mut Reader, h: &Header) -> Result<Polygon<f64>, String> {
    let n = r.count(h.little, 4)?;
    let rings = (0..n).map(|_| coords(r, h)).collect::<Result<Vec<_>, _>>()?;
    polygon_from_rings(rings)
}

/// Decode the members of a multi-geometry, each with its own header, all of `expected` type.
fn members<T>(r: &mut Reader, h: &Header, expected: u32, one: impl Fn(&mut Reader, &Header) -> Result<T, String>) -> Result<Vec<T>, String> {
    let n = r.count(h.little, 5)?;
    (0..n)
        .map(|_| {
            let mh = header(r)?;
            if mh.base != expected {
                return Err(format!("a multi-geometry holds a member of WKB type {} where type {expected} is expected", mh.base));
            }
            one(r, &mh)
        })
        .collect()
}

fn geometry(r: &mut Reader) -> Result<Option<Geometry<f64>>, String> {
    let h = header(r)?;
    let g = match h.base {
        1 => {
            let c = coord(r, &h)?;
            if c.x.is_nan() && c.y.is_nan() {
                return Ok(None); // the WKB spelling of POINT EMPTY
            }
            check_finite(&[c])?;
            Geometry::Point(Point(c))
        }
        2 => {
            let cs = coords(r, &h)?;
            if cs.is_empty() {
                return Ok(None);
            }
            Geometry::LineString(line_from_coords(cs)?)
        }
        3 => {
            let p = {
                let n = r.count(h.little, 4)?;
                if n == 0 {
                    return Ok(None);
                }
                let rings = (0..n).map(|_| coords(r, &h)).collect::<Result<Vec<_>, _>>()?;
                polygon_from_rings(rings)?
            };
            Geometry::Polygon(p)
        }
        4 => {
            let ps = members(r, &h, 1, |r, h| {
                let c = coord(r, h)?;
                check_finite(&[c])?;
                Ok(Point(c))
            })?;
            if ps.is_empty() {
                return Ok(None);
            }
            Geometry::MultiPoint(MultiPoint(ps))
        }
        5 => {
            let ls = members(r, &h, 2, |r, h| line_from_coords(coords(r, h)?))?;
            if ls.is_empty() {
                return Ok(None);
            }
            Geometry::MultiLineString(MultiLineString(ls))
        }
        6 => {
            let ps = members(r, &h, 3, polygon)?;
            if ps.is_empty() {
                return Ok(None);
            }
            Geometry::MultiPolygon(MultiPolygon(ps))
        }
        7 => {
            let n = r.count(h.little, 5)?;
            let mut parts = Vec::with_capacity(n);
            for _ in 0..n {
                if let Some(g) = geometry(r)? {
                    parts.push(g);
                }
            }
            if parts.is_empty() {
                return Ok(None);
            }
            Geometry::GeometryCollection(GeometryCollection(parts))
        }
        8..=12 | 15..=17 => {
            return Err(format!(
                "curved or surface geometry (WKB type {}) is not supported; convert it with ogr2ogr -nlt CONVERT_TO_LINEAR",
                h.base
            ));
        }
        other => return Err(format!("unknown WKB geometry type {other}")),
    };
    Ok(Some(g))
}

/// Decode WKB into a geometry. An empty geometry is reported as an error ("empty geometry") so the
/// feature can be rejected with that reason.
pub fn decode(bytes: &[u8]) -> Result<Geometry<f64>, String> {
    let mut r = Reader { bytes, pos: 0 };
    geometry(&mut r)?.ok_or_else(|| "the geometry is empty".to_string())
}

/// Decode WKB, with an empty geometry as `None`.
pub fn decode_allow_empty(bytes: &[u8]) -> Result<Option<Geometry<f64>>, String> {
    geometry(&mut Reader { bytes, pos: 0 })
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_coord(out: &mut Vec<u8>, c: Coord<f64>) {
    out.extend_from_slice(&c.x.to_le_bytes());
    out.extend_from_slice(&c.y.to_le_bytes());
}

fn put_header(out: &mut Vec<u8>, code: u32) {
    out.push(1);
    put_u32(out, code);
}

fn put_line(out: &mut Vec<u8>, ls: &LineString<f64>) {
    put_u32(out, ls.0.len() as u32);
    ls.0.iter().for_each(|c| put_coord(out, *c));
}

fn put_polygon_body(out: &mut Vec<u8>, p: &Polygon<f64>) {
    put_u32(out, 1 + p.interiors().len() as u32);
    put_line(out, p.exterior());
    p.interiors().iter().for_each(|r| put_line(out, r));
}

/// Append the little-endian 2D WKB of a geometry (Rect and Triangle as polygons, Line as a line string).
pub fn encode(g: &Geometry<f64>, out: &mut Vec<u8>) {
    match g {
        Geometry::Point(p) => {
            put_header(out, 1);
            put_coord(out, p.0);
        }
        Geometry::Line(l) => encode(&Geometry::LineString(LineString(vec![l.start, l.end])), out),
        Geometry::LineString(ls) => {
            put_header(out, 2);
            put_line(out, ls);
        }
        Geometry::Polygon(p) => {
            put_header(out, 3);
            put_polygon_body(out, p);
        }
        Geometry::MultiPoint(mp) => {
            put_header(out, 4);
            put_u32(out, mp.0.len() as u32);
            mp.0.iter().for_each(|p| encode(&Geometry::Point(*p), out));
        }
        Geometry::MultiLineString(mls) => {
            put_header(out, 5);
            put_u32(out, mls.0.len() as u32);
            for ls in &mls.0 {
                put_header(out, 2);
                put_line(out, ls);
            }
        }
        Geometry::MultiPolygon(mp) => {
            put_header(out, 6);
            put_u32(out, mp.0.len() as u32);
            for p in &mp.0 {
                put_header(out, 3);
                put_polygon_body(out, p);
            }
        }
        Geometry::GeometryCollection(gc) => {
            put_header(out, 7);
            put_u32(out, gc.0.len() as u32);
            gc.0.iter().for_each(|g| encode(g, out));
        }
        Geometry::Rect(r) => encode(&Geometry::Polygon(r.to_polygon()), out),
        Geometry::Triangle(t) => encode(&Geometry::Polygon(t.to_polygon()), out),
    }
}

/// The OGC Simple Features type name of a geometry, as WKB, GeoJSON and GeoParquet spell it (a `geo`
/// line, rectangle or triangle is written as the LineString or Polygon it stands for).
pub fn simple_feature_type(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) | Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{coord, line_string, point, polygon};

    fn round_trip(g: Geometry<f64>) {
        let mut b = Vec::new();
        encode(&g, &mut b);
        assert_eq!(decode(&b).unwrap(), g);
    }

    #[test]
    fn round_trips_every_simple_type() {
        round_trip(Geometry::Point(point! { x: 118.78, y: 32.04 }));
        round_trip(Geometry::LineString(line_string![(x: 0., y: 0.), (x: 1., y: 2.)]));
        let p = polygon!(
            exterior: [(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 0.)],
            interiors: [[(x: 1., y: 1.), (x: 2., y: 1.), (x: 2., y: 2.), (x: 1., y: 1.)]],
        );
        round_trip(Geometry::Polygon(p.clone()));
        round_trip(Geometry::MultiPolygon(MultiPolygon(vec![p.clone(), p])));
        round_trip(Geometry::MultiPoint(MultiPoint(vec![point! { x: 1., y: 2. }, point! { x: 3., y: 4. }])));
        round_trip(Geometry::MultiLineString(MultiLineString(vec![line_string![(x: 0., y: 0.), (x: 1., y: 2.)]])));
        round_trip(Geometry::GeometryCollection(GeometryCollection(vec![Geometry::Point(point! { x: 1., y: 2. })])));
    }

    #[test]
    fn decodes_big_endian_and_z() {
        // POINT Z (1 2 3), big-endian ISO: 00 | 000003E9 | 1.0 | 2.0 | 3.0
        let mut b = vec![0u8];
        b.extend_from_slice(&1001u32.to_be_bytes());
        for v in [1.0f64, 2.0, 3.0] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        assert_eq!(decode(&b).unwrap(), Geometry::Point(point! { x: 1., y: 2. }));
        // The same in EWKB spelling, little-endian with the Z flag.
        let mut e = vec![1u8];
        e.extend_from_slice(&(1u32 | 0x8000_0000).to_le_bytes());
        for v in [1.0f64, 2.0, 3.0] {
            e.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(decode(&e).unwrap(), Geometry::Point(point! { x: 1., y: 2. }));
    }

    #[test]
    fn reports_what_geo_types_would_hide() {
        // A polygon whose ring is not closed.
        let mut b = vec![1u8];
        b.extend_from_slice(&3u32.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&4u32.to_le_bytes());
        for c in [coord! { x: 0., y: 0. }, coord! { x: 1., y: 0. }, coord! { x: 1., y: 1. }, coord! { x: 0., y: 1. }] {
            put_coord(&mut b, c);
        }
        assert!(decode(&b).unwrap_err().contains("not closed"));
        assert!(decode(&b[..20]).unwrap_err().contains("truncated"));
        let mut nan = Vec::new();
        encode(&Geometry::Point(point! { x: f64::NAN, y: f64::NAN }), &mut nan);
        assert!(decode(&nan).unwrap_err().contains("empty"));
        let mut inf = Vec::new();
        encode(&Geometry::Point(point! { x: f64::INFINITY, y: 1. }), &mut inf);
        assert!(decode(&inf).unwrap_err().contains("finite"));
        let mut curve = vec![1u8];
        curve.extend_from_slice(&10u32.to_le_bytes());
        assert!(decode(&curve).unwrap_err().contains("CONVERT_TO_LINEAR"));
        // A corrupt count must not allocate: 4 billion rings announced in 13 bytes.
        let mut huge = vec![1u8];
        huge.extend_from_slice(&3u32.to_le_bytes());
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode(&huge).unwrap_err().contains("truncated"));
    }
}
