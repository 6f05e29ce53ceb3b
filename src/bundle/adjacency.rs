//! The estate adjacency graph for renovation bundles (成片改造): which estates can be renovated together
//! because residents can walk from one to the other without crossing a barrier.
//!
//! Two estates are **adjacent** when they touch or their gap is at most `gap_m` (default 30 m: the width
//! of a lane between two compounds whose walls may be opened, seed 002), and the gap is not cut by a
//! barrier:
//!
//! * for estates apart, the *gap segment* (the shortest segment between the two outlines) must cross no
//!   barrier line and lie in no barrier area;
//! * for estates that touch or overlap (within 1 cm), at least one *contact point* (where the outlines
//!   meet, plus the middle of each shared stretch) must lie more than 1 m from every barrier. Mapped
//!   estates often run up to the centre line of the road between them: a primary road along the whole
//!   shared edge separates them, a road crossing the edge at one point does not.
//!
//! Barriers are [`crate::model::Barrier`]s whose class blocks: roads of class `barrier_roads` or above
//! (motorway > trunk > primary > secondary > tertiary, default primary, `_link` roads as their class),
//! never lower roads (`residential`, `service` ...); railways, water and any other class always (the
//! barrier layer holds only what cannot be walked across, so an unknown class is taken at its word).
//!
//! Algorithm: an R-tree (rstar) of estate envelopes gives the candidate pairs whose envelopes come within
//! `gap_m`; for each pair the exact polygon distance is the minimum over pairs of boundary segments (only
//! segments within `gap_m` of the other estate's envelope are compared) of the closest points of two
//! segments (Ericson, *Real-Time Collision Detection*, §5.1.9), plus a point-in-polygon test for an
//! estate inside another. Barrier segments sit in a second R-tree. With n estates, k candidates per
//! estate and s segments per estate the cost is O(n log n + n·k·s²), run in parallel over estates (rayon)
//! and returned sorted by estate pair, whatever the thread count.
//!
//! ```
//! use geo_types::{polygon, MultiPolygon, Geometry, line_string};
//! use lifecircle::bundle::adjacency::{estate_pairs, RoadClass};
//! use lifecircle::model::{Barrier, Estate, EstateSource, PopulationSource, SurveyAttributes};
//! let square = |x0: f64| MultiPolygon(vec![polygon![(x: x0, y: 0.0), (x: x0 + 100.0, y: 0.0), (x: x0 + 100.0, y: 100.0), (x: x0, y: 100.0)]]);
//! let estate = |id: &str, x0: f64| Estate { id: id.into(), name: None, polygon: square(x0), source: EstateSource::Layer,
//!     population: 1000.0, households: 400.0, population_source: PopulationSource::Layer, floor_area_m2: 0.0,
//!     n_buildings: 1, built_year: None, survey: SurveyAttributes::default(), notes: Default::default() };
//! // A 20 m gap between two estates ...
//! let estates = [estate("a", 0.0), estate("b", 120.0)];
//! let pairs = estate_pairs(&estates, &[], 30.0, RoadClass::Primary);
//! assert_eq!((pairs.len(), pairs[0].gap_m, pairs[0].blocked_by.as_deref()), (1, 20.0, None));
//! // ... with a railway running down the middle of it.
//! let rail = Barrier { id: "w9".into(), class: "rail".into(), geometry: Geometry::LineString(line_string![(x: 110.0, y: -500.0), (x: 110.0, y: 500.0)]) };
//! let pairs = estate_pairs(&estates, &[rail], 30.0, RoadClass::Primary);
//! assert_eq!(pairs[0].blocked_by.as_deref(), Some("w9"));
//! ```

use crate::model::{Barrier, Estate};
use geo::InteriorPoint;
use geo::Intersects;
use geo_types::{Coord, Geometry, Line, MultiPolygon, Point, Polygon};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Line as RLine, Rectangle};
use rstar::{AABB, RTree};
use std::str::FromStr;

