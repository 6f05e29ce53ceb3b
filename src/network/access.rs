//! Access points: where residents leave an estate and where a facility is entered, placed on the public
//! walking network.
//!
//! **Estates** ([`AccessRule`], `--access gates|boundary|centroid`):
//! - `Gates` (default): the estate's open gates: the gates (`Dataset.gates`) within `gate_distance_m` of its
//!   boundary, each gate belonging to one estate only (the estate containing it, else the one with the
//!   nearest boundary, ties to the lower index); gates whose `access` is in `closed_gate_access_values`
//!   are closed. Each gate snaps to the public network. An estate without a usable gate falls back to
//!   `Boundary`.
//! - `Boundary`: the points where public walkable edges cross or meet (within `boundary_meet_m`) the
//!   estate's boundary: per boundary segment and edge segment that close, the pair of closest points, the
//!   access point on the boundary and its snap on *that* edge (offset 0 where they cross), not on whichever
//!   edge is nearest — the walker steps onto the way that reaches the wall (README, *The distance
//!   contract*; `tests/distance_contract.rs`); none → the network point nearest to the boundary (within
//!   `max_snap_m`).
//! - `Centroid`: the estate's centroid snapped to the network, as simpler tools do (for comparison only: it
//!   ignores walls and gates).
//!
//! **Facilities**: a point snaps to the nearest network point. An area (park, school) is entered at its
//! open gates lying in it or on its boundary (within `boundary_meet_m`); without gates, where public edges
//! cross or meet its boundary; without those, at the network point nearest to its boundary.
//!
//! A point whose snap offset exceeds `max_snap_m` is unusable; a feature with no usable point is
//! unreachable and the caller rejects it with [`Access::problem`].
//!
//! ```
//! use lifecircle::network::access::AccessRule;
//! assert_eq!("boundary".parse::<AccessRule>().unwrap(), AccessRule::Boundary);
//! assert_eq!(AccessRule::default().as_str(), "gates");
//! assert!("door".parse::<AccessRule>().is_err());
//! ```

use super::graph::WalkGraph;
use super::snap::{SegmentIndex, SnapPoint, segment_closest_points};
use crate::geometry::rings::{polygon_is_finite, rings};
use crate::model::{Estate, Facility, FacilityGeometry, Gate};
use crate::profile::WalkRules;
use geo::{BoundingRect, Centroid, Contains, Distance, Euclidean};
use geo_types::{Coord, MultiPolygon, Point};
use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};
use std::collections::BTreeSet;
use std::str::FromStr;

/// How an estate's access points are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccessRule {
    /// Gates where the estate has any, else the boundary.
    #[default]
    Gates,
    /// Where public ways cross or meet the boundary, else the nearest network point to it.
    Boundary,
    /// The centroid snapped to the network.
    Centroid,
}

impl AccessRule {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessRule::Gates => "gates",
            AccessRule::Boundary => "boundary",
            AccessRule::Centroid => "centroid",
        }
    }
}

impl FromStr for AccessRule {
    type Err = String;
    fn from_str(s: &str) -> Result<AccessRule, String> {
        match s {
            "gates" => Ok(AccessRule::Gates),
            "boundary" => Ok(AccessRule::Boundary),
            "centroid" => Ok(AccessRule::Centroid),
            _ => Err(format!("unknown access rule `{s}`: use gates, boundary or centroid")),
        }
    }
}

/// What an access point is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessKind {
    /// A gate (index into `Dataset.gates`).
    Gate(u32),
    /// A public way crosses or meets the boundary here.
    Crossing,
    /// The network point nearest to the boundary.
    NearestBoundary,
    /// The snapped centroid.
    Centroid,
    /// A point facility's own location.
    Point,
    /// A neighbouring estate's access point reached through an opened wall (scenario).
    Borrowed(u32),
}

impl AccessKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessKind::Gate(_) => "gate",
            AccessKind::Crossing => "crossing",
            AccessKind::NearestBoundary => "nearest_boundary",
            AccessKind::Centroid => "centroid",
            AccessKind::Point => "point",
            AccessKind::Borrowed(_) => "borrowed",
        }
    }
}

