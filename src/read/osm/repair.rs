//! Polygon validity: check with `geo`'s OGC validation, repair with GEOS `MakeValid` when it fails.
//!
//! Most areas (building footprints) are one ring of a few vertices without holes; for those the check is
//! done directly: a single ring is a valid polygon when it is *simple* (no two edges meet except adjacent
//! edges at their shared vertex) and encloses a positive area, tested pairwise over its edges, O(v²) for
//! v ≤ 64 vertices. Other areas go through `geo::Validation`, which builds a geometry graph.
//!
//! OpenStreetMap areas are drawn by hand and some are invalid (a ring crossing itself, a bow-tie, an
//! inner ring touching its outer along an edge). Each area is checked with `geo::Validation` (OGC simple
//! features rules); an invalid one is handed to GEOS `MakeValid` (the "linework" method of GEOS ≥ 3.8,
//! through GDAL's `OGR_G_MakeValidEx`), which keeps every part of the plane the rings enclose and splits
//! self-intersections into separate polygons. The polygonal parts of the result with positive area are
//! kept; collapsed parts (lines, points) are dropped. When nothing with area is left, the area is
//! rejected with geo's first validation message.
//!
//! Every kept polygon is oriented counter-clockwise outside, clockwise inside (RFC 7946 order).
//!
//! ```text
//! POLYGON((0 0, 10 10, 10 0, 0 10, 0 0))  (a bow-tie)  →  two triangles of 25 m² each
//! ```

use geo::orient::{Direction, Orient};
use geo::line_intersection::{LineIntersection, line_intersection};
use geo::{Area, Validation};
use geo_types::{Geometry, Line, MultiPolygon, Polygon};

/// An area that passed the check.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CheckedArea {
    pub polygon: MultiPolygon<f64>,
    /// Whether GEOS had to repair it.
    pub repaired: bool,
}

/// Check `area`, repairing it through GEOS when geo finds it invalid. `Err` carries the reason it
/// cannot be used.
pub(crate) fn checked_area(area: MultiPolygon<f64>) -> Result<CheckedArea, String> {
    if area.0.is_empty() {
        return Err("the area is empty".into());
    }
    if simple_ring_verdict(&area) == Some(true) && area.unsigned_area() > 0.0 {
        return Ok(CheckedArea { polygon: area.orient(Direction::Default), repaired: false });
    }
    let problem = match area.check_validation() {
        Ok(()) if area.unsigned_area() > 0.0 => return Ok(CheckedArea { polygon: area.orient(Direction::Default), repaired: false }),
        Ok(()) => return Err("the area has zero area".into()),
        Err(problem) => problem.to_string(),
    };
    let repaired = make_valid_with_geos(&area).map_err(|e| format!("invalid polygon ({problem}) and GEOS MakeValid failed: {e}"))?;
    if repaired.0.is_empty() {
        return Err(format!("invalid polygon ({problem}) and GEOS MakeValid left no area"));
    }
    Ok(CheckedArea { polygon: repaired.orient(Direction::Default), repaired: true })
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

fn make_valid_with_geos(area: &MultiPolygon<f64>) -> Result<MultiPolygon<f64>, String> {
    use gdal::vector::ToGdal;
    let geometry = area.to_gdal().map_err(|e| e.to_string())?;
    let valid = geometry.make_valid(&gdal::cpl::CslStringList::new()).map_err(|e| e.to_string())?;
    let valid = valid.to_geo().map_err(|e| e.to_string())?;
    let mut parts = Vec::new();
    collect_polygons(valid, &mut parts);
    parts.retain(|p| p.unsigned_area() > 0.0);
    Ok(MultiPolygon(parts))
}

fn collect_polygons(g: Geometry<f64>, out: &mut Vec<Polygon<f64>>) {
    match g {
        Geometry::Polygon(p) => out.push(p),
        Geometry::MultiPolygon(m) => out.extend(m.0),
        Geometry::GeometryCollection(c) => c.0.into_iter().for_each(|g| collect_polygons(g, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::polygon;

    #[test]
    fn valid_square_is_kept_and_oriented() {
        // Clockwise input square of 100 m².
        let cw = MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 0.0, y: 10.0), (x: 10.0, y: 10.0), (x: 10.0, y: 0.0)]]);
        let checked = checked_area(cw).unwrap();
        assert!(!checked.repaired);
        assert_eq!(checked.polygon.signed_area(), 100.0); // counter-clockwise now
    }

    #[test]
    fn bow_tie_is_repaired_into_two_triangles() {
        // Edges (0,0)-(10,10) and (10,0)-(0,10) cross at (5,5): two triangles of ½·10·5 = 25 m² each.
        let bow_tie = MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 10.0), (x: 10.0, y: 0.0), (x: 0.0, y: 10.0)]]);
        let checked = checked_area(bow_tie).unwrap();
        assert!(checked.repaired);
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
