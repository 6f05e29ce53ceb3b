//! Polygon validity: check with `geo`'s OGC validation, repair with GEOS `MakeValid` when it fails.
//!
//! Most areas (building footprints) are one ring of a few vertices without holes; for those the check is
//! done directly: a single ring is a valid polygon when it is *simple* (no two edges meet except adjacent
//! edges at their shared vertex) and encloses a positive area, tested pairwise over its edges, O(v²) for
//! v ≤ 64 vertices. Other areas go through `geo::Validation`, which builds a geometry graph.
//!
//! OpenStreetMap areas are drawn by hand and some are invalid (a ring crossing itself, a bow-tie, an
//! inner ring touching its outer along an edge). Each area is checked with `geo::Validation` (OGC simple
//! features rules); an invalid one is handed to GEOS `MakeValid` ([`super::make_valid`]: the
//! `STRUCTURE` method, the same as for planners' layers), which keeps every area the rings enclose and
//! splits self-intersections into separate polygons. The polygonal parts of the result with positive
//! area are kept; collapsed parts vanish. When nothing with area is left, the area is rejected with
//! geo's first validation message.
//!
//! Every kept polygon is oriented counter-clockwise outside, clockwise inside (RFC 7946 order).
//!
//! ```
//! use geo::Area;
//! use geo_types::{polygon, MultiPolygon};
//! use lifecircle::geometry::validity::checked_area;
//! let bow_tie = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 10., y: 10.), (x: 10., y: 0.), (x: 0., y: 10.)]]);
//! let checked = checked_area(bow_tie).unwrap();
//! assert!(checked.repaired.is_some()); // geo's reason it was invalid
//! assert_eq!(checked.polygon.0.len(), 2); // two triangles of 25 m² each
//! assert!((checked.polygon.unsigned_area() - 50.0).abs() < 1e-9);
//! ```

use super::make_valid::make_valid;
use geo::line_intersection::{LineIntersection, line_intersection};
use geo::orient::{Direction, Orient};
use geo::{Area, Validation};
use geo_types::{Line, MultiPolygon};

/// An area that passed the check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedArea {
    pub polygon: MultiPolygon<f64>,
    /// Why geo found it invalid, when GEOS had to repair it.
    pub repaired: Option<String>,
}

/// Check `area`, repairing it through GEOS when geo finds it invalid. `Err` carries the reason it
/// cannot be used.
pub fn checked_area(area: MultiPolygon<f64>) -> Result<CheckedArea, String> {
    if area.0.is_empty() {
        return Err("the area is empty".into());
    }
    if simple_ring_verdict(&area) == Some(true) && area.unsigned_area() > 0.0 {
        return Ok(CheckedArea { polygon: area.orient(Direction::Default), repaired: None });
    }
    let problem = match area.check_validation() {
        Ok(()) if area.unsigned_area() > 0.0 => return Ok(CheckedArea { polygon: area.orient(Direction::Default), repaired: None }),
        Ok(()) => return Err("the area has zero area".into()),
        Err(problem) => problem.to_string(),
    };
    let mut repaired = make_valid(&area).map_err(|e| format!("invalid polygon ({problem}) and GEOS MakeValid failed: {e}"))?;
    repaired.0.retain(|p| p.unsigned_area() > 0.0);
    if repaired.0.is_empty() {
        return Err(format!("invalid polygon ({problem}) and GEOS MakeValid left no area"));
    }
    Ok(CheckedArea { polygon: repaired.orient(Direction::Default), repaired: Some(problem) })
}

/// Log one repaired feature, naming it so the planner can find and redraw it: `feature` is its id as
/// the outputs show it (with where to see it), `name` its name, `problem` why geo found it invalid.
pub fn warn_repaired(source: &str, feature: &str, name: Option<&str>, problem: &str) {
    let name = name.map(|n| format!(" \"{n}\"")).unwrap_or_default();
    tracing::warn!("{source}: {feature}{name} is an invalid polygon ({problem}); repaired with GEOS MakeValid ({})", super::make_valid::METHOD);
}

/// The largest ring checked pairwise; bigger rings go through `geo::Validation`.
const SIMPLE_RING_MAX_EDGES: usize = 64;

