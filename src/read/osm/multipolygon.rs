//! Multipolygon assembly: OpenStreetMap relation members (ways) → rings → polygons with holes.
//!
//! Follows the OSM multipolygon rules (<https://wiki.openstreetmap.org/wiki/Relation:multipolygon>) as
//! osmium and GDAL's OSM driver read them:
//! 1. **Rings.** A member way whose first and last node are the same is a ring. The other ways are joined
//!    end to end by *node id* (not by coordinate): start from the first unused way in member order and
//!    repeatedly append the unused way that begins or ends at the chain's last node (reversed when
//!    needed, the first such way in member order on a fork) until the chain returns to its first node.
//!    A chain that cannot be closed fails the relation.
//! 2. **Nesting.** Roles (`outer` / `inner`) are often wrong in the data, so nesting is decided by
//!    geometry: rings are taken from the largest area down; each ring's parent is the smallest larger
//!    ring that contains it (tested on one of its vertices that is not on the parent's boundary). A ring
//!    at even depth (0, 2 ...) is an outer ring, one at odd depth a hole of its parent.
//! 3. The result is checked and, if needed, repaired by the caller ([`crate::geometry::validity`]).
//!
//! Cost: O(w) to join w member ways (an endpoint map), O(r²) ring-in-ring tests for r rings, each first
//! filtered by bounding box.
//!
//! ```text
//! ways 1: a→b→c, 2: e→d→c, 3: e→f→a, 4: g→h→i→g (inside)  →  outer a b c d e f a with hole g h i g
//! ```

use geo::coordinate_position::{CoordPos, CoordinatePosition};
use crate::model::RejectCode;
use geo::{Area, BoundingRect};
use geo_types::{Coord, LineString, MultiLineString, MultiPolygon, Polygon, Rect};
use std::collections::HashMap;

/// A member way with its node ids and their coordinates (same length).
#[derive(Debug, Clone, Copy)]
pub(crate) struct MemberWay<'a> {
    pub id: i64,
    pub nodes: &'a [i64],
    pub coords: &'a [Coord<f64>],
}

/// Why a relation gave no area.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AssemblyError {
    /// No member way at all.
    NoWays,
    /// A chain of ways that no other member closes; the chain's line is kept for the rejects layer.
    UnclosedRing { ways: Vec<i64>, from_node: i64, to_node: i64, line: LineString<f64> },
    /// A ring with fewer than three distinct points or zero area.
    DegenerateRing { ways: Vec<i64> },
}

fn way_list(ways: &[i64]) -> String {
    let shown: Vec<String> = ways.iter().take(5).map(|w| format!("w{w}")).collect();
    if ways.len() > 5 { format!("{} and {} more", shown.join(", "), ways.len() - 5) } else { shown.join(", ") }
}

impl AssemblyError {
    /// A short stable code for statistics.
    pub fn code(&self) -> RejectCode {
        match self {
            AssemblyError::NoWays => RejectCode::MultipolygonNoWays,
            AssemblyError::UnclosedRing { .. } => RejectCode::MultipolygonUnclosedRing,
            AssemblyError::DegenerateRing { .. } => RejectCode::MultipolygonDegenerateRing,
        }
    }

    /// The explanation for the rejects layer.
    pub fn explain(&self) -> String {
        match self {
            AssemblyError::NoWays => self.code().particulars("none", &[]),
            AssemblyError::UnclosedRing { ways, from_node, to_node, .. } => self.code().particulars("chain", &[("ways", &way_list(ways)), ("from", from_node), ("to", to_node)]),
            AssemblyError::DegenerateRing { ways } => self.code().particulars("ring", &[("ways", &way_list(ways))]),
        }
    }

    /// The geometry to show in the rejects layer, if any.
    pub fn geometry(&self) -> Option<geo_types::Geometry<f64>> {
        match self {
            AssemblyError::UnclosedRing { line, .. } => Some(geo_types::Geometry::MultiLineString(MultiLineString(vec![line.clone()]))),
            _ => None,
        }
    }
}