/// A point where a walk starts or ends, placed on the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccessPoint {
    /// The point itself (gate, boundary point, centroid).
    pub point: Coord<f64>,
    pub snap: SnapPoint,
    pub kind: AccessKind,
    /// Walking added before the snap offset (a borrowed access point: the way through the opened wall).
    pub extra_m: f64,
}

impl AccessPoint {
    /// Distance from the feature to the network: extra walking + snap offset.
    pub fn base_m(&self) -> f64 {
        self.extra_m + self.snap.offset_m
    }
}

/// A feature's usable access points, or why it has none.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Access {
    pub points: Vec<AccessPoint>,
    pub problem: Option<String>,
}

impl Access {
    /// The smallest snap offset, when any point is usable.
    pub fn min_offset_m(&self) -> Option<f64> {
        self.points.iter().map(AccessPoint::base_m).min_by(f64::total_cmp)
    }
}

/// The network and its index, as every placement needs them.
#[derive(Clone, Copy)]
pub struct NetworkContext<'a> {
    pub graph: &'a WalkGraph,
    pub index: &'a SegmentIndex,
    pub rules: &'a WalkRules,
}

/// Which estate each gate belongs to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GateAssignment {
    pub estate_of_gate: Vec<Option<u32>>,
    /// Per estate, its gates (open and closed), ascending.
    pub gates_of_estate: Vec<Vec<u32>>,
}

/// Whether the profile counts a gate as closed.
pub fn gate_is_closed(gate: &Gate, rules: &WalkRules) -> bool {
    gate.access.as_ref().is_some_and(|a| rules.closed_gate_access_values.contains(a))
}

fn boundary_distance(polygon: &MultiPolygon<f64>, p: Coord<f64>) -> f64 {
    rings(polygon).map(|ring| Euclidean.distance(&Point(p), ring)).fold(f64::INFINITY, f64::min)
}

/// Give every gate to at most one estate: the one containing it, else the nearest boundary within
/// `gate_distance_m` (ties to the lower estate index).
pub fn assign_gates(gates: &[Gate], estates: &[Estate], rules: &WalkRules) -> GateAssignment {
    let boxes: Vec<GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, u32>> = estates
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let r = e.polygon.bounding_rect().filter(|_| polygon_is_finite(&e.polygon))?;
            Some(GeomWithData::new(rstar::primitives::Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]), i as u32))
        })
        .collect();
    let tree = RTree::bulk_load(boxes);
    let reach = rules.gate_distance_m;
    let mut estate_of_gate = vec![None; gates.len()];
    let mut gates_of_estate = vec![Vec::new(); estates.len()];
    for (gi, gate) in gates.iter().enumerate() {
        let p = gate.point.0;
        if !(p.x.is_finite() && p.y.is_finite()) {
            continue;
        }
        let env = AABB::from_corners([p.x - reach, p.y - reach], [p.x + reach, p.y + reach]);
        let mut best: Option<(bool, f64, u32)> = None; // (not contained, boundary distance, estate)
        for b in tree.locate_in_envelope_intersecting(&env) {
            let estate = &estates[b.data as usize];
            let d = boundary_distance(&estate.polygon, p);
            if d > reach {
                continue;
            }
            let key = (!estate.polygon.contains(&gate.point), d, b.data);
            if best.is_none_or(|cur| (key.0, key.1, key.2).partial_cmp(&(cur.0, cur.1, cur.2)) == Some(std::cmp::Ordering::Less)) {
                best = Some(key);
            }
        }
        if let Some((_, _, e)) = best {
            estate_of_gate[gi] = Some(e);
            gates_of_estate[e as usize].push(gi as u32);
        }
    }
    GateAssignment { estate_of_gate, gates_of_estate }
}

/// Snap a point; `None` when beyond `max_snap_m` or the network is empty.
pub fn snap_point(ctx: NetworkContext, p: Coord<f64>, kind: AccessKind) -> Option<AccessPoint> {
    if !(p.x.is_finite() && p.y.is_finite()) {
        return None;
    }
    let snap = ctx.index.snap(p)?;
    (snap.offset_m <= ctx.rules.max_snap_m).then_some(AccessPoint { point: p, snap, kind, extra_m: 0.0 })
}

