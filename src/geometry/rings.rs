//! The rings of polygons (exterior first, then the holes, polygon by polygon, as OGC Simple Features
//! orders them), and the check that every coordinate of a polygon is a finite number: a NaN or an
//! infinity (a failed projection) must not reach an R-tree, a centroid or GEOS.
//!
//! ```
//! use geo_types::{polygon, MultiPolygon};
//! use lifecircle::geometry::rings::{polygon_is_finite, rings};
//! let holed = MultiPolygon(vec![polygon![
//!     exterior: [(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)],
//!     interiors: [[(x: 2., y: 2.), (x: 3., y: 2.), (x: 3., y: 3.)]],
//! ]]);
//! assert_eq!(rings(&holed).count(), 2);
//! assert!(polygon_is_finite(&holed));
//! ```

use geo_types::{LineString, MultiPolygon, Polygon};

/// A polygon's rings: the exterior, then the holes.
pub fn polygon_rings(polygon: &Polygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    std::iter::once(polygon.exterior()).chain(polygon.interiors())
}

/// Every ring of every polygon, in order.
pub fn rings(polygon: &MultiPolygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    polygon.0.iter().flat_map(polygon_rings)
}

/// Whether every coordinate of a polygon is a finite number.
pub fn polygon_is_finite(polygon: &MultiPolygon<f64>) -> bool {
    rings(polygon).all(|r| r.0.iter().all(|c| c.x.is_finite() && c.y.is_finite()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::polygon;

    #[test]
    fn rings_in_order_and_finiteness() {
        assert_eq!(rings(&MultiPolygon(vec![])).count(), 0);
        assert!(polygon_is_finite(&MultiPolygon(vec![])));
        let a = polygon![
            exterior: [(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.)],
            interiors: [[(x: 6., y: 2.), (x: 8., y: 2.), (x: 8., y: 4.)]],
        ];
        let b = polygon![(x: 20., y: 0.), (x: 21., y: 0.), (x: 21., y: f64::NAN)];
        let both = MultiPolygon(vec![a.clone(), b.clone()]);
        let firsts: Vec<f64> = rings(&both).map(|r| r.0[0].x).collect();
        assert_eq!(firsts, vec![0., 6., 20.]);
        assert!(polygon_is_finite(&MultiPolygon(vec![a])));
        assert!(!polygon_is_finite(&both));
        let infinite = polygon![(x: 0., y: 0.), (x: f64::INFINITY, y: 0.), (x: 1., y: 1.)];
        assert!(!polygon_is_finite(&MultiPolygon(vec![infinite])));
    }
}
