//! Catch coordinates that are not what the file claims: latitude/longitude written in the wrong order,
//! and metres (a projected CRS) in a file that claims WGS 84 degrees. Both are common in planners' data
//! (spreadsheet exports put latitude first; a CAD or Gauss-Krüger layer saved as GeoJSON without a
//! `crs` member), and both would otherwise be projected to nonsense far from the city.
//!
//! Rules, applied to the per-feature bounding boxes of a layer whose CRS is geographic:
//! 1. A longitude/latitude box lies in [-180, 180] × [-90, 90].
//! 2. If every feature (or most of them) is outside that range: when swapping x and y would put them
//!    in range (|x| ≤ 90, |y| ≤ 180) the layer is *swapped*; otherwise it is *not degrees*. Either is
//!    an [`Error::Input`] explaining what was seen and how to fix it.
//! 3. If a minority of features is out of range, those features are returned to be rejected one by
//!    one (a stray bad feature should not sink the layer).
//! 4. For this engine, built for Chinese cities: when the whole layer lies outside China's rectangle
//!    (72.004-137.8347°E, 0.8293-55.8271°N) but its swap lies inside it, the layer is swapped (e.g.
//!    Urumqi at lon 87.6, lat 43.8 written as 43.8, 87.6 lands in the Arctic Ocean). The price is that a
//!    genuine layer in the Barents Sea would be refused.
//!
//! ```
//! use geo_types::{coord, Rect};
//! use lifecircle::crs::detect::{classify_extent, Extent};
//! let nanjing = Rect::new(coord! { x: 118.7, y: 32.0 }, coord! { x: 118.8, y: 32.1 });
//! assert_eq!(classify_extent(nanjing), Extent::LonLat);
//! let swapped = Rect::new(coord! { x: 32.0, y: 118.7 }, coord! { x: 32.1, y: 118.8 });
//! assert_eq!(classify_extent(swapped), Extent::SwappedLatLon);
//! let gauss_kruger = Rect::new(coord! { x: 39_500_000.0, y: 3_540_000.0 }, coord! { x: 39_510_000.0, y: 3_550_000.0 });
//! assert_eq!(classify_extent(gauss_kruger), Extent::NotDegrees);
//! ```

use crate::crs::china::in_offset_region;
use crate::error::{Error, Result};
use geo_types::{Coord, Rect};
use std::path::Path;

/// What a bounding box of supposed longitude/latitude looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extent {
    /// Plausible longitude/latitude.
    LonLat,
    /// Latitude/longitude: swapping x and y gives plausible longitude/latitude.
    SwappedLatLon,
    /// Not degrees at all (metres of a projected CRS, local drawing units ...).
    NotDegrees,
}

fn in_lon_lat_range(r: Rect<f64>) -> bool {
    r.min().x >= -180.0 && r.max().x <= 180.0 && r.min().y >= -90.0 && r.max().y <= 90.0
}

fn swap(r: Rect<f64>) -> Rect<f64> {
    Rect::new(Coord { x: r.min().y, y: r.min().x }, Coord { x: r.max().y, y: r.max().x })
}

fn inside_china(r: Rect<f64>) -> bool {
    in_offset_region(r.min().x, r.min().y) && in_offset_region(r.max().x, r.max().y)
}

fn touches_china(r: Rect<f64>) -> bool {
    r.max().x >= 72.004 && r.min().x <= 137.8347 && r.max().y >= 0.8293 && r.min().y <= 55.8271
}

/// Classify the bounding box of a whole layer (rules 1, 2 and 4 of the module doc).
pub fn classify_extent(r: Rect<f64>) -> Extent {
    if in_lon_lat_range(r) {
        if !touches_china(r) && inside_china(swap(r)) { Extent::SwappedLatLon } else { Extent::LonLat }
    } else if in_lon_lat_range(swap(r)) {
        Extent::SwappedLatLon
    } else {
        Extent::NotDegrees
    }
}

fn union(boxes: impl Iterator<Item = Rect<f64>>) -> Option<Rect<f64>> {
    boxes.reduce(|a, r| {
        Rect::new(
            Coord { x: a.min().x.min(r.min().x), y: a.min().y.min(r.min().y) },
            Coord { x: a.max().x.max(r.max().x), y: a.max().y.max(r.max().y) },
        )
    })
}

fn describe(r: Rect<f64>) -> String {
    format!("x from {:.6} to {:.6}, y from {:.6} to {:.6}", r.min().x, r.max().x, r.min().y, r.max().y)
}