/// Points where public edges cross or meet a polygon's boundary, ordered by (edge, along), duplicates
/// (same edge, within 1 cm) dropped.
pub fn boundary_crossings(ctx: NetworkContext, polygon: &MultiPolygon<f64>) -> Vec<AccessPoint> {
    let meet = ctx.rules.boundary_meet_m;
    let mut found = Vec::new();
    for ring in rings(polygon) {
        for w in ring.0.windows(2) {
            let (p0, p1) = (w[0], w[1]);
            let min = Coord { x: p0.x.min(p1.x) - meet, y: p0.y.min(p1.y) - meet };
            let max = Coord { x: p0.x.max(p1.x) + meet, y: p0.y.max(p1.y) + meet };
            for seg in ctx.index.segments_in(min, max) {
                let (on_boundary, on_edge, d) = segment_closest_points(p0, p1, seg.a, seg.b);
                if d <= meet {
                    let (along_m, on_network) = SegmentIndex::position_on(seg, on_edge);
                    found.push(AccessPoint {
                        point: on_boundary,
                        snap: SnapPoint { edge: seg.edge, along_m, offset_m: d, on_network },
                        kind: AccessKind::Crossing,
                        extra_m: 0.0,
                    });
                }
            }
        }
    }
    found.sort_by(|a, b| a.snap.edge.cmp(&b.snap.edge).then(a.snap.along_m.total_cmp(&b.snap.along_m)).then(a.snap.offset_m.total_cmp(&b.snap.offset_m)));
    found.dedup_by(|later, kept| later.snap.edge == kept.snap.edge && (later.snap.along_m - kept.snap.along_m).abs() < 0.01);
    found
}

/// The network point nearest to a polygon's boundary, within `max_snap_m`.
pub fn nearest_to_boundary(ctx: NetworkContext, polygon: &MultiPolygon<f64>) -> Option<AccessPoint> {
    // An upper bound from the boundary's vertices, then an exact search among segments that close.
    let mut bound = f64::INFINITY;
    for ring in rings(polygon) {
        for &c in &ring.0 {
            if let Some(s) = ctx.index.snap(c) {
                bound = bound.min(s.offset_m);
            }
        }
    }
    if !bound.is_finite() || bound > ctx.rules.max_snap_m {
        return None;
    }
    let mut best: Option<AccessPoint> = None;
    for ring in rings(polygon) {
        for w in ring.0.windows(2) {
            let (p0, p1) = (w[0], w[1]);
            let min = Coord { x: p0.x.min(p1.x) - bound, y: p0.y.min(p1.y) - bound };
            let max = Coord { x: p0.x.max(p1.x) + bound, y: p0.y.max(p1.y) + bound };
            for seg in ctx.index.segments_in(min, max) {
                let (on_boundary, on_edge, d) = segment_closest_points(p0, p1, seg.a, seg.b);
                let (along_m, on_network) = SegmentIndex::position_on(seg, on_edge);
                let candidate = AccessPoint {
                    point: on_boundary,
                    snap: SnapPoint { edge: seg.edge, along_m, offset_m: d, on_network },
                    kind: AccessKind::NearestBoundary,
                    extra_m: 0.0,
                };
                let better = best.as_ref().is_none_or(|b| {
                    (d, seg.edge, along_m).partial_cmp(&(b.snap.offset_m, b.snap.edge, b.snap.along_m)) == Some(std::cmp::Ordering::Less)
                });
                if better {
                    best = Some(candidate);
                }
            }
        }
    }
    best.filter(|b| b.snap.offset_m <= ctx.rules.max_snap_m)
}

fn boundary_access(ctx: NetworkContext, polygon: &MultiPolygon<f64>, what: &str) -> Access {
    if !polygon_is_finite(polygon) {
        return Access { points: Vec::new(), problem: Some(format!("the {what}'s polygon has a coordinate that is not a finite number")) };
    }
    let crossings = boundary_crossings(ctx, polygon);
    if !crossings.is_empty() {
        return Access { points: crossings, problem: None };
    }
    match nearest_to_boundary(ctx, polygon) {
        Some(p) => Access { points: vec![p], problem: None },
        None => Access {
            points: Vec::new(),
            problem: Some(format!(
                "no walkable way within max_snap_m = {} m of the {what}'s boundary: it cannot be reached on foot",
                ctx.rules.max_snap_m
            )),
        },
    }
}