/// Outlines closer than this touch.
pub const TOUCH_TOLERANCE_M: f64 = 0.01;
/// A contact point of touching estates is cut when a barrier passes within this distance.
pub const CONTACT_BARRIER_M: f64 = 1.0;

/// Road classes that can be barriers, lowest first (the derived order is motorway > trunk > primary >
/// secondary > tertiary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RoadClass {
    Tertiary,
    Secondary,
    Primary,
    Trunk,
    Motorway,
}

impl RoadClass {
    pub fn as_str(self) -> &'static str {
        match self {
            RoadClass::Tertiary => "tertiary",
            RoadClass::Secondary => "secondary",
            RoadClass::Primary => "primary",
            RoadClass::Trunk => "trunk",
            RoadClass::Motorway => "motorway",
        }
    }

    /// The class of an OSM `highway=*` value, `_link` roads as their road; `None` for other values.
    pub fn of_highway(value: &str) -> Option<RoadClass> {
        value.trim().to_ascii_lowercase().trim_end_matches("_link").parse().ok()
    }
}

impl FromStr for RoadClass {
    type Err = String;
    fn from_str(text: &str) -> Result<RoadClass, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "tertiary" => Ok(RoadClass::Tertiary),
            "secondary" => Ok(RoadClass::Secondary),
            "primary" => Ok(RoadClass::Primary),
            "trunk" => Ok(RoadClass::Trunk),
            "motorway" => Ok(RoadClass::Motorway),
            other => Err(format!("road class `{other}` is not one of motorway, trunk, primary, secondary, tertiary")),
        }
    }
}

/// Highway values below tertiary: never barriers.
const MINOR_ROADS: [&str; 12] =
    ["unclassified", "residential", "living_street", "service", "pedestrian", "footway", "path", "cycleway", "track", "steps", "road", "busway"];

/// Whether a barrier of `class` separates estates when roads of `barrier_roads` and above do.
pub fn barrier_blocks(class: &str, barrier_roads: RoadClass) -> bool {
    if let Some(road) = RoadClass::of_highway(class) {
        return road >= barrier_roads;
    }
    let lower = class.trim().to_ascii_lowercase();
    !MINOR_ROADS.contains(&lower.as_str())
}

/// A pair of estates within `gap_m` of each other. Indices are positions in the estate slice, `a < b`.
#[derive(Debug, Clone, PartialEq)]
pub struct EstatePair {
    pub a: usize,
    pub b: usize,
    /// Shortest distance between the outlines; 0 when they touch or overlap.
    pub gap_m: f64,
    /// The gap segment from `a` to `b`; a single point (start = end) when they touch.
    pub gap: Line<f64>,
    /// From the label (interior) point of `a` to that of `b`, for the adjacency layer.
    pub label_line: Line<f64>,
    /// The barrier that cuts the gap (smallest barrier index among those that do); `None` when adjacent.
    pub blocked_by: Option<String>,
}

impl EstatePair {
    pub fn adjacent(&self) -> bool {
        self.blocked_by.is_none()
    }
}

/// The adjacency graph in compressed sparse rows: the neighbours of estate `i` are
/// `neighbours[offsets[i]..offsets[i + 1]]`, sorted ascending.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdjacencyGraph {
    offsets: Vec<usize>,
    neighbours: Vec<u32>,
}

impl AdjacencyGraph {
    /// The graph of the adjacent (unblocked) pairs over `n` estates.
    pub fn from_pairs(n: usize, pairs: &[EstatePair]) -> AdjacencyGraph {
        AdjacencyGraph::from_edges(n, pairs.iter().filter(|p| p.adjacent()).map(|p| (p.a, p.b)))
    }