struct Ring {
    ways: Vec<i64>,
    polygon: Polygon<f64>,
    bbox: Rect<f64>,
    area: f64,
}

/// A closed ring: the ids of the ways it was joined from and its coordinates.
type JoinedRing = (Vec<i64>, Vec<Coord<f64>>);

/// Join the member ways into closed rings (step 1).
fn join_rings(ways: &[MemberWay<'_>]) -> Result<Vec<JoinedRing>, AssemblyError> {
    let mut used = vec![false; ways.len()];
    let mut by_endpoint: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, w) in ways.iter().enumerate() {
        if w.nodes.len() < 2 {
            return Err(AssemblyError::DegenerateRing { ways: vec![w.id] });
        }
        if w.nodes.first() != w.nodes.last() {
            for end in [w.nodes[0], w.nodes[w.nodes.len() - 1]] {
                by_endpoint.entry(end).or_default().push(i);
            }
        }
    }
    let mut rings = Vec::new();
    for start in 0..ways.len() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let w = &ways[start];
        let mut ids = vec![w.id];
        let mut nodes: Vec<i64> = w.nodes.to_vec();
        let mut coords: Vec<Coord<f64>> = w.coords.to_vec();
        while nodes.first() != nodes.last() {
            let end = nodes[nodes.len() - 1];
            let next = by_endpoint.get(&end).and_then(|c| c.iter().copied().find(|&j| !used[j]));
            let Some(j) = next else {
                return Err(AssemblyError::UnclosedRing { ways: ids, from_node: nodes[0], to_node: end, line: LineString(coords) });
            };
            used[j] = true;
            let o = &ways[j];
            ids.push(o.id);
            if o.nodes[0] == end {
                nodes.extend_from_slice(&o.nodes[1..]);
                coords.extend_from_slice(&o.coords[1..]);
            } else {
                nodes.extend(o.nodes[..o.nodes.len() - 1].iter().rev());
                coords.extend(o.coords[..o.coords.len() - 1].iter().rev());
            }
        }
        rings.push((ids, coords));
    }
    Ok(rings)
}