/// An estate's access points under a rule. `gate_open(g)` says whether gate `g` may be used (closed gates
/// are shut unless a scenario opens them).
pub fn estate_access(ctx: NetworkContext, estate: &Estate, own_gates: &[u32], gates: &[Gate], rule: AccessRule, gate_open: impl Fn(u32) -> bool) -> Access {
    match rule {
        AccessRule::Centroid => match estate.polygon.centroid().filter(|_| polygon_is_finite(&estate.polygon)) {
            Some(c) => match snap_point(ctx, c.0, AccessKind::Centroid) {
                Some(p) => Access { points: vec![p], problem: None },
                None => Access {
                    points: Vec::new(),
                    problem: Some(format!("the centroid is farther than max_snap_m = {} m from any walkable way", ctx.rules.max_snap_m)),
                },
            },
            None => Access { points: Vec::new(), problem: Some("the estate polygon is empty or has a coordinate that is not a finite number".into()) },
        },
        AccessRule::Gates => {
            let points: Vec<AccessPoint> =
                own_gates.iter().filter(|&&g| gate_open(g)).filter_map(|&g| snap_point(ctx, gates[g as usize].point.0, AccessKind::Gate(g))).collect();
            if points.is_empty() { boundary_access(ctx, &estate.polygon, "estate") } else { Access { points, problem: None } }
        }
        AccessRule::Boundary => boundary_access(ctx, &estate.polygon, "estate"),
    }
}

/// Gates as points in an R-tree, for finding the entrances of facility areas.
pub struct GateIndex {
    tree: RTree<GeomWithData<[f64; 2], u32>>,
}

impl GateIndex {
    pub fn new(gates: &[Gate], rules: &WalkRules) -> GateIndex {
        let points = gates
            .iter()
            .enumerate()
            .filter(|(_, g)| !gate_is_closed(g, rules) && g.point.x().is_finite() && g.point.y().is_finite())
            .map(|(i, g)| GeomWithData::new([g.point.x(), g.point.y()], i as u32))
            .collect();
        GateIndex { tree: RTree::bulk_load(points) }
    }

    /// Open gates lying in the polygon or within `meet_m` of its boundary, ascending.
    pub fn gates_of_area(&self, polygon: &MultiPolygon<f64>, meet_m: f64) -> Vec<u32> {
        let Some(r) = polygon.bounding_rect() else { return Vec::new() };
        let env = AABB::from_corners([r.min().x - meet_m, r.min().y - meet_m], [r.max().x + meet_m, r.max().y + meet_m]);
        let mut found: Vec<u32> = self
            .tree
            .locate_in_envelope_intersecting(&env)
            .filter(|g| {
                let p = Coord { x: g.geom()[0], y: g.geom()[1] };
                polygon.contains(&Point(p)) || boundary_distance(polygon, p) <= meet_m
            })
            .map(|g| g.data)
            .collect();
        found.sort_unstable();
        found
    }
}

/// A facility's entrances on the network.
pub fn facility_access(ctx: NetworkContext, facility: &Facility, gates: &[Gate], gate_index: &GateIndex) -> Access {
    match &facility.geometry {
        FacilityGeometry::Point(p) => {
            if !(p.x().is_finite() && p.y().is_finite()) {
                return Access { points: Vec::new(), problem: Some("the point has no finite coordinates".into()) };
            }
            match snap_point(ctx, p.0, AccessKind::Point) {
                Some(a) => Access { points: vec![a], problem: None },
                None => Access {
                    points: Vec::new(),
                    problem: Some(format!("farther than max_snap_m = {} m from any walkable way: it cannot be reached on foot", ctx.rules.max_snap_m)),
                },
            }
        }
        FacilityGeometry::Area(polygon) => {
            let gate_points: Vec<AccessPoint> = gate_index
                .gates_of_area(polygon, ctx.rules.boundary_meet_m)
                .into_iter()
                .filter_map(|g| snap_point(ctx, gates[g as usize].point.0, AccessKind::Gate(g)))
                .collect();
            if gate_points.is_empty() { boundary_access(ctx, polygon, "facility") } else { Access { points: gate_points, problem: None } }
        }
    }
}