    /// The graph of undirected edges over `n` nodes; duplicate edges and self-loops are dropped.
    pub fn from_edges(n: usize, edges: impl Iterator<Item = (usize, usize)> + Clone) -> AdjacencyGraph {
        let mut degree = vec![0usize; n + 1];
        for (a, b) in edges.clone() {
            if a != b && a < n && b < n {
                degree[a] += 1;
                degree[b] += 1;
            }
        }
        let mut offsets = Vec::with_capacity(n + 1);
        let mut total = 0;
        for d in &degree[..n] {
            offsets.push(total);
            total += d;
        }
        offsets.push(total);
        let mut fill = offsets.clone();
        let mut neighbours = vec![0u32; total];
        for (a, b) in edges {
            if a != b && a < n && b < n {
                neighbours[fill[a]] = b as u32;
                fill[a] += 1;
                neighbours[fill[b]] = a as u32;
                fill[b] += 1;
            }
        }
        // Sort and deduplicate each row, then compact.
        let mut compact = Vec::with_capacity(total);
        let mut new_offsets = Vec::with_capacity(n + 1);
        for i in 0..n {
            new_offsets.push(compact.len());
            let row = &mut neighbours[offsets[i]..offsets[i + 1]];
            row.sort_unstable();
            let start = compact.len();
            for &v in row.iter() {
                if compact.len() == start || compact[compact.len() - 1] != v {
                    compact.push(v);
                }
            }
        }
        new_offsets.push(compact.len());
        AdjacencyGraph { offsets: new_offsets, neighbours: compact }
    }

    /// Number of nodes (estates).
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of undirected edges.
    pub fn n_edges(&self) -> usize {
        self.neighbours.len() / 2
    }

    pub fn neighbours(&self, i: usize) -> &[u32] {
        &self.neighbours[self.offsets[i]..self.offsets[i + 1]]
    }
}

/// An estate's boundary segments and envelope.
struct Outline {
    segments: Vec<Line<f64>>,
    min: Coord<f64>,
    max: Coord<f64>,
}

impl Outline {
    fn new(polygon: &MultiPolygon<f64>) -> Option<Outline> {
        let mut segments = Vec::new();
        for p in &polygon.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                segments.extend(ring.lines().filter(|l| l.start.x.is_finite() && l.start.y.is_finite() && l.end.x.is_finite() && l.end.y.is_finite()));
            }
        }
        let first = segments.first()?.start;
        let (mut min, mut max) = (first, first);
        for s in &segments {
            for c in [s.start, s.end] {
                min = Coord { x: min.x.min(c.x), y: min.y.min(c.y) };
                max = Coord { x: max.x.max(c.x), y: max.y.max(c.y) };
            }
        }
        Some(Outline { segments, min, max })
    }

    /// Whether the segment's envelope comes within `d` of this outline's envelope.
    fn near(&self, s: &Line<f64>, d: f64) -> bool {
        s.start.x.max(s.end.x) >= self.min.x - d
            && s.start.x.min(s.end.x) <= self.max.x + d
            && s.start.y.max(s.end.y) >= self.min.y - d
            && s.start.y.min(s.end.y) <= self.max.y + d
    }

    fn envelope_gap(&self, other: &Outline) -> f64 {
        let dx = (other.min.x - self.max.x).max(self.min.x - other.max.x).max(0.0);
        let dy = (other.min.y - self.max.y).max(self.min.y - other.max.y).max(0.0);
        (dx * dx + dy * dy).sqrt()
    }
}

fn sub(a: Coord<f64>, b: Coord<f64>) -> Coord<f64> {
    Coord { x: a.x - b.x, y: a.y - b.y }
}

fn dot(a: Coord<f64>, b: Coord<f64>) -> f64 {
    a.x * b.x + a.y * b.y
}