/// Assemble the relation's area (steps 1 and 2). The result is not yet validated.
pub(crate) fn assemble(ways: &[MemberWay<'_>]) -> Result<MultiPolygon<f64>, AssemblyError> {
    if ways.is_empty() {
        return Err(AssemblyError::NoWays);
    }
    let mut rings: Vec<Ring> = Vec::new();
    for (ids, mut coords) in join_rings(ways)? {
        coords.dedup();
        let polygon = Polygon::new(LineString(coords), vec![]);
        let area = polygon.unsigned_area();
        let distinct = polygon.exterior().0.len().saturating_sub(1);
        match polygon.bounding_rect() {
            Some(bbox) if distinct >= 3 && area > 0.0 => rings.push(Ring { ways: ids, polygon, bbox, area }),
            _ => return Err(AssemblyError::DegenerateRing { ways: ids }),
        }
    }
    // Largest first; ties by the first member way id, so the order never depends on the input order.
    rings.sort_by(|a, b| b.area.total_cmp(&a.area).then(a.ways[0].cmp(&b.ways[0])));
    let mut parent: Vec<Option<usize>> = vec![None; rings.len()];
    let mut depth = vec![0usize; rings.len()];
    for k in 0..rings.len() {
        for j in (0..k).rev() {
            if contains_ring(&rings[j], &rings[k]) {
                parent[k] = Some(j);
                depth[k] = depth[j] + 1;
                break;
            }
        }
    }
    // Outer rings become polygons; holes attach to their parent's polygon.
    let mut polygon_of_ring: Vec<Option<usize>> = vec![None; rings.len()];
    let mut shells: Vec<(LineString<f64>, Vec<LineString<f64>>)> = Vec::new();
    for k in 0..rings.len() {
        if depth[k].is_multiple_of(2) {
            polygon_of_ring[k] = Some(shells.len());
            shells.push((rings[k].polygon.exterior().clone(), Vec::new()));
        } else if let Some(p) = parent[k].and_then(|j| polygon_of_ring[j]) {
            shells[p].1.push(rings[k].polygon.exterior().clone());
        }
    }
    Ok(MultiPolygon(shells.into_iter().map(|(outer, holes)| Polygon::new(outer, holes)).collect()))
}

/// Whether ring `inner` lies inside ring `outer`: decided on the first vertex of `inner` that is not on
/// `outer`'s boundary (rings may touch at nodes).
fn contains_ring(outer: &Ring, inner: &Ring) -> bool {
    let (ob, ib) = (outer.bbox, inner.bbox);
    if ib.min().x < ob.min().x || ib.min().y < ob.min().y || ib.max().x > ob.max().x || ib.max().y > ob.max().y {
        return false;
    }
    for c in inner.polygon.exterior().coords() {
        match outer.polygon.coordinate_position(c) {
            CoordPos::Inside => return true,
            CoordPos::Outside => return false,
            CoordPos::OnBoundary => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A way from (node id, x, y) triples.
    struct TestWay {
        id: i64,
        nodes: Vec<i64>,
        coords: Vec<Coord<f64>>,
    }

    fn way(id: i64, pts: &[(i64, f64, f64)]) -> TestWay {
        TestWay { id, nodes: pts.iter().map(|p| p.0).collect(), coords: pts.iter().map(|p| Coord { x: p.1, y: p.2 }).collect() }
    }

    fn members(ways: &[TestWay]) -> Vec<MemberWay<'_>> {
        ways.iter().map(|w| MemberWay { id: w.id, nodes: &w.nodes, coords: &w.coords }).collect()
    }

    #[test]
    fn ring_from_three_split_ways_in_any_direction() {
        // Square 0..10 split into three ways: 1→2→3 forward, 3←4 stored reversed (4→3), 4→1 forward.
        let ways = vec![
            way(101, &[(1, 0.0, 0.0), (2, 10.0, 0.0), (3, 10.0, 10.0)]),
            way(102, &[(4, 0.0, 10.0), (3, 10.0, 10.0)]),
            way(103, &[(4, 0.0, 10.0), (1, 0.0, 0.0)]),
        ];
        let mp = assemble(&members(&ways)).unwrap();
        assert_eq!(mp.0.len(), 1);
        assert_eq!(mp.0[0].exterior().0.len(), 5); // 4 corners + closing point
        assert_eq!(mp.unsigned_area(), 100.0);
        // Member order does not matter.
        let shuffled = vec![ways[2].clone_way(), ways[0].clone_way(), ways[1].clone_way()];
        assert_eq!(assemble(&members(&shuffled)).unwrap().unsigned_area(), 100.0);
    }

    impl TestWay {
        fn clone_way(&self) -> TestWay {
            TestWay { id: self.id, nodes: self.nodes.clone(), coords: self.coords.clone() }
        }
    }

    #[test]
    fn hole_is_assigned_to_the_outer_that_contains_it() {
        // Outer 0..100 (10,000 m²) with a hole 40..60 (400 m²), and a second outer 200..210 (100 m²)
        // listed before them: the hole must go to the first outer only. Area 10,000 − 400 + 100 = 9,700.
        let ways = vec![
            way(3, &[(20, 200.0, 0.0), (21, 210.0, 0.0), (22, 210.0, 10.0), (23, 200.0, 10.0), (20, 200.0, 0.0)]),
            way(2, &[(10, 40.0, 40.0), (11, 60.0, 40.0), (12, 60.0, 60.0), (13, 40.0, 60.0), (10, 40.0, 40.0)]),
            way(1, &[(1, 0.0, 0.0), (2, 100.0, 0.0), (3, 100.0, 100.0), (4, 0.0, 100.0), (1, 0.0, 0.0)]),
        ];
        let mp = assemble(&members(&ways)).unwrap();
        assert_eq!(mp.0.len(), 2);
        assert_eq!(mp.0[0].interiors().len(), 1);
        assert_eq!(mp.0[1].interiors().len(), 0);
        assert_eq!(mp.unsigned_area(), 9_700.0);
    }

    #[test]
    fn island_in_a_hole_is_an_outer_again() {
        // 0..100 outer, 20..80 hole, 40..60 island: 10,000 − 3,600 + 400 = 6,800 m².
        let sq = |id: i64, n: i64, a: f64, b: f64| way(id, &[(n, a, a), (n + 1, b, a), (n + 2, b, b), (n + 3, a, b), (n, a, a)]);
        let ways = vec![sq(1, 10, 40.0, 60.0), sq(2, 20, 20.0, 80.0), sq(3, 30, 0.0, 100.0)];
        let mp = assemble(&members(&ways)).unwrap();
        assert_eq!(mp.0.len(), 2);
        assert_eq!(mp.unsigned_area(), 6_800.0);
    }

    #[test]
    fn touching_inner_ring_is_still_a_hole() {
        // The hole (0,0) (10,5) (10,10) (5,10) shares the outer's corner node 1 at (0, 0). Its area by the
        // shoelace formula: ½·|0 + (10·10 − 10·5) + (10·10 − 5·10) + 0| = 50 m²; 10,000 − 50 = 9,950.
        let ways = vec![
            way(1, &[(1, 0.0, 0.0), (2, 100.0, 0.0), (3, 100.0, 100.0), (4, 0.0, 100.0), (1, 0.0, 0.0)]),
            way(2, &[(1, 0.0, 0.0), (5, 10.0, 5.0), (6, 10.0, 10.0), (7, 5.0, 10.0), (1, 0.0, 0.0)]),
        ];
        let mp = assemble(&members(&ways)).unwrap();
        assert_eq!(mp.0.len(), 1);
        assert_eq!(mp.unsigned_area(), 9_950.0);
        assert!(crate::geometry::validity::checked_area(mp).is_ok_and(|c| c.repaired.is_none()));
    }

    #[test]
    fn unclosed_ring_is_an_error_naming_its_ends() {
        let ways = vec![way(7, &[(1, 0.0, 0.0), (2, 10.0, 0.0), (3, 10.0, 10.0)]), way(8, &[(3, 10.0, 10.0), (4, 0.0, 10.0)])];
        let err = assemble(&members(&ways)).unwrap_err();
        match &err {
            AssemblyError::UnclosedRing { ways, from_node, to_node, line } => {
                assert_eq!((ways.as_slice(), *from_node, *to_node), (&[7, 8][..], 1, 4));
                assert_eq!(line.0.len(), 4);
            }
            other => panic!("expected an unclosed ring, got {other:?}"),
        }
        assert_eq!(err.code(), RejectCode::MultipolygonUnclosedRing);
        assert!(err.explain().contains("n1") && err.explain().contains("n4") && err.explain().contains("w7, w8"));
    }

    #[test]
    fn degenerate_and_empty_relations_are_errors() {
        let flat = vec![way(9, &[(1, 0.0, 0.0), (2, 10.0, 0.0), (1, 0.0, 0.0)])];
        assert_eq!(assemble(&members(&flat)).unwrap_err(), AssemblyError::DegenerateRing { ways: vec![9] });
        assert_eq!(assemble(&[]).unwrap_err(), AssemblyError::NoWays);
        let single_node = vec![way(5, &[(1, 0.0, 0.0)])];
        assert_eq!(assemble(&members(&single_node)).unwrap_err().code(), RejectCode::MultipolygonDegenerateRing);
    }
}
