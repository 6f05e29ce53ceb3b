//! Which demand estates a candidate site reaches within a threshold: one bounded Dijkstra (1959) per
//! candidate from its access point, run in parallel over candidates (rayon; each search is independent, so
//! the result does not depend on the thread count).
//!
//! Distances follow the contract of [`crate::network`], seen from the site: the site's access point on
//! edge `e` at `a` metres after `b` metres off the network seeds `e`'s end nodes with `b + a` and
//! `b + (L − a)`; a settled node `n` at distance `d` reaches a demand access point on an incident edge
//! at `d + (along or L − along) + base`; an access point on the site's own edge is also reached directly at
//! `b + |a − along| + base`. The estate's distance is the minimum over its access points, exactly what
//! [`crate::coverage::distances::estate_distances`] computes with the site as a facility (walking is
//! undirected). The search stops at the threshold, so each one touches only the few hundred metres
//! around its candidate: far cheaper than one multi-label search with every uncovered estate as a source
//! when estates are dense.
//!
//! ```
//! use geo_types::Coord;
//! use lifecircle::network::compounds::{PieceAccess, WayPiece};
//! use lifecircle::network::dijkstra::{EdgeEntries, SourceEntry};
//! use lifecircle::network::graph::WalkGraph;
//! use lifecircle::siting::reach::demand_within;
//! let c = |x: f64, y: f64| Coord { x, y };
//! let g = WalkGraph::build(&[WayPiece { way: 0, coords: vec![c(0.0, 0.0), c(100.0, 0.0)], access: PieceAccess::Public },
//!                            WayPiece { way: 1, coords: vec![c(100.0, 0.0), c(500.0, 0.0)], access: PieceAccess::Public }], |_| true);
//! // Demand 0 enters edge 1 at 250 m (5 m off), demand 1 at 390 m; the site enters edge 0 at 50 m, 10 m off.
//! let demand = EdgeEntries::new(&[SourceEntry { source: 0, edge: 1, along_m: 250.0, base_m: 5.0 },
//!                                 SourceEntry { source: 1, edge: 1, along_m: 390.0, base_m: 5.0 }]);
//! let site = SourceEntry { source: 0, edge: 0, along_m: 50.0, base_m: 10.0 };
//! // 10 + 50 + 250 + 5 = 315 ≤ 400; demand 1 needs 455.
//! assert_eq!(demand_within(&g, &site, &demand, 400.0), vec![(0, 315.0)]);
//! ```

use crate::network::dijkstra::{EdgeEntries, SourceEntry};
use crate::network::graph::{FxHashMap, WalkGraph};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Demand ranks within `threshold_m` of a site entering the network at `site` (its `source` is ignored),
/// with their distances, sorted by rank.
pub fn demand_within(graph: &WalkGraph, site: &SourceEntry, demand: &EdgeEntries, threshold_m: f64) -> Vec<(u32, f64)> {
    let mut best: FxHashMap<u32, f64> = FxHashMap::default();
    let mut offer = |rank: u32, d: f64| {
        if d <= threshold_m {
            let slot = best.entry(rank).or_insert(f64::INFINITY);
            if d < *slot {
                *slot = d;
            }
        }
    };
    let Some(edge) = graph.edges.get(site.edge as usize) else { return Vec::new() };
    for e in demand.on_edge(site.edge) {
        offer(e.source, site.base_m + (site.along_m - e.along_m).abs() + e.base_m);
    }
    let mut settled: FxHashMap<u32, f64> = FxHashMap::default();
    let mut heap: BinaryHeap<Reverse<(u64, u32)>> = BinaryHeap::new();
    for (node, d) in [(edge.u, site.base_m + site.along_m), (edge.v, site.base_m + (edge.length_m - site.along_m))] {
        if d.is_finite() && d >= 0.0 && d <= threshold_m {
            heap.push(Reverse((d.to_bits(), node)));
        }
    }
    while let Some(Reverse((bits, node))) = heap.pop() {
        if settled.contains_key(&node) {
            continue;
        }
        let d = f64::from_bits(bits);
        settled.insert(node, d);
        for arc in graph.neighbours(node) {
            let e = &graph.edges[arc.edge as usize];
            for entry in demand.on_edge(arc.edge) {
                let along = if e.u == node { entry.along_m } else { e.length_m - entry.along_m };
                offer(entry.source, d + along + entry.base_m);
            }
            let next = d + arc.length_m;
            if next <= threshold_m && !settled.contains_key(&arc.to) {
                heap.push(Reverse((next.to_bits(), arc.to)));
            }
        }
    }
    let mut out: Vec<(u32, f64)> = best.into_iter().collect();
    out.sort_unstable_by_key(|&(r, _)| r);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::distances::category_distances;
    use crate::coverage::synthetic_city::SplitMix64;
    use crate::network::access::{Access, AccessKind, AccessPoint};
    use crate::network::compounds::{PieceAccess, WayPiece};
    use crate::network::snap::SnapPoint;
    use geo_types::Coord;

    #[test]
    fn matches_the_multi_label_search_on_a_random_grid() {
        // A 12 × 12 street grid at 50 m; 60 random demand entries and 40 random sites. Oracle: the
        // coverage module's multi-source search with the demand entries as sources.
        let c = |x: f64, y: f64| Coord { x, y };
        let mut pieces = Vec::new();
        for i in 0..12 {
            let f = i as f64 * 50.0;
            pieces.push(WayPiece { way: pieces.len() as u32, coords: (0..12).map(|j| c(j as f64 * 50.0, f)).collect(), access: PieceAccess::Public });
            pieces.push(WayPiece { way: pieces.len() as u32, coords: (0..12).map(|j| c(f, j as f64 * 50.0)).collect(), access: PieceAccess::Public });
        }
        let g = WalkGraph::build(&pieces, |_| true);
        let mut rng = SplitMix64(3);
        let entry = |source: u32, rng: &mut SplitMix64| {
            let edge = rng.below(g.edges.len()) as u32;
            SourceEntry { source, edge, along_m: rng.range(0.0, g.edges[edge as usize].length_m), base_m: rng.range(0.0, 30.0) }
        };
        let demand: Vec<SourceEntry> = (0..60).map(|s| entry(s / 2, &mut rng)).collect(); // 30 estates, 2 access points each
        let sites: Vec<SourceEntry> = (0..40).map(|_| entry(0, &mut rng)).collect();
        let threshold = 300.0;
        let access: Vec<Access> = sites
            .iter()
            .map(|s| Access {
                points: vec![AccessPoint {
                    point: c(0.0, 0.0),
                    kind: AccessKind::Point,
                    extra_m: 0.0,
                    snap: SnapPoint { edge: s.edge, along_m: s.along_m, offset_m: s.base_m, on_network: c(0.0, 0.0) },
                }],
                problem: None,
            })
            .collect();
        let (oracle, _) = category_distances(&g, &access, &demand, 30, threshold, threshold);
        let index = EdgeEntries::new(&demand);
        let mut pairs = 0;
        for (s, o) in sites.iter().zip(&oracle) {
            let mut want: Vec<(u32, f64)> = o.within.iter().map(|w| (w.source, w.dist_m)).collect();
            want.sort_unstable_by_key(|&(r, _)| r);
            let got = demand_within(&g, s, &index, threshold);
            assert_eq!(got.len(), want.len());
            for (a, b) in got.iter().zip(&want) {
                assert_eq!(a.0, b.0);
                assert!((a.1 - b.1).abs() < 1e-9, "{a:?} vs {b:?}");
            }
            pairs += got.len();
        }
        assert!(pairs > 40, "the instance should have reachable pairs: {pairs}");
    }
}