/// The closest points of two segments and their squared distance (Ericson §5.1.9).
pub fn closest_points_of_segments(s1: &Line<f64>, s2: &Line<f64>) -> (f64, Coord<f64>, Coord<f64>) {
    const EPS: f64 = 1e-18;
    let d1 = sub(s1.end, s1.start);
    let d2 = sub(s2.end, s2.start);
    let r = sub(s1.start, s2.start);
    let a = dot(d1, d1);
    let e = dot(d2, d2);
    let f = dot(d2, r);
    let (s, t);
    if a <= EPS && e <= EPS {
        s = 0.0;
        t = 0.0;
    } else if a <= EPS {
        s = 0.0;
        t = (f / e).clamp(0.0, 1.0);
    } else {
        let c = dot(d1, r);
        if e <= EPS {
            t = 0.0;
            s = (-c / a).clamp(0.0, 1.0);
        } else {
            let b = dot(d1, d2);
            let denom = a * e - b * b;
            let s0 = if denom > EPS * a * e { ((b * f - c * e) / denom).clamp(0.0, 1.0) } else { 0.0 };
            let t0 = (b * s0 + f) / e;
            if t0 < 0.0 {
                t = 0.0;
                s = (-c / a).clamp(0.0, 1.0);
            } else if t0 > 1.0 {
                t = 1.0;
                s = ((b - c) / a).clamp(0.0, 1.0);
            } else {
                t = t0;
                s = s0;
            }
        }
    }
    let c1 = Coord { x: s1.start.x + d1.x * s, y: s1.start.y + d1.y * s };
    let c2 = Coord { x: s2.start.x + d2.x * t, y: s2.start.y + d2.y * t };
    let d = sub(c1, c2);
    (dot(d, d), c1, c2)
}

/// How two estates meet.
#[derive(Debug, Clone, PartialEq)]
enum Meeting {
    Apart { gap_m: f64, gap: Line<f64> },
    Touching { at: Coord<f64>, contacts: Vec<Coord<f64>> },
}

/// How `a` and `b` meet, or `None` when their gap exceeds `gap_m`.
fn meeting(a: &Outline, pa: &MultiPolygon<f64>, b: &Outline, pb: &MultiPolygon<f64>, gap_m: f64) -> Option<Meeting> {
    if a.envelope_gap(b) > gap_m {
        return None;
    }
    let near_a: Vec<&Line<f64>> = a.segments.iter().filter(|s| b.near(s, gap_m)).collect();
    let near_b: Vec<&Line<f64>> = b.segments.iter().filter(|s| a.near(s, gap_m)).collect();
    let tol2 = TOUCH_TOLERANCE_M * TOUCH_TOLERANCE_M;
    let mut best = (f64::INFINITY, Coord { x: 0.0, y: 0.0 }, Coord { x: 0.0, y: 0.0 });
    let mut contacts = Vec::new();
    for sa in &near_a {
        for sb in &near_b {
            let found = closest_points_of_segments(sa, sb);
            if found.0 < best.0 {
                best = found;
            }
            if found.0 <= tol2 {
                // Where the two segments meet: their endpoints on the other, the crossing, and the
                // middle of the shared stretch.
                let first = contacts.len();
                for (p, other) in [(sa.start, sb), (sa.end, sb), (sb.start, sa), (sb.end, sa)] {
                    let single = Line::new(p, p);
                    if closest_points_of_segments(&single, other).0 <= tol2 {
                        contacts.push(p);
                    }
                }
                contacts.push(found.1);
                let added = &contacts[first..];
                let n = added.len() as f64;
                let mid = Coord { x: added.iter().map(|c| c.x).sum::<f64>() / n, y: added.iter().map(|c| c.y).sum::<f64>() / n };
                contacts.push(mid);
            }
        }
    }
    if best.0 <= tol2 {
        return Some(Meeting::Touching { at: best.1, contacts });
    }
    // One inside the other without the outlines meeting.
    let first_a = a.segments[0].start;
    let first_b = b.segments[0].start;
    if pb.intersects(&first_a) {
        return Some(Meeting::Touching { at: first_a, contacts: a.segments.iter().map(|s| s.start).collect() });
    }
    if pa.intersects(&first_b) {
        return Some(Meeting::Touching { at: first_b, contacts: b.segments.iter().map(|s| s.start).collect() });
    }
    let gap_m_found = best.0.sqrt();
    (gap_m_found <= gap_m).then(|| Meeting::Apart { gap_m: gap_m_found, gap: Line::new(best.1, best.2) })
}

/// The blocking barriers, indexed.
struct BarrierIndex {
    lines: RTree<GeomWithData<RLine<[f64; 2]>, u32>>,
    areas: Vec<(u32, Polygon<f64>)>,
    area_boxes: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>,
}

