//! Snapping: the nearest point on the walking network to a point, through an R-tree (rstar, R*-tree bulk
//! loaded with the OMT algorithm) over every straight segment of every edge.
//!
//! A [`SnapPoint`] is a position on an edge (`edge`, `along_m` metres from its `u` end) and the straight
//! offset from the snapped point to it. Ties between segments at the same distance go to the lowest edge
//! id, then the smallest `along_m`, so snapping is deterministic. Also here: closest points between two
//! segments, used to find where a way meets an estate's or park's boundary.
//!
//! ```
//! use geo_types::Coord;
//! use lifecircle::network::compounds::{PieceAccess, WayPiece};
//! use lifecircle::network::graph::WalkGraph;
//! use lifecircle::network::snap::SegmentIndex;
//! let c = |x: f64, y: f64| Coord { x, y };
//! let g = WalkGraph::build(&[WayPiece { way: 0, coords: vec![c(0.0, 0.0), c(100.0, 0.0), c(100.0, 100.0)], access: PieceAccess::Public }], |_| true);
//! let index = SegmentIndex::new(&g);
//! let s = index.snap(c(130.0, 40.0)).unwrap();
//! assert_eq!((s.edge, s.along_m, s.offset_m), (0, 140.0, 30.0));
//! assert_eq!(s.on_network, c(100.0, 40.0));
//! ```

use super::graph::WalkGraph;
use geo_types::Coord;
use rstar::{AABB, PointDistance, RTree, RTreeObject};

/// One straight segment of an edge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EdgeSegment {
    pub a: Coord<f64>,
    pub b: Coord<f64>,
    pub edge: u32,
    /// Distance along the edge from its `u` end to `a`.
    pub along_start_m: f64,
}

impl RTreeObject for EdgeSegment {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners([self.a.x.min(self.b.x), self.a.y.min(self.b.y)], [self.a.x.max(self.b.x), self.a.y.max(self.b.y)])
    }
}

impl PointDistance for EdgeSegment {
    fn distance_2(&self, p: &[f64; 2]) -> f64 {
        let (_, q) = project_on_segment(Coord { x: p[0], y: p[1] }, self.a, self.b);
        (q.x - p[0]).powi(2) + (q.y - p[1]).powi(2)
    }
}

/// A point placed on the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SnapPoint {
    pub edge: u32,
    /// Metres along the edge from its `u` end.
    pub along_m: f64,
    /// Straight distance from the original point to the network.
    pub offset_m: f64,
    /// The point on the network.
    pub on_network: Coord<f64>,
}