/// Check the features of a layer that claims (`claim`, e.g. "WGS 84, the GeoJSON default") to be in a
/// geographic CRS. `boxes[i]` is feature `i`'s bounding box (`None` without geometry). Returns the
/// positions of the few features whose own coordinates are out of range, to reject; a layer that is
/// swapped or not in degrees as a whole is an error naming `file`.
pub fn check_claimed_lon_lat(file: &Path, claim: &str, boxes: &[Option<Rect<f64>>]) -> Result<Vec<usize>> {
    let with_geometry = boxes.iter().flatten().count();
    if with_geometry == 0 {
        return Ok(Vec::new());
    }
    let out: Vec<usize> = boxes.iter().enumerate().filter_map(|(i, r)| r.filter(|r| !in_lon_lat_range(*r)).map(|_| i)).collect();
    let judged = if out.len() * 2 > with_geometry {
        union(out.iter().filter_map(|&i| boxes[i]))
    } else if out.is_empty() {
        union(boxes.iter().flatten().copied())
    } else {
        return Ok(out);
    };
    let Some(extent) = judged else { return Ok(Vec::new()) };
    match classify_extent(extent) {
        Extent::LonLat => Ok(out),
        Extent::SwappedLatLon => Err(Error::input(
            file,
            format!(
                "the coordinates are latitude, longitude (swapped): the file claims {claim}, whose x is longitude and y latitude, but the features lie at {}, which only makes sense with x and y exchanged",
                describe(extent)
            ),
            "put longitude first: swap the columns in the spreadsheet before export, or in QGIS run Processing > Toolbox > \"Swap X and Y coordinates\" and save again",
        )),
        Extent::NotDegrees => Err(Error::input(
            file,
            format!(
                "the coordinates are not longitude/latitude degrees: the file claims {claim}, but the features lie at {} (metres of a projected CRS?)",
                describe(extent)
            ),
            "declare the real CRS (save as GeoPackage or Shapefile with its .prj, or add a GeoJSON \"crs\" member such as {\"type\":\"name\",\"properties\":{\"name\":\"EPSG:4547\"}}), or reproject to WGS 84: ogr2ogr -s_srs EPSG:4547 -t_srs EPSG:4326 out.geojson in.geojson",
        )),
    }
}

/// Whether a layer with no declared CRS may be taken as longitude/latitude (its box is in range).
pub fn looks_like_lon_lat(extent: Rect<f64>) -> bool {
    classify_extent(extent) == Extent::LonLat
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_real_places() {
        assert_eq!(classify_extent(Rect::new((-8.7, 41.1), (-8.5, 41.2))), Extent::LonLat); // Porto
        assert_eq!(classify_extent(Rect::new((1.4, 42.4), (1.8, 42.7))), Extent::LonLat); // Andorra
        assert_eq!(classify_extent(Rect::new((121.4, 31.2), (121.5, 31.3))), Extent::LonLat); // Shanghai
        assert_eq!(classify_extent(Rect::new((31.2, 121.4), (31.3, 121.5))), Extent::SwappedLatLon);
        // Urumqi swapped stays in range but only makes sense in China swapped back.
        assert_eq!(classify_extent(Rect::new((43.7, 87.5), (43.9, 87.7))), Extent::SwappedLatLon);
        assert_eq!(classify_extent(Rect::new((87.5, 43.7), (87.7, 43.9))), Extent::LonLat);
        // UTM 50N metres around Nanjing.
        assert_eq!(classify_extent(Rect::new((660_000.0, 3_540_000.0), (670_000.0, 3_550_000.0))), Extent::NotDegrees);
    }

    #[test]
    fn swapped_layer_is_an_input_error_explaining_the_swap() {
        let boxes = vec![Some(Rect::new((32.04, 118.78), (32.04, 118.78))), None, Some(Rect::new((32.05, 118.79), (32.06, 118.80)))];
        let err = check_claimed_lon_lat(Path::new("gates.geojson"), "WGS 84", &boxes).unwrap_err();
        assert!(matches!(err, Error::Input { .. }));
        let m = err.to_string();
        assert!(m.starts_with("gates.geojson: ") && m.contains("swapped") && m.contains("x from 32.04"), "{m}");
    }

    #[test]
    fn metres_in_a_wgs84_file_are_an_input_error() {
        let boxes = vec![Some(Rect::new((668_000.0, 3_546_000.0), (668_100.0, 3_546_100.0)))];
        let m = check_claimed_lon_lat(Path::new("e.geojson"), "WGS 84", &boxes).unwrap_err().to_string();
        assert!(m.contains("not longitude/latitude") && m.contains("ogr2ogr"), "{m}");
    }

    #[test]
    fn a_stray_feature_is_returned_for_rejection() {
        let good = Some(Rect::new((118.7, 32.0), (118.8, 32.1)));
        let boxes = vec![good, good, Some(Rect::new((32.0, 118.7), (32.0, 118.7))), good];
        assert_eq!(check_claimed_lon_lat(Path::new("f"), "WGS 84", &boxes).unwrap(), vec![2]);
        assert!(check_claimed_lon_lat(Path::new("f"), "WGS 84", &[good, None]).unwrap().is_empty());
        assert!(check_claimed_lon_lat(Path::new("f"), "WGS 84", &[None]).unwrap().is_empty());
    }
}