fn collect_barrier_parts(g: &Geometry<f64>, index: u32, lines: &mut Vec<GeomWithData<RLine<[f64; 2]>, u32>>, areas: &mut Vec<(u32, Polygon<f64>)>) {
    let push_ring = |ls: &geo_types::LineString<f64>, lines: &mut Vec<GeomWithData<RLine<[f64; 2]>, u32>>| {
        for l in ls.lines() {
            lines.push(GeomWithData::new(RLine::new([l.start.x, l.start.y], [l.end.x, l.end.y]), index));
        }
    };
    match g {
        Geometry::Point(_) | Geometry::MultiPoint(_) => {}
        Geometry::Line(l) => lines.push(GeomWithData::new(RLine::new([l.start.x, l.start.y], [l.end.x, l.end.y]), index)),
        Geometry::LineString(ls) => push_ring(ls, lines),
        Geometry::MultiLineString(mls) => mls.0.iter().for_each(|ls| push_ring(ls, lines)),
        Geometry::Polygon(p) => {
            std::iter::once(p.exterior()).chain(p.interiors()).for_each(|r| push_ring(r, lines));
            areas.push((index, p.clone()));
        }
        Geometry::MultiPolygon(mp) => {
            for p in &mp.0 {
                std::iter::once(p.exterior()).chain(p.interiors()).for_each(|r| push_ring(r, lines));
                areas.push((index, p.clone()));
            }
        }
        Geometry::Rect(r) => collect_barrier_parts(&Geometry::Polygon(r.to_polygon()), index, lines, areas),
        Geometry::Triangle(t) => collect_barrier_parts(&Geometry::Polygon(t.to_polygon()), index, lines, areas),
        Geometry::GeometryCollection(gc) => gc.0.iter().for_each(|g| collect_barrier_parts(g, index, lines, areas)),
    }
}

impl BarrierIndex {
    fn new(barriers: &[Barrier], barrier_roads: RoadClass) -> BarrierIndex {
        let mut lines = Vec::new();
        let mut areas = Vec::new();
        for (i, b) in barriers.iter().enumerate() {
            if barrier_blocks(&b.class, barrier_roads) {
                collect_barrier_parts(&b.geometry, i as u32, &mut lines, &mut areas);
            }
        }
        let area_boxes = areas
            .iter()
            .enumerate()
            .filter_map(|(k, (_, p))| {
                let r = geo::BoundingRect::bounding_rect(p)?;
                Some(GeomWithData::new(Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]), k as u32))
            })
            .collect();
        BarrierIndex { lines: RTree::bulk_load(lines), areas, area_boxes: RTree::bulk_load(area_boxes) }
    }

    /// The smallest barrier index whose area holds `c`.
    fn area_holding(&self, c: Coord<f64>) -> Option<u32> {
        self.area_boxes
            .locate_all_at_point(&[c.x, c.y])
            .filter(|k| self.areas[k.data as usize].1.intersects(&c))
            .map(|k| self.areas[k.data as usize].0)
            .min()
    }

    /// The smallest barrier index that the segment crosses or touches, or whose area holds its middle.
    fn cutting_segment(&self, s: &Line<f64>) -> Option<u32> {
        let envelope = AABB::from_corners([s.start.x.min(s.end.x), s.start.y.min(s.end.y)], [s.start.x.max(s.end.x), s.start.y.max(s.end.y)]);
        let by_line = self
            .lines
            .locate_in_envelope_intersecting(&envelope)
            .filter(|l| {
                let barrier = Line::new(Coord { x: l.geom().from[0], y: l.geom().from[1] }, Coord { x: l.geom().to[0], y: l.geom().to[1] });
                barrier.intersects(s)
            })
            .map(|l| l.data)
            .min();
        let middle = Coord { x: (s.start.x + s.end.x) / 2.0, y: (s.start.y + s.end.y) / 2.0 };
        by_line.into_iter().chain(self.area_holding(middle)).min()
    }

    /// The smallest barrier index within `CONTACT_BARRIER_M` of `c` or whose area holds it.
    fn near_point(&self, c: Coord<f64>) -> Option<u32> {
        let by_line = self.lines.locate_within_distance([c.x, c.y], CONTACT_BARRIER_M * CONTACT_BARRIER_M).map(|l| l.data).min();
        by_line.into_iter().chain(self.area_holding(c)).min()
    }
}