/// The projection of `p` on segment `a`–`b`: the parameter t in [0, 1] and the point.
pub fn project_on_segment(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> (f64, Coord<f64>) {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    if len2 == 0.0 {
        return (0.0, a);
    }
    let t = (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0);
    (t, Coord { x: a.x + t * dx, y: a.y + t * dy })
}

fn dist(a: Coord<f64>, b: Coord<f64>) -> f64 {
    (a.x - b.x).hypot(a.y - b.y)
}

/// Closest points between segments p0–p1 and q0–q1: (point on the first, point on the second, distance).
/// Crossing segments give their intersection point twice and distance 0.
pub fn segment_closest_points(p0: Coord<f64>, p1: Coord<f64>, q0: Coord<f64>, q1: Coord<f64>) -> (Coord<f64>, Coord<f64>, f64) {
    let (r, s) = (Coord { x: p1.x - p0.x, y: p1.y - p0.y }, Coord { x: q1.x - q0.x, y: q1.y - q0.y });
    let denom = r.x * s.y - r.y * s.x;
    if denom != 0.0 {
        let w = Coord { x: q0.x - p0.x, y: q0.y - p0.y };
        let t = (w.x * s.y - w.y * s.x) / denom;
        let u = (w.x * r.y - w.y * r.x) / denom;
        if (0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&u) {
            let x = Coord { x: p0.x + t * r.x, y: p0.y + t * r.y };
            return (x, x, 0.0);
        }
    }
    // No proper crossing: the closest pair has an endpoint on one of the segments.
    let candidates = [
        (p0, project_on_segment(p0, q0, q1).1),
        (p1, project_on_segment(p1, q0, q1).1),
        (project_on_segment(q0, p0, p1).1, q0),
        (project_on_segment(q1, p0, p1).1, q1),
    ];
    let mut best = (candidates[0].0, candidates[0].1, dist(candidates[0].0, candidates[0].1));
    for &(a, b) in &candidates[1..] {
        let d = dist(a, b);
        if d < best.2 {
            best = (a, b, d);
        }
    }
    best
}

/// The R-tree over the network's segments.
pub struct SegmentIndex {
    tree: RTree<EdgeSegment>,
}

impl SegmentIndex {
    pub fn new(graph: &WalkGraph) -> SegmentIndex {
        let mut segments = Vec::with_capacity(graph.edge_coords.len());
        for (i, _) in graph.edges.iter().enumerate() {
            let line = graph.edge_line(i as u32);
            let mut along = 0.0;
            for w in line.windows(2) {
                segments.push(EdgeSegment { a: w[0], b: w[1], edge: i as u32, along_start_m: along });
                along += dist(w[0], w[1]);
            }
        }
        SegmentIndex { tree: RTree::bulk_load(segments) }
    }

    /// The segment position of a point known to lie on (or nearest to) a segment.
    pub fn position_on(segment: &EdgeSegment, p: Coord<f64>) -> (f64, Coord<f64>) {
        let (t, q) = project_on_segment(p, segment.a, segment.b);
        (segment.along_start_m + t * dist(segment.a, segment.b), q)
    }

    /// The nearest point on the network (no distance limit; `None` only for an empty network).
    pub fn snap(&self, p: Coord<f64>) -> Option<SnapPoint> {
        let mut best: Option<(f64, SnapPoint)> = None;
        for (segment, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&[p.x, p.y]) {
            if let Some((best_d2, _)) = best
                && d2 > best_d2
            {
                break;
            }
            let (along_m, on_network) = SegmentIndex::position_on(segment, p);
            let candidate = SnapPoint { edge: segment.edge, along_m, offset_m: dist(p, on_network), on_network };
            let better = match &best {
                None => true,
                Some((_, b)) => (candidate.edge, candidate.along_m) < (b.edge, b.along_m),
            };
            if better {
                best = Some((d2, candidate));
            }
        }
        best.map(|(_, s)| s)
    }

    /// Segments whose envelope meets the box.
    pub fn segments_in(&self, min: Coord<f64>, max: Coord<f64>) -> impl Iterator<Item = &EdgeSegment> {
        self.tree.locate_in_envelope_intersecting(&AABB::from_corners([min.x, min.y], [max.x, max.y]))
    }

    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::compounds::{PieceAccess, WayPiece};

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn empty_network_snaps_nothing() {
        assert!(SegmentIndex::new(&WalkGraph::default()).snap(c(0.0, 0.0)).is_none());
    }

    #[test]
    fn ties_go_to_the_lowest_edge() {
        // Two parallel edges 10 m either side of the point.
        let g = WalkGraph::build(
            &[
                WayPiece { way: 0, coords: vec![c(0.0, 10.0), c(100.0, 10.0)], access: PieceAccess::Public },
                WayPiece { way: 1, coords: vec![c(0.0, -10.0), c(100.0, -10.0)], access: PieceAccess::Public },
            ],
            |_| true,
        );
        let idx = SegmentIndex::new(&g);
        let s = idx.snap(c(25.0, 0.0)).unwrap();
        assert_eq!((s.edge, s.along_m, s.offset_m), (0, 25.0, 10.0));
        // Beyond the end: the endpoint, offset by Pythagoras (3-4-5).
        let s = idx.snap(c(103.0, 14.0)).unwrap();
        assert_eq!((s.edge, s.along_m, s.offset_m), (0, 100.0, 5.0));
    }

    #[test]
    fn closest_points_between_segments() {
        // Crossing at (1, 1).
        let (a, b, d) = segment_closest_points(c(0.0, 0.0), c(2.0, 2.0), c(0.0, 2.0), c(2.0, 0.0));
        assert_eq!((a, b, d), (c(1.0, 1.0), c(1.0, 1.0), 0.0));
        // Parallel, 3 apart, overlapping in x: an endpoint pair at distance 3.
        let (_, _, d) = segment_closest_points(c(0.0, 0.0), c(10.0, 0.0), c(5.0, 3.0), c(15.0, 3.0));
        assert_eq!(d, 3.0);
        // T: the second segment stops 0.5 short of the first.
        let (a, b, d) = segment_closest_points(c(0.0, 0.0), c(10.0, 0.0), c(4.0, 0.5), c(4.0, 8.0));
        assert_eq!((a, b, d), (c(4.0, 0.0), c(4.0, 0.5), 0.5));
        // Disjoint collinear.
        let (_, _, d) = segment_closest_points(c(0.0, 0.0), c(1.0, 0.0), c(4.0, 0.0), c(6.0, 0.0));
        assert_eq!(d, 3.0);
    }
}
