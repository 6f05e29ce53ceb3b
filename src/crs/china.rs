//! Chinese web-map coordinates (`--input-coords gcj02|bd09`): GCJ-02 ("Mars coordinates", used by
//! AMap/高德, Tencent/腾讯 and Google Maps in mainland China) and BD-09 (Baidu/百度 Maps) converted to
//! WGS 84 before a planner's layer is projected into the working CRS.
//!
//! The conversions are the `geocoordinates` crate's (0.14): the exact forward GCJ-02 offset (the
//! Krasovsky-ellipsoid polynomial every open implementation reproduces), the Baidu BD-09 rotation on
//! top, and *refined* inverses — a fixed-point iteration `wgs += target − forward(wgs)` that converges
//! to well under 0.5 m (the published single-step inverse of `coordtransform` is 1-2 m off). Checked in
//! the tests against published control points: `coordtransform` (wandergis, `test/app.js`) and
//! `eviltransform` (googollee, Python test suite).
//!
//! **Where the offset applies.** Inside the de-facto standard rectangle 72.004-137.8347°E,
//! 0.8293-55.8271°N (the `out_of_china` test of `coordtransform`, `eviltransform` and
//! `geocoordinates`); outside it the conversion is the identity. Decisions, for this engine:
//! - *Hong Kong and Macau lie inside the rectangle and are converted.* The flag says "these coordinates
//!   come from a Chinese web map", and AMap, Tencent and Baidu serve offset coordinates there too.
//!   Data from the Hong Kong Lands Department, Macau's DSCC, OpenStreetMap or Google outside the
//!   mainland is WGS 84 already: do not pass the flag for it.
//! - *Outside the rectangle nothing changes*, for BD-09 too (the `geocoordinates` Baidu nudge alone
//!   is applied everywhere; this module gates both datums by the rectangle), and
//!   [`crate::read::planner_layers`] warns that the flag had no effect when no coordinate of a layer lies
//!   inside it (a wrong flag is more likely than intent).
//! - The rectangle also covers Taiwan, Mongolia's south and neighbours' border areas; a hard edge means
//!   a point just outside is not offset. Planning areas of Chinese cities are far from that edge.
//!
//! ```
//! use geo_types::coord;
//! use lifecircle::crs::china::{from_wgs84, to_wgs84, InputCoords};
//! // coordtransform's published pair: WGS 84 (116.404, 39.915) -> GCJ-02 (116.41024449916938, 39.91640428150164).
//! let gcj = from_wgs84(coord! { x: 116.404, y: 39.915 }, InputCoords::Gcj02).unwrap();
//! assert!((gcj.x - 116.41024449916938).abs() < 1e-12 && (gcj.y - 39.91640428150164).abs() < 1e-12);
//! let back = to_wgs84(gcj, InputCoords::Gcj02).unwrap();
//! assert!((back.x - 116.404).abs() < 5e-6 && (back.y - 39.915).abs() < 5e-6); // < 0.5 m
//! ```

use geo::MapCoordsInPlace;
use geo_types::{Coord, Geometry};
use geocoordinates::{Bd09, Gcj02, Wgs84};
use std::fmt;
use std::str::FromStr;

/// The datum of a planner's lon/lat coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputCoords {
    /// Real WGS 84 (GPS, OpenStreetMap, GeoPackage/Shapefile in EPSG:4326): no change.
    #[default]
    Wgs84,
    /// GCJ-02: AMap/高德, Tencent/腾讯, Google Maps in mainland China.
    Gcj02,
    /// BD-09: Baidu/百度 Maps.
    Bd09,
}

impl InputCoords {
    pub fn as_str(self) -> &'static str {
        match self {
            InputCoords::Wgs84 => "wgs84",
            InputCoords::Gcj02 => "gcj02",
            InputCoords::Bd09 => "bd09",
        }
    }
}

impl fmt::Display for InputCoords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InputCoords {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "wgs84" | "epsg4326" => Ok(InputCoords::Wgs84),
            "gcj02" | "gcj" | "amap" | "gaode" | "tencent" => Ok(InputCoords::Gcj02),
            "bd09" | "bd09ll" | "baidu" => Ok(InputCoords::Bd09),
            _ => Err(format!("unknown input coordinates `{s}`: use wgs84, gcj02 (AMap/高德, Tencent) or bd09 (Baidu/百度)")),
        }
    }
}

/// Whether the GCJ-02 / BD-09 offset applies at this longitude/latitude (the standard rectangle).
pub fn in_offset_region(lon: f64, lat: f64) -> bool {
    !geocoordinates::china::out_of_china(lat, lon)
}

/// Convert one lon/lat coordinate from `from` to WGS 84 (refined inverse, < 0.5 m).
pub fn to_wgs84(c: Coord<f64>, from: InputCoords) -> Result<Coord<f64>, String> {
    if from == InputCoords::Wgs84 || (c.x.is_finite() && c.y.is_finite() && !in_offset_region(c.x, c.y)) {
        return Ok(c);
    }
    let wgs = match from {
        InputCoords::Wgs84 => return Ok(c),
        InputCoords::Gcj02 => Gcj02::new(c.y, c.x).try_to_wgs84_refined().map(|a| a.into_inner()),
        InputCoords::Bd09 => Bd09::new(c.y, c.x).try_to_wgs84_refined().map(|a| a.into_inner()),
    }
    .map_err(|e| format!("({}, {}) is not a longitude/latitude: {e}", c.x, c.y))?;
    Ok(Coord { x: wgs.lon, y: wgs.lat })
}

