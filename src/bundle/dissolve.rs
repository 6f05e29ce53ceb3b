//! The outline of a bundle: the union (dissolve) of its estates' polygons, so a bundle draws as one
//! area in QGIS (estates within the gap but not touching stay separate parts of one multipolygon).
//!
//! Steps: orient every ring (exterior counter-clockwise, holes clockwise, OGC) so the union's fill rule
//! is the same for all inputs; take geo's unary union (the i_overlay sweep, O((n + k) log n) for n
//! vertices and k crossings); check the result: it must pass `Validation::is_valid` and its area must lie
//! between the largest input's and the sum of the inputs' (geo 0.33's boolean operations can return
//! invalid output on many polygons that share vertices). If the check fails, the union is recomputed by
//! GEOS ([`crate::geometry::overlay`]: each part unioned into the result in turn, a part GEOS finds
//! invalid first repaired by [`crate::geometry::make_valid`]); if GEOS fails too the estates are
//! returned as they are, one part each, with a warning in the log: a bundle always has an outline.
//!
//! ```
//! use geo::Area;
//! use geo_types::{polygon, MultiPolygon};
//! use lifecircle::bundle::dissolve::dissolve;
//! let west = MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)]]);
//! let east = MultiPolygon(vec![polygon![(x: 10.0, y: 0.0), (x: 20.0, y: 0.0), (x: 20.0, y: 10.0), (x: 10.0, y: 10.0)]]);
//! let outline = dissolve(&[&west, &east]);
//! assert_eq!(outline.0.len(), 1); // the shared edge is gone
//! assert_eq!(outline.unsigned_area(), 200.0);
//! ```

use crate::geometry::ogr::OgrGeometry;
use geo::orient::Direction;
use geo::{Area, Orient, Validation, unary_union};
use geo_types::{MultiPolygon, Polygon};

/// Which method produced an outline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DissolveMethod {
    Geo,
    Geos,
    /// Neither union passed the check: the input parts, unmerged.
    Unmerged,
}

/// The union of the polygons.
pub fn dissolve(polygons: &[&MultiPolygon<f64>]) -> MultiPolygon<f64> {
    dissolve_with_method(polygons).0
}

/// The union of the polygons and the method that gave it.
pub fn dissolve_with_method(polygons: &[&MultiPolygon<f64>]) -> (MultiPolygon<f64>, DissolveMethod) {
    let parts: Vec<Polygon<f64>> = polygons.iter().flat_map(|mp| mp.0.iter()).map(|p| p.orient(Direction::Default)).collect();
    if parts.is_empty() {
        return (MultiPolygon(Vec::new()), DissolveMethod::Geo);
    }
    let areas: Vec<f64> = parts.iter().map(|p| p.unsigned_area()).collect();
    let largest = areas.iter().copied().fold(0.0, f64::max);
    let sum: f64 = areas.iter().sum();
    let plausible = |mp: &MultiPolygon<f64>| {
        let area = mp.unsigned_area();
        let slack = 1e-9 * sum.max(1.0);
        mp.is_valid() && area >= largest - slack && area <= sum + slack
    };
    if parts.len() == 1 && parts[0].is_valid() {
        return (MultiPolygon(parts), DissolveMethod::Geo);
    }
    let union = unary_union(&parts);
    if plausible(&union) {
        return (union, DissolveMethod::Geo);
    }
    if let Some(union) = geos_union(&parts).filter(|u| plausible(u)) {
        return (union, DissolveMethod::Geos);
    }
    tracing::warn!(parts = parts.len(), "bundle outline: neither geo nor GEOS gave a valid union; writing the estates unmerged");
    (MultiPolygon(parts), DissolveMethod::Unmerged)
}

/// The union by GEOS; `None` when GEOS fails or returns no polygons.
fn geos_union(parts: &[Polygon<f64>]) -> Option<MultiPolygon<f64>> {
    let mut union: Option<OgrGeometry> = None;
    for p in parts {
        let g = OgrGeometry::from_geo(p).ok()?;
        // GEOS repairs self-touching input here rather than failing on it.
        let g = if g.is_valid() { g } else { g.make_valid().ok()? };
        union = Some(match union {
            None => g,
            Some(u) => u.union(&g).ok()?,
        });
    }
    let polygons = union?.polygons().ok()?;
    (!polygons.is_empty()).then_some(MultiPolygon(polygons))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::square;
    use geo_types::polygon;

    #[test]
    fn empty_and_single_inputs() {
        assert_eq!(dissolve(&[]), MultiPolygon(Vec::new()));
        let one = square(0.0, 0.0, 5.0);
        let (out, method) = dissolve_with_method(&[&one]);
        assert_eq!((out.unsigned_area(), method), (25.0, DissolveMethod::Geo));
    }

    #[test]
    fn apart_estates_stay_separate_parts_and_overlaps_count_once() {
        let a = square(0.0, 0.0, 10.0);
        let b = square(30.0, 0.0, 10.0);
        let c = square(5.0, 5.0, 10.0); // overlaps a by 25 m²
        let out = dissolve(&[&a, &b, &c]);
        assert_eq!(out.0.len(), 2);
        assert!((out.unsigned_area() - (100.0 + 100.0 + 75.0)).abs() < 1e-9);
    }

    #[test]
    fn clockwise_input_and_a_three_by_three_block_with_shared_vertices() {
        // Clockwise rings: the orientation step makes the union the same.
        let cw = MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 0.0, y: 10.0), (x: 10.0, y: 10.0), (x: 10.0, y: 0.0)]]);
        let ccw = square(10.0, 0.0, 10.0);
        assert!((dissolve(&[&cw, &ccw]).unsigned_area() - 200.0).abs() < 1e-9);
        let cells: Vec<MultiPolygon<f64>> = (0..9).map(|k| square((k % 3) as f64 * 10.0, (k / 3) as f64 * 10.0, 10.0)).collect();
        let refs: Vec<&MultiPolygon<f64>> = cells.iter().collect();
        let (out, method) = dissolve_with_method(&refs);
        assert_ne!(method, DissolveMethod::Unmerged);
        assert_eq!(out.0.len(), 1);
        assert!(out.0[0].interiors().is_empty());
        assert!((out.unsigned_area() - 900.0).abs() < 1e-9);
    }

    #[test]
    fn geos_fallback_unions_like_geo() {
        let parts: Vec<Polygon<f64>> = (0..4).map(|k| square(k as f64 * 10.0, 0.0, 10.0).0.remove(0)).collect();
        let out = geos_union(&parts).unwrap();
        assert_eq!(out.0.len(), 1);
        assert!((out.unsigned_area() - 400.0).abs() < 1e-9);
    }
}
