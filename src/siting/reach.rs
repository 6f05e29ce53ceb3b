//! Which candidate sites a demand estate reaches within a threshold: one bounded Dijkstra (1959) per
//! demand estate, seeded from all its access points, run in parallel over estates (rayon; each search is
//! independent, so the result does not depend on the thread count).
//!
//! Distances follow the contract of [`crate::network`]: an entry (access point) on edge `e` at `a`
//! metres after `b` metres off the network seeds `e`'s end nodes with `b + a` and `b + (L − a)`; a
//! settled node `n` at distance `d` reaches an entry of the other side on an incident edge at
//! `d + (along or L − along) + base`; two entries on the same edge also meet directly at
//! `b + |a − along| + base`. Walking is undirected, so searching from the estate gives the distances
//! [`crate::coverage::distances::estate_distances`] computes with the site as a facility, the minimum
//! over the estate's access points (up to the order of the floating-point sums). The search stops at the
//! threshold, so each one touches only the few hundred metres around its estate. Searching from the
//! estates rather than from the candidates does far fewer searches when derived open land gives ten
//! candidates per estate.
//!
//! Per thread, one scratch array per network node (stamped, so it is not cleared between searches)
//! replaces hash maps.
//!
//! ```
//! use geo_types::Coord;
//! use lifecircle::network::compounds::{PieceAccess, WayPiece};
//! use lifecircle::network::dijkstra::{EdgeEntries, SourceEntry};
//! use lifecircle::network::graph::WalkGraph;
//! use lifecircle::siting::reach::entries_within;
//! let c = |x: f64, y: f64| Coord { x, y };
//! let g = WalkGraph::build(&[WayPiece { way: 0, coords: vec![c(0.0, 0.0), c(100.0, 0.0)], access: PieceAccess::Public },
//!                            WayPiece { way: 1, coords: vec![c(100.0, 0.0), c(500.0, 0.0)], access: PieceAccess::Public }], |_| true);
//! // Site 0 enters edge 1 at 250 m (5 m off), site 1 at 390 m; the estate enters edge 0 at 50 m, 10 m off.
//! let sites = EdgeEntries::new(&[SourceEntry { source: 0, edge: 1, along_m: 250.0, base_m: 5.0 },
//!                                SourceEntry { source: 1, edge: 1, along_m: 390.0, base_m: 5.0 }]);
//! let estate = [SourceEntry { source: 0, edge: 0, along_m: 50.0, base_m: 10.0 }];
//! // 10 + 50 + 250 + 5 = 315 ≤ 400; site 1 needs 455.
//! assert_eq!(entries_within(&g, &estate, &sites, 400.0), vec![(0, 315.0)]);
//! ```

use crate::network::dijkstra::{EdgeEntries, SourceEntry};
use crate::network::graph::WalkGraph;
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Per-thread search state: `stamp[n] == search` marks node `n` settled in the current search.
#[derive(Default)]
struct Scratch {
    search: u32,
    stamp: Vec<u32>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
    best: Vec<(u32, f64)>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// The entries of `to` (by their `source`) within `threshold_m` of the nearest of the entries `from`,
/// with their distances, sorted by source.
pub fn entries_within(graph: &WalkGraph, from: &[SourceEntry], to: &EdgeEntries, threshold_m: f64) -> Vec<(u32, f64)> {
    SCRATCH.with(|cell| {
        let mut scratch = cell.borrow_mut();
        let Scratch { search, stamp, heap, best } = &mut *scratch;
        if stamp.len() < graph.node_xy.len() {
            stamp.resize(graph.node_xy.len(), 0);
        }
        *search = search.wrapping_add(1);
        if *search == 0 {
            stamp.iter_mut().for_each(|s| *s = 0);
            *search = 1;
        }
        let search = *search;
        heap.clear();
        best.clear();
        for f in from {
            let Some(edge) = graph.edges.get(f.edge as usize) else { continue };
            for e in to.on_edge(f.edge) {
                let d = f.base_m + graph.cost_between(f.edge, f.along_m, e.along_m) + e.base_m;
                if d <= threshold_m {
                    best.push((e.source, d));
                }
            }
            let (to_u, to_v) = graph.cost_to_ends(f.edge, f.along_m);
            for (node, d) in [(edge.u, f.base_m + to_u), (edge.v, f.base_m + to_v)] {
                if d.is_finite() && d >= 0.0 && d <= threshold_m {
                    heap.push(Reverse((d.to_bits(), node)));
                }
            }
        }
        while let Some(Reverse((bits, node))) = heap.pop() {
            if stamp[node as usize] == search {
                continue;
            }
            stamp[node as usize] = search;
            let d = f64::from_bits(bits);
            for arc in graph.neighbours(node) {
                let e = &graph.edges[arc.edge as usize];
                for entry in to.on_edge(arc.edge) {
                    let (to_u, to_v) = graph.cost_to_ends(arc.edge, entry.along_m);
                    let along = if e.u == node { to_u } else { to_v };
                    let reached = d + along + entry.base_m;
                    if reached <= threshold_m {
                        best.push((entry.source, reached));
                    }
                }
                let next = d + arc.cost_m;
                if next <= threshold_m && stamp[arc.to as usize] != search {
                    heap.push(Reverse((next.to_bits(), arc.to)));
                }
            }
        }
        // The nearest offer per source: sort by (source, distance) and keep the first of each.
        best.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut out: Vec<(u32, f64)> = Vec::with_capacity(best.len());
        for &(source, d) in best.iter() {
            if out.last().is_none_or(|l| l.0 != source) {
                out.push((source, d));
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::distances::category_distances;
    use crate::network::access::{Access, AccessKind, AccessPoint};
    use crate::network::compounds::{PieceAccess, WayPiece};
    use crate::network::snap::SnapPoint;
    use crate::rng::SplitMix64;
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
        let mut rng = SplitMix64::new(3);
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
        // The oracle per (site, estate); the search runs from each estate to the sites.
        let mut want: Vec<(u32, u32, f64)> = Vec::new();
        for (site, o) in oracle.iter().enumerate() {
            want.extend(o.within.iter().map(|w| (w.source, site as u32, w.dist_m)));
        }
        want.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        let site_index = EdgeEntries::new(&sites.iter().enumerate().map(|(i, s)| SourceEntry { source: i as u32, ..*s }).collect::<Vec<_>>());
        let mut got: Vec<(u32, u32, f64)> = Vec::new();
        for estate in 0..30u32 {
            let from: Vec<SourceEntry> = demand.iter().filter(|e| e.source == estate).copied().collect();
            got.extend(entries_within(&g, &from, &site_index, threshold).into_iter().map(|(site, d)| (estate, site, d)));
        }
        assert_eq!(got.len(), want.len());
        for (a, b) in got.iter().zip(&want) {
            assert_eq!((a.0, a.1), (b.0, b.1));
            assert!((a.2 - b.2).abs() < 1e-9, "{a:?} vs {b:?}");
        }
        let pairs = got.len();
        assert!(pairs > 40, "the instance should have reachable pairs: {pairs}");
    }
}
