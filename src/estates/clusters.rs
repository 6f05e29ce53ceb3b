//! Estates from clusters of residential buildings that stand outside every mapped residential area.
//!
//! Mainland-China OpenStreetMap maps compounds (小区) patchily: in the Nanjing sample, 11 residential areas
//! for ~1,300 buildings. The buildings themselves are mapped far better, so the buildings left over form
//! estates of their own. The rule, with the constants of the profile's `[population]` table:
//! 1. **Candidates**: residential buildings (see `residential.rs`) whose interior point lies in no
//!    existing estate.
//! 2. **Links**: two candidates are linked when their footprints are at most `cluster_gap_m` apart and the
//!    gap between them crosses no street: the shortest segment joining the two footprints must not touch
//!    any way whose `highway=*` value is in `cluster_split_highways` (a street splits compounds; a
//!    compound's internal `service` roads and footpaths do not). Touching or overlapping footprints are
//!    always linked.
//! 3. **Clusters** are the connected components of the links (union-find), a single-linkage clustering
//!    with a street constraint, like DBSCAN with `minPts = 1` (Ester et al. 1996).
//! 4. A cluster of at least `cluster_min_buildings` buildings becomes an estate (source
//!    `building_cluster`): the convex hull of its footprints grown by `cluster_margin_m`, built as the hull
//!    of every footprint vertex offset by the margin in 16 directions (the edges of the grown hull fall
//!    at most `margin × (1 − cos 11.25°)` ≈ 2 % of the margin inside the exact offset). Its id is
//!    `cluster-` followed by the id of its first building in input order (for OSM input, sorted by id:
//!    `cluster-w<smallest building way id>`). It has no name.
//! 5. Each building of a smaller cluster goes to the rejects (layer `estates`) with the reason, unless
//!    its interior point lies in the grown hull of a cluster that did form an estate: it is then in
//!    that estate, whose population estimate counts it, and is no reject.
//!
//! Grown hulls may overlap each other or a mapped residential area; the population estimate then counts
//! each building once (the estate containing its interior point, ties to the smallest id).
//!
//! Cost: one R-tree query per candidate plus, per linked pair, O(v₁·v₂) for the closest points of two
//! footprints of v₁ and v₂ vertices and one R-tree query of the street segments.
//!
//! ```
//! use geo_types::{line_string, polygon, MultiPolygon};
//! use lifecircle::estates::clusters::cluster_estates;
//! use lifecircle::model::{Building, Way};
//! use lifecircle::profile::Profile;
//!
//! let block = |id: &str, x: f64| Building {
//!     id: id.into(), levels: None, use_: "yes".into(), residential: true, lift: None,
//!     footprint: MultiPolygon(vec![polygon![(x: x, y: 0.0), (x: x + 10.0, y: 0.0), (x: x + 10.0, y: 30.0), (x: x, y: 30.0)]]),
//! };
//! // Four blocks 15 m apart; a residential street runs between the second and the third.
//! let buildings = vec![block("w1", 0.0), block("w2", 25.0), block("w3", 50.0), block("w4", 75.0)];
//! let street = Way {
//!     id: "w9".into(), line: line_string![(x: 42.5, y: -50.0), (x: 42.5, y: 80.0)],
//!     tags: [("highway".to_string(), "residential".to_string())].into_iter().collect(),
//! };
//! let rules = Profile::default_profile().population;
//! let out = cluster_estates(&buildings, &[], &[street], &rules, "demo.osm.pbf");
//! let ids: Vec<&str> = out.estates.iter().map(|e| e.id.as_str()).collect();
//! assert_eq!(ids, vec!["cluster-w1", "cluster-w3"]);
//! assert!(out.rejects.is_empty());
//! ```

use crate::geometry::rect::grown;
use crate::geometry::rings::rings;
use crate::index::SpatialIndex;
use crate::model::{Building, Estate, EstateSource, Reject, RejectCode, Way};
use crate::profile::PopulationRules;
use geo::{BoundingRect, ConvexHull, Intersects};
use geo_types::{Coord, Geometry, Line, MultiPoint, MultiPolygon, Point, Rect};
use rayon::prelude::*;