/// The label point of an estate: an interior point, else the first vertex.
pub fn label_point(polygon: &MultiPolygon<f64>) -> Option<Point<f64>> {
    polygon.interior_point().or_else(|| polygon.0.first().and_then(|p| p.exterior().0.first().map(|&c| Point(c))))
}

/// Every pair of estates within `gap_m`, with the barrier that cuts it if any, sorted by `(a, b)`.
/// Estates without usable geometry have no pairs.
pub fn estate_pairs(estates: &[Estate], barriers: &[Barrier], gap_m: f64, barrier_roads: RoadClass) -> Vec<EstatePair> {
    let outlines: Vec<Option<Outline>> = estates.par_iter().map(|e| Outline::new(&e.polygon)).collect();
    let labels: Vec<Option<Point<f64>>> = estates.par_iter().map(|e| label_point(&e.polygon)).collect();
    let tree = RTree::bulk_load(
        outlines
            .iter()
            .enumerate()
            .filter_map(|(i, o)| o.as_ref().map(|o| GeomWithData::new(Rectangle::from_corners([o.min.x, o.min.y], [o.max.x, o.max.y]), i as u32)))
            .collect(),
    );
    let barrier_index = BarrierIndex::new(barriers, barrier_roads);
    let per_estate: Vec<Vec<EstatePair>> = (0..estates.len())
        .into_par_iter()
        .map(|i| {
            let Some(oa) = outlines[i].as_ref() else { return Vec::new() };
            let search = AABB::from_corners([oa.min.x - gap_m, oa.min.y - gap_m], [oa.max.x + gap_m, oa.max.y + gap_m]);
            let mut js: Vec<usize> = tree.locate_in_envelope_intersecting(&search).map(|r| r.data as usize).filter(|&j| j > i).collect();
            js.sort_unstable();
            let mut found = Vec::new();
            for j in js {
                let Some(ob) = outlines[j].as_ref() else { continue };
                let Some(meet) = meeting(oa, &estates[i].polygon, ob, &estates[j].polygon, gap_m) else { continue };
                let (gap_m_found, gap, blocked) = match meet {
                    Meeting::Apart { gap_m, gap } => (gap_m, gap, barrier_index.cutting_segment(&gap)),
                    Meeting::Touching { at, mut contacts } => {
                        contacts.sort_by(|p, q| p.x.total_cmp(&q.x).then(p.y.total_cmp(&q.y)));
                        contacts.dedup();
                        // Cut only when every contact point is near a barrier; stop at the first free one.
                        let mut blocked = None;
                        for &c in &contacts {
                            match barrier_index.near_point(c) {
                                None => {
                                    blocked = None;
                                    break;
                                }
                                Some(k) => blocked = Some(blocked.map_or(k, |b: u32| b.min(k))),
                            }
                        }
                        (0.0, Line::new(at, at), blocked)
                    }
                };
                let label_a = labels[i].map_or(gap.start, |p| p.0);
                let label_b = labels[j].map_or(gap.end, |p| p.0);
                found.push(EstatePair {
                    a: i,
                    b: j,
                    gap_m: gap_m_found,
                    gap,
                    label_line: Line::new(label_a, label_b),
                    blocked_by: blocked.map(|k| barriers[k as usize].id.clone()),
                });
            }
            found
        })
        .collect();
    per_estate.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{estate, rect};
    use geo_types::{line_string, polygon};

    fn barrier(id: &str, class: &str, geometry: Geometry<f64>) -> Barrier {
        Barrier { id: id.into(), class: class.into(), geometry }
    }

    #[test]
    fn road_classes_are_ordered_and_links_count_as_their_road() {
        assert!(RoadClass::Motorway > RoadClass::Trunk && RoadClass::Trunk > RoadClass::Primary);
        assert!(RoadClass::Primary > RoadClass::Secondary && RoadClass::Secondary > RoadClass::Tertiary);
        assert_eq!(RoadClass::of_highway("primary_link"), Some(RoadClass::Primary));
        assert!(barrier_blocks("trunk", RoadClass::Primary));
        assert!(barrier_blocks("primary", RoadClass::Primary));
        assert!(!barrier_blocks("secondary", RoadClass::Primary));
        assert!(barrier_blocks("secondary", RoadClass::Secondary));
        assert!(!barrier_blocks("residential", RoadClass::Tertiary));
        for always in ["rail", "light_rail", "river", "canal", "water", "wall"] {
            assert!(barrier_blocks(always, RoadClass::Motorway), "{always}");
        }
        assert!("Motorway".parse::<RoadClass>().is_ok() && "footway".parse::<RoadClass>().is_err());
    }

    #[test]
    fn segment_closest_points_hand_worked() {
        // Parallel, overlapping in x: 3 m apart.
        let (d2, _, _) = closest_points_of_segments(&Line::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 10.0, y: 0.0 }), &Line::new(Coord { x: 5.0, y: 3.0 }, Coord { x: 15.0, y: 3.0 }));
        assert!((d2 - 9.0).abs() < 1e-12);
        // Crossing: distance 0 at (5, 0).
        let (d2, c1, _) = closest_points_of_segments(&Line::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 10.0, y: 0.0 }), &Line::new(Coord { x: 5.0, y: -5.0 }, Coord { x: 5.0, y: 5.0 }));
        assert!(d2 < 1e-20 && (c1.x - 5.0).abs() < 1e-12);
        // End to end: (10,0) to (13,4) is 5 m.
        let (d2, c1, c2) = closest_points_of_segments(&Line::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 10.0, y: 0.0 }), &Line::new(Coord { x: 13.0, y: 4.0 }, Coord { x: 20.0, y: 9.0 }));
        assert!((d2 - 25.0).abs() < 1e-9 && c1 == Coord { x: 10.0, y: 0.0 } && c2 == Coord { x: 13.0, y: 4.0 });
        // A degenerate segment (a point) against a segment: perpendicular foot.
        let (d2, _, c2) = closest_points_of_segments(&Line::new(Coord { x: 4.0, y: 7.0 }, Coord { x: 4.0, y: 7.0 }), &Line::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 10.0, y: 0.0 }));
        assert!((d2 - 49.0).abs() < 1e-12 && c2 == Coord { x: 4.0, y: 0.0 });
    }

    #[test]
    fn gap_threshold_is_inclusive_and_distance_exact_for_diagonal_neighbours() {
        let estates = [
            estate("a", rect(0.0, 0.0, 100.0, 100.0)),
            estate("b", rect(130.0, 0.0, 230.0, 100.0)), // 30 m east of a: adjacent at the limit
            estate("c", rect(0.0, 130.01, 100.0, 230.0)), // 30.01 m north of a: too far
            estate("d", rect(118.0, 124.0, 200.0, 200.0)), // corner to corner (100,100)-(118,124): 30 m
        ];
        let pairs = estate_pairs(&estates, &[], 30.0, RoadClass::Primary);
        let found: Vec<(usize, usize, f64)> = pairs.iter().map(|p| (p.a, p.b, p.gap_m)).collect();
        // b-d: b's top edge y=100 from x 130..230 and d's bottom y=124 → 24 m (overlap in x).
        // c-d: c's right edge x=100 (y 130.01..230) and d's left edge x=118 → 18 m.
        assert_eq!(found.len(), 4, "{found:?}");
        assert_eq!((found[0].0, found[0].1), (0, 1));
        assert!((found[0].2 - 30.0).abs() < 1e-9);
        assert_eq!((found[1].0, found[1].1), (0, 3));
        assert!((found[1].2 - 30.0).abs() < 1e-9);
        assert_eq!((found[2].0, found[2].1), (1, 3));
        assert!((found[2].2 - 24.0).abs() < 1e-9);
        assert_eq!((found[3].0, found[3].1), (2, 3));
        assert!((found[3].2 - 18.0).abs() < 1e-9);
        let graph = AdjacencyGraph::from_pairs(estates.len(), &pairs);
        assert_eq!(graph.neighbours(3), &[0, 1, 2]);
        assert_eq!(graph.n_edges(), 4);
    }

    #[test]
    fn primary_road_along_a_shared_edge_separates_but_a_secondary_does_not() {
        // Two estates mapped up to the centre line y = 100 of the road between them.
        let estates = [estate("south", rect(0.0, 0.0, 100.0, 100.0)), estate("north", rect(0.0, 100.0, 100.0, 200.0))];
        let road = |class: &str| barrier("w5", class, Geometry::LineString(line_string![(x: -50.0, y: 100.0), (x: 150.0, y: 100.0)]));
        let pairs = estate_pairs(&estates, &[road("primary")], 30.0, RoadClass::Primary);
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].gap_m, 0.0);
        assert_eq!(pairs[0].blocked_by.as_deref(), Some("w5"));
        let pairs = estate_pairs(&estates, &[road("secondary")], 30.0, RoadClass::Primary);
        assert!(pairs[0].adjacent());
        // With secondary roads as barriers, it separates again.
        let pairs = estate_pairs(&estates, &[road("secondary")], 30.0, RoadClass::Secondary);
        assert!(!pairs[0].adjacent());
        // A railway crossing the shared edge at x = 50 leaves the corners connected.
        let rail = barrier("w6", "rail", Geometry::LineString(line_string![(x: 50.0, y: -100.0), (x: 50.0, y: 300.0)]));
        assert!(estate_pairs(&estates, &[rail], 30.0, RoadClass::Primary)[0].adjacent());
    }

    #[test]
    fn water_area_in_the_gap_blocks_and_a_point_barrier_does_not() {
        let estates = [estate("a", rect(0.0, 0.0, 100.0, 100.0)), estate("b", rect(125.0, 0.0, 225.0, 100.0))];
        // A pond filling the whole gap from x 101 to 124: the gap segment lies inside it.
        let pond = barrier("w7", "water", Geometry::Polygon(polygon![(x: 100.5, y: -10.0), (x: 124.5, y: -10.0), (x: 124.5, y: 110.0), (x: 100.5, y: 110.0)]));
        let pairs = estate_pairs(&estates, &[pond], 30.0, RoadClass::Primary);
        assert_eq!(pairs[0].blocked_by.as_deref(), Some("w7"));
        let tree = barrier("n1", "rail", Geometry::Point(Point::new(112.0, 50.0)));
        assert!(estate_pairs(&estates, &[tree], 30.0, RoadClass::Primary)[0].adjacent());
    }

    #[test]
    fn estate_inside_another_touches_it_and_empty_estates_have_no_pairs() {
        let estates = [estate("big", rect(0.0, 0.0, 1000.0, 1000.0)), estate("small", rect(400.0, 400.0, 500.0, 500.0)), estate("empty", MultiPolygon(vec![]))];
        let pairs = estate_pairs(&estates, &[], 30.0, RoadClass::Primary);
        assert_eq!(pairs.len(), 1);
        assert_eq!((pairs[0].a, pairs[0].b, pairs[0].gap_m), (0, 1, 0.0));
        let graph = AdjacencyGraph::from_pairs(3, &pairs);
        assert!(graph.neighbours(2).is_empty());
    }

    #[test]
    fn graph_drops_duplicates_and_self_loops() {
        let g = AdjacencyGraph::from_edges(4, [(0, 1), (1, 0), (2, 2), (3, 1), (0, 1)].into_iter());
        assert_eq!(g.neighbours(0), &[1]);
        assert_eq!(g.neighbours(1), &[0, 3]);
        assert!(g.neighbours(2).is_empty());
        assert_eq!(g.n_edges(), 2);
        assert_eq!(g.len(), 4);
    }
}