/// Convert one WGS 84 lon/lat coordinate to `to` (exact forward offset).
pub fn from_wgs84(c: Coord<f64>, to: InputCoords) -> Result<Coord<f64>, String> {
    if to == InputCoords::Wgs84 || (c.x.is_finite() && c.y.is_finite() && !in_offset_region(c.x, c.y)) {
        return Ok(c);
    }
    let w = Wgs84::new(c.y, c.x);
    let (lat, lon) = match to {
        InputCoords::Wgs84 => return Ok(c),
        InputCoords::Gcj02 => w.try_to_gcj02().map(|g| (g.lat, g.lon)),
        InputCoords::Bd09 => w.try_to_bd09().map(|b| (b.lat, b.lon)),
    }
    .map_err(|e| format!("({}, {}) is not a longitude/latitude: {e}", c.x, c.y))?;
    Ok(Coord { x: lon, y: lat })
}

/// Convert every coordinate of a geometry from `from` to WGS 84 in place; the first failure is
/// returned (and the geometry is then partly converted: discard it).
pub fn geometry_to_wgs84(g: &mut Geometry<f64>, from: InputCoords) -> Result<(), String> {
    if from == InputCoords::Wgs84 {
        return Ok(());
    }
    // map_coords_in_place wants a Copy closure: record the first failure through a shared cell.
    let failure = std::cell::RefCell::new(None);
    let failure_ref = &failure;
    g.map_coords_in_place(|c| match to_wgs84(c, from) {
        Ok(t) => t,
        Err(e) => {
            failure_ref.borrow_mut().get_or_insert(e);
            c
        }
    });
    failure.into_inner().map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::coord;

    /// Metres between two lon/lat points (equirectangular; exact enough below a kilometre).
    fn metres(a: Coord<f64>, b: Coord<f64>) -> f64 {
        let r = 6_371_008.8;
        let dx = (a.x - b.x).to_radians() * ((a.y + b.y) / 2.0).to_radians().cos() * r;
        let dy = (a.y - b.y).to_radians() * r;
        dx.hypot(dy)
    }

    #[test]
    fn parses_flag_values() {
        assert_eq!("gcj02".parse::<InputCoords>().unwrap(), InputCoords::Gcj02);
        assert_eq!("GCJ-02".parse::<InputCoords>().unwrap(), InputCoords::Gcj02);
        assert_eq!("bd09".parse::<InputCoords>().unwrap(), InputCoords::Bd09);
        assert_eq!("wgs84".parse::<InputCoords>().unwrap(), InputCoords::Wgs84);
        assert!("utm".parse::<InputCoords>().unwrap_err().contains("gcj02"));
    }

    #[test]
    fn offset_region_edges() {
        assert!(in_offset_region(118.78, 32.04)); // Nanjing
        assert!(in_offset_region(114.17, 22.30)); // Hong Kong: inside the rectangle, converted (see module doc)
        assert!(!in_offset_region(-8.61, 41.15)); // Porto
        assert!(!in_offset_region(72.0, 30.0));
        assert!(in_offset_region(72.004, 30.0));
    }

    #[test]
    fn outside_china_is_the_identity() {
        let porto = coord! { x: -8.61, y: 41.15 };
        assert_eq!(to_wgs84(porto, InputCoords::Gcj02).unwrap(), porto);
        assert_eq!(to_wgs84(porto, InputCoords::Bd09).unwrap(), porto);
        assert_eq!(from_wgs84(porto, InputCoords::Gcj02).unwrap(), porto);
    }

    #[test]
    fn offset_in_nanjing_is_hundreds_of_metres_and_inverts() {
        let w = coord! { x: 118.78, y: 32.04 };
        let g = from_wgs84(w, InputCoords::Gcj02).unwrap();
        let d = metres(w, g);
        assert!((300.0..700.0).contains(&d), "GCJ-02 offset in Nanjing is {d} m");
        assert!(metres(to_wgs84(g, InputCoords::Gcj02).unwrap(), w) < 0.5);
        let b = from_wgs84(w, InputCoords::Bd09).unwrap();
        assert!(metres(to_wgs84(b, InputCoords::Bd09).unwrap(), w) < 0.5);
    }

    #[test]
    fn bad_coordinates_fail_with_the_value() {
        let err = to_wgs84(coord! { x: f64::NAN, y: 32.0 }, InputCoords::Gcj02).unwrap_err();
        assert!(err.contains("(NaN, 32)"), "{err}");
        let mut g = Geometry::Point(geo_types::Point(coord! { x: 118.0, y: f64::INFINITY }));
        assert!(geometry_to_wgs84(&mut g, InputCoords::Bd09).is_err());
        // Out of range but finite: outside the rectangle, hence unchanged (detect.rs catches such input).
        assert_eq!(to_wgs84(coord! { x: 32.0, y: 118.0 }, InputCoords::Gcj02).unwrap(), coord! { x: 32.0, y: 118.0 });
    }
}