/// What the clustering produced.
#[derive(Debug, Clone, Default)]
pub struct ClusterOutcome {
    /// New estates (`source = BuildingCluster`), in the order of their first building.
    pub estates: Vec<Estate>,
    /// One reject (layer `estates`) per candidate building whose cluster is too small.
    pub rejects: Vec<Reject>,
}

/// Form estates from the residential `buildings` whose interior point lies in none of `estates`, split by
/// the `ways` whose `highway` value is one of `rules.cluster_split_highways`. `source` names the input
/// file in the rejects.
pub fn cluster_estates(buildings: &[Building], estates: &[Estate], ways: &[Way], rules: &PopulationRules, source: &str) -> ClusterOutcome {
    let estate_index = SpatialIndex::new(estates);
    let candidates: Vec<usize> = buildings
        .par_iter()
        .enumerate()
        .filter(|(_, b)| b.residential)
        .filter_map(|(i, b)| {
            let p = crate::estates::population::representative_point(&b.footprint)?;
            estate_index.containing_point(p).is_empty().then_some(i)
        })
        .collect();
    let footprints: Vec<&MultiPolygon<f64>> = candidates.iter().map(|&i| &buildings[i].footprint).collect();
    let footprint_index = SpatialIndex::new(&footprints);
    let street_segments: Vec<Line<f64>> = ways
        .iter()
        .filter(|w| w.tags.get("highway").is_some_and(|h| rules.cluster_split_highways.iter().any(|s| s == h)))
        .flat_map(|w| w.line.lines())
        .collect();
    let street_index = SpatialIndex::new(&street_segments);
    let gap_m = rules.cluster_gap_m;

    let links: Vec<(usize, usize)> = (0..footprints.len())
        .into_par_iter()
        .flat_map_iter(|a| {
            let near = footprints[a].bounding_rect().map(|r| footprint_index.envelope_intersecting(&grown(r, gap_m))).unwrap_or_default();
            let linked: Vec<(usize, usize)> = near
                .into_iter()
                .filter(|&b| b > a)
                .filter(|&b| match footprint_gap(footprints[a], footprints[b]) {
                    Gap::Touching => true,
                    Gap::Apart { distance_m, from, to } => distance_m <= gap_m && !crosses_street(from, to, &street_index),
                })
                .map(|b| (a, b))
                .collect();
            linked
        })
        .collect();

    let mut forest = DisjointSets::new(footprints.len());
    for (a, b) in links {
        forest.union(a, b);
    }
    let mut members_of_root: Vec<Vec<usize>> = vec![Vec::new(); footprints.len()];
    for k in 0..footprints.len() {
        let root = forest.find(k);
        members_of_root[root].push(k);
    }
    let mut clusters: Vec<Vec<usize>> = members_of_root.into_iter().filter(|m| !m.is_empty()).collect();
    clusters.sort_unstable_by_key(|m| m[0]);

    let min_buildings = rules.cluster_min_buildings.max(1);
    // Per cluster: the estate it forms, or (too small) its buildings' positions in `candidates`.
    let per_cluster: Vec<(Option<Estate>, &[usize])> = clusters
        .par_iter()
        .map(|members| {
            let first = &buildings[candidates[members[0]]];
            if members.len() >= min_buildings {
                let hull = grown_hull(members.iter().map(|&k| footprints[k]), rules.cluster_margin_m);
                let estate = Estate::unpopulated(format!("cluster-{}", first.id), None, MultiPolygon(vec![hull]), EstateSource::BuildingCluster);
                return (Some(estate), &[][..]);
            }
            (None, members.as_slice())
        })
        .collect();
    let mut outcome = ClusterOutcome::default();
    let mut too_small = Vec::new();
    for (estate, members) in per_cluster {
        outcome.estates.extend(estate);
        too_small.extend(members.iter().map(|&k| (k, members.len())));
    }
    // A building of a small cluster that stands inside the grown hull of a formed cluster is in that
    // estate (the population estimate counts it there): it is no reject.
    let cluster_index = SpatialIndex::new(&outcome.estates);
    outcome.rejects = too_small
        .par_iter()
        .filter(|&&(k, _)| {
            let b = &buildings[candidates[k]];
            crate::estates::population::representative_point(&b.footprint).is_none_or(|p| cluster_index.containing_point(p).is_empty())
        })
        .map(|&(k, cluster_size)| {
            let b = &buildings[candidates[k]];
            Reject {
                source: source.to_string(),
                layer: "estates".into(),
                source_id: b.id.clone(),
                reason: RejectCode::ClusterTooSmall.reason_for("building", &[("id", &b.id), ("gap", &gap_m), ("n", &cluster_size), ("min", &rules.cluster_min_buildings)]),
                geometry: Some(Geometry::MultiPolygon(b.footprint.clone())),
            }
        })
        .collect();
    outcome
}

