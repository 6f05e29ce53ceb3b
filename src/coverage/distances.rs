//! Per estate and category: the walking distance to the nearest facility, the 3 nearest distinct
//! facilities, and every facility within the category's threshold, following the distance contract of
//! [`crate::network`].
//!
//! One bounded multi-label search per category ([`k_nearest_sources`]) from all its facilities' entrances
//! gives every node its 3 nearest facilities within the search radius and all facilities within the
//! threshold. An estate access point on edge `u–v` at `a` metres from `u`, `b` metres off the network,
//! then reads: `b + a + d(u, f)`, `b + (L − a) + d(v, f)`, and, for an entrance of `f` on the same edge
//! at `a_f` after `b_f` metres, `b + |a − a_f| + b_f`. The estate's distance to `f` is the minimum over
//! its access points. The 3 nearest of an access point are among the 3 nearest of `u` or `v` (any
//! facility better at `u` is better at the access point), so reading 3 labels per node is exact; the same
//! holds for facilities within the threshold. Results are sorted by (distance, facility id).
//!
//! ```
//! use geo_types::Coord;
//! use lifecircle::coverage::distances::category_distances;
//! use lifecircle::network::access::{Access, AccessKind, AccessPoint};
//! use lifecircle::network::compounds::{PieceAccess, WayPiece};
//! use lifecircle::network::dijkstra::SourceEntry;
//! use lifecircle::network::graph::WalkGraph;
//! use lifecircle::network::snap::SnapPoint;
//! let c = |x: f64, y: f64| Coord { x, y };
//! let g = WalkGraph::build(&[WayPiece { way: 0, coords: vec![c(0.0, 0.0), c(1000.0, 0.0)], access: PieceAccess::Public }], |_| true);
//! // An estate gate 10 m off the street at 100 m; facilities 5 m off it at 350 m and at 900 m.
//! let gate = AccessPoint { point: c(100.0, 10.0), kind: AccessKind::Gate(0), extra_m: 0.0,
//!     snap: SnapPoint { edge: 0, along_m: 100.0, offset_m: 10.0, on_network: c(100.0, 0.0) } };
//! let access = [Access { points: vec![gate], problem: None }];
//! let entries = [SourceEntry { source: 0, edge: 0, along_m: 350.0, base_m: 5.0 }, SourceEntry { source: 1, edge: 0, along_m: 900.0, base_m: 5.0 }];
//! let (d, _) = category_distances(&g, &access, &entries, 2, 300.0, 1500.0);
//! assert_eq!(d[0].dist_m(), Some(265.0)); // 10 + 250 + 5
//! assert_eq!(d[0].nearest.iter().map(|n| n.source).collect::<Vec<_>>(), vec![0, 1]);
//! assert_eq!(d[0].within.len(), 1);
//! ```

use crate::network::access::Access;
use crate::network::dijkstra::{EdgeEntries, NodeLabels, SearchLimits, SourceEntry, k_nearest_sources, seeds_from_entries};
use crate::network::graph::WalkGraph;
pub use crate::network::estate_search::Route;

/// How many nearest facilities are listed per estate.
pub const NEAREST_COUNT: usize = 3;

/// A facility (by its source rank in the category) at a walking distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SourceDistance {
    pub source: u32,
    /// Walking distance: metres, or effort metres (flat-equivalent) on a DEM.
    pub dist_m: f64,
    /// On a DEM, what the route behind `dist_m` walks and climbs (per-estate searches only).
    pub route: Option<Route>,
}


/// One estate's distances to one category.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EstateDistances {
    /// Up to [`NEAREST_COUNT`] nearest distinct facilities within the search radius, nearest first.
    pub nearest: Vec<SourceDistance>,
    /// Every facility within the threshold, nearest first.
    pub within: Vec<SourceDistance>,
}

impl EstateDistances {
    /// Distance to the nearest facility, `None` when none is within the search radius.
    pub fn dist_m(&self) -> Option<f64> {
        self.nearest.first().map(|n| n.dist_m)
    }
}

/// Distances from one estate's access points, given the search's node labels.
pub fn estate_distances(graph: &WalkGraph, access: &Access, labels: &NodeLabels, same_edge: &EdgeEntries, threshold_m: f64, radius_m: f64) -> EstateDistances {
    let mut candidates: Vec<SourceDistance> = Vec::new();
    for ap in &access.points {
        let base = ap.base_m();
        let edge = &graph.edges[ap.snap.edge as usize];
        let a = ap.snap.along_m;
        let (to_u, to_v) = graph.cost_to_ends(ap.snap.edge, a);
        candidates.extend(labels.labels(edge.u).map(|l| SourceDistance { source: l.source, dist_m: base + to_u + l.dist_m, route: None }));
        candidates.extend(labels.labels(edge.v).map(|l| SourceDistance { source: l.source, dist_m: base + to_v + l.dist_m, route: None }));
        candidates.extend(
            same_edge.on_edge(ap.snap.edge).iter().map(|e| SourceDistance { source: e.source, dist_m: base + graph.cost_between(ap.snap.edge, a, e.along_m) + e.base_m, route: None }),
        );
    }
    // Per facility the minimum, then nearest first (ties by facility rank = id order).
    candidates.sort_by(|x, y| x.source.cmp(&y.source).then(x.dist_m.total_cmp(&y.dist_m)));
    candidates.dedup_by_key(|c| c.source);
    candidates.retain(|c| c.dist_m <= radius_m);
    candidates.sort_by(|x, y| x.dist_m.total_cmp(&y.dist_m).then(x.source.cmp(&y.source)));
    let within = candidates.iter().copied().take_while(|c| c.dist_m <= threshold_m).collect();
    candidates.truncate(NEAREST_COUNT);
    EstateDistances { nearest: candidates, within }
}

/// Distances from every estate to one category whose facilities enter the network at `entries`
/// (`source` = the facility's rank, `n_sources` of them). Returns the per-estate results and the node labels
/// (for service areas).
pub fn category_distances(
    graph: &WalkGraph,
    estates: &[Access],
    entries: &[SourceEntry],
    n_sources: usize,
    threshold_m: f64,
    radius_m: f64,
) -> (Vec<EstateDistances>, NodeLabels) {
    debug_assert!(entries.iter().all(|e| (e.source as usize) < n_sources));
    let seeds = seeds_from_entries(graph, entries);
    let labels = k_nearest_sources(graph, &seeds, &SearchLimits { k: NEAREST_COUNT, radius_m, all_within_m: threshold_m });
    let same_edge = EdgeEntries::new(entries);
    let results = estates.iter().map(|a| estate_distances(graph, a, &labels, &same_edge, threshold_m, radius_m)).collect();
    (results, labels)
}