/// Open gates named by a scenario, as a set for [`estate_access`].
pub fn gate_filter<'a>(gates: &'a [Gate], rules: &'a WalkRules, opened: &'a BTreeSet<u32>) -> impl Fn(u32) -> bool + 'a {
    move |g| opened.contains(&g) || !gate_is_closed(&gates[g as usize], rules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::compounds::{PieceAccess, WayPiece};
    use crate::testing::{estate, square};

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    fn gate(id: &str, x: f64, y: f64, access: Option<&str>) -> Gate {
        Gate { id: id.into(), point: Point::new(x, y), kind: "gate".into(), access: access.map(str::to_string) }
    }

    fn street_graph() -> WalkGraph {
        // A street along y = -10 from x = -100 to 300, and a footway crossing the estate [0,100]² at x = 70.
        WalkGraph::build(
            &[
                WayPiece { way: 0, coords: vec![c(-100.0, -10.0), c(70.0, -10.0), c(300.0, -10.0)], access: PieceAccess::Public },
                WayPiece { way: 1, coords: vec![c(70.0, -10.0), c(70.0, 150.0)], access: PieceAccess::Public },
            ],
            |_| true,
        )
    }

    #[test]
    fn gates_go_to_the_containing_then_nearest_estate() {
        let estates = [estate("e", square(0.0, 0.0, 100.0)), estate("e", square(110.0, 0.0, 100.0))];
        let rules = WalkRules::default();
        let gates = [
            gate("in_a_near_b", 99.0, 50.0, None),  // inside a, 1 m from a's wall and 11 m from b's
            gate("between", 106.0, 50.0, None),     // outside both: 6 m from a, 4 m from b
            gate("far", 50.0, 130.0, None),         // 30 m from a: nobody's
            gate("closed", 50.0, -1.0, Some("no")), // a's, but closed
        ];
        let a = assign_gates(&gates, &estates, &rules);
        assert_eq!(a.estate_of_gate, vec![Some(0), Some(1), None, Some(0)]);
        assert_eq!(a.gates_of_estate, vec![vec![0, 3], vec![1]]);
        assert!(gate_is_closed(&gates[3], &rules) && !gate_is_closed(&gates[0], &rules));
    }

    #[test]
    fn estate_access_under_each_rule() {
        let g = street_graph();
        let index = SegmentIndex::new(&g);
        let rules = WalkRules::default();
        let ctx = NetworkContext { graph: &g, index: &index, rules: &rules };
        let e = estate("e", square(0.0, 0.0, 100.0));
        let gates = [gate("g", 30.0, 0.0, None), gate("shut", 50.0, 0.0, Some("no"))];
        let none_opened = BTreeSet::new();
        let open = gate_filter(&gates, &rules, &none_opened);
        // Gates: the open gate only, snapped 10 m down to the street at along 130 m (from x = -100).
        let a = estate_access(ctx, &e, &[0, 1], &gates, AccessRule::Gates, &open);
        assert_eq!(a.points.len(), 1);
        assert_eq!((a.points[0].snap.edge, a.points[0].snap.along_m, a.points[0].snap.offset_m), (0, 130.0, 10.0));
        // Boundary: the footway crosses the south wall at (70, 0) and the north wall at (70, 100).
        let b = estate_access(ctx, &e, &[0, 1], &gates, AccessRule::Boundary, &open);
        let pts: Vec<(Coord<f64>, u32, f64, f64)> = b.points.iter().map(|p| (p.point, p.snap.edge, p.snap.along_m, p.snap.offset_m)).collect();
        assert_eq!(pts, vec![(c(70.0, 0.0), 2, 10.0, 0.0), (c(70.0, 100.0), 2, 110.0, 0.0)]);
        // Gates rule with only the closed gate falls back to the boundary.
        assert_eq!(estate_access(ctx, &e, &[1], &gates, AccessRule::Gates, &open).points.len(), 2);
        // A scenario opening the closed gate makes it an access point.
        let opened = BTreeSet::from([1u32]);
        let a = estate_access(ctx, &e, &[1], &gates, AccessRule::Gates, gate_filter(&gates, &rules, &opened));
        assert_eq!(a.points.len(), 1);
        assert_eq!(a.points[0].kind, AccessKind::Gate(1));
        // Centroid (50, 50): nearest is the footway at x = 70, 20 m away, 60 m along it.
        let ce = estate_access(ctx, &e, &[], &gates, AccessRule::Centroid, &open);
        assert_eq!((ce.points[0].snap.edge, ce.points[0].snap.along_m, ce.points[0].snap.offset_m), (2, 60.0, 20.0));
    }

    #[test]
    fn nearest_boundary_fallback_and_max_snap() {
        let g = street_graph();
        let index = SegmentIndex::new(&g);
        let rules = WalkRules::default();
        let ctx = NetworkContext { graph: &g, index: &index, rules: &rules };
        // An estate west of the footway, [-60,-20] x [0,40]: nearest network point is the street, 10 m below.
        let e = estate("e", square(-60.0, 0.0, 40.0));
        let a = estate_access(ctx, &e, &[], &[], AccessRule::Gates, |_| true);
        assert_eq!(a.points.len(), 1);
        assert_eq!(a.points[0].kind, AccessKind::NearestBoundary);
        assert_eq!(a.points[0].snap.offset_m, 10.0);
        assert_eq!(a.points[0].snap.edge, 0);
        // Far away: unreachable, with the reason.
        let far = estate("e", square(5000.0, 5000.0, 40.0));
        let a = estate_access(ctx, &far, &[], &[], AccessRule::Gates, |_| true);
        assert!(a.points.is_empty() && a.problem.unwrap().contains("max_snap_m = 200"));
        let a = estate_access(ctx, &far, &[], &[], AccessRule::Centroid, |_| true);
        assert!(a.points.is_empty() && a.problem.is_some());
    }

    #[test]
    fn non_finite_polygons_are_unreachable_not_a_panic() {
        let g = street_graph();
        let index = SegmentIndex::new(&g);
        let rules = WalkRules::default();
        let ctx = NetworkContext { graph: &g, index: &index, rules: &rules };
        let mut e = estate("e", square(0.0, 0.0, 100.0));
        e.polygon.0[0].exterior_mut(|r| r.0[1].x = f64::NAN);
        for rule in [AccessRule::Gates, AccessRule::Boundary, AccessRule::Centroid] {
            let a = estate_access(ctx, &e, &[], &[], rule, |_| true);
            assert!(a.points.is_empty() && a.problem.unwrap().contains("finite"), "{rule:?}");
        }
        let assignment = assign_gates(&[gate("g", 0.0, 0.0, None)], &[e], &rules);
        assert_eq!(assignment.estate_of_gate, vec![None]);
    }

    #[test]
    fn facility_areas_use_gates_then_crossings() {
        let g = street_graph();
        let index = SegmentIndex::new(&g);
        let rules = WalkRules::default();
        let ctx = NetworkContext { graph: &g, index: &index, rules: &rules };
        let park = Facility {
            id: "p".into(),
            name: None,
            category: "park".into(),
            geometry: FacilityGeometry::Area(square(0.0, 0.0, 100.0)),
            capacity: None,
            matched_by: "leisure=park".into(),
        };
        let gates = [gate("park_gate", 0.0, 20.0, None), gate("elsewhere", -30.0, 20.0, None)];
        let gi = GateIndex::new(&gates, &rules);
        let a = facility_access(ctx, &park, &gates, &gi);
        assert_eq!(a.points.len(), 1);
        assert_eq!(a.points[0].kind, AccessKind::Gate(0));
        // Gate (0, 20) -> nearest network point: the footway at x = 70 is 70 m away, the street 30 m.
        assert_eq!(a.points[0].snap.offset_m, 30.0);
        let a = facility_access(ctx, &park, &[], &GateIndex::new(&[], &rules));
        assert_eq!(a.points.len(), 2);
        assert!(a.points.iter().all(|p| p.kind == AccessKind::Crossing));
    }
}