/// How two footprints stand to each other.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Gap {
    /// They touch, overlap or one contains the other.
    Touching,
    /// They are disjoint; `from`–`to` is the shortest segment joining them.
    Apart { distance_m: f64, from: Coord<f64>, to: Coord<f64> },
}

/// The gap between two footprints. When no edges meet and neither contains the other, the shortest
/// segment joins a vertex of one to an edge of the other; all pairs are tried (footprints have few vertices).
fn footprint_gap(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> Gap {
    match (a.bounding_rect(), b.bounding_rect()) {
        // Footprints whose bounding boxes are apart can neither touch nor contain each other.
        (Some(ra), Some(rb)) if !(ra.max().x < rb.min().x || rb.max().x < ra.min().x || ra.max().y < rb.min().y || rb.max().y < ra.min().y) => {
            footprint_gap_close(a, b, &ra, &rb)
        }
        _ => closest_pair(a, b),
    }
}

/// The gap when the bounding boxes overlap: edges can only meet inside the overlap of the two boxes, so
/// only the edges that reach into it are tested pairwise; then containment (one vertex decides when no
/// edges meet).
fn footprint_gap_close(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>, ra: &Rect<f64>, rb: &Rect<f64>) -> Gap {
    let overlap = Rect::new(
        Coord { x: ra.min().x.max(rb.min().x), y: ra.min().y.max(rb.min().y) },
        Coord { x: ra.max().x.min(rb.max().x), y: ra.max().y.min(rb.max().y) },
    );
    let reaching = |m: &MultiPolygon<f64>| -> Vec<Line<f64>> {
        rings(m)
            .flat_map(|r| r.lines())
            .filter(|e| {
                let r = e.bounding_rect();
                r.min().x <= overlap.max().x && r.max().x >= overlap.min().x && r.min().y <= overlap.max().y && r.max().y >= overlap.min().y
            })
            .collect()
    };
    let (edges_a, edges_b) = (reaching(a), reaching(b));
    if edges_a.iter().any(|ea| edges_b.iter().any(|eb| ea.intersects(eb))) {
        return Gap::Touching;
    }
    let inside = |outer: &MultiPolygon<f64>, inner: &MultiPolygon<f64>| rings(inner).next().and_then(|r| r.0.first()).is_some_and(|c| outer.intersects(c));
    if inside(a, b) || inside(b, a) {
        return Gap::Touching;
    }
    closest_pair(a, b)
}

/// The shortest vertex-to-edge segment between two disjoint footprints.
fn closest_pair(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> Gap {
    let mut best: Option<(f64, Coord<f64>, Coord<f64>)> = None;
    for (from, to, swap) in [(a, b, false), (b, a, true)] {
        for v in rings(from).flat_map(|r| r.coords()) {
            for seg in rings(to).flat_map(|r| r.lines()) {
                let c = closest_on_segment(*v, seg);
                let d2 = (c.x - v.x).powi(2) + (c.y - v.y).powi(2);
                if best.is_none_or(|(bd, _, _)| d2 < bd) {
                    best = Some(if swap { (d2, c, *v) } else { (d2, *v, c) });
                }
            }
        }
    }
    match best {
        Some((d2, from, to)) => Gap::Apart { distance_m: d2.sqrt(), from, to },
        // An empty footprint is infinitely far from everything.
        None => Gap::Apart { distance_m: f64::INFINITY, from: Coord { x: 0.0, y: 0.0 }, to: Coord { x: 0.0, y: 0.0 } },
    }
}

/// Whether the segment `from`–`to` touches a street segment.
fn crosses_street(from: Coord<f64>, to: Coord<f64>, streets: &SpatialIndex<'_, Line<f64>>) -> bool {
    let gap = Line::new(from, to);
    streets.envelope_intersecting(&gap.bounding_rect()).into_iter().any(|i| streets.items()[i].intersects(&gap))
}

fn closest_on_segment(p: Coord<f64>, seg: Line<f64>) -> Coord<f64> {
    let d = seg.delta();
    let len2 = d.x * d.x + d.y * d.y;
    if len2 == 0.0 {
        return seg.start;
    }
    let t = (((p.x - seg.start.x) * d.x + (p.y - seg.start.y) * d.y) / len2).clamp(0.0, 1.0);
    Coord { x: seg.start.x + t * d.x, y: seg.start.y + t * d.y }
}

/// Convex hull of the footprints' outer vertices, grown by `margin_m`: the hull of the first hull's
/// vertices each offset in 16 directions (the same polygon as offsetting every vertex, since the hull of a
/// Minkowski sum is the Minkowski sum of the hulls, with far fewer points).
fn grown_hull<'a>(footprints: impl Iterator<Item = &'a MultiPolygon<f64>>, margin_m: f64) -> geo_types::Polygon<f64> {
    let vertices: Vec<Point<f64>> = footprints.flat_map(|f| f.0.iter().flat_map(|p| p.exterior().coords().map(|c| Point::from(*c)))).collect();
    let hull = MultiPoint(vertices).convex_hull();
    if margin_m <= 0.0 {
        return hull;
    }
    let directions: Vec<(f64, f64)> = (0..16).map(|k| (k as f64 * std::f64::consts::PI / 8.0).sin_cos()).collect();
    let grown: Vec<Point<f64>> =
        hull.exterior().coords().flat_map(|c| directions.iter().map(move |(s, co)| Point::new(c.x + margin_m * co, c.y + margin_m * s))).collect();
    MultiPoint(grown).convex_hull()
}

/// Union-find with path halving and union by size.
struct DisjointSets {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl DisjointSets {
    fn new(n: usize) -> Self {
        DisjointSets { parent: (0..n).collect(), size: vec![1; n] }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        if self.size[ra] < self.size[rb] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb] = ra;
        self.size[ra] += self.size[rb];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;
    use geo::Area;
    use geo_types::{LineString, line_string, polygon};

    fn block(id: &str, x: f64, y: f64, residential: bool) -> Building {
        Building {
            id: id.into(),
            footprint: MultiPolygon(vec![polygon![(x: x, y: y), (x: x + 10.0, y: y), (x: x + 10.0, y: y + 10.0), (x: x, y: y + 10.0)]]),
            levels: None,
            use_: "yes".into(),
            residential,
            lift: None,
        }
    }

    fn street(id: &str, highway: &str, line: LineString<f64>) -> Way {
        Way { id: id.into(), line, tags: [("highway".to_string(), highway.to_string())].into_iter().collect() }
    }

    fn rules() -> PopulationRules {
        Profile::default_profile().population
    }

    #[test]
    fn a_lone_building_inside_a_formed_clusters_hull_is_in_that_estate_not_rejected() {
        // w1 and w2 (10 m blocks 20 m apart) form a cluster; its hull grown by 5 m spans x -5..45,
        // y -5..15. w3, a 4 m block at (18..22, 11..15), is cut off from both by a residential street
        // along y = 10.5 (x 5..35), which the shortest segments w3–w1 and w3–w2 cross while the w1–w2
        // segment (y 0..10) does not: w3 is a cluster of one, yet its centre (20, 13) is in the hull.
        let w3 = Building {
            id: "w3".into(),
            footprint: MultiPolygon(vec![polygon![(x: 18.0, y: 11.0), (x: 22.0, y: 11.0), (x: 22.0, y: 15.0), (x: 18.0, y: 15.0)]]),
            levels: None,
            use_: "yes".into(),
            residential: true,
            lift: None,
        };
        let buildings = vec![block("w1", 0.0, 0.0, true), block("w2", 30.0, 0.0, true), w3];
        let streets = vec![street("w100", "residential", line_string![(x: 5.0, y: 10.5), (x: 35.0, y: 10.5)])];
        let out = cluster_estates(&buildings, &[], &streets, &rules(), "t.pbf");
        let ids: Vec<&str> = out.estates.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, vec!["cluster-w1"]);
        assert!(out.rejects.is_empty(), "w3 is in cluster-w1, not a reject: {:?}", out.rejects.iter().map(|r| &r.source_id).collect::<Vec<_>>());
        // The population estimate counts all three buildings in the one estate.
        let mut estates = out.estates;
        crate::estates::population::estimate_population(&mut estates, &buildings, &rules());
        assert_eq!(estates[0].n_buildings, 3);
    }

    #[test]
    fn two_groups_split_by_a_street_are_two_estates() {
        // Two rows of 10 m blocks 20 m apart (within the 25 m gap); a tertiary street at x = 45 splits
        // them between x = 40 (end of w2) and x = 60 (start of w3).
        let buildings = vec![block("w1", 0.0, 0.0, true), block("w2", 30.0, 0.0, true), block("w3", 60.0, 0.0, true), block("w4", 90.0, 0.0, true)];
        let streets = vec![street("w100", "tertiary", line_string![(x: 45.0, y: -100.0), (x: 45.0, y: 100.0)])];
        let out = cluster_estates(&buildings, &[], &streets, &rules(), "t.pbf");
        assert_eq!(out.estates.len(), 2);
        assert_eq!(out.estates[0].id, "cluster-w1");
        assert_eq!(out.estates[1].id, "cluster-w3");
        assert_eq!(out.estates[0].source, EstateSource::BuildingCluster);
        // Without the street (or with a service road, which does not split), one estate of four.
        let service = vec![street("w100", "service", line_string![(x: 45.0, y: -100.0), (x: 45.0, y: 100.0)])];
        let out = cluster_estates(&buildings, &[], &service, &rules(), "t.pbf");
        assert_eq!(out.estates.len(), 1);
    }

    #[test]
    fn grown_hull_area_is_close_to_the_exact_offset() {
        // Two blocks 0..10 and 20..30 (gap 10 m): hull 30 × 10 = 300 m²; grown by r = 5 m exactly it would be
        // 300 + perimeter·r + πr² = 300 + 80·5 + 78.54 = 778.54 m². The 16-gon offset inscribes the
        // circle: area 300 + 80·5 + 16·½·r²·sin(22.5°) = 300 + 400 + 76.54 = 776.54 m².
        let buildings = vec![block("w1", 0.0, 0.0, true), block("w2", 20.0, 0.0, true)];
        let out = cluster_estates(&buildings, &[], &[], &rules(), "t.pbf");
        assert_eq!(out.estates.len(), 1);
        let area = out.estates[0].polygon.unsigned_area();
        let expected = 700.0 + 8.0 * 25.0 * (std::f64::consts::PI / 8.0).sin();
        assert!((area - expected).abs() < 1e-6, "{area} vs {expected}");
    }

    #[test]
    fn lone_buildings_far_apart_and_non_residential_ones() {
        // w1 and w2 are 40 m apart (> 25 m): two clusters of one, each rejected. w3 is not residential
        // and w4 stands inside an existing estate: neither is a candidate.
        let buildings = vec![block("w1", 0.0, 0.0, true), block("w2", 50.0, 0.0, true), block("w3", 20.0, 0.0, false), block("w4", 500.0, 500.0, true)];
        let square = MultiPolygon(vec![polygon![(x: 450.0, y: 450.0), (x: 600.0, y: 450.0), (x: 600.0, y: 600.0), (x: 450.0, y: 600.0)]]);
        let estate = Estate::unpopulated("w9", None, square, EstateSource::OsmLanduse);
        let out = cluster_estates(&buildings, &[estate], &[], &rules(), "t.pbf");
        assert!(out.estates.is_empty());
        let rejected: Vec<&str> = out.rejects.iter().map(|r| r.source_id.as_str()).collect();
        assert_eq!(rejected, vec!["w1", "w2"]);
        assert!(out.rejects[0].reason.starts_with("cluster_too_small:"));
        assert_eq!(out.rejects[0].layer, "estates");
    }

    #[test]
    fn gap_limit_is_inclusive_and_touching_blocks_link() {
        // Blocks exactly 25 m apart link; 25.5 m apart do not.
        let mut r = rules();
        r.cluster_min_buildings = 2;
        let exact = vec![block("w1", 0.0, 0.0, true), block("w2", 35.0, 0.0, true)];
        assert_eq!(cluster_estates(&exact, &[], &[], &r, "t").estates.len(), 1);
        let apart = vec![block("w1", 0.0, 0.0, true), block("w2", 35.5, 0.0, true)];
        assert_eq!(cluster_estates(&apart, &[], &[], &r, "t").estates.len(), 0);
        // Touching blocks link even with a street drawn along their shared wall.
        let touching = vec![block("w1", 0.0, 0.0, true), block("w2", 10.0, 0.0, true)];
        let along = vec![street("w5", "residential", line_string![(x: 10.0, y: -5.0), (x: 10.0, y: 15.0)])];
        assert_eq!(cluster_estates(&touching, &[], &along, &r, "t").estates.len(), 1);
    }

    #[test]
    fn gaps_between_footprints() {
        // Square A 0..10², square B 20..30 × 15..25: closest pair (10,10)–(20,15), √(10² + 5²) = 11.18 m.
        let a = block("a", 0.0, 0.0, true).footprint;
        let b = block("b", 20.0, 15.0, true).footprint;
        let d = 125f64.sqrt();
        assert_eq!(footprint_gap(&a, &b), Gap::Apart { distance_m: d, from: Coord { x: 10.0, y: 10.0 }, to: Coord { x: 20.0, y: 15.0 } });
        assert_eq!(footprint_gap(&b, &a), Gap::Apart { distance_m: d, from: Coord { x: 20.0, y: 15.0 }, to: Coord { x: 10.0, y: 10.0 } });
        // Vertex-to-edge: B' 20..30 × 2..12 faces A's right edge 10 m away; A's vertex (10, 10) meets B's
        // left edge at (20, 10) (the first 10 m pair in ring order; B's vertex (20, 2) ties with it).
        let b2 = block("b", 20.0, 2.0, true).footprint;
        assert_eq!(footprint_gap(&a, &b2), Gap::Apart { distance_m: 10.0, from: Coord { x: 10.0, y: 10.0 }, to: Coord { x: 20.0, y: 10.0 } });
        // Crossing without a vertex inside (a plus sign), and containment: touching.
        let wide = MultiPolygon(vec![polygon![(x: -5.0, y: 4.0), (x: 15.0, y: 4.0), (x: 15.0, y: 6.0), (x: -5.0, y: 6.0)]]);
        let tall = MultiPolygon(vec![polygon![(x: 4.0, y: -5.0), (x: 6.0, y: -5.0), (x: 6.0, y: 15.0), (x: 4.0, y: 15.0)]]);
        assert_eq!(footprint_gap(&wide, &tall), Gap::Touching);
        let small = MultiPolygon(vec![polygon![(x: 2.0, y: 2.0), (x: 3.0, y: 2.0), (x: 3.0, y: 3.0)]]);
        assert_eq!(footprint_gap(&a, &small), Gap::Touching);
        assert_eq!(footprint_gap(&small, &a), Gap::Touching);
    }
}