/// For one polygon without holes and at most [`SIMPLE_RING_MAX_EDGES`] edges, whether its ring is simple
/// (`None` for other shapes: let geo decide).
fn simple_ring_verdict(area: &MultiPolygon<f64>) -> Option<bool> {
    let [polygon] = area.0.as_slice() else { return None };
    if !polygon.interiors().is_empty() {
        return None;
    }
    let ring = &polygon.exterior().0;
    let n = ring.len().checked_sub(1)?; // edges of the closed ring
    if n > SIMPLE_RING_MAX_EDGES {
        return None;
    }
    if n < 3 || ring.iter().any(|c| !(c.x.is_finite() && c.y.is_finite())) {
        return Some(false);
    }
    let edge = |i: usize| Line::new(ring[i], ring[i + 1]);
    for i in 0..n {
        let a = edge(i);
        if a.start == a.end {
            return Some(false);
        }
        for j in i + 1..n {
            let b = edge(j);
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            match line_intersection(a, b) {
                None => {}
                // Adjacent edges may only share their common vertex.
                Some(LineIntersection::SinglePoint { intersection, .. }) if adjacent => {
                    let shared = if j == i + 1 { a.end } else { a.start };
                    if intersection != shared {
                        return Some(false);
                    }
                }
                Some(_) => return Some(false),
            }
        }
    }
    Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{Polygon, polygon};

    #[test]
    fn valid_square_is_kept_and_oriented() {
        // Clockwise input square of 100 m².
        let cw = MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 0.0, y: 10.0), (x: 10.0, y: 10.0), (x: 10.0, y: 0.0)]]);
        let checked = checked_area(cw).unwrap();
        assert_eq!(checked.repaired, None);
        assert_eq!(checked.polygon.signed_area(), 100.0); // counter-clockwise now
    }

    #[test]
    fn bow_tie_is_repaired_into_two_triangles() {
        // Edges (0,0)-(10,10) and (10,0)-(0,10) cross at (5,5): two triangles of ½·10·5 = 25 m² each.
        let bow_tie = MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 10.0), (x: 10.0, y: 0.0), (x: 0.0, y: 10.0)]]);
        let checked = checked_area(bow_tie).unwrap();
        assert!(checked.repaired.is_some());
        assert_eq!(checked.polygon.0.len(), 2);
        assert!((checked.polygon.unsigned_area() - 50.0).abs() < 1e-9);
        assert!(checked.polygon.is_valid());
    }

    #[test]
    fn simple_ring_check_agrees_with_geo() {
        use geo_types::{Coord, LineString};
        let cases: Vec<Vec<(f64, f64)>> = vec![
            vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)],               // square: valid
            vec![(0.0, 0.0), (10.0, 10.0), (10.0, 0.0), (0.0, 10.0)],               // bow-tie: invalid
            vec![(0.0, 0.0), (10.0, 0.0), (5.0, 0.0), (5.0, 5.0)],                  // spike back along an edge
            vec![(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (2.0, 0.0), (0.0, 4.0)],       // touches itself at (2, 0)
            vec![(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)],                             // triangle: valid
            vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (5.0, 5.0), (0.0, 10.0)],   // concave: valid
        ];
        for coords in cases {
            let ring = LineString(coords.iter().map(|&(x, y)| Coord { x, y }).collect());
            let mp = MultiPolygon(vec![Polygon::new(ring, vec![])]);
            assert_eq!(simple_ring_verdict(&mp), Some(mp.is_valid()), "{coords:?}");
        }
        // Holes and large rings are left to geo.
        let holed = MultiPolygon(vec![polygon![
            exterior: [(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)],
            interiors: [[(x: 2.0, y: 2.0), (x: 3.0, y: 2.0), (x: 3.0, y: 3.0)]],
        ]]);
        assert_eq!(simple_ring_verdict(&holed), None);
    }

    #[test]
    fn zero_area_is_refused() {
        let flat = MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 20.0, y: 0.0)]]);
        assert!(checked_area(flat).is_err());
        assert!(checked_area(MultiPolygon(vec![])).is_err());
    }
}
