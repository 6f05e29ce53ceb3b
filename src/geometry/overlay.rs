//! Overlay of polygons: union, difference and intersection by GEOS (`OverlayNG`, through GDAL's
//! `OGR_G_Union`, `OGR_G_Difference` and `OGR_G_Intersection`), and the union of many pieces as a cascade.
//! geo 0.33's boolean operations may return invalid output on many touching polygons (see
//! `RUST-STACK.md`); GEOS is robust there, so every overlay of many polygons runs here.
//!
//! **Cascaded union** ([`cascaded_union`], Strobl's CascadedPolygonUnion as in JTS): the pieces are
//! unioned in pairs, neighbours first ((1, 2), (3, 4) ...; an odd last piece waits), level by level,
//! the pairs of a level in parallel. Unioning small neighbours first keeps every intermediate outline
//! short: O(n log n) overlays of growing but local pieces instead of n overlays against one big outline.
//! GEOS's result depends on the order of its operands, so the order is fixed by the input alone:
//! the same result whatever the thread count.
//!
//! ```
//! use geo::Area;
//! use geo_types::{polygon, MultiPolygon};
//! use lifecircle::geometry::ogr::OgrGeometry;
//! use lifecircle::geometry::overlay::cascaded_union;
//! let cell = |x: f64| OgrGeometry::from_geo(&polygon![(x: x, y: 0.), (x: x + 10., y: 0.), (x: x + 10., y: 10.), (x: x, y: 10.)]).unwrap();
//! let row = cascaded_union((0..5).map(|k| cell(k as f64 * 10.0)).collect()).unwrap().unwrap();
//! let row = MultiPolygon(row.polygons().unwrap());
//! assert_eq!((row.0.len(), row.unsigned_area()), (1, 500.0));
//! ```

use super::ogr::{GeosError, OgrGeometry};
use rayon::prelude::*;

impl OgrGeometry {
    /// The points in either geometry.
    pub fn union(&self, other: &OgrGeometry) -> Result<OgrGeometry, GeosError> {
        self.ogr().union(other.ogr()).map(OgrGeometry::from_ogr).ok_or_else(GeosError::no_result)
    }

    /// The points of `self` that are not in `other`.
    pub fn difference(&self, other: &OgrGeometry) -> Result<OgrGeometry, GeosError> {
        self.ogr().difference(other.ogr()).map(OgrGeometry::from_ogr).ok_or_else(GeosError::no_result)
    }

    /// The points in both geometries.
    pub fn intersection(&self, other: &OgrGeometry) -> Result<OgrGeometry, GeosError> {
        self.ogr().intersection(other.ogr()).map(OgrGeometry::from_ogr).ok_or_else(GeosError::no_result)
    }
}

/// The union of all pieces by the cascade of the module doc; `None` when there are none.
pub fn cascaded_union(mut level: Vec<OgrGeometry>) -> Result<Option<OgrGeometry>, GeosError> {
    while level.len() > 1 {
        level = level
            .into_par_iter()
            .chunks(2)
            .map(|pair| {
                let mut pair = pair.into_iter();
                match (pair.next(), pair.next()) {
                    (Some(a), Some(b)) => a.union(&b),
                    (Some(a), None) => Ok(a),
                    (None, _) => unreachable!("rayon's chunks are never empty"),
                }
            })
            .collect::<Result<_, _>>()?;
    }
    Ok(level.pop())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area;
    use geo_types::{MultiPolygon, Polygon, polygon};

    fn square(x: f64, y: f64, s: f64) -> Polygon<f64> {
        polygon![(x: x, y: y), (x: x + s, y: y), (x: x + s, y: y + s), (x: x, y: y + s)]
    }

    fn held(p: &Polygon<f64>) -> OgrGeometry {
        OgrGeometry::from_geo(p).unwrap()
    }

    fn area(g: &OgrGeometry) -> f64 {
        MultiPolygon(g.polygons().unwrap()).unsigned_area()
    }

    #[test]
    fn set_operations_of_two_overlapping_squares() {
        // Two 10 m squares overlapping by 5 × 5 m.
        let (a, b) = (held(&square(0., 0., 10.)), held(&square(5., 5., 10.)));
        assert_eq!(area(&a.union(&b).unwrap()), 175.0);
        assert_eq!(area(&a.difference(&b).unwrap()), 75.0);
        assert_eq!(area(&a.intersection(&b).unwrap()), 25.0);
        // Apart: the intersection is empty, not a failure.
        let far = held(&square(50., 0., 1.));
        assert!(a.intersection(&far).unwrap().is_empty());
    }

    #[test]
    fn cascade_of_none_one_and_many() {
        assert!(cascaded_union(Vec::new()).unwrap().is_none());
        let one = cascaded_union(vec![held(&square(0., 0., 3.))]).unwrap().unwrap();
        assert_eq!(area(&one), 9.0);
        // A 7 × 7 block of 10 m cells (odd counts at every level): one square of 4900 m², no holes.
        let cells: Vec<OgrGeometry> = (0..49).map(|k| held(&square((k % 7) as f64 * 10.0, (k / 7) as f64 * 10.0, 10.0))).collect();
        let block = cascaded_union(cells).unwrap().unwrap().polygons().unwrap();
        assert_eq!(block.len(), 1);
        assert!(block[0].interiors().is_empty());
        assert!((block[0].unsigned_area() - 4900.0).abs() < 1e-9);
    }
}
